"""Edge cases: an empty year, a period across a closure, counts of exactly 4 and 5, two centres,
the monthly dashboard, an audience report, an account that sees only some audiences."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.reports.data import (
    YEAR,
    build_year,
    contacts_total_by,
    counter_value,
    in_period,
)
from tests.reports.sheets import csv_sections, read_csv
from tremplin.core.admin import ensure_centre
from tremplin.core.app import App
from tremplin.core.bulk import insert_records
from tremplin.core.reports.build import (
    ReportError,
    annual_report,
    audience_report,
    build_report,
    monthly_report,
)
from tremplin.core.reports.render import render_bytes, to_dict


def figures(doc: dict[str, Any], section: str) -> dict[str, Any]:
    s = next(x for x in doc["sections"] if x["key"] == section)
    if s["kind"] == "key_figures":
        return {f["key"]: f for f in s["figures"]}
    if s["kind"] == "breakdown":
        return {r["key"]: r for r in [*s["rows"], s["total"]]}
    return {x["key"]: x for x in s["series"]}


def test_a_year_with_no_data(app: App, centre: int) -> None:
    with app.session() as session:
        report = annual_report(app, session, 2031, language="nl", published=True)
    doc = to_dict(report)
    overview = figures(doc, "overview")
    assert overview["contacts.total"]["value"] == 0 and overview["contacts.total"]["change"] is None
    assert all(
        v == 0 for s in doc["sections"] if s["kind"] == "monthly_chart" for ser in s["series"] for v in ser["values"]
    )
    assert "online" not in [s["key"] for s in doc["sections"]]  # no online figure known: no section
    gender = figures(doc, "profile.gender")
    assert gender["total"]["value"] == 0 and gender["total"]["share"] is None
    for fmt in ("html", "pdf", "xlsx", "csv", "json"):
        assert render_bytes(report, fmt)


def test_a_period_that_crosses_a_closure(app: App) -> None:
    y = build_year(app)
    start, end = date(YEAR, 5, 10), date(YEAR, 11, 15)  # from inside the spring closure into the autumn one
    with app.session() as session:
        report = build_report(app, session, "annual", start, end, language="en")
    doc = to_dict(report)
    chart = next(s for s in doc["sections"] if s["key"] == "monthly.multimedia")
    assert chart["months"] == [f"{YEAR}-{m:02d}" for m in range(5, 12)]
    assert [(c["start"], c["end"]) for c in chart["closures"]] == [
        (f"{YEAR}-05-10", f"{YEAR}-06-14"),
        (f"{YEAR}-11-01", f"{YEAR}-11-15"),
    ]
    # Partial first and last months count only the days inside the period.
    values = chart["series"][0]["values"]
    assert values[0] == counter_value(y, "multimedia.entries", in_period(start, date(YEAR, 5, 31)))
    assert values[-1] == counter_value(y, "multimedia.entries", in_period(date(YEAR, 11, 1), end))
    # Not a whole year or month: compared with as many days just before.
    assert report.previous.end == date(YEAR, 5, 9) and report.previous.days == report.period.days
    assert figures(doc, "overview")["contacts.total"]["previous"] == counter_value(
        y, "contacts.total", in_period(report.previous.start, report.previous.end)
    )


def _one_of_each(app: App, counts: dict[tuple[str, str], int]) -> None:
    with app.transaction() as session:
        c, _ = ensure_centre(session, "bxl", "Bruxelles")
        cid = c.id
    rows = []
    for (modality, gender), n in counts.items():
        day = date(2025, 3, 10)
        rows.append(
            {
                "centre_id": cid,
                "site_id": None,
                "occurred_at": datetime(2025, 3, 10, 10, tzinfo=UTC),
                "day": day,
                "audience": "general",
                "modality": modality,
                "channel": "walk_in",
                "themes": [],
                "language": "fr",
                "headcount": n,
                "gender": gender,
                "age_band": "unknown",
                "education": "unknown",
                "labour_status": "unknown",
                "attributes": {},
                "note": "",
            }
        )
    with app.db.engine.begin() as conn:
        insert_records(app, conn, "contacts", rows)


def test_cells_of_exactly_four_and_five_when_published(app: App) -> None:
    _one_of_each(app, {("multimedia", "woman"): 4, ("reception", "man"): 5, ("individual_advice", "unknown"): 30})
    with app.session() as session:
        published = annual_report(app, session, 2025, language="en", published=True)
        exact = annual_report(app, session, 2025, language="en")
    doc, raw = to_dict(published), to_dict(exact)
    overview = figures(doc, "overview")
    assert overview["multimedia.entries"]["value"] == "<5"
    assert overview["reception.contacts"]["value"] == 5
    gender = figures(doc, "profile.gender")
    assert gender["woman"]["value"] == "<5" and gender["woman"]["share"] == "<5"
    assert gender["man"]["value"] == "x"  # hidden too, or 39 - 30 - 5 would give the 4 away
    assert gender["unknown"]["value"] == 30 and gender["total"]["value"] == 39
    assert figures(raw, "profile.gender")["woman"]["value"] == 4  # exact for staff who may see it
    # Neither the CSV nor the XLSX lets the 4 through anywhere in the published gender table.
    section = next(s for s in doc["sections"] if s["key"] == "profile.gender")
    label = {r["key"]: r["label"] for r in [*section["rows"], section["total"]]}
    tables = csv_sections(read_csv(render_bytes(published, "csv"), "en"), [s["title"] for s in doc["sections"]])
    lines = {r[0]: r for r in tables[doc["sections"].index(section)][1:]}
    assert lines[label["woman"]][1:3] == ["<5", "<5"] and lines[label["man"]][1] == "x"
    assert lines[label["total"]][1] == "39"
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(render_bytes(published, "xlsx")))
    sheet = next(ws for ws in wb.worksheets if ws.cell(1, 1).value == section["title"])
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows[label["woman"]][1] == "<5" and rows[label["man"]][1] == "x" and rows[label["total"]][1] == 39
    monthly = figures(doc, "monthly.multimedia")["multimedia.entries"]
    assert monthly["values"][2] == "<5" and monthly["total"] == "<5"


def test_the_network_roll_up_of_two_centres(app: App) -> None:
    y = build_year(app, centres=("bxl", "lux"))
    bxl, lux = y.centre_ids["bxl"], y.centre_ids["lux"]
    with app.session() as session:
        both = to_dict(annual_report(app, session, YEAR, centres=["bxl", "lux"], language="en"))
        one = to_dict(annual_report(app, session, YEAR, centres=["lux"], language="en"))
        everyone = to_dict(annual_report(app, session, YEAR, language="en"))
    assert [c["code"] for c in both["centres"]] == ["bxl", "lux"]
    cur = lambda ids: in_period(date(YEAR, 1, 1), date(YEAR, 12, 31), ids)
    for key, f in figures(both, "overview").items():
        assert f["centres"] == {"bxl": counter_value(y, key, cur({bxl})), "lux": counter_value(y, key, cur({lux}))}
        assert f["value"] == f["centres"]["bxl"] + f["centres"]["lux"] == counter_value(y, key, cur(None))
    for key, f in figures(one, "overview").items():
        assert f["value"] == counter_value(y, key, cur({lux})) and f["centres"] == {}
    gender = figures(both, "profile.gender")
    split_lux = contacts_total_by(y, "gender", cur({lux}))
    assert {k: r["centres"]["lux"] for k, r in gender.items() if k != "total"} == {
        k: split_lux.get(k, 0) for k in gender if k != "total"
    }
    assert (
        figures(everyone, "overview")["contacts.total"]["value"] == figures(both, "overview")["contacts.total"]["value"]
    )
    # The printed report has a column per centre next to the total.
    with app.session() as session:
        html = render_bytes(annual_report(app, session, YEAR, centres=["bxl", "lux"], language="en"), "html").decode()
    assert '<th class="n">bxl</th><th class="n">lux</th><th class="n">Total</th>' in html


def test_monthly_dashboard_against_the_same_month_a_year_earlier(app: App) -> None:
    y = build_year(app)
    with app.session() as session:
        report = monthly_report(app, session, YEAR, 3, language="en")
    doc = to_dict(report)
    assert doc["period"] == {"start": f"{YEAR}-03-01", "end": f"{YEAR}-03-31", "label": f"{YEAR}-03"}
    assert (
        doc["previous_period"]["start"] == f"{YEAR - 1}-03-01" and doc["previous_period"]["end"] == f"{YEAR - 1}-03-31"
    )
    march = in_period(date(YEAR, 3, 1), date(YEAR, 3, 31))
    march_before = in_period(date(YEAR - 1, 3, 1), date(YEAR - 1, 3, 31))
    for key, f in figures(doc, "overview").items():
        assert (f["value"], f["previous"]) == (counter_value(y, key, march), counter_value(y, key, march_before))
    trend = next(s for s in doc["sections"] if s["key"] == "trend")
    assert trend["months"][0] == f"{YEAR - 1}-04" and trend["months"][-1] == f"{YEAR}-03"


def test_an_audience_report(app: App) -> None:
    y = build_year(app)
    with app.session() as session:
        doc = to_dict(audience_report(app, session, "neet", date(YEAR, 1, 1), date(YEAR, 12, 31), language="en"))
    keys = [s["key"] for s in doc["sections"]]
    assert "neet.touchngo" in keys and "figures.neet" in keys
    cur = in_period(date(YEAR, 1, 1), date(YEAR, 12, 31))
    shown = {**figures(doc, "neet.touchngo"), **figures(doc, "figures.neet")}
    assert set(shown) == {
        "neet.reached",
        "neet.awareness",
        "neet.individual_advice",
        "neet.group_activities",
        "neet.group_participants",
        "neet.cases",
    }
    for key, f in shown.items():
        assert f["value"] == counter_value(y, key, cur)
    by_gender = figures(doc, "neet.gender")
    assert by_gender["total"]["value"] == counter_value(y, "neet.reached", cur)


def test_an_account_sees_only_its_audiences(app: App) -> None:
    y = build_year(app)
    with app.session() as session:
        doc = to_dict(annual_report(app, session, YEAR, language="en", audiences=["general", "schools"]))
        with pytest.raises(PermissionError):
            audience_report(app, session, "neet", date(YEAR, 1, 1), date(YEAR, 12, 31), audiences=["schools"])
    text = json.dumps(doc)
    for hidden in ("neet.", "prisons.", "disability.", "formtruck.", "ukrainian."):
        assert hidden not in text
    keys = [s["key"] for s in doc["sections"]]
    assert "audiences.schools" in keys
    # Centre-wide figures mix every audience: an account that sees only some of them does not get them.
    assert "overview" not in keys and "profile.gender" not in keys and "audience" not in keys
    cur = in_period(date(YEAR, 1, 1), date(YEAR, 12, 31))
    schools = figures(doc, "audiences.schools")
    assert schools["schools.pupils"]["value"] == counter_value(y, "schools.pupils", cur)


def test_unknown_centre_or_audience_is_refused(app: App, centre: int) -> None:
    with app.session() as session:
        with pytest.raises(ReportError, match="unknown centre"):
            annual_report(app, session, 2025, centres=["nowhere"])
        with pytest.raises(ReportError, match="unknown audience"):
            audience_report(app, session, "astronauts", date(2025, 1, 1), date(2025, 12, 31))

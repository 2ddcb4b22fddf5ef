"""Dashboards read the roll-up: their figures are the roll-up's, for the periods they say. Charts are SVG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.web.conftest import Web
from tremplin.core import rollup
from tremplin.core.models import ClosurePeriod
from tremplin.core.records import log_activity, log_contact
from tremplin.core.web import charts
from tremplin.core.web.policy import visible_counters
from tremplin.core.web.routes.dashboard import periods, same_day_last_year

FIGURE = re.compile(r'data-counter="([^"]+)" data-period="([^"]+)" data-value="(\d+)"')
BXL = ZoneInfo("Europe/Brussels")


def seed(web: Web, today: date) -> None:
    app = web.app
    last_year = same_day_last_year(today)
    days = [
        today,
        today.replace(day=1),
        last_year,
        last_year.replace(day=1),
        today.replace(month=1, day=1),
        date(today.year - 1, 12, 31),
    ]
    with app.transaction() as session:
        for i, day in enumerate(days):
            # Half past ten, or now on a morning before it: a record of today is never in the future.
            moment = min(datetime.combine(day, time(10, 30), tzinfo=BXL), datetime.now(BXL))
            log_contact(
                app,
                session,
                {
                    "centre": "bxl",
                    "site": "reception",
                    "occurred_at": moment,
                    "audience": "general",
                    "modality": "reception",
                    "headcount": i + 1,
                    "themes": ["work"],
                    "language": "fr",
                },
            )
            log_contact(
                app,
                session,
                {
                    "centre": "bxl",
                    "occurred_at": moment,
                    "audience": "formtruck",
                    "modality": "individual_advice",
                    "channel": "field",
                    "headcount": 2 * i + 1,
                },
                {"commune": "ixelles"},
            )
            log_contact(
                app,
                session,
                {
                    "centre": "bxl",
                    "occurred_at": moment,
                    "audience": "prisons",
                    "modality": "group_activity",
                    "channel": "field",
                    "headcount": 3,
                },
                {"prison": "haren", "session": "group"},
            )
            log_activity(
                app,
                session,
                {
                    "centre": "bxl",
                    "starts_at": moment,
                    "audience": "neet",
                    "workshop": "escape_game",
                    "participants": 10 + i,
                },
            )
        session.add(
            ClosurePeriod(
                centre_id=web.centre_id,
                starts_on=today.replace(month=1, day=1),
                ends_on=today.replace(month=1, day=1) + timedelta(days=12),
                label="Lockdown",
            )
        )


def shown_figures(html: str) -> dict[tuple[str, str], int]:
    return {(counter, period): int(value) for counter, period, value in FIGURE.findall(html)}


@pytest.mark.parametrize("on", ["", "2024-02-29"])
def test_dashboard_figures_are_the_roll_up(web: Web, on: str) -> None:
    today = date.fromisoformat(on) if on else datetime.now(BXL).date()
    seed(web, today)
    client = web.client("programme_lead")
    page = client.get("/dashboard" + (f"?on={on}" if on else ""))
    assert page.status_code == 200
    shown = shown_figures(page.text)
    with web.app.session() as session:
        from tremplin.core.models import Staff

        keys = visible_counters(web.app, session.get(Staff, web.staff["programme_lead"]))
        expected = {}
        for name, (start, end) in periods(today).items():
            for key, value in rollup.totals(session, keys, start, end).items():
                expected[(key, name)] = value
    assert shown == expected
    assert shown[("contacts.total", "month")] > 0 and shown[("contacts.total", "month_last_year")] > 0
    assert shown[("neet.group_participants", "year")] > 0


def test_each_role_sees_its_audiences_figures_only(web: Web) -> None:
    today = datetime.now(BXL).date()
    seed(web, today)
    truck = web.client("formtruck_adviser").get("/dashboard").text
    counters = {c for c, _ in shown_figures(truck)}
    assert counters == {"formtruck.users"}
    assert "Formtruck" in truck and "/log/formtruck" in truck, "a quick link to its form"
    schools = web.client("schools_coordinator").get("/dashboard").text
    assert all(c.startswith("schools.") for c, _ in shown_figures(schools))
    counsellor = shown_figures(web.client("counsellor").get("/dashboard").text)
    assert {c.split(".")[0] for c, _ in counsellor} <= {"general", "ukrainian", "disability", "prisons"}
    assert ("contacts.total", "year") not in counsellor, (
        "centre-wide totals mix in audiences the counsellor does not see"
    )


def test_the_monthly_chart_is_svg_with_closures_shaded(web: Web) -> None:
    today = datetime.now(BXL).date()
    seed(web, today)
    page = web.client("programme_lead").get("/dashboard").text
    svg = page[page.index("<svg") : page.index("</svg>") + 6]
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.find("{http://www.w3.org/2000/svg}title").text.startswith("Contacts par modalité")
    assert 'class="closure"' in svg, "the closure period is shaded"
    assert "janv." in svg, "months in the user's language"
    uk = web.client("programme_lead")
    uk.get("/lang/uk")
    assert "січ." in uk.get("/dashboard").text
    # The chart's figures, by month, are the roll-up's.
    with web.app.session() as session:
        month = today.replace(day=1)
        by_month = rollup.read(
            session, ["contacts.total"], date(today.year, 1, 1), date(today.year, 12, 31), dim="modality", by_month=True
        )
        reception = by_month.get(("contacts.total", "reception", month), 0)
    assert reception > 0
    assert f"Accueil et information, {_month_fr(month)}: {reception}" in svg.replace("\u202f", "")


def _month_fr(month: date) -> str:
    from babel.dates import format_date

    return format_date(month, "MMM", locale="fr_BE")


def test_monthly_chart_is_a_pure_function() -> None:
    months = charts.month_starts(2020)
    series = {"individual_advice": [10 * m for m in range(12)], "multimedia": [5] * 12}
    svg = charts.monthly_chart(
        series,
        months,
        closures=[
            (date(2020, 3, 16), date(2020, 5, 17)),
            (date(2019, 12, 1), date(2020, 1, 10)),
            (date(2021, 2, 1), date(2021, 2, 2)),
        ],
        labels={"individual_advice": "Individual advice", "multimedia": "Multimedia <area>"},
        title="Contacts 2020 & more",
        closure_label="Lockdown",
    )
    root = ET.fromstring(svg)  # well-formed XML, labels escaped
    ns = "{http://www.w3.org/2000/svg}"
    closures = [r for r in root.iter(f"{ns}rect") if r.get("class") == "closure"]
    assert len(closures) == 2, "the closure outside the year is left out; the one overlapping January is clipped"
    january, march = sorted(float(c.get("x")) for c in closures)
    band = (720 - 64 - 16) / 12
    assert january == 64, "the closure from December is clipped to the first of January"
    assert 64 + 2.4 * band < march < 64 + 2.6 * band, "the lockdown starts in the middle of March"
    bars = [r for r in root.iter(f"{ns}rect") if r.find(f"{ns}title") is not None and r.get("class") != "closure"]
    assert len(bars) == 11 + 12, "one bar per non-zero value"
    assert "Multimedia &lt;area&gt;" in svg and "Contacts 2020 &amp; more" in svg
    assert "style=" not in svg and "<script" not in svg, "nothing a strict Content-Security-Policy would block"
    assert svg == charts.monthly_chart(
        series,
        months,
        [
            (date(2020, 3, 16), date(2020, 5, 17)),
            (date(2019, 12, 1), date(2020, 1, 10)),
            (date(2021, 2, 1), date(2021, 2, 2)),
        ],
        labels={"individual_advice": "Individual advice", "multimedia": "Multimedia <area>"},
        title="Contacts 2020 & more",
        closure_label="Lockdown",
    )
    with pytest.raises(ValueError):
        charts.monthly_chart({"a": [1, 2]}, months)
    empty = ET.fromstring(charts.monthly_chart({}, months))
    assert empty.tag == f"{ns}svg"
    assert charts.nice_ceiling(0) == (1.0, 0.25)
    assert charts.nice_ceiling(4321)[0] == 5000
    top, step = charts.nice_ceiling(87)
    assert top >= 87 and top / step in (3, 4, 5, 6)


def test_a_new_month_opens_on_the_latest_month_with_figures_and_says_so(web: Web) -> None:
    today = datetime.now(BXL).date()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=10)
    with web.app.transaction() as session:
        at = datetime.combine(last_month, time(10), tzinfo=BXL)
        values = {"centre": "bxl", "site": "reception", "occurred_at": at, "audience": "general"}
        values["modality"] = "reception"
        log_contact(web.app, session, {**values, "headcount": 7, "themes": ["work"], "language": "fr"})
    page = web.client("programme_lead").get("/dashboard").text
    shown = shown_figures(page)
    assert shown[("contacts.total", "month")] == 7, "the month shown is the last one with figures, not an empty one"
    from babel.dates import format_date

    lead = page[page.index('id="dashboard-period"') : page.index("</p>", page.index('id="dashboard-period"'))]
    assert format_date(last_month, "LLLL y", locale="fr_BE") in lead
    assert format_date(today, "LLLL y", locale="fr_BE") in lead
    assert f"/dashboard?on={today.isoformat()}" in lead, "and the empty month can still be opened"
    asked = shown_figures(web.client("programme_lead").get(f"/dashboard?on={today.isoformat()}").text)
    assert asked[("contacts.total", "month")] == 0


def test_previous_period_without_data_says_so_and_parts_are_shown_as_parts(web: Web) -> None:
    today = datetime.now(BXL).date()
    with web.app.transaction() as session:
        for modality in ("individual_advice", "remote_advice"):
            at = datetime.combine(today, time(9), tzinfo=BXL)
            values = {"centre": "bxl", "site": "advice", "occurred_at": at, "audience": "general", "modality": modality}
            log_contact(web.app, session, {**values, "headcount": 2, "themes": ["work"], "language": "fr"})
    page = web.client("programme_lead").get("/dashboard").text
    row = page[page.index('id="figure-individual_advice-remote"') :]
    row = row[: row.index("</tr>")]
    start = page.index('id="figure-individual_advice-remote"')
    assert 'class="part"' in page[start - 40 : start + 60]
    assert "dont" in row and "pas de données" in row  # of which; nothing was counted last year
    assert shown_figures(page)[("individual_advice.contacts", "month")] == 4  # remote advice is a part of it


DIMENSION_TABLE = re.compile(
    r'<table id="dimension-[^"]+" data-counter="([^"]+)" data-dimension="([^"]+)">(.*?)</table>', re.S
)
DIMENSION_ROW = re.compile(
    r'<tr data-value-code="([^"]+)"><th scope="row">([^<]*)</th><td class="num" data-value="(\d+)"'
)


def dimension_tables(html: str) -> dict[tuple[str, str], dict[str, tuple[str, int]]]:
    return {
        (counter, dim): {code: (label, int(value)) for code, label, value in DIMENSION_ROW.findall(body)}
        for counter, dim, body in DIMENSION_TABLE.findall(html)
    }


def test_the_dashboard_shows_each_audience_by_its_dimensions(web: Web) -> None:
    """The Formtruck's people by stop and by commune, year to date, for the accounts that see the Formtruck."""
    today = datetime.now(BXL).date()
    seed(web, today)
    app = web.app
    with app.transaction() as session:
        moment = datetime.combine(today, time(11, 0), tzinfo=BXL)
        for commune, headcount in (("schaerbeek", 4), ("ixelles", 2)):
            log_contact(
                app,
                session,
                {
                    "centre": "bxl",
                    "site": "truck-flagey",
                    "occurred_at": moment,
                    "audience": "formtruck",
                    "modality": "individual_advice",
                    "channel": "field",
                    "headcount": headcount,
                },
                {"commune": commune},
            )
    truck = dimension_tables(web.client("formtruck_adviser").get("/dashboard").text)
    assert set(truck) == {("formtruck.users", "formtruck.stop"), ("formtruck.users", "formtruck.commune")}
    start = today.replace(month=1, day=1)
    with app.session() as session:
        by_commune = {
            v: n
            for (_c, v), n in rollup.read(session, ["formtruck.users"], start, today, dim="formtruck.commune").items()
            if n
        }
        by_stop = {
            v: n
            for (_c, v), n in rollup.read(session, ["formtruck.users"], start, today, dim="formtruck.stop").items()
            if n
        }
    assert {code: n for code, (_label, n) in truck[("formtruck.users", "formtruck.commune")].items()} == by_commune
    assert truck[("formtruck.users", "formtruck.commune")]["schaerbeek"] == ("Schaerbeek", 4)
    stops = truck[("formtruck.users", "formtruck.stop")]
    assert stops["truck-flagey"] == ("Truck Flagey", 6) and sum(n for _l, n in stops.values()) == sum(by_stop.values())
    # Each account sees the dimensions of its audiences only.
    counsellor = dimension_tables(web.client("counsellor").get("/dashboard").text)
    assert set(counsellor) == {("prisons.reached", "prisons.prison")}
    assert counsellor[("prisons.reached", "prisons.prison")]["haren"][0] == "Haren"
    assert not dimension_tables(web.client("schools_coordinator").get("/dashboard").text)

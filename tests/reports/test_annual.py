"""Every figure of the annual report, against values worked out in the test from the records written."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from tests.reports.data import (
    YEAR,
    Year,
    build_year,
    contacts_total_by,
    counter_value,
    in_period,
)
from tremplin.core.app import App
from tremplin.core.reports.build import annual_report
from tremplin.core.reports.render import to_dict

START, END = date(YEAR, 1, 1), date(YEAR, 12, 31)
PREV = (date(YEAR - 1, 1, 1), date(YEAR - 1, 12, 31))


def month_keep(month: int, extra: Any = None) -> Any:
    last = calendar.monthrange(YEAR, month)[1]
    return in_period(date(YEAR, month, 1), date(YEAR, month, last))


def expected_figures(y: Year, doc: dict[str, Any]) -> dict[tuple[str, ...], Any]:
    """Every number the annual report should carry, keyed (section, row, column), from the records."""
    cur = in_period(START, END)
    prev = in_period(*PREV)
    exp: dict[tuple[str, ...], Any] = {}
    for sec in doc["sections"]:
        key = sec["key"]
        if sec["kind"] == "key_figures":
            for f in sec["figures"]:
                v, p = counter_value(y, f["key"], cur), counter_value(y, f["key"], prev)
                exp[(key, f["key"], "value")] = v
                exp[(key, f["key"], "previous")] = p
                exp[(key, f["key"], "change")] = round((v - p) / p, 4) if p else None
        elif sec["kind"] == "breakdown":
            assert sec["counter"] == "contacts.total"
            split = contacts_total_by(y, sec["dim"], cur)
            total = counter_value(y, "contacts.total", cur)
            for r in sec["rows"]:
                exp[(key, r["key"], "value")] = split.get(r["key"], 0)
                exp[(key, r["key"], "share")] = round(split.get(r["key"], 0) / total, 4) if total else None
            exp[(key, "total", "value")] = total
            exp[(key, "total", "share")] = 1.0 if total else None
            # No value of the dimension is left out of the rows (only zero "unknown" rows may be).
            assert {k for k, v in split.items() if v} <= {r["key"] for r in sec["rows"]}
        elif sec["kind"] == "monthly_chart":
            for s in sec["series"]:
                for i, _ in enumerate(sec["months"]):
                    keep = month_keep(i + 1)
                    if sec["dim"]:
                        v = contacts_total_by(y, sec["dim"], keep).get(s["key"], 0)
                    else:
                        v = counter_value(y, s["key"], keep)
                    exp[(key, s["key"], str(i))] = v
                exp[(key, s["key"], "total")] = sum(exp[(key, s["key"], str(i))] for i in range(12))
        elif sec["kind"] == "online_figures":
            exp[(key, "instagram.followers", "value")] = 387
            exp[(key, "instagram.followers", "previous")] = 50
            exp[(key, "website.page_views", "value")] = 288483
            exp[(key, "website.page_views", "previous")] = None
    return exp


def actual_figures(doc: dict[str, Any]) -> dict[tuple[str, ...], Any]:
    out: dict[tuple[str, ...], Any] = {}
    for sec in doc["sections"]:
        key = sec["key"]
        if sec["kind"] == "key_figures":
            for f in sec["figures"]:
                for col in ("value", "previous", "change"):
                    out[(key, f["key"], col)] = f[col]
        elif sec["kind"] == "breakdown":
            for r in [*sec["rows"], sec["total"]]:
                out[(key, r["key"], "value")] = r["value"]
                out[(key, r["key"], "share")] = r["share"]
        elif sec["kind"] == "monthly_chart":
            for s in sec["series"]:
                for i, v in enumerate(s["values"]):
                    out[(key, s["key"], str(i))] = v
                out[(key, s["key"], "total")] = s["total"]
        elif sec["kind"] == "online_figures":
            for r in sec["rows"]:
                out[(key, f"{r['source']}.{r['metric']}", "value")] = r["value"]
                out[(key, f"{r['source']}.{r['metric']}", "previous")] = r["previous"]
    return out


def test_every_figure_of_the_annual_report(app: App) -> None:
    y = build_year(app)
    with app.session() as session:
        report = annual_report(app, session, YEAR, language="en")
    doc = to_dict(report)
    exp = expected_figures(y, doc)
    act = actual_figures(doc)
    assert set(act) == set(exp)
    wrong = {k: (act[k], exp[k]) for k in exp if act[k] != exp[k]}
    assert not wrong, wrong
    assert len(exp) > 300  # the report really is checked figure by figure


def test_the_annual_report_has_the_centres_shape(app: App) -> None:
    build_year(app)
    with app.session() as session:
        doc = to_dict(annual_report(app, session, YEAR, language="fr"))
    keys = [s["key"] for s in doc["sections"]]
    # The year in figures, the monthly charts per modality, the public's profile, the specific
    # audiences (the NEET plugin's own section in their place), fairs and events, online, method.
    for k in (
        "overview",
        "modality",
        "monthly.modality",
        "monthly.multimedia",
        "monthly.individual_advice",
        "monthly.group_activities",
        "profile.gender",
        "profile.age_band",
        "profile.language",
        "profile.theme",
        "profile.channel",
        "audiences.schools",
        "audiences.prisons",
        "audiences.disability",
        "audiences.formtruck",
        "audiences.ukrainian",
        "neet.touchngo",
        "events",
        "online",
        "method",
    ):
        assert k in keys, k
    assert "audiences.neet" not in keys  # the plugin's section replaces the generic one
    assert keys.index("neet.touchngo") > keys.index("audiences.ukrainian") and keys.index("neet.touchngo") < keys.index(
        "events"
    )
    overview = doc["sections"][0]
    assert [f["key"] for f in overview["figures"]][:2] == ["contacts.total", "individual_advice.contacts"]
    assert overview["title"] == "L'année en chiffres"
    gender = next(s for s in doc["sections"] if s["key"] == "profile.gender")
    assert [r["label"] for r in gender["rows"]] == ["Femme", "Homme", "Non binaire", "Inconnu"]
    assert doc["title"] == f"Rapport annuel d'activité {YEAR}"


def test_closures_overlapping_the_year_are_shaded_per_scope(app: App) -> None:
    build_year(app)
    with app.session() as session:
        report = annual_report(app, session, YEAR)
    multimedia = report.section("monthly.multimedia")
    advice = report.section("monthly.individual_advice")
    spans = lambda s: [(c.start, c.end, c.scope) for c in s.closures]
    # The winter break started the year before: clipped to the year. The works of the year before: out.
    assert spans(multimedia) == [
        (date(YEAR, 1, 1), date(YEAR, 1, 3), "all"),
        (date(YEAR, 3, 16), date(YEAR, 6, 14), "multimedia"),
        (date(YEAR, 11, 1), date(YEAR, 12, 31), "all"),
    ]
    assert spans(advice) == [
        (date(YEAR, 1, 1), date(YEAR, 1, 3), "all"),
        (date(YEAR, 11, 1), date(YEAR, 12, 31), "all"),
    ]
    svg = __import__("tremplin.core.reports.charts", fromlist=["monthly_svg"]).monthly_svg(
        multimedia, "en", report.marks
    )
    assert svg.count('class="closure"') == 3


def test_the_report_reads_the_rollup_in_a_few_queries(app: App) -> None:
    build_year(app)
    from tremplin.core.reports import build as b

    seen: list[int] = []
    original = b.Reader._load

    def counting(self: Any, *args: Any) -> Any:
        out = original(self, *args)
        seen.append(self.queries)
        return out

    b.Reader._load = counting  # type: ignore[method-assign]
    try:
        with app.session() as session:
            annual_report(app, session, YEAR)
    finally:
        b.Reader._load = original  # type: ignore[method-assign]
    assert max(seen) <= 14

"""The ESF+ report: every common indicator against values worked out by hand, on SQLite and PostgreSQL.

The known data set (``esf_data``) is eight NEET participants, one case of a non-cofinanced audience and
some anonymous contacts. Each participant's line below says what it must count in; the expected tables
are then added up by hand from those lines, not computed by the code under test.

    P1  woman, 18-24, ISCED 0-2, unemployed, disability yes, rural no. In 15 Jan, out 1 Mar.
        job searching 5 Mar then employed 20 Mar -> EECR04 only; employed 1 Sep (6 months) -> EECR05, EECR06
    P2  man, 25-29, ISCED 3-4, long-term unemployed, third-country national yes, foreign background yes.
        In 1 Feb, out 1 Apr. employed 5 Apr then job searching 20 Apr -> EECR01 only;
        job searching 1 Oct (6 months) -> no EECR05/EECR06
    P3  non-binary, under 18, ISCED 0-2, inactive, minority yes, homeless DECLINED. In 1 Mar, moved to
        the in_training stage 1 Apr, out 1 May -> in training upon leaving, EECR02; qualification 29 May
        (day 28) -> EECR03; in education 1 Nov (6 months, inactive at entry) -> EECR06, not EECR05
    P4  woman, 55-64, ISCED 5-8, employed, disability DECLINED, rural yes. In 10 Apr, out 10 May.
        qualification 7 Jun (day 28) -> EECR03; employed 8 Jun (day 29) -> no EECR04;
        self-employed 10 Nov (6 months) -> EECR05; employed at entry -> no EECR06
    P5  gender unknown, 30-49, foreign diploma (recognised), self-employed, homeless yes. In 5 May, still in.
    P6  man, 18-24, ISCED 3-4, in education (inactive), foreign background unknown. In 5 Jan, out 1 Feb,
        in education 10 Feb -> EECR02 at 30 June; BACK 15 Jul, out 1 Aug, job searching 29 Aug (day 28)
        -> at 31 December: EECR01 and no longer EECR02 (results follow the last exit); one participant
    P7  woman, 18-24, education unknown, unemployed. In 10 Jul (after 30 June), out 15 Aug; employed and
        job searching the same day 15 Aug -> EECR04 (a tie goes to employment)
    P9  woman, 25-29, ISCED 3-4, unemployed, disability no. In 1 Sep 2024, out 1 Oct 2024 (before the
        period); in training 20 Oct 2024 -> EECR02; employed 1 Apr 2025 (6 months) -> EECR05, EECR06.
        In the cumulative values, not in the period's.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tremplin.core.app import App
from tremplin.core.models import AuditEvent, Case, OnlineMetric, Staff
from tremplin.core.records import log_activity, log_contact, move_case, open_case, record_outcome, reenter_case
from tremplin.core.reports.esf import (
    BREAKDOWN_KEYS,
    INDICATORS,
    PARTICIPANT_COLUMNS,
    EsfError,
    Estimate,
    build_esf_report,
    compute_indicators,
    cumulative_cutoffs,
    load_estimates,
    participant_rows,
    participant_table,
    record_estimate,
    transmission_date,
    withdraw_estimate,
)
from tremplin.core.reports.sections import Note, Table

START, END = date(2025, 1, 1), date(2025, 12, 31)
JUNE, DECEMBER = date(2025, 6, 30), date(2025, 12, 31)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "esf.md"


def bd(w: int = 0, m: int = 0, n: int = 0, t: int | None = None) -> dict[str, int]:
    """A breakdown; the total defaults to the sum (it is larger when some genders are unknown)."""
    return {"women": w, "men": m, "non_binary": n, "total": w + m + n if t is None else t}


def make_case(
    app: App,
    s: Any,
    centre_id: int,
    entered: date,
    *,
    gender: str = "unknown",
    age_band: str = "unknown",
    education: str = "unknown",
    labour_status: str = "unknown",
    profile: dict[str, str] | None = None,
    path: tuple[tuple[str, date], ...] = (),
    outcomes: tuple[tuple[str, date], ...] = (),
    staff: Staff | None = None,
    audience: str = "neet",
) -> Case:
    case = open_case(
        app,
        s,
        centre_id,
        audience,
        consent_on=entered,
        entered_on=entered,
        gender=gender,
        age_band=age_band,
        education=education,
        labour_status=labour_status,
        profile=profile or {},
        staff=staff,
    )
    for stage, day in path:
        if stage == "reenter":
            reenter_case(app, s, case, day, staff=staff)
        else:
            move_case(app, s, case, stage, staff=staff, on=day)
    for kind, day in outcomes:
        record_outcome(app, s, case, kind, day, staff=staff)
    return case


@pytest.fixture
def staff(app: App, centre: int) -> Staff:
    with app.transaction() as s:
        person = Staff(
            username="marie.dupont", display_name="Marie Dupont", roles=["lead"], audiences=["*"], centre_id=centre
        )
        s.add(person)
        s.flush()
        s.expunge(person)
        return person


@pytest.fixture
def esf_data(app: App, centre: int, staff: Staff) -> dict[str, str]:
    """The known data set of the module docstring; returns participant name -> case code."""
    codes: dict[str, str] = {}
    with app.transaction() as s:
        me = s.get(Staff, staff.id)
        codes["P1"] = make_case(
            app,
            s,
            centre,
            date(2025, 1, 15),
            gender="woman",
            age_band="18_24",
            education="isced_0_2",
            labour_status="unemployed",
            profile={"disability": "yes", "rural": "no"},
            path=(("left", date(2025, 3, 1)),),
            outcomes=(
                ("job_searching", date(2025, 3, 5)),
                ("in_employment", date(2025, 3, 20)),
                ("in_employment", date(2025, 9, 1)),
            ),
            staff=me,
        ).code
        codes["P2"] = make_case(
            app,
            s,
            centre,
            date(2025, 2, 1),
            gender="man",
            age_band="25_29",
            education="isced_3_4",
            labour_status="long_term_unemployed",
            profile={"third_country_national": "yes", "foreign_background": "yes"},
            path=(("left", date(2025, 4, 1)),),
            outcomes=(
                ("in_employment", date(2025, 4, 5)),
                ("job_searching", date(2025, 4, 20)),
                ("job_searching", date(2025, 10, 1)),
            ),
            staff=me,
        ).code
        codes["P3"] = make_case(
            app,
            s,
            centre,
            date(2025, 3, 1),
            gender="non_binary",
            age_band="under_18",
            education="isced_0_2",
            labour_status="inactive",
            profile={"minority": "yes", "homeless": "declined"},
            path=(
                ("engaged", date(2025, 3, 5)),
                ("guided", date(2025, 3, 10)),
                ("in_training", date(2025, 4, 1)),
                ("left", date(2025, 5, 1)),
            ),
            outcomes=(("qualification", date(2025, 5, 29)), ("in_education", date(2025, 11, 1))),
            staff=me,
        ).code
        codes["P4"] = make_case(
            app,
            s,
            centre,
            date(2025, 4, 10),
            gender="woman",
            age_band="55_64",
            education="isced_5_8",
            labour_status="employed",
            profile={"disability": "declined", "rural": "yes"},
            path=(("left", date(2025, 5, 10)),),
            outcomes=(
                ("qualification", date(2025, 6, 7)),
                ("in_employment", date(2025, 6, 8)),
                ("self_employed", date(2025, 11, 10)),
            ),
            staff=me,
        ).code
        codes["P5"] = make_case(
            app,
            s,
            centre,
            date(2025, 5, 5),
            gender="unknown",
            age_band="30_49",
            education="foreign_recognised",
            labour_status="self_employed",
            profile={"homeless": "yes"},
            staff=me,
        ).code
        codes["P6"] = make_case(
            app,
            s,
            centre,
            date(2025, 1, 5),
            gender="man",
            age_band="18_24",
            education="isced_3_4",
            labour_status="in_education",
            profile={"foreign_background": "unknown"},
            path=(("left", date(2025, 2, 1)), ("reenter", date(2025, 7, 15)), ("left", date(2025, 8, 1))),
            outcomes=(("in_education", date(2025, 2, 10)), ("job_searching", date(2025, 8, 29))),
            staff=me,
        ).code
        codes["P7"] = make_case(
            app,
            s,
            centre,
            date(2025, 7, 10),
            gender="woman",
            age_band="18_24",
            education="unknown",
            labour_status="unemployed",
            path=(("left", date(2025, 8, 15)),),
            outcomes=(("in_employment", date(2025, 8, 15)), ("job_searching", date(2025, 8, 15))),
            staff=me,
        ).code
        codes["P9"] = make_case(
            app,
            s,
            centre,
            date(2024, 9, 1),
            gender="woman",
            age_band="25_29",
            education="isced_3_4",
            labour_status="unemployed",
            profile={"disability": "no"},
            path=(("left", date(2024, 10, 1)),),
            outcomes=(("in_training", date(2024, 10, 20)), ("in_employment", date(2025, 4, 1))),
            staff=me,
        ).code
        # Not participants: a case of an audience that is not cofinanced, and anonymous contacts.
        make_case(
            app, s, centre, date(2025, 2, 2), gender="man", labour_status="unemployed", audience="prisons", staff=me
        )
        for when, headcount, place in (
            ("2025-03-01T10:00", 7, "street"),
            ("2025-09-15T15:00", 5, "youth_centre"),
            ("2024-12-31T11:00", 3, "street"),
        ):
            log_contact(
                app,
                s,
                {
                    "centre": "bxl",
                    "occurred_at": when,
                    "audience": "neet",
                    "modality": "field_awareness",
                    "channel": "field",
                    "headcount": headcount,
                    "language": "fr",
                },
                {"place": place},
            )
        log_contact(
            app,
            s,
            {
                "centre": "bxl",
                "occurred_at": "2025-04-02T09:30",
                "audience": "neet",
                "modality": "individual_advice",
                "channel": "walk_in",
                "language": "fr",
            },
        )
        log_contact(
            app,
            s,
            {
                "centre": "bxl",
                "occurred_at": "2025-05-05T09:30",
                "audience": "general",
                "modality": "reception",
                "channel": "walk_in",
                "headcount": 4,
                "language": "fr",
            },
        )
        log_activity(
            app,
            s,
            {
                "centre": "bxl",
                "starts_at": "2025-04-02T14:00",
                "audience": "neet",
                "workshop": "escape_game",
                "participants": 9,
                "language": "fr",
            },
        )
        log_activity(
            app,
            s,
            {
                "centre": "bxl",
                "starts_at": "2025-10-10T14:00",
                "audience": "neet",
                "workshop": "career_game",
                "format": "online",
                "participants": 6,
                "language": "fr",
            },
        )
        for day, source, metric, value in (
            (date(2025, 3, 1), "instagram:touchngo", "followers", 100),
            (date(2025, 6, 1), "instagram:touchngo", "followers", 120),
            (date(2026, 1, 5), "instagram:touchngo", "followers", 150),  # after the period
            (date(2025, 5, 1), "Instagram:touchngo_bis", "followers", 40),
            (date(2025, 5, 1), "facebook:touchngo", "followers", 999),  # not Instagram
            (date(2025, 6, 1), "instagram:touchngo", "posts", 10),  # not followers
        ):
            s.add(OnlineMetric(centre_id=centre, day=day, source=source, metric=metric, value=value))
    return codes


# ------------------------------------------------------------------------------------------------
# Expected values, added up by hand from the docstring (W, M, N, total)

OUTPUTS_JUNE = {  # P1 P2 P3 P4 P5 P6 P9
    "EECO01": bd(3, 2, 1, 7),  # W: P1 P4 P9, M: P2 P6, N: P3, unknown: P5
    "EECO02": bd(2, 1, 0),  # P1 P9 / P2
    "EECO03": bd(0, 1, 0),  # P2
    "EECO04": bd(0, 1, 1),  # P6 (in education) / P3
    "EECO05": bd(1, 0, 0, 2),  # P4 + P5 (gender unknown)
    "EECO06": bd(0, 0, 1),  # P3
    "EECO07": bd(2, 2, 0),  # P1 P9 / P2 P6
    "EECO08": bd(1, 0, 0),  # P4
    "EECO09": bd(1, 0, 1),  # P1 / P3
    "EECO10": bd(1, 2, 0),  # P9 / P2 P6
    "EECO11": bd(1, 0, 0),  # P4 (P5's foreign diploma is in none)
    "EECO12": bd(1, 0, 0),  # P1 (P4 declined)
    "EECO13": bd(0, 1, 0),  # P2
    "EECO14": bd(0, 1, 0),  # P2 (P6 unknown)
    "EECO15": bd(0, 0, 1),  # P3
    "EECO16": bd(0, 0, 0, 1),  # P5 (P3 declined)
    "EECO17": bd(1, 0, 0),  # P4
}
OUTPUTS_DECEMBER = {**OUTPUTS_JUNE, "EECO01": bd(4, 2, 1, 8), "EECO02": bd(3, 1, 0), "EECO07": bd(3, 2, 0)}  # + P7
OUTPUTS_PERIOD = {  # P1-P7 (P9 left before the period)
    **OUTPUTS_DECEMBER,
    "EECO01": bd(3, 2, 1, 7),
    "EECO02": bd(2, 1, 0),  # P1 P7 / P2
    "EECO07": bd(2, 2, 0),  # P1 P7 / P2 P6
    "EECO10": bd(0, 2, 0),  # P2 P6
}
RESULTS_JUNE = {
    "EECR01": bd(0, 1, 0),  # P2
    "EECR02": bd(1, 1, 1),  # P9 / P6 (first exit) / P3 (in training when leaving)
    "EECR03": bd(1, 0, 1),  # P4 / P3
    "EECR04": bd(1, 0, 0),  # P1
    "EECR05": bd(1, 0, 0),  # P9
    "EECR06": bd(1, 0, 0),  # P9
}
RESULTS_DECEMBER = {
    "EECR01": bd(0, 2, 0),  # P2 P6 (second exit)
    "EECR02": bd(1, 0, 1),  # P9 / P3
    "EECR03": bd(1, 0, 1),  # P4 / P3
    "EECR04": bd(2, 0, 0),  # P1 P7
    "EECR05": bd(3, 0, 0),  # P1 P4 P9
    "EECR06": bd(2, 0, 1),  # P1 P9 / P3
}
RESULTS_PERIOD = {  # participants who left in 2025: P1 P2 P3 P4 P6 P7
    "EECR01": bd(0, 2, 0),
    "EECR02": bd(0, 0, 1),
    "EECR03": bd(1, 0, 1),
    "EECR04": bd(2, 0, 0),
    "EECR05": bd(2, 0, 0),  # P1 P4
    "EECR06": bd(1, 0, 1),  # P1 / P3
}
ANSWERS_DECEMBER = {  # 8 participants
    "disability": {"yes": 1, "no": 1, "declined": 1, "unknown": 5},
    "third_country_national": {"yes": 1, "no": 0, "declined": 0, "unknown": 7},
    "foreign_background": {"yes": 1, "no": 0, "declined": 0, "unknown": 7},
    "minority": {"yes": 1, "no": 0, "declined": 0, "unknown": 7},
    "homeless": {"yes": 1, "no": 0, "declined": 1, "unknown": 6},
    "rural": {"yes": 1, "no": 1, "declined": 0, "unknown": 6},
}
GAPS_DECEMBER = {
    "gender_unknown": 1,
    "labour_status_unknown": 0,
    "age_band_unknown": 0,
    "education_unknown": 1,
    "education_foreign_level_unknown": 1,
}
PROGRAMME = {
    "neet.reached": 7 + 5 + 1 + 9 + 6,  # headcounts of 2025 NEET contacts + group participants
    "neet.awareness": 7 + 5,
    "neet.individual_advice": 1,
    "neet.group_activities": 2,
    "neet.group_participants": 9 + 6,
    "neet.awareness_actions": 2,
    "social_media.followers.instagram:touchngo": 120,
    "social_media.followers.Instagram:touchngo_bis": 40,
    "social_media.followers": 160,
}


def table_values(section: Table) -> dict[str, dict[str, Any]]:
    return {row["code"]: {k: row[k] for k in BREAKDOWN_KEYS} for row in section.rows}  # type: ignore[misc]


def sections_by_key(sections: list[Any]) -> dict[str, Any]:
    return {sec.key: sec for sec in sections}


# ------------------------------------------------------------------------------------------------
# Every indicator


def test_compute_indicators_cumulative_and_period(app: App, centre: int, esf_data: dict[str, str]) -> None:
    with app.transaction() as s:
        june = compute_indicators(app, s, "neet", START, JUNE, cumulative=True)
        december = compute_indicators(app, s, "neet", START, DECEMBER, cumulative=True)
        period = compute_indicators(app, s, "neet", START, END)
    assert june.outputs == OUTPUTS_JUNE
    assert june.results == RESULTS_JUNE
    assert december.outputs == OUTPUTS_DECEMBER
    assert december.results == RESULTS_DECEMBER
    assert period.outputs == OUTPUTS_PERIOD
    assert period.results == RESULTS_PERIOD
    assert december.answers == ANSWERS_DECEMBER
    assert december.gaps == GAPS_DECEMBER
    # Cumulative since the operation's first entry (P9, 2024), not since the period's start.
    assert june.start == december.start == date(2024, 9, 1)
    assert set(december.not_applicable) == {"EECO18", "EECO19"}
    assert not december.estimated
    assert december.participants == 8


def test_report_tables_carry_every_indicator(app: App, centre: int, esf_data: dict[str, str]) -> None:
    with app.transaction() as s:
        sections = build_esf_report(app, s, "neet", START, END, centre_ids=[centre])
    keys = [sec.key for sec in sections]
    assert keys == [
        "esf.about",
        "esf.outputs.cumulative.2025-06-30",
        "esf.results.cumulative.2025-06-30",
        "esf.outputs.cumulative.2025-12-31",
        "esf.results.cumulative.2025-12-31",
        "esf.outputs.period",
        "esf.results.period",
        "esf.answers",
        "esf.completeness",
        "esf.programme",
        "esf.method",
        "esf.participant_file",
    ]
    by_key = sections_by_key(sections)
    na = {"women": None, "men": None, "non_binary": None, "total": None}
    for key, outputs, results in (
        ("cumulative.2025-06-30", OUTPUTS_JUNE, RESULTS_JUNE),
        ("cumulative.2025-12-31", OUTPUTS_DECEMBER, RESULTS_DECEMBER),
        ("period", OUTPUTS_PERIOD, RESULTS_PERIOD),
    ):
        out_table, res_table = by_key[f"esf.outputs.{key}"], by_key[f"esf.results.{key}"]
        assert isinstance(out_table, Table) and isinstance(res_table, Table)
        assert (
            out_table.columns
            == res_table.columns
            == ("code", "indicator", "women", "men", "non_binary", "total", "basis")
        )
        assert len(out_table.labels) == len(out_table.columns)
        assert table_values(out_table) == {**outputs, "EECO18": na, "EECO19": na}
        assert table_values(res_table) == results
        basis = {row["code"]: row["basis"] for row in out_table.rows}
        assert basis["EECO18"] == basis["EECO19"] == "not_applicable"
        assert {basis[c] for c in outputs} == {"recorded"}
        for table in (out_table, res_table):
            for row in table.rows:
                assert row["indicator"] == INDICATORS[str(row["code"])].label.en
    june_title = by_key["esf.outputs.cumulative.2025-06-30"].title
    assert "31 July 2025" in june_title.en and "1 September 2024" in june_title.en
    assert "31 janvier 2026" in by_key["esf.results.cumulative.2025-12-31"].title.fr
    answers = {
        row["question"]: {k: row[k] for k in ("yes", "no", "declined", "unknown")} for row in by_key["esf.answers"].rows
    }
    assert answers == ANSWERS_DECEMBER
    assert {row["item"]: row["participants"] for row in by_key["esf.completeness"].rows} == GAPS_DECEMBER
    programme = by_key["esf.programme"]
    assert programme.columns == ("key", "indicator", "value")
    assert {row["key"]: row["value"] for row in programme.rows} == PROGRAMME
    assert isinstance(by_key["esf.method"], Note) and "28 days" in by_key["esf.method"].text.en
    assert "8 (cumulative), 7 in the period" in by_key["esf.about"].text.en


def test_report_in_another_language(app: App, centre: int, esf_data: dict[str, str]) -> None:
    with app.transaction() as s:
        by_key = sections_by_key(build_esf_report(app, s, "neet", START, JUNE, language="fr"))
    rows = {row["code"]: row for row in by_key["esf.outputs.cumulative.2025-06-30"].rows}
    assert rows["EECO01"]["indicator"] == "Nombre total de participants"
    assert by_key["esf.outputs.cumulative.2025-06-30"].labels[2].get("fr") == "Femmes"
    # A period that ends on a cut-off has one cumulative snapshot; the programme figures are the period's.
    assert "esf.outputs.cumulative.2025-12-31" not in by_key
    programme = {row["key"]: row["value"] for row in by_key["esf.programme"].rows}
    assert programme["neet.awareness"] == 7 and programme["neet.group_participants"] == 9
    assert programme["social_media.followers"] == 120 + 40


def test_a_period_without_a_cutoff_gets_a_provisional_snapshot(app: App, centre: int, esf_data: dict[str, str]) -> None:
    with app.transaction() as s:
        by_key = sections_by_key(build_esf_report(app, s, "neet", date(2025, 1, 1), date(2025, 3, 31)))
    table = by_key["esf.outputs.cumulative.2025-03-31"]
    assert "provisional" in table.title.en
    # In by 31 March: P1 P2 P3 P6 P9 -> W: P1 P9, M: P2 P6, N: P3.
    assert table_values(table)["EECO01"] == bd(2, 2, 1)


def test_no_participants(app: App, centre: int) -> None:
    with app.transaction() as s:
        ind = compute_indicators(app, s, "neet", START, END, cumulative=True)
        sections = build_esf_report(app, s, "neet", START, END)
    assert all(v == bd() for v in ind.outputs.values())
    assert all(v == bd() for v in ind.results.values())
    assert sections_by_key(sections)["esf.outputs.period"].rows[0]["total"] == 0


# ------------------------------------------------------------------------------------------------
# Edge cases, one at a time


def test_a_person_who_reenters_counts_once(app: App, centre: int) -> None:
    with app.transaction() as s:
        code = make_case(
            app,
            s,
            centre,
            date(2025, 1, 10),
            gender="woman",
            labour_status="unemployed",
            path=(
                ("left", date(2025, 2, 1)),
                ("reenter", date(2025, 3, 1)),
                ("left", date(2025, 4, 1)),
                ("reenter", date(2025, 9, 1)),
            ),
        ).code
    with app.transaction() as s:
        for end in (date(2025, 2, 15), JUNE, DECEMBER):
            ind = compute_indicators(app, s, "neet", START, end, cumulative=True)
            assert ind.outputs["EECO01"] == bd(1, 0, 0)
            assert ind.outputs["EECO02"] == bd(1, 0, 0)
        rows = {
            end: list(participant_rows(app, s, "neet", START, end, cumulative=True))
            for end in (date(2025, 2, 15), JUNE, DECEMBER)
        }
    assert [len(r) for r in rows.values()] == [1, 1, 1]
    assert {r[0]["case_code"] for r in rows.values()} == {code}
    # First entry kept; last exit as it stood at each date; back in by December.
    assert [(r[0]["entered_on"], r[0]["left_on"], r[0]["reentries"]) for r in rows.values()] == [
        ("2025-01-10", "2025-02-01", 0),
        ("2025-01-10", "2025-04-01", 1),
        ("2025-01-10", "", 2),
    ]


@pytest.mark.parametrize(
    ("offset", "counts"),
    [(0, True), (27, True), (28, True), (29, False), (-1, False)],
)
def test_immediate_results_within_28_days(app: App, centre: int, offset: int, counts: bool) -> None:
    from datetime import timedelta

    left = date(2025, 2, 1)  # + 28 days = 1 March 2025, + 29 days = 2 March
    day = left + timedelta(days=offset)
    with app.transaction() as s:
        make_case(
            app,
            s,
            centre,
            date(2025, 1, 6),
            gender="man",
            labour_status="inactive",
            path=(("left", left),),
            outcomes=(("qualification", day), ("in_training", day), ("in_employment", day)),
        )
    with app.transaction() as s:
        ind = compute_indicators(app, s, "neet", START, END, cumulative=True)
    expected = bd(0, 1, 0) if counts else bd()
    assert ind.results["EECR02"] == ind.results["EECR03"] == ind.results["EECR04"] == expected
    assert ind.results["EECR01"] == bd()


def test_day_28_counts_and_day_29_does_not_side_by_side(app: App, centre: int) -> None:
    with app.transaction() as s:
        make_case(
            app,
            s,
            centre,
            date(2025, 1, 6),
            gender="woman",
            path=(("left", date(2025, 2, 1)),),
            outcomes=(("in_employment", date(2025, 3, 1)),),
        )
        make_case(
            app,
            s,
            centre,
            date(2025, 1, 6),
            gender="man",
            path=(("left", date(2025, 2, 1)),),
            outcomes=(("in_employment", date(2025, 3, 2)),),
        )
    with app.transaction() as s:
        ind = compute_indicators(app, s, "neet", START, END, cumulative=True)
    assert ind.results["EECR04"] == bd(1, 0, 0)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (("job_searching", 3), ("in_employment", 10), "EECR04"),
        (("in_employment", 3), ("job_searching", 10), "EECR01"),
        (("self_employed", 3), ("job_searching", 10), "EECR01"),
        (("job_searching", 3), ("self_employed", 10), "EECR04"),
        (("job_searching", 5), ("in_employment", 5), "EECR04"),  # same day: employment
        (("in_employment", 5), ("job_searching", 5), "EECR04"),  # whatever the order they were recorded in
    ],
)
def test_job_searching_and_employment_exclude_each_other(
    app: App, centre: int, first: tuple[str, int], second: tuple[str, int], expected: str
) -> None:
    from datetime import timedelta

    left = date(2025, 3, 1)
    with app.transaction() as s:
        make_case(
            app,
            s,
            centre,
            date(2025, 2, 1),
            gender="non_binary",
            labour_status="unemployed",
            path=(("left", left),),
            outcomes=((first[0], left + timedelta(days=first[1])), (second[0], left + timedelta(days=second[1]))),
        )
    with app.transaction() as s:
        ind = compute_indicators(app, s, "neet", START, END, cumulative=True)
        row = next(participant_rows(app, s, "neet", START, END, cumulative=True))
    other = "EECR01" if expected == "EECR04" else "EECR04"
    assert ind.results[expected] == bd(0, 0, 1)
    assert ind.results[other] == bd()
    assert row[expected] != "" and row[other] == ""


def test_status_held_when_leaving_is_a_result_on_the_exit_day(app: App, centre: int) -> None:
    with app.transaction() as s:
        make_case(
            app,
            s,
            centre,
            date(2025, 1, 6),
            gender="man",
            labour_status="unemployed",
            path=(
                ("engaged", date(2025, 1, 10)),
                ("guided", date(2025, 1, 20)),
                ("in_employment", date(2025, 2, 1)),
                ("left", date(2025, 4, 1)),
            ),
        )
    with app.transaction() as s:
        ind = compute_indicators(app, s, "neet", START, END, cumulative=True)
        row = next(participant_rows(app, s, "neet", START, END, cumulative=True))
    assert ind.results["EECR04"] == bd(0, 1, 0)
    assert row["EECR04"] == "2025-04-01"
    assert row["outcomes"] == "in_employment 2025-02-01"


def test_longer_term_results_five_to_seven_months(app: App, centre: int) -> None:
    left = date(2025, 1, 31)  # + 5 months = 30 June (no 31 June), + 7 months = 31 August
    with app.transaction() as s:
        for gender, day in (
            ("woman", date(2025, 6, 29)),
            ("man", date(2025, 6, 30)),
            ("non_binary", date(2025, 8, 31)),
            ("unknown", date(2025, 9, 1)),
        ):
            make_case(
                app,
                s,
                centre,
                date(2025, 1, 6),
                gender=gender,
                labour_status="unemployed",
                path=(("left", left),),
                outcomes=(("in_employment", day),),
            )
        # Employed six months later but employed at entry: EECR05, not EECR06.
        make_case(
            app,
            s,
            centre,
            date(2025, 1, 6),
            gender="woman",
            labour_status="employed",
            path=(("left", left),),
            outcomes=(("in_employment", date(2025, 7, 31)),),
        )
        # Last observation of the window wins: employed, then job searching.
        make_case(
            app,
            s,
            centre,
            date(2025, 1, 6),
            gender="man",
            labour_status="unemployed",
            path=(("left", left),),
            outcomes=(("in_employment", date(2025, 7, 1)), ("job_searching", date(2025, 8, 1))),
        )
        # Inactive at entry, in training six months later: improved, not employed.
        make_case(
            app,
            s,
            centre,
            date(2025, 1, 6),
            gender="non_binary",
            labour_status="inactive",
            path=(("left", left),),
            outcomes=(("in_training", date(2025, 7, 31)),),
        )
        # Unemployed at entry, in education six months later: not an improvement under these rules.
        make_case(
            app,
            s,
            centre,
            date(2025, 1, 6),
            gender="woman",
            labour_status="unemployed",
            path=(("left", left),),
            outcomes=(("in_education", date(2025, 7, 31)),),
        )
    with app.transaction() as s:
        june = compute_indicators(app, s, "neet", START, JUNE, cumulative=True)
        december = compute_indicators(app, s, "neet", START, DECEMBER, cumulative=True)
    # 30 June is the first day of the window: only the man's result had happened by then.
    assert june.results["EECR05"] == bd(0, 1, 0)
    assert december.results["EECR05"] == bd(1, 1, 1)  # man (30 Jun), non-binary (31 Aug), woman employed at entry;
    # not the man whose last observation is job searching, nor the unknown gender (1 Sep, outside)
    assert december.results["EECR06"] == bd(0, 1, 2)  # man (30 Jun), non-binary (31 Aug), non-binary in training


def test_declined_and_unknown_answers_are_not_yes(app: App, centre: int) -> None:
    with app.transaction() as s:
        for answer in ("yes", "no", "declined", "unknown"):
            make_case(
                app,
                s,
                centre,
                date(2025, 2, 1),
                gender="woman",
                profile={
                    q: answer
                    for q in (
                        "disability",
                        "third_country_national",
                        "foreign_background",
                        "minority",
                        "homeless",
                        "rural",
                    )
                },
            )
        make_case(app, s, centre, date(2025, 2, 1), gender="man")  # no answer at all
    with app.transaction() as s:
        ind = compute_indicators(app, s, "neet", START, END, cumulative=True)
    for code in ("EECO12", "EECO13", "EECO14", "EECO15", "EECO16", "EECO17"):
        assert ind.outputs[code] == bd(1, 0, 0)
    assert ind.answers["disability"] == {"yes": 1, "no": 1, "declined": 1, "unknown": 2}


def test_unknown_gender_counts_in_the_total_only(app: App, centre: int) -> None:
    with app.transaction() as s:
        make_case(app, s, centre, date(2025, 2, 1), gender="unknown", labour_status="unemployed")
        make_case(app, s, centre, date(2025, 2, 1), gender="woman", labour_status="unemployed")
    with app.transaction() as s:
        ind = compute_indicators(app, s, "neet", START, END)
    assert ind.outputs["EECO01"] == bd(1, 0, 0, 2)
    assert ind.gaps["gender_unknown"] == 1


def test_cumulative_values_at_30_june_and_31_december(app: App, centre: int) -> None:
    with app.transaction() as s:
        make_case(app, s, centre, date(2024, 11, 1), gender="woman", labour_status="unemployed")
        make_case(app, s, centre, date(2025, 6, 30), gender="man", labour_status="unemployed")  # on the cut-off: in
        make_case(app, s, centre, date(2025, 7, 1), gender="man", labour_status="inactive")  # the day after: out
        make_case(app, s, centre, date(2025, 12, 31), gender="non_binary", labour_status="inactive")
        make_case(app, s, centre, date(2026, 1, 1), gender="woman", labour_status="inactive")
    with app.transaction() as s:
        values = {
            end: compute_indicators(app, s, "neet", date(2025, 1, 1), end, cumulative=True)
            for end in cumulative_cutoffs(date(2025, 1, 1), date(2025, 12, 31))
        }
        period_h2 = compute_indicators(app, s, "neet", date(2025, 7, 1), date(2025, 12, 31))
    assert list(values) == [JUNE, DECEMBER]
    assert values[JUNE].outputs["EECO01"] == bd(1, 1, 0)
    assert values[JUNE].outputs["EECO04"] == bd()
    assert values[DECEMBER].outputs["EECO01"] == bd(1, 2, 1)
    assert values[DECEMBER].outputs["EECO04"] == bd(0, 1, 1)
    # The second half-year alone still has everyone who had not left by 1 July.
    assert period_h2.outputs["EECO01"] == bd(1, 2, 1)


def test_cutoffs_and_transmissions() -> None:
    assert cumulative_cutoffs(date(2025, 1, 1), date(2025, 12, 31)) == [JUNE, DECEMBER]
    assert cumulative_cutoffs(date(2025, 1, 1), date(2025, 6, 29)) == []
    assert cumulative_cutoffs(date(2025, 6, 30), date(2025, 6, 30)) == [JUNE]
    assert cumulative_cutoffs(date(2024, 7, 1), date(2026, 6, 30)) == [
        date(2024, 12, 31),
        date(2025, 6, 30),
        date(2025, 12, 31),
        date(2026, 6, 30),
    ]
    assert transmission_date(JUNE) == date(2025, 7, 31)
    assert transmission_date(DECEMBER) == date(2026, 1, 31)
    assert transmission_date(date(2025, 3, 31)) is None


def test_centres(app: App, centre: int) -> None:
    from tremplin.core.admin import ensure_centre

    with app.transaction() as s:
        other, _ = ensure_centre(s, "lux", "Cité des métiers de Luxembourg")
        make_case(app, s, centre, date(2025, 2, 1), gender="woman")
        make_case(app, s, other.id, date(2025, 2, 1), gender="man")
        other_id = other.id
    with app.transaction() as s:
        assert compute_indicators(app, s, "neet", START, END).outputs["EECO01"] == bd(1, 1, 0)
        assert compute_indicators(app, s, "neet", START, END, [centre]).outputs["EECO01"] == bd(1, 0, 0)
        assert compute_indicators(app, s, "neet", START, END, [other_id]).outputs["EECO01"] == bd(0, 1, 0)
        assert [r["centre"] for r in participant_rows(app, s, "neet", START, END, [other_id])] == ["lux"]


def test_a_plugin_counter_of_awareness_actions_is_read_from_the_rollup(app: App, centre: int) -> None:
    from tremplin.core.counters import Counter
    from tremplin.core.i18n import T

    counter = Counter.simple(
        "neet.awareness_actions",
        T("Awareness actions"),
        "contacts",
        {"audience": "neet", "modality": "field_awareness"},
        audience="neet",
    )
    app.registry.counters.add(counter.key, counter, "tremplin.plugins.neet", False)
    app.__dict__.pop("compiled_counters", None)  # recompiled with the new counter at the next write
    with app.transaction() as s:
        for headcount in (4, 6, 1):
            log_contact(
                app,
                s,
                {
                    "centre": "bxl",
                    "occurred_at": "2025-05-02T10:00",
                    "audience": "neet",
                    "modality": "field_awareness",
                    "channel": "field",
                    "headcount": headcount,
                },
                {"place": "street"},
            )
    with app.transaction() as s:
        rows = [
            row
            for row in sections_by_key(build_esf_report(app, s, "neet", START, END))["esf.programme"].rows
            if row["key"] == "neet.awareness_actions"
        ]
    assert rows == [{"key": "neet.awareness_actions", "indicator": "Awareness actions", "value": 3}]


# ------------------------------------------------------------------------------------------------
# Operations that are not cofinanced


@pytest.mark.parametrize("operation", ["prisons", "schools", "general", "nonexistent"])
def test_an_operation_that_is_not_cofinanced_is_refused(app: App, centre: int, operation: str) -> None:
    with app.transaction() as s:
        with pytest.raises(EsfError, match=operation):
            build_esf_report(app, s, operation, START, END)
        with pytest.raises(EsfError, match=operation):
            compute_indicators(app, s, operation, START, END)
        with pytest.raises(EsfError, match=operation):
            participant_rows(app, s, operation, START, END)  # refused at the call, not at the first row
        with pytest.raises(EsfError, match=operation):
            record_estimate(app, s, operation, "EECO12", JUNE, {"women": 1}, "a method")


def test_refusal_names_the_setting(app: App) -> None:
    with app.transaction() as s:
        with pytest.raises(EsfError, match="not declared ESF\\+-cofinanced"):
            build_esf_report(app, s, "prisons", START, END)
        with pytest.raises(EsfError, match="ends .* before it starts"):
            build_esf_report(app, s, "neet", END, START)


# ------------------------------------------------------------------------------------------------
# Informed estimates


def test_estimates_are_shown_with_their_method(app: App, centre: int, esf_data: dict[str, str], staff: Staff) -> None:
    method = "Anonymous questionnaire in May 2025, 40 of 52 participants answered, extrapolated"
    with app.transaction() as s:
        me = s.get(Staff, staff.id)
        record_estimate(
            app, s, "neet", "EECO16", JUNE, {"women": 2, "men": 1, "non_binary": 0, "total": 4}, method, staff=me
        )
        record_estimate(
            app,
            s,
            "neet",
            "EECO12",
            END,
            {"women": 2, "men": 2},
            "Self-declaration at a group session",
            start=START,
            staff=me,
        )
    with app.transaction() as s:
        june = compute_indicators(app, s, "neet", START, JUNE, cumulative=True)
        december = compute_indicators(app, s, "neet", START, DECEMBER, cumulative=True)
        period = compute_indicators(app, s, "neet", START, END)
        sections = sections_by_key(build_esf_report(app, s, "neet", START, END))
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "esf.estimate")).all()
    # The cumulative 30 June estimate applies to that snapshot only.
    assert june.outputs["EECO16"] == bd(2, 1, 0, 4)
    assert set(june.estimated) == {"EECO16"} and june.estimated["EECO16"].method == method
    assert june.recorded["EECO16"] == OUTPUTS_JUNE["EECO16"]
    assert december.outputs["EECO16"] == OUTPUTS_DECEMBER["EECO16"] and not december.estimated
    # The period estimate applies to the period's snapshot only.
    assert period.outputs["EECO12"] == bd(2, 2, 0)
    assert set(period.estimated) == {"EECO12"}
    assert december.outputs["EECO12"] == OUTPUTS_DECEMBER["EECO12"]

    june_rows = {row["code"]: row for row in sections["esf.outputs.cumulative.2025-06-30"].rows}
    assert june_rows["EECO16"]["basis"] == "estimate" and june_rows["EECO16"]["total"] == 4
    assert june_rows["EECO12"]["basis"] == "recorded"
    assert {row["code"]: row["basis"] for row in sections["esf.outputs.cumulative.2025-12-31"].rows}[
        "EECO16"
    ] == "recorded"
    assert {row["code"]: row["basis"] for row in sections["esf.outputs.period"].rows}["EECO12"] == "estimate"
    note = sections["esf.estimates"]
    assert isinstance(note, Note)
    assert method in note.text.en and "Self-declaration at a group session" in note.text.en
    assert "EECO16" in note.text.en and "marie.dupont" in note.text.en
    # Kept in the audit log, with who recorded it.
    assert len(events) == 2
    details = {e.details["indicator"]: e for e in events}
    assert details["EECO16"].details["value"] == {"women": 2, "men": 1, "non_binary": 0, "total": 4}
    assert details["EECO16"].details["method"] == method
    assert details["EECO16"].details["period"] == {"start": None, "end": "2025-06-30"}
    assert details["EECO16"].object_id == "neet" and details["EECO16"].staff_id == staff.id


def test_a_later_estimate_replaces_an_earlier_one_and_can_be_withdrawn(
    app: App, centre: int, esf_data: dict[str, str]
) -> None:
    with app.transaction() as s:
        record_estimate(app, s, "neet", "EECO17", JUNE, {"women": 1}, "first guess")
        record_estimate(
            app, s, "neet", "EECO17", JUNE, {"women": 3, "men": 2}, "postcodes checked against the rural-area list"
        )
    with app.transaction() as s:
        ind = compute_indicators(app, s, "neet", START, JUNE, cumulative=True)
        assert ind.outputs["EECO17"] == bd(3, 2, 0)
        assert ind.estimated["EECO17"].method == "postcodes checked against the rural-area list"
        assert len(load_estimates(s, "neet")) == 1
        withdraw_estimate(app, s, "neet", "EECO17", JUNE)
    with app.transaction() as s:
        ind = compute_indicators(app, s, "neet", START, JUNE, cumulative=True)
        assert ind.outputs["EECO17"] == OUTPUTS_JUNE["EECO17"] and not ind.estimated
        assert "esf.estimates" not in sections_by_key(build_esf_report(app, s, "neet", START, JUNE))
        assert s.scalar(
            select(AuditEvent.id).where(AuditEvent.action == "esf.estimate").order_by(AuditEvent.id.desc()).limit(1)
        )


def test_estimates_can_be_passed_in(app: App, centre: int, esf_data: dict[str, str]) -> None:
    given = [
        Estimate("EECO13", {"women": 0, "men": 5, "non_binary": 0, "total": 6}, "register of residence permits", JUNE)
    ]
    with app.transaction() as s:
        ind = compute_indicators(app, s, "neet", START, JUNE, cumulative=True, estimates=given)
        ignored = compute_indicators(app, s, "neet", START, JUNE, cumulative=True, estimates=[])
    assert ind.outputs["EECO13"] == bd(0, 5, 0, 6) and ind.is_estimate("EECO13")
    assert ignored.outputs["EECO13"] == OUTPUTS_JUNE["EECO13"]


@pytest.mark.parametrize(
    ("indicator", "values", "method", "message"),
    [
        ("EECO02", {"women": 1}, "a method", "only the point-1.2"),
        ("EECR04", {"women": 1}, "a method", "only the point-1.2"),
        ("EECO12", {"women": 1}, "  ", "needs its method"),
        ("EECO12", {"women": 3, "men": 2, "total": 4}, "a method", "below"),
        ("EECO12", {"women": -1}, "a method", "0 or more"),
        ("EECO12", {"female": 1}, "a method", "unknown keys"),
    ],
)
def test_bad_estimates_are_refused(
    app: App, centre: int, indicator: str, values: dict[str, int], method: str, message: str
) -> None:
    with app.transaction() as s:
        with pytest.raises(EsfError, match=message):
            record_estimate(app, s, "neet", indicator, JUNE, values, method)


# ------------------------------------------------------------------------------------------------
# The per-participant file


def test_participant_rows(app: App, centre: int, esf_data: dict[str, str], staff: Staff) -> None:
    with app.transaction() as s:
        rows = list(participant_rows(app, s, "neet", START, END, cumulative=True))
        period_rows = list(participant_rows(app, s, "neet", START, END))
        table = participant_table(app, s, "neet", START, END)
    assert all(tuple(row) == PARTICIPANT_COLUMNS for row in rows)
    by_code = {row["case_code"]: row for row in rows}
    assert set(by_code) == set(esf_data.values())
    assert {row["case_code"] for row in period_rows} == set(esf_data.values()) - {esf_data["P9"]}
    assert by_code[esf_data["P6"]] == {
        "case_code": esf_data["P6"],
        "centre": "bxl",
        "entered_on": "2025-01-05",
        "left_on": "2025-08-01",
        "reentries": 1,
        "gender": "man",
        "age_band": "18_24",
        "education": "isced_3_4",
        "labour_status": "in_education",
        "disability": "unknown",
        "third_country_national": "unknown",
        "foreign_background": "unknown",
        "minority": "unknown",
        "homeless": "unknown",
        "rural": "unknown",
        "EECR01": "2025-08-29",
        "EECR02": "",
        "EECR03": "",
        "EECR04": "",
        "EECR05": "",
        "EECR06": "",
        "outcomes": "in_education 2025-02-10; job_searching 2025-08-29",
    }
    p3 = by_code[esf_data["P3"]]
    assert (p3["EECR02"], p3["EECR03"], p3["EECR06"], p3["homeless"], p3["minority"]) == (
        "2025-05-01",
        "2025-05-29",
        "2025-11-01",
        "declined",
        "yes",
    )
    assert by_code[esf_data["P5"]]["left_on"] == ""
    assert isinstance(table, Table) and table.key == "esf.participants" and table.disclose is False
    assert table.columns == PARTICIPANT_COLUMNS and len(table.labels) == len(PARTICIPANT_COLUMNS)
    assert len(table.rows) == 8


def test_participant_rows_hold_nothing_identifying(
    app: App, centre: int, esf_data: dict[str, str], staff: Staff
) -> None:
    with app.transaction() as s:
        rows = list(participant_rows(app, s, "neet", START, END, cumulative=True))
    forbidden = ("name", "birth", "address", "phone", "mail", "register", "note", "staff", "user", "consent", "id")
    for column in PARTICIPANT_COLUMNS:
        assert not any(word in column.lower().split("_") or column.lower().startswith(word) for word in forbidden), (
            column
        )
    text = " ".join(str(v) for row in rows for v in row.values()).lower()
    assert "marie" not in text and "dupont" not in text  # the staff member who opened the cases
    allowed_value = re.compile(
        r"^(|NEET-[0-9A-Z]+|bxl|\d{4}-\d{2}-\d{2}|\d+|[a-z0-9_]+|[a-z_]+ \d{4}-\d{2}-\d{2}(; [a-z_]+ "
        r"\d{4}-\d{2}-\d{2})*)$"
    )
    for row in rows:
        for value in row.values():
            assert allowed_value.match(str(value)), value


def test_docs_describe_every_participant_column_and_indicator() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    documented = re.findall(
        r"^\| `([A-Za-z0-9_]+)` \|", docs.split("## The per-participant file", 1)[1].split("##", 1)[0], re.M
    )
    assert tuple(documented) == PARTICIPANT_COLUMNS
    for code in INDICATORS:
        assert f"| {code} |" in docs, code

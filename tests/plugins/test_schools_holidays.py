"""The shipped school holidays: three school years of both communities, each checked against its rules
(the French community's seven-weeks-two-weeks calendar since 2022, the Flemish community's calendar of
1991, worked out here from Easter), with their sources named. No database needed."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

import tremplin.plugins.schools as plugin
from tremplin.core.demo.calendar import easter

SCHOOL_YEARS = ("2024-2025", "2025-2026", "2026-2027")


def shipped() -> dict:
    return json.loads((Path(plugin.__file__).parent / "school_holidays.json").read_text(encoding="utf-8"))


def periods(community: str, school_year: str) -> dict[str, tuple[date, date]]:
    out = {}
    for item in shipped()["communities"][community]:
        if item["school_year"] == school_year:
            out[item["label"]] = (date.fromisoformat(item["from"]), date.fromisoformat(item["to"]))
    return out


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks(span: tuple[date, date]) -> float:
    return ((span[1] - span[0]).days + 1) / 7


def test_every_period_is_well_formed_and_sourced() -> None:
    data = shipped()
    assert set(data["communities"]) == {"fr", "nl"}
    for community, items in data["communities"].items():
        assert {i["school_year"] for i in items} == set(SCHOOL_YEARS), community
        for item in items:
            start, end = date.fromisoformat(item["from"]), date.fromisoformat(item["to"])
            first = int(item["school_year"][:4])
            assert start <= end and date(first, 9, 1) <= start and end <= date(first + 1, 8, 31), item
            assert item["label"].strip(), item
    for community in ("fr", "nl"):
        source = data["sources"][community]
        assert source["rule"] and source["checked_against"]
        assert all(url.startswith("http") for url in source["checked_against"])


@pytest.mark.parametrize("school_year", SCHOOL_YEARS)
def test_the_flemish_calendar_follows_its_rule(school_year: str) -> None:
    first = int(school_year[:4])
    p = periods("nl", school_year)
    # Autumn: the week of 1 November (the next one when 1 November is a Sunday).
    all_saints = date(first, 11, 1)
    autumn = monday_of(all_saints) if all_saints.weekday() != 6 else all_saints + timedelta(days=1)
    assert p["Herfstvakantie"] == (autumn, autumn + timedelta(days=6))
    # Christmas: two weeks from the Monday of the week of 25 December (the Monday after a weekend Christmas).
    christmas = date(first, 12, 25)
    winter = monday_of(christmas) if christmas.weekday() < 5 else christmas + timedelta(days=7 - christmas.weekday())
    assert p["Kerstvakantie"] == (winter, winter + timedelta(days=13))
    # Carnival: the week from the seventh Monday before Easter.
    sunday = easter(first + 1)
    assert p["Krokusvakantie"] == (sunday - timedelta(days=48), sunday - timedelta(days=42))
    # Easter: two weeks from the first Monday of April, or after Easter (March), or two Mondays before (after 15 April).
    april = date(first + 1, 4, 1)
    start = april + timedelta(days=(7 - april.weekday()) % 7)
    if sunday.month == 3:
        start = sunday + timedelta(days=1)
    elif sunday > date(first + 1, 4, 15):
        start = sunday - timedelta(days=13)
    end = max(start + timedelta(days=13), sunday + timedelta(days=1))  # Easter Monday closes it when it falls after
    assert p["Paasvakantie"] == (start, end)
    assert p["Zomervakantie"] == (date(first + 1, 7, 1), date(first + 1, 8, 31))


@pytest.mark.parametrize("school_year", SCHOOL_YEARS)
def test_the_french_calendar_has_the_reformed_rhythm(school_year: str) -> None:
    first = int(school_year[:4])
    p = periods("fr", school_year)
    autumn, winter = p["Congé d'automne"], p["Vacances d'hiver"]
    carnival, spring, summer = p["Congé de détente"], p["Vacances de printemps"], p["Vacances d'été"]
    for span in (autumn, winter, carnival, spring):
        assert weeks(span) == 2 and span[0].weekday() == 0 and span[1].weekday() == 6, span
    # Two weeks around 1 November, and the two weeks of Christmas shared with the Flemish schools.
    assert autumn[0] <= date(first, 11, 1) <= autumn[1] + timedelta(days=1)
    assert winter[0] <= date(first, 12, 25) <= winter[1]
    assert winter == (periods("nl", school_year)["Kerstvakantie"])
    # Carnival in February or March; spring after Easter, from late April into May (no longer at Easter).
    assert carnival[0].month in (2, 3) and spring[0] > easter(first + 1) and spring[1].month == 5
    # Summer: from the Saturday after the first Friday of July, seven weeks to a Sunday in late August.
    first_friday = date(first + 1, 7, 1) + timedelta(days=(4 - date(first + 1, 7, 1).weekday()) % 7)
    assert summer[0] == first_friday + timedelta(days=1) and (summer[1] - summer[0]).days == 7 * 7 + 1
    assert summer[1].month == 8 and summer[1].day >= 22
    # Easter Monday is a day off of its own, far from the spring break.
    assert p["Lundi de Pâques"][0] == easter(first + 1) + timedelta(days=1)
    # Six to eight weeks of school between two breaks (the 2025-2026 calendar has eight-week stretches).
    for before, after in ((autumn, winter), (winter, carnival), (carnival, spring), (spring, summer)):
        assert 6 <= ((after[0] - before[1]).days - 1) / 7 <= 8, (before, after)


def test_recurring_slots_skip_the_shipped_calendar() -> None:
    """Every weekday of each community's breaks is a holiday of that community, never of the other alone."""
    fr, nl = periods("fr", "2025-2026"), periods("nl", "2025-2026")
    # The one week both have off besides Christmas: carnival (16-22 February 2026) and one autumn week.
    shared_autumn = set(_days(fr["Congé d'automne"])) & set(_days(nl["Herfstvakantie"]))
    assert len([d for d in shared_autumn if d.weekday() < 5]) == 5
    assert set(_days(nl["Krokusvakantie"])) <= set(_days(fr["Congé de détente"]))
    assert not set(_days(fr["Vacances de printemps"])) & set(_days(nl["Paasvakantie"]))


def _days(span: tuple[date, date]) -> list[date]:
    return [span[0] + timedelta(days=i) for i in range((span[1] - span[0]).days + 1)]

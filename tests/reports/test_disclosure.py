"""Disclosure control: small counts hidden, and no hidden count can be worked out from what is shown."""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

import pytest

from tremplin.core.disclosure import EXACT_ROLES, Grid, apply, protect, sees_exact
from tremplin.core.models import Staff
from tremplin.core.reports import model as m

T = 5


# ------------------------------------------------------------------------------------------------
# An independent proof: no hidden cell is determined by the published lines.


def rank(rows: list[list[Fraction]]) -> int:
    rows = [r[:] for r in rows]
    r = 0
    width = len(rows[0]) if rows else 0
    for c in range(width):
        pivot = next((i for i in range(r, len(rows)) if rows[i][c] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        for i in range(len(rows)):
            if i != r and rows[i][c] != 0:
                f = rows[i][c] / rows[r][c]
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[r])]
        r += 1
    return r


def worked_out(values: dict[Any, int], lines: list[tuple[list[Any], Any]], hidden: set[Any]) -> list[Any]:
    """Hidden cells a reader could compute from the shown ones by adding and subtracting lines.

    A cell x is computable iff the unit vector e_x lies in the row space of the equations restricted
    to the hidden cells: appending e_x does not raise the rank.
    """
    cells = sorted(hidden, key=repr)
    idx = {c: i for i, c in enumerate(cells)}
    eqs = []
    for parts, total in lines:
        row = [Fraction(0)] * len(cells)
        for c, k in [(p, 1) for p in parts] + [(total, -1)]:
            if c in idx:
                row[idx[c]] += k
        if any(row):
            eqs.append(row)
    base = rank(eqs) if eqs else 0
    out = []
    for c in cells:
        unit = [Fraction(int(i == idx[c])) for i in range(len(cells))]
        if rank([*eqs, unit]) == base:
            out.append(c)
    return out


def table(rows: list[list[int]]) -> tuple[dict[Any, int], list[tuple[list[Any], Any]]]:
    """A table with a total column, a total row and the grand total, as cells and lines."""
    values: dict[Any, int] = {}
    n, k = len(rows), len(rows[0])
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            values[(i, j)] = v
        values[(i, "T")] = sum(row)
    for j in range(k):
        values[("T", j)] = sum(r[j] for r in rows)
    values[("T", "T")] = sum(map(sum, rows))
    lines: list[tuple[list[Any], Any]] = []
    for i in [*range(n), "T"]:
        lines.append(([(i, j) for j in range(k)], (i, "T")))
    for j in [*range(k), "T"]:
        lines.append(([(i, j) for i in range(n)], ("T", j)))
    return values, lines


def protected(rows: list[list[int]]) -> tuple[dict[Any, int], list[Any], dict[Any, str]]:
    values, lines = table(rows)
    grid = Grid(dict(values))
    for parts, total in lines:
        assert grid.add_line(parts, total)
    grid.keep.update(c for c in values if "T" in c)
    return values, lines, protect(grid, T)


# ------------------------------------------------------------------------------------------------


def test_four_is_hidden_and_five_is_shown() -> None:
    status = protect(Grid({"four": 4, "five": 5, "zero": 0, "one": 1}), T)
    assert status == {"four": "primary", "one": "primary"}


def test_a_lone_hidden_cell_takes_the_next_smallest_with_it() -> None:
    values, lines, status = protected([[4, 9, 30], [12, 20, 25]])
    assert status[(0, 0)] == "primary"
    # Row 0 alone would give (0, 0) away: 9 is its next smallest; column 0 then needs 12.
    assert status[(0, 1)] == "secondary"
    assert status[(1, 0)] == "secondary"
    assert worked_out(values, lines, set(status)) == []


def test_exactly_five_needs_no_suppression() -> None:
    values, lines, status = protected([[5, 9, 30], [12, 20, 25]])
    assert status == {}


def test_two_small_counts_that_add_up_to_two_are_both_one() -> None:
    # 1 + 1 = 2 with the rest shown: each hidden cell is pinned to 1 by its range; a third is hidden.
    grid = Grid({"a": 1, "b": 1, "c": 20, "t": 22})
    grid.add_line(["a", "b", "c"], "t")
    status = protect(grid, T)
    assert status == {"a": "primary", "b": "primary", "c": "secondary"}


def test_a_hidden_cell_on_a_bridge_between_two_cycles_is_caught() -> None:
    # Every row and column has two hidden cells, yet (1, 2) links two closed cycles and could be
    # worked out: the linear audit hides one more cell.
    rows = [
        [3, 3, 40, 50],
        [3, 3, 3, 60],
        [70, 80, 3, 3],
        [90, 95, 3, 3],
    ]
    values, lines, status = protected(rows)
    assert worked_out(values, lines, set(status)) == []
    line_counts = [sum(1 for c in [*p, t] if c in status) for p, t in lines]
    assert 1 not in line_counts


@pytest.mark.parametrize("seed", range(60))
def test_no_hidden_cell_can_be_worked_out_from_any_published_table(seed: int) -> None:
    rnd = random.Random(seed)
    n, k = rnd.randint(2, 6), rnd.randint(2, 5)
    rows = [[rnd.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 15, 40, 120]) for _ in range(k)] for _ in range(n)]
    values, lines, status = protected(rows)
    # Every count from 1 to 4 is hidden, nothing else is hidden for being small.
    for cell, v in values.items():
        if 0 < v < T:
            assert status.get(cell) == "primary", (cell, v)
        elif cell in status:
            assert status[cell] == "secondary" and v >= T
    # No line has exactly one hidden cell, and no combination of lines gives a hidden cell away.
    for parts, total in lines:
        assert sum(1 for c in [*parts, total] if c in status) != 1
    assert worked_out(values, lines, set(status)) == []


def test_zero_is_never_hidden_nor_chosen() -> None:
    values, lines, status = protected([[0, 3, 0], [0, 8, 6]])
    assert all(values[c] != 0 for c in status)
    assert worked_out(values, lines, set(status)) == []


# ------------------------------------------------------------------------------------------------
# On resolved sections


def breakdown(values: dict[str, int], centres: dict[str, dict[str, int]] | None = None) -> m.BreakdownSection:
    total = sum(values.values())
    codes = list(next(iter(centres.values())).keys()) if centres else []

    def per(key: str) -> dict[str, m.Num]:
        if not centres:
            return {}
        return {c: m.Num(centres[key][c]) for c in codes}

    rows = [m.Row(k, k, m.Num(v), m.Num(v / total), per(k)) for k, v in values.items()]
    tot = {c: m.Num(sum(centres[k][c] for k in values)) for c in codes} if centres else {}
    return m.BreakdownSection(
        "b",
        "B",
        "contacts.total",
        "Contacts",
        "gender",
        "Gender",
        True,
        rows,
        m.Row("total", "Total", m.Num(total), m.Num(1.0), tot),
    )


def report_of(*sections: Any) -> m.Report:
    from datetime import date

    p = m.Period(date(2025, 1, 1), date(2025, 12, 31))
    return m.Report("annual", "A", "en", p, p, [], list(sections))


def test_published_breakdown_shows_marks_and_hides_shares() -> None:
    b = breakdown({"woman": 4, "man": 5, "non_binary": 0, "unknown": 30})
    apply(report_of(b))
    shown = {r.key: r.value.shown(m.Marks()) for r in b.rows}
    assert shown == {"woman": "<5", "man": "x", "non_binary": 0, "unknown": 30}
    assert b.rows[0].share.hidden and b.rows[1].share.hidden
    assert b.total.value.shown(m.Marks()) == 39


def test_key_figures_alone_hide_one_to_four_and_the_change() -> None:
    figs = [
        m.Figure("a", "A", m.Num(4), m.Num(10), m.Num(-0.6)),
        m.Figure("b", "B", m.Num(5), m.Num(3), m.Num(0.6667)),
        m.Figure("c", "C", m.Num(0), m.Num(0), m.Num(None)),
    ]
    kf = m.KeyFiguresSection("k", "K", figs)
    apply(report_of(kf))
    marks = m.Marks()
    assert [f.value.shown(marks) for f in figs] == ["<5", 5, 0]
    assert [f.previous.shown(marks) for f in figs] == [10, "<5", 0]
    assert figs[0].change.hidden and figs[1].change.hidden and not figs[2].change.hidden


def test_key_figures_that_add_up_protect_their_parts() -> None:
    figs = [m.Figure(k, k, m.Num(v), m.Num(v), m.Num(0.0)) for k, v in (("count", 43), ("face", 3), ("online", 40))]
    kf = m.KeyFiguresSection("k", "K", figs, [("count", ("face", "online"))])
    apply(report_of(kf))
    assert figs[1].value.hidden == "primary" and figs[2].value.hidden == "secondary" and not figs[0].value.hidden


def test_network_table_hides_across_rows_and_centres() -> None:
    b = breakdown(
        {"woman": 23, "man": 24, "unknown": 40},
        {"woman": {"bxl": 20, "lux": 3}, "man": {"bxl": 12, "lux": 12}, "unknown": {"bxl": 30, "lux": 10}},
    )
    apply(report_of(b))
    marks = m.Marks()
    assert b.rows[0].centres["lux"].shown(marks) == "<5"
    hidden = {(r.key, c) for r in [*b.rows, b.total] for c, n in r.centres.items() if n.hidden}
    hidden |= {(r.key, "*") for r in [*b.rows, b.total] if r.value.hidden}
    values = {(r.key, c): n.value for r in [*b.rows, b.total] for c, n in r.centres.items()}
    values |= {(r.key, "*"): r.value.value for r in [*b.rows, b.total]}
    lines = [([(r.key, c) for r in b.rows], ("total", c)) for c in ("bxl", "lux", "*")]
    lines += [([(r.key, c) for c in ("bxl", "lux")], (r.key, "*")) for r in [*b.rows, b.total]]
    for parts, total in lines:
        assert sum(1 for c in [*parts, total] if c in hidden) != 1
    assert worked_out(values, lines, hidden) == []  # type: ignore[arg-type]


def test_chart_months_cannot_be_worked_out_from_the_year() -> None:
    from datetime import date

    values = [30, 2, 40, 0, 50, 60, 70, 80, 90, 100, 110, 120]
    s = m.Series("multimedia.entries", "M", [m.Num(v) for v in values], m.Num(sum(values)))
    chart = m.ChartSection("c", "C", None, [date(2025, i, 1) for i in range(1, 13)], [s], [])
    apply(report_of(chart))
    assert s.values[1].hidden == "primary"
    assert s.values[0].hidden == "secondary"  # the next smallest non-zero month
    assert not s.total.hidden


def test_who_sees_exact_figures() -> None:
    assert EXACT_ROLES == {"admin", "programme_lead"}
    assert sees_exact(None)
    assert sees_exact(Staff(username="a", roles=["programme_lead"]))
    assert not sees_exact(Staff(username="b", roles=["counsellor", "reception"]))

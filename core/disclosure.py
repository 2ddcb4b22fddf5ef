"""Disclosure control: what a published report may show without revealing a small group of people.

Published tables follow three rules (the threshold is ``settings.disclosure_threshold``, 5 by default):

1. **Primary suppression.** A count from 1 to ``threshold - 1`` is hidden and shows as ``"<5"``. Zero
   is shown: it describes nobody.
2. **Secondary suppression.** Where figures add up (the rows of a breakdown to its total, the centres
   of a network table to the network's total, the months of a chart to the year), a line with exactly
   one hidden cell would give it away by subtraction. The next smallest non-zero cell of that line is
   hidden too (shown ``"x"``), and this is repeated until no line has a single hidden cell.
3. **Audits.** Two further checks run to a fixed point with the same remedy: *bounds* (a line whose
   hidden cells add up to the smallest or largest sum their ranges allow pins every one of them: two
   hidden counts that add up to 2 are both 1), and *linear algebra* (no hidden cell may be a linear
   combination of the published figures, which catches patterns spread over several lines).

Totals are only hidden by rule 1 where another cell can be chosen, so the same total is shown or
hidden the same way in every section of a report. Key figures on their own (no table) follow rule 1,
and rule 2 for the figures a section declares to add up (``KeyFigures.sums``).

Staff whose role may see exact figures (``EXACT_ROLES``) get the report unpublished.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from tremplin.core.reports.model import PRIMARY, SECONDARY

if TYPE_CHECKING:
    from tremplin.core.models import Staff
    from tremplin.core.reports.model import Report

#: Roles that see exact figures; every other role gets published (disclosure-controlled) figures.
EXACT_ROLES: frozenset[str] = frozenset({"admin", "programme_lead"})

Cell = Hashable
Line = tuple[Sequence[Cell], Cell]


def sees_exact(staff: Staff | None) -> bool:
    """Whether ``staff`` may see exact figures (``None`` is the command line: exact unless ``--published``)."""
    if staff is None:
        return True
    return bool(EXACT_ROLES & set(staff.roles or ()))


@dataclass
class Grid:
    """Cells with their exact values, and the lines along which they add up.

    A line ``(parts, total)`` says ``sum(parts) == total``. Cells in ``keep`` (totals also shown
    elsewhere, figures not displayed) are chosen for secondary suppression only when nothing else can
    be.
    """

    values: dict[Cell, int]
    lines: list[Line] = field(default_factory=list)
    keep: set[Cell] = field(default_factory=set)

    def add_line(self, parts: Iterable[Cell], total: Cell, check: bool = True) -> bool:
        """Add a line; with ``check``, only if the parts really add up to the total (else nothing
        can be worked out along it, and adding it would only hide more)."""
        parts = tuple(parts)
        if not parts:
            return False
        if check and sum(self.values[p] for p in parts) != self.values[total]:
            return False
        self.lines.append((parts, total))
        return True


def protect(grid: Grid, threshold: int) -> dict[Cell, str]:
    """Which cells to hide, and why (``primary`` or ``secondary``)."""
    values = grid.values
    order = {cell: i for i, cell in enumerate(values)}
    status: dict[Cell, str] = {c: PRIMARY for c, v in values.items() if 0 < v < threshold}
    if not grid.lines:
        return status

    def pick(cells: Iterable[Cell]) -> Cell | None:
        """The smallest non-zero shown cell, preferring cells outside ``keep``."""
        free = [c for c in cells if c not in status and values[c] != 0]
        if not free:
            return None
        preferred = [c for c in free if c not in grid.keep] or free
        return min(preferred, key=lambda c: (values[c], order[c]))

    def line_cells(line: Line) -> list[Cell]:
        return [*line[0], line[1]]

    def one_hidden() -> bool:
        changed = False
        again = True
        while again:
            again = False
            for line in grid.lines:
                cells = line_cells(line)
                if sum(1 for c in cells if c in status) == 1:
                    chosen = pick(line[0]) or pick([line[1]])
                    if chosen is not None:
                        status[chosen] = SECONDARY
                        changed = again = True
        return changed

    def bounds() -> bool:
        for line in grid.lines:
            if _pinned(line, values, status, threshold):
                chosen = pick(line_cells(line))
                if chosen is not None:
                    status[chosen] = SECONDARY
                    return True
        return False

    def linear() -> bool:
        determined = derivable(grid.lines, values, set(status))
        for cell in sorted(determined, key=lambda c: order[c]):
            for line in grid.lines:
                if cell in line_cells(line):
                    chosen = pick(line_cells(line))
                    if chosen is not None:
                        status[chosen] = SECONDARY
                        return True
        return False

    while True:
        one_hidden()
        if bounds():
            continue
        if linear():
            continue
        return status


def _bounds(cell: Cell, status: Mapping[Cell, str], threshold: int) -> tuple[float, float]:
    """What a reader who knows the rules can say of a hidden cell: primary 1..t-1, secondary t and up."""
    if status[cell] == PRIMARY:
        return 1, threshold - 1
    return threshold, float("inf")


def _pinned(line: Line, values: Mapping[Cell, int], status: Mapping[Cell, str], threshold: int) -> bool:
    parts, total = line
    terms = [(c, 1) for c in parts] + [(total, -1)]
    hidden = [(c, k) for c, k in terms if c in status]
    if len(hidden) < 2:
        return False
    known = sum(values[c] * k for c, k in terms if c not in status)
    rhs = -known  # sum(k * x over hidden) == rhs
    low = high = 0.0
    for cell, k in hidden:
        lo, hi = _bounds(cell, status, threshold)
        if k > 0:
            low, high = low + lo, high + hi
        else:
            low, high = low - hi, high - lo
    return rhs == low or rhs == high


def derivable(lines: Sequence[Line], values: Mapping[Cell, int], hidden: set[Cell]) -> set[Cell]:
    """Hidden cells whose value follows from the shown cells by linear algebra over the lines.

    Each line is an equation over its hidden cells; a hidden cell is determined exactly when every
    solution of the homogeneous system leaves it at zero, i.e. it is a pivot of the reduced row-echelon
    form with no free variable in its row.
    """
    variables = sorted({c for parts, total in lines for c in (*parts, total) if c in hidden}, key=repr)
    if not variables:
        return set()
    index = {c: i for i, c in enumerate(variables)}
    rows: list[list[Fraction]] = []
    for parts, total in lines:
        row = [Fraction(0)] * len(variables)
        any_hidden = False
        for cell, k in [(c, 1) for c in parts] + [(total, -1)]:
            if cell in index:
                row[index[cell]] += k
                any_hidden = True
        if any_hidden:
            rows.append(row)
    pivots = _rref(rows, len(variables))
    out: set[Cell] = set()
    for r, col in pivots:
        if all(rows[r][j] == 0 for j in range(len(variables)) if j != col):
            out.add(variables[col])
    return out


def _rref(rows: list[list[Fraction]], width: int) -> list[tuple[int, int]]:
    pivots: list[tuple[int, int]] = []
    r = 0
    for col in range(width):
        sel = next((i for i in range(r, len(rows)) if rows[i][col] != 0), None)
        if sel is None:
            continue
        rows[r], rows[sel] = rows[sel], rows[r]
        p = rows[r][col]
        rows[r] = [x / p for x in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][col] != 0:
                f = rows[i][col]
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[r])]
        pivots.append((r, col))
        r += 1
        if r == len(rows):
            break
    return pivots


# ------------------------------------------------------------------------------------------------
# Applying it to a resolved report


def apply(report: Report, threshold: int | None = None) -> Report:
    """Mark the hidden figures of every section of ``report`` (in place) and return it."""
    from tremplin.core.reports import model as m

    t = threshold or report.threshold
    report.threshold = t
    report.published = True
    for section in report.sections:
        if isinstance(section, m.KeyFiguresSection):
            _key_figures(section, t)
        elif isinstance(section, m.BreakdownSection):
            _breakdown(section, t)
        elif isinstance(section, m.ChartSection):
            _chart(section, t)
        elif isinstance(section, m.TableSection) and section.disclose:
            _table(section, t)
    return report


def _mark(nums: Mapping[Cell, Any], status: Mapping[Cell, str]) -> None:
    for cell, how in status.items():
        num = nums.get(cell)
        if num is not None:
            num.hidden = how


def _key_figures(section: Any, t: int) -> None:
    for which in ("value", "previous"):
        nums = {f.key: getattr(f, which) for f in section.figures}
        grid = Grid({k: int(n.value or 0) for k, n in nums.items()})
        if which == "value":
            for f in section.figures:
                for code, n in f.centres.items():
                    nums[(f.key, code)] = n
                    grid.values[(f.key, code)] = int(n.value or 0)
                if f.centres:
                    grid.add_line([(f.key, c) for c in f.centres], f.key)
        for total, parts in section.sums:
            if total in grid.values and all(p in grid.values for p in parts):
                grid.add_line(parts, total)
                grid.keep.add(total)
        _mark(nums, protect(grid, t))
    for f in section.figures:
        if f.value.hidden or f.previous.hidden:
            f.change.hidden = SECONDARY


def _breakdown(section: Any, t: int) -> None:
    rows = [*section.rows, section.total]
    nums: dict[Cell, Any] = {}
    grid = Grid({})
    codes = list(section.total.centres)
    for r in rows:
        nums[(r.key, "*")] = r.value
        grid.values[(r.key, "*")] = int(r.value.value or 0)
        for code in codes:
            n = r.centres.get(code)
            if n is not None:
                nums[(r.key, code)] = n
                grid.values[(r.key, code)] = int(n.value or 0)
    total_key = section.total.key
    grid.keep.add((total_key, "*"))
    for code in codes:
        grid.keep.add((total_key, code))
    if section.additive:
        for col in ["*", *codes]:
            grid.add_line([(r.key, col) for r in section.rows if (r.key, col) in grid.values], (total_key, col))
    if codes:
        for r in rows:
            grid.add_line([(r.key, c) for c in codes if (r.key, c) in grid.values], (r.key, "*"))
    _mark(nums, protect(grid, t))
    for r in rows:
        if r.value.hidden:
            r.share.hidden = r.value.hidden


def _chart(section: Any, t: int) -> None:
    nums: dict[Cell, Any] = {}
    grid = Grid({})
    for s in section.series:
        for i, n in enumerate(s.values):
            nums[(s.key, i)] = n
            grid.values[(s.key, i)] = int(n.value or 0)
        nums[(s.key, "total")] = s.total
        grid.values[(s.key, "total")] = int(s.total.value or 0)
        grid.keep.add((s.key, "total"))
        grid.add_line([(s.key, i) for i in range(len(s.values))], (s.key, "total"))
    if section.dim is not None and section.dim != "theme" and len(section.series) > 1:
        # The month's total over the dimension's values is not printed, but may be elsewhere
        # (another chart of the same counter): count it as known, never hide it.
        for i in range(len(section.months)):
            month_total = sum(int(s.values[i].value or 0) for s in section.series)
            grid.values[("*", i)] = month_total
            grid.keep.add(("*", i))
            grid.add_line([(s.key, i) for s in section.series], ("*", i))
    status = protect(grid, t)
    status = {c: how for c, how in status.items() if not (isinstance(c, tuple) and c[0] == "*")}
    _mark(nums, status)


def _table(section: Any, t: int) -> None:
    from tremplin.core.reports.model import Num

    rows = list(section.rows)
    section.rows = rows
    cols = [c.key for c in section.columns]
    nums: dict[Cell, Any] = {}
    grid = Grid({})
    for i, row in enumerate(rows):
        for col in cols:
            n = row.get(col)
            if isinstance(n, Num) and n.is_count:
                nums[(i, col)] = n
                grid.values[(i, col)] = int(n.value)  # type: ignore[arg-type]
    numeric = [c for c in cols if any((i, c) in grid.values for i in range(len(rows)))]
    if "total" in numeric:
        parts = [c for c in numeric if c != "total"]
        for i in range(len(rows)):
            if (i, "total") in grid.values and all((i, c) in grid.values for c in parts):
                grid.add_line([(i, c) for c in parts], (i, "total"))
                grid.keep.add((i, "total"))
    total_rows = [i for i, row in enumerate(rows) if str(row.get(cols[0], "")).lower() == "total"] if cols else []
    for ti in total_rows:
        others = [i for i in range(len(rows)) if i != ti]
        for col in numeric:
            if (ti, col) in grid.values and all((i, col) in grid.values for i in others):
                grid.add_line([(i, col) for i in others], (ti, col))
                grid.keep.add((ti, col))
    _mark(nums, protect(grid, t))


def protect_counters(
    values: Mapping[str, Any], totals: Mapping[str, int], threshold: int
) -> dict[str, int | None | dict[str, int | None]]:
    """The API's counters (``/api/v1/counters``) as a disclosure-controlled report would show them.

    ``values`` maps each counter to its total, or to its breakdown (value -> count); ``totals`` holds each
    counter's total over the same period, which a client can ask for separately: a breakdown whose cells add up
    to it is protected along that line (rule 2), so no hidden cell comes back by subtraction. Hidden counts are
    ``None``.
    """
    out: dict[str, int | None | dict[str, int | None]] = {}
    for key, value in values.items():
        if not isinstance(value, Mapping):
            out[key] = None if 0 < int(value) < threshold else int(value)
            continue
        cells: dict[Cell, int] = {("cell", name): int(amount) for name, amount in value.items()}
        total_cell = ("total",)
        cells[total_cell] = int(totals.get(key, 0))
        grid = Grid(cells, keep={total_cell})
        grid.add_line([c for c in cells if c != total_cell], total_cell)
        hidden = protect(grid, threshold)
        out[key] = {name: (None if ("cell", name) in hidden else int(amount)) for name, amount in value.items()}
    return out

"""Is the roll-up what the rows say? The nightly check, and the repair.

The roll-up (``counter_values``) is kept exact in every writing transaction; a bug, a hand-made
change in the database or an interrupted import can still leave it wrong, and every report would
then be wrong with it. ``compare`` recomputes the roll-up from the rows in memory, without touching
the table, and lists the figures that differ; ``repair`` rebuilds the table from the rows and says
how many figures it corrected. The ``counters-integrity`` flow runs ``compare`` every night and
e-mails the admins when something differs; ``tremplin counters check`` and ``tremplin counters
repair`` do the same by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from tremplin.core.app import App
    from tremplin.core.rollup import DeltaKey


@dataclass(frozen=True)
class Difference:
    key: DeltaKey
    kept: int  # what the roll-up holds
    rebuilt: int  # what the rows give

    def describe(self) -> str:
        counter, grain, period, centre_id, dim, value = self.key
        where = "" if dim == "*" else f" {dim}={value}"
        place = f"{counter} {grain} {period.isoformat()} centre {centre_id}{where}"
        return f"{place}: {self.kept} kept, {self.rebuilt} from the records"


def rebuilt_figures(app: App, conn: Connection) -> dict[DeltaKey, int]:
    """The roll-up the rows give, computed in memory."""
    from tremplin.core.rollup import Accumulator, iter_facts

    acc = Accumulator(app.compiled_counters)
    for fact in iter_facts(conn):
        acc.add(fact)
    return {key: amount for key, amount in acc.deltas().items() if amount}


def compare(app: App, conn: Connection) -> list[Difference]:
    """The figures where the roll-up and a rebuild from the rows differ, in a stable order."""
    from tremplin.core.rollup import snapshot

    kept = snapshot(conn)
    rebuilt = rebuilt_figures(app, conn)
    keys = sorted(set(kept) | set(rebuilt), key=lambda k: (k[0], k[1], k[2], k[3], k[4], str(k[5])))
    return [Difference(k, kept.get(k, 0), rebuilt.get(k, 0)) for k in keys if kept.get(k, 0) != rebuilt.get(k, 0)]


def repair(app: App) -> int:
    """Rebuild the roll-up from the rows, in one transaction; returns how many figures were wrong."""
    from tremplin.core.rollup import rebuild

    with app.db.engine.begin() as conn:
        wrong = len(compare(app, conn))
        if wrong:
            rebuild(app, conn)
    return wrong

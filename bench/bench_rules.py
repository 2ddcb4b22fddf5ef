"""Benchmark: what the rules of a record cost on the fast path that the import and the API's group commit use.

Run by hand (it is not part of the test suite)::

    .venv/bin/python bench/bench_rules.py                # 200,000 contacts, 4 rounds
    .venv/bin/python bench/bench_rules.py --rows 1000000 --rounds 2

In one process and on the same rows (valid contacts given as text, a few notes repeated as exports
repeat them), each round times:

1. the floor: ``Cleaner.contact`` with its rules made free (no opening date, every day before today, a
   note kept as it is), so that only parsing and codes are timed;
2. ``Cleaner.contact`` as every way in runs it, with the rules of ``tremplin.core.rules`` (notes scrubbed
   through a cache, the day against today and the opening date, the headcount against the plausible
   maximum).

It prints rows per second for both and their ratio (best round of each). The rules keep the fast path fast
when the ratio stays close to 1; the import and the API spend most of their time elsewhere (reading the
CSV, writing rows).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

NOTES = ("Suivi CV, rendez-vous pris.", "", "Cherche une formation en soudure.", "RDV", "")


def rows(n: int) -> list[dict[str, Any]]:
    return [
        {
            "centre": "bxl",
            "site": "advice",
            "occurred_at": f"2024-0{1 + i % 9}-1{i % 10}T10:{i % 60:02d}",
            "audience": "general",
            "modality": "individual_advice",
            "channel": "walk_in",
            "themes": "work;learn",
            "language": "fr",
            "headcount": str(1 + i % 5),
            "gender": "",
            "age_band": "",
            "education": "",
            "labour_status": "",
            "note": NOTES[i % len(NOTES)],
        }
        for i in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()

    from tremplin.core.admin import ensure_centre, ensure_site
    from tremplin.core.app import create_app
    from tremplin.core.migrate import upgrade
    from tremplin.core.validation import Cleaner, Lookup

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(database_url=f"sqlite:///{tmp}/bench.db")
        upgrade(app)
        with app.transaction() as session:
            centre, _ = ensure_centre(session, "bxl", "Bruxelles")
            ensure_site(session, centre, "advice", "Advice", "advice")
        data = rows(args.rows)
        best = {"floor": 0.0, "rules": 0.0}
        for _ in range(args.rounds):
            for name in ("floor", "rules"):
                with app.session() as session:
                    cleaner = Cleaner(app, Lookup.load(app, session))
                if name == "floor":
                    cleaner.opening = None
                    cleaner._today_of = lambda centre_id: date.max  # type: ignore[method-assign]
                    cleaner._note = lambda text: (text, None, False)  # type: ignore[method-assign]
                check = cleaner.contact
                started = time.perf_counter()
                for row in data:
                    assert check(row, None) is not None
                rate = len(data) / (time.perf_counter() - started)
                best[name] = max(best[name], rate)
        app.close()
    print(f"floor (parsing, no rule): {best['floor']:,.0f} contacts/s")
    print(f"with the rules:           {best['rules']:,.0f} contacts/s")
    print(f"ratio: {best['rules'] / best['floor']:.2f}")


if __name__ == "__main__":
    main()

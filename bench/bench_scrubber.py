"""How well and how fast the scrubber chain works, on the annotated corpus of notes in four languages.

Run by hand (not part of the test suite)::

    .venv/bin/python bench/bench_scrubber.py             # figures, then the misses and the lost words
    .venv/bin/python bench/bench_scrubber.py --quiet --per-language 250

It prints the share of personal-data strings caught (by kind), the share of clean words kept, and the
chain's speed in notes per second on three loads: the corpus itself, short clean notes (what most rows of
a bulk import carry) and empty notes, with the speed of a bare ``str.split`` over the same notes as the
floor to compare against in the same run.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tremplin.core.anonymity import core_scrubbers, run_chain

from tests.core.scrubber_corpus import SHORT_CLEAN_NOTES, corpus, score


def chain() -> Callable[[str, date], str]:
    scrubbers = core_scrubbers()
    dated = "today" in inspect.signature(run_chain).parameters

    def scrub(text: str, day: date) -> str:
        return (run_chain(text, scrubbers, today=day) if dated else run_chain(text, scrubbers)).text  # type: ignore[call-arg]

    return scrub


def rate(texts: list[str], fn: Callable[[str], object], seconds: float = 2.0) -> float:
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in texts:
            fn(text)
        done += len(texts)
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-language", type=int, default=130)
    parser.add_argument("--quiet", action="store_true", help="figures only, no misses or lost words")
    args = parser.parse_args()
    notes = corpus(args.per_language)
    scrub = chain()
    result = score(notes, scrub)
    print(f"notes: {len(notes)} ({args.per_language} per language), personal-data strings: {result.personal}, "
          f"clean words: {result.clean_words}")
    print(f"caught: {result.caught_share:.2%} ({result.caught}/{result.personal})")
    for kind, (total, ok) in sorted(result.by_kind.items()):
        print(f"  {kind:16} {ok / total:7.2%}  ({ok}/{total})")
    print(f"kept:   {result.kept_share:.2%} ({result.kept_words}/{result.clean_words})")
    if not args.quiet:
        for kind, value, output in result.missed[:40]:
            print(f"MISSED {kind}: {value!r}\n    {output}")
        for word, output in result.lost[:40]:
            print(f"LOST {word!r}\n    {output}")
    texts = [n.text for n in notes]
    day = date(2025, 6, 1)
    for label, load in (("corpus notes", texts), ("short clean notes", SHORT_CLEAN_NOTES), ("empty notes", [""] * 100)):
        speed = rate(load, lambda t: scrub(t, day))
        floor = rate(load, str.split)
        print(f"{label:18} {speed:12,.0f} notes/s   (str.split: {floor:12,.0f}/s, ratio {floor / speed:,.0f})")


if __name__ == "__main__":
    main()

"""How well and how fast the scrubber chain works, on the annotated corpus of notes in four languages.

Run by hand (not part of the test suite)::

    .venv/bin/python bench/bench_scrubber.py             # figures, then the misses and the lost words
    .venv/bin/python bench/bench_scrubber.py --quiet --per-language 250
    git show 9d9f909:core/anonymity.py > /tmp/anonymity_before.py   # the chain before it found names...
    .venv/bin/python bench/bench_scrubber.py --quiet --baseline /tmp/anonymity_before.py

It prints the share of personal-data strings caught (by kind), the share of clean words kept, and the
chain's speed in notes per second of processor time on three loads: the corpus itself, short clean notes
(what most rows of a bulk import carry) and empty notes, with the speed of a bare ``str.split`` over the
same notes as the floor to compare against in the same run. With ``--baseline``, the same figures for an
older chain, and the ratio of the speeds.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.core.scrubber_corpus import SHORT_CLEAN_NOTES, Note, corpus, score  # noqa: E402


def chain(module: ModuleType) -> Callable[[str, date], str]:
    """``scrub(text, day)`` with the core links of ``module`` (``tremplin.core.anonymity`` or an older copy)."""
    scrubbers = module.core_scrubbers()
    run_chain = module.run_chain
    dated = "today" in inspect.signature(run_chain).parameters

    def scrub(text: str, day: date) -> str:
        return (run_chain(text, scrubbers, today=day) if dated else run_chain(text, scrubbers)).text

    return scrub


def load(path: str) -> ModuleType:
    """An older ``anonymity.py`` (``git show REV:core/anonymity.py > old.py``), to measure against."""
    spec = importlib.util.spec_from_file_location("anonymity_baseline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def rate(texts: list[str], fn: Callable[[str], object], seconds: float = 1.0) -> float:
    """Notes per second of processor time (best of three runs): other processes on the machine count less."""
    best = 0.0
    for _ in range(3):
        done, start = 0, time.process_time()
        while time.process_time() - start < seconds:
            for text in texts:
                fn(text)
            done += len(texts)
        best = max(best, done / (time.process_time() - start))
    return best


def report(label: str, module: ModuleType, notes: list[Note], quiet: bool) -> dict[str, float]:
    scrub = chain(module)
    result = score(notes, scrub)
    print(f"== {label}")
    print(f"caught: {result.caught_share:.2%} ({result.caught}/{result.personal})")
    for kind, (total, ok) in sorted(result.by_kind.items()):
        print(f"  {kind:16} {ok / total:7.2%}  ({ok}/{total})")
    print(f"kept:   {result.kept_share:.2%} ({result.kept_words}/{result.clean_words})")
    if not quiet:
        for kind, value, output in result.missed[:40]:
            print(f"MISSED {kind}: {value!r}\n    {output}")
        for word, output in result.lost[:40]:
            print(f"LOST {word!r}\n    {output}")
    day = date(2025, 6, 1)
    speeds: dict[str, float] = {}
    for load_label, texts in (
        ("corpus notes", [n.text for n in notes]),
        ("short clean notes", SHORT_CLEAN_NOTES),
        ("empty notes", [""] * 100),
    ):
        speed = rate(texts, lambda t: scrub(t, day))
        floor = rate(texts, str.split)
        speeds[load_label] = speed
        print(
            f"{load_label:18} {speed:12,.0f} notes/s   (str.split: {floor:12,.0f}/s, {floor / speed:,.0f} times faster)"
        )
    return speeds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-language", type=int, default=130)
    parser.add_argument("--quiet", action="store_true", help="figures only, no misses or lost words")
    parser.add_argument("--baseline", help="an older anonymity.py to measure too, for the before/after figures")
    args = parser.parse_args()
    notes = corpus(args.per_language)
    personal = sum(len(n.personal) for n in notes)
    print(f"notes: {len(notes)} ({args.per_language} per language), personal-data strings: {personal}")
    from tremplin.core import anonymity

    after = report("this chain", anonymity, notes, args.quiet)
    if args.baseline:
        before = report(f"baseline ({args.baseline})", load(args.baseline), notes, True)
        for label, speed in after.items():
            print(f"{label:18} this chain / baseline: {speed / before[label]:.2f}")


if __name__ == "__main__":
    main()

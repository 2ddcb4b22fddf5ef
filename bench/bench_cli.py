"""Benchmark: how fast ``tremplin --help`` answers (target: under 0.5 s).

Run by hand (it is not part of the test suite)::

    .venv/bin/python bench/bench_cli.py            # 7 rounds
    .venv/bin/python bench/bench_cli.py --rounds 15

Each round starts a new process for ``tremplin --help`` and, as the floor, a bare ``python -c pass`` of the same
interpreter. It prints the best and median wall time and CPU time of both and their ratio: the command stays
light when it costs little more than starting Python, whatever the load of the machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the child) of one run of ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, cwd=REPO)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    tremplin = Path(sys.executable).with_name("tremplin")
    command = [str(tremplin), "--help"] if tremplin.exists() else [sys.executable, "-m", "tremplin.core.cli", "--help"]
    floor = [sys.executable, "-c", "pass"]
    timed(command)  # the first run fills the file cache and writes the bytecode
    runs = {"tremplin --help": [timed(command) for _ in range(args.rounds)]}
    runs["python -c pass"] = [timed(floor) for _ in range(args.rounds)]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPU(s), {args.rounds} rounds")
    for name, values in runs.items():
        walls = [w for w, _ in values]
        cpus = [c for _, c in values]
        print(
            f"{name:>16}: wall best {min(walls):.3f} s, median {statistics.median(walls):.3f} s; "
            f"CPU best {min(cpus):.3f} s, median {statistics.median(cpus):.3f} s"
        )
    help_cpu = min(c for _, c in runs["tremplin --help"])
    floor_cpu = min(c for _, c in runs["python -c pass"])
    print(f"tremplin --help costs {help_cpu / floor_cpu:.1f}x the CPU of starting Python (target: under 0.5 s wall)")


if __name__ == "__main__":
    main()

"""Benchmark: logging contacts through ``POST /api/v1/contacts`` with 50 concurrent clients.

Run by hand (it is not part of the test suite)::

    .venv/bin/python bench/bench_api.py                      # 1,000,000 existing contacts, 5,000 requests
    .venv/bin/python bench/bench_api.py --contacts 100000    # a quicker look

What it does, in one run:

1. builds (once, then reuses) a migrated SQLite file with ``--contacts`` existing contacts, filled with
   ``tremplin.core.bulk.insert_records``, one centre, its sites and an account with an API token;
2. serves the real app from a copy of it, the way ``tremplin serve`` does (uvicorn, one worker, in its
   own process), and POSTs ``--requests`` contacts to ``/api/v1/contacts`` from ``--concurrency``
   clients (one keep-alive connection each, loopback only; see ``Client``) with the bearer token;
3. the floor: serves a bare Starlette endpoint (same uvicorn, one worker) that inserts the same row
   with the bare ``sqlite3`` driver into another copy of the same database, under the same load;
4. prints contacts/s, p50 and p99 latency for both, and the ratio; checks that every request was
   answered 2xx and that the database holds exactly the contacts sent.

The target (issue 3): at least 500 contacts/s and p99 under 50 ms through the app. Exit status 1
when the target is missed, so the script can gate a release by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CENTRE = "bxl"
SITE = "truck-flagey"
USERNAME = "bench"
PASSWORD = "bench-password"

TARGET_RATE = 500.0
TARGET_P99_MS = 50.0


# ------------------------------------------------------------------------------------------------
# The database


def contact_payload(i: int) -> dict[str, Any]:
    """One Formtruck contact as an API client sends it (the same fields the CSV import takes)."""
    now = datetime.now(UTC) - timedelta(seconds=i)
    return {
        "centre": CENTRE,
        "site": SITE,
        "occurred_at": now.isoformat(timespec="seconds"),
        "audience": "formtruck",
        "modality": "individual_advice",
        "channel": "field",
        "themes": [("choose", "learn", "work", "move", "self_employment")[i % 5]],
        "language": ("fr", "nl", "en", "uk")[i % 4],
        "headcount": 1,
        "attributes": {"commune": ("ixelles", "bruxelles", "schaerbeek", "anderlecht")[i % 4]},
    }


def make_api_token(app: Any, session: Any, staff: Any) -> str:
    """Give ``staff`` an API token through the app's own function for it; returns the clear token."""
    import importlib

    # The web app owns API tokens; use whichever of its functions exists.
    for module_name, function_name in (
        ("tremplin.core.web.security", "issue_api_token"),
        ("tremplin.core.web.tokens", "issue_api_token"),
        ("tremplin.core.web.auth", "issue_api_token"),
        ("tremplin.core.web.api", "issue_api_token"),
        ("tremplin.core.admin", "issue_api_token"),
        ("tremplin.core.web.auth", "new_api_token"),
        ("tremplin.core.admin", "new_api_token"),
    ):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        fn = getattr(module, function_name, None)
        if fn is not None:
            try:
                token = fn(app, session, staff)
            except TypeError:
                token = fn(session, staff)
            return token if isinstance(token, str) else token[0]
    raise SystemExit(
        "the web app has no function to issue an API token (looked for issue_api_token / new_api_token in "
        "tremplin.core.web.* and tremplin.core.admin)"
    )


def build_database(path: Path, contacts: int) -> None:
    """A migrated SQLite file with ``contacts`` existing contacts, filled in bulk, and an API account."""
    from tremplin.core.admin import add_staff, ensure_centre, ensure_site
    from tremplin.core.app import create_app
    from tremplin.core.bulk import insert_records
    from tremplin.core.migrate import upgrade
    from tremplin.core.settings import Settings
    from tremplin.core.validation import Cleaner, Lookup

    tmp = path.with_suffix(".building")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    app = create_app(Settings(database_url=f"sqlite:///{tmp}", load_entrypoints=False))
    upgrade(app)
    with app.transaction() as session:
        centre, _ = ensure_centre(session, CENTRE, "Cité des métiers de Bruxelles")
        for code, kind in (
            ("reception", "reception"),
            ("multimedia", "multimedia"),
            ("advice", "advice"),
            (SITE, "formtruck_stop"),
        ):
            ensure_site(session, centre, code, code.replace("-", " ").title(), kind)
        add_staff(app, session, USERNAME, PASSWORD, roles=["admin"], audiences=["*"], centre_code=CENTRE)

    # Clean a few templates once with the real validator, then vary day, themes and language: the rows
    # are exactly what the Cleaner would produce, at a fraction of the cost for a million of them.
    with app.session() as session:
        cleaner = Cleaner(app, Lookup.load(app, session))
        templates = [
            cleaner.contact(
                {
                    "centre": CENTRE,
                    "site": site,
                    "occurred_at": "2024-01-01T10:00",
                    "audience": audience,
                    "modality": modality,
                    "channel": channel,
                },
                attributes,
            )
            for site, audience, modality, channel, attributes in (
                ("reception", "general", "individual_advice", "walk_in", None),
                ("multimedia", "general", "multimedia", "walk_in", None),
                ("advice", "ukrainian", "individual_advice", "walk_in", None),
                (SITE, "formtruck", "individual_advice", "field", {"commune": "ixelles"}),
            )
        ]
    rng = random.Random(2019)
    themes = ["choose", "learn", "work", "move", "self_employment"]
    languages = ["fr", "nl", "en", "uk", "other"]
    start = date(date.today().year - 4, 1, 1)
    span = (date.today() - start).days

    def rows() -> Any:
        for i in range(contacts):
            row = dict(rng.choice(templates))
            day = start + timedelta(days=rng.randrange(span))
            row["occurred_at"] = datetime(
                day.year, day.month, day.day, 8 + rng.randrange(10), rng.randrange(60), tzinfo=UTC
            )
            row["day"] = day
            row["themes"] = sorted(rng.sample(themes, k=1 + (i % 3 == 0)))
            row["language"] = rng.choice(languages)
            yield row

    started = time.perf_counter()
    done = 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        if done % 200_000 < n:
            print(f"  {done:,} contacts ({time.perf_counter() - started:.0f} s)", flush=True)

    with app.db.engine.begin() as conn:
        insert_records(app, conn, "contacts", rows(), on_batch=progress)
    with app.db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    app.close()
    tmp.rename(path)
    print(f"  filled in {time.perf_counter() - started:.0f} s", flush=True)


def give_token(database: Path) -> str:
    """Issue the bench account an API token in ``database`` (done on each run's copy)."""
    from sqlalchemy import select

    from tremplin.core.app import create_app
    from tremplin.core.models import Staff
    from tremplin.core.settings import Settings

    app = create_app(Settings(database_url=f"sqlite:///{database}", load_entrypoints=False))
    try:
        with app.transaction() as session:
            staff = session.scalar(select(Staff).where(Staff.username == USERNAME))
            return make_api_token(app, session, staff)
    finally:
        app.close()


def copy_database(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)


def count_contacts(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM contacts").fetchone()[0]


# ------------------------------------------------------------------------------------------------
# The servers (each in its own process, as in production)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_app(database: Path, port: int) -> None:
    """The real app, as ``tremplin serve --workers 1`` runs it."""
    os.environ["TREMPLIN_DATABASE_URL"] = f"sqlite:///{database}"
    from tremplin.core.cli import cli

    commands = getattr(cli, "commands", {})
    if "serve" in commands:
        cli.main(
            ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            prog_name="tremplin",
            standalone_mode=True,
        )
        return
    # Until the command exists: the same thing by hand.
    import uvicorn

    from tremplin.core.app import create_app
    from tremplin.core.web.app import create_web_app

    uvicorn.run(
        create_web_app(create_app()), host="127.0.0.1", port=port, workers=1, log_level="warning", access_log=False
    )


def floor_app(database: Path) -> Any:
    """A bare Starlette endpoint: parse the JSON, insert the contact with ``sqlite3``, answer 201.

    The row is the one the app writes (same columns, same connection settings as ``tremplin.core.db``), minus
    what the app does around it (validation, access checks, roll-up, audit): the floor to compare with.
    """
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    conn = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
        conn.execute(f"PRAGMA {pragma}")
    centre_id = conn.execute("SELECT id FROM centres WHERE code = ?", (CENTRE,)).fetchone()[0]
    site_id = conn.execute("SELECT id FROM sites WHERE centre_id = ? AND code = ?", (centre_id, SITE)).fetchone()[0]
    columns = (
        "centre_id",
        "site_id",
        "occurred_at",
        "day",
        "audience",
        "modality",
        "channel",
        "themes",
        "language",
        "headcount",
        "gender",
        "age_band",
        "education",
        "labour_status",
        "attributes",
        "note",
        "created_at",
    )
    sql = f"INSERT INTO contacts ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"

    async def create(request: Request) -> JSONResponse:
        body = await request.json()
        occurred = datetime.fromisoformat(body["occurred_at"]).astimezone(UTC).replace(tzinfo=None)
        now = datetime.now(UTC).replace(tzinfo=None)
        values = (
            centre_id, site_id, occurred.isoformat(sep=(
                " "
            )), occurred.date().isoformat(), body["audience"], body["modality"], body["channel"],
            json.dumps(body[(
                "themes"
            )]), body["language"], int(body["headcount"]), "unknown", "unknown", "unknown", "unknown",
            json.dumps(body["attributes"]), "", now.isoformat(sep=" "),
        )  # fmt: skip
        conn.execute("BEGIN")
        try:
            cur = conn.execute(sql, values)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return JSONResponse({"id": cur.lastrowid}, status_code=201)

    return Starlette(routes=[Route("/api/v1/contacts", create, methods=["POST"])])


def serve_floor(database: Path, port: int) -> None:
    import uvicorn

    uvicorn.run(floor_app(database), host="127.0.0.1", port=port, workers=1, log_level="warning", access_log=False)


def start(kind: str, database: Path, port: int, log: Any) -> subprocess.Popen[bytes]:
    command = [sys.executable, __file__, f"--serve-{kind}", str(database), "--port", str(port)]
    proc = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"the {kind} server exited with status {proc.returncode} while starting (see {log.name})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise SystemExit(f"the {kind} server did not start within 60 s") from None
            time.sleep(0.1)


def process_cpu(pid: int) -> float:
    """CPU seconds (user and system) process ``pid`` has used so far; 0 where ``/proc`` is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_profiler(pid: int, profile: Path, gil: bool = False) -> subprocess.Popen[bytes]:
    """py-spy attached to the server (``pip install py-spy``); stopped with SIGINT, it writes ``profile``.

    With ``gil``, only the thread holding the GIL is sampled: where the CPU of the one worker goes.
    Without, every thread is: where requests wait (connection pool, locks, SQLite).
    """
    spy = Path(sys.executable).with_name("py-spy")
    command = [
        str(spy) if spy.exists() else "py-spy",
        "record",
        "--pid",
        str(pid),
        "--rate",
        "200",
        "--format",
        "speedscope" if profile.suffix == ".json" else "flamegraph",
        "-o",
        str(profile),
    ]
    if profile.suffix == ".txt":
        command[command.index("--format") + 1] = "raw"
    if gil:
        command.append("--gil")
    proc = subprocess.Popen(command)
    time.sleep(1.0)
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(2)  # SIGINT: uvicorn (and py-spy) shut down cleanly and write their output
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# ------------------------------------------------------------------------------------------------
# The load


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    latencies_ms: list[float]
    failures: dict[str, int]
    #: CPU seconds the clients used: they share the machine with the server.
    client_cpu: float = 0.0
    #: CPU seconds the server used (all its threads): on a shared machine, steadier than the wall clock.
    server_cpu: float = 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        data = sorted(self.latencies_ms)
        return data[min(len(data) - 1, int(round(q / 100 * (len(data) - 1))))]

    def line(self) -> str:
        return (
            f"{self.name:<28} {self.rate:8.0f} contacts/s   p50 {self.percentile(50):6.1f} ms   p99 "
            f"{self.percentile(99):6.1f} ms"
            f"   max {max(self.latencies_ms):6.1f} ms   ({self.requests:,} requests in {self.seconds:.2f} s"
            + f"; clients used {self.client_cpu / self.seconds:.0%} of a CPU"
            + (f"; server CPU {self.server_cpu / self.requests * 1000:.2f} ms/request" if self.server_cpu else "")
            + (f"; FAILURES {self.failures}" if self.failures else "")
            + ")"
        )


class Client:
    """One device: a keep-alive HTTP/1.1 connection that POSTs JSON and reads the answer.

    Written on asyncio streams rather than taken from an HTTP library: on a 2-core machine the
    clients share the CPUs with the server, and httpx spends about a millisecond of CPU per request
    (more than the bare floor server does), so it measured itself as much as the server. This one
    spends some tens of microseconds. It speaks just what the servers here answer: a status line,
    headers and a ``Content-Length`` body; anything else is an error, not a guess.
    """

    def __init__(self, host: str, port: int, path: str, token: str | None) -> None:
        self.host, self.port = host, port
        lines = [
            f"POST {path} HTTP/1.1",
            f"Host: {host}:{port}",
            "Content-Type: application/json",
            "Connection: keep-alive",
        ]
        if token:
            lines.append(f"Authorization: Bearer {token}")
        self._head = ("\r\n".join(lines) + "\r\nContent-Length: ").encode()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes) -> tuple[int, bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._reader, self._writer
        assert reader is not None
        writer.write(self._head + str(len(body)).encode() + b"\r\n\r\n" + body)
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split(b" ", 2)[1])
        length, close = 0, False
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n"):
                break
            if not line:
                raise ConnectionError("the server closed the connection in the headers")
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                raise ConnectionError(f"unexpected Transfer-Encoding {value.strip()!r}")
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        answer = await reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return status, answer

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except OSError:
                pass
            self._reader = self._writer = None


async def load(
    name: str, url: str, token: str | None, requests: int, concurrency: int, warmup: int, rate: float | None = None
) -> Result:
    """Send ``requests`` contacts from ``concurrency`` clients.

    Without ``rate``: closed loop, each client sends its next request as soon as the last is answered
    (the server's ceiling; latency is then mostly queueing, about ``concurrency / throughput``). With
    ``rate``: open loop, the clients together start ``rate`` requests per second on a fixed schedule,
    and latency counts from the scheduled start (a late server is not excused by a late client).
    """
    from urllib.parse import urlsplit

    address = urlsplit(url)
    assert address.hostname in ("127.0.0.1", "localhost"), "the bench only ever targets this machine"
    bodies = [json.dumps(contact_payload(i)).encode() for i in range(requests + warmup)]
    latencies: list[float] = []
    failures: dict[str, int] = {}
    next_index = 0
    # 50 clients are 50 connections, as 50 devices would be.
    clients = [Client(address.hostname, address.port or 80, "/api/v1/contacts", token) for _ in range(concurrency)]

    schedule_start = 0.0

    async def client_loop(client: Client, last: int, record: bool) -> None:
        nonlocal next_index
        while next_index < last:
            i = next_index
            next_index += 1
            t0 = time.perf_counter()
            if rate and record:
                t0 = schedule_start + (i - warmup) / rate
                delay = t0 - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            try:
                status, answer = await client.post(bodies[i])
                detail = answer[:200].decode(errors="replace") if status >= 300 else ""
            except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
                await client.close()
                status, detail = 0, f"{type(exc).__name__}: {exc}"
            elapsed = (time.perf_counter() - t0) * 1000
            if record:
                latencies.append(elapsed)
            if not 200 <= status < 300:
                key = f"{status} {detail}"
                failures[key] = failures.get(key, 0) + 1

    try:
        # Warm-up: connections opened, caches and lazy imports filled; not counted.
        await asyncio.gather(*(client_loop(c, warmup, False) for c in clients))
        failures.clear()
        started = schedule_start = time.perf_counter()
        cpu = time.process_time()
        await asyncio.gather(*(client_loop(c, warmup + requests, True) for c in clients))
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
    finally:
        for c in clients:
            await c.close()
    return Result(name, requests, seconds, latencies, failures, cpu)


# ------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--contacts", type=int, default=1_000_000, help="existing contacts in the database (default 1,000,000)"
    )
    parser.add_argument(
        "--requests", type=int, default=5_000, help="contacts POSTed per run, after the warm-up (default 5,000)"
    )
    parser.add_argument("--concurrency", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--rate", type=float, default=TARGET_RATE, help="contacts/s of the paced phase (default 500)")
    parser.add_argument("--warmup", type=int, default=200, help="requests sent first and not counted (default 200)")
    parser.add_argument(
        "--workdir", type=Path, default=REPO / ".cache" / "bench", help="where the databases go (default .cache/bench)"
    )
    parser.add_argument("--rebuild", action="store_true", help="build the filled database again even if it exists")
    parser.add_argument("--only", choices=("app", "floor"), help="run one side only")
    parser.add_argument(
        "--profile",
        type=Path,
        help=(
            "record the app server with py-spy into this file (.svg flame graph, .json speedscope, .txt collapsed "
            "stacks)"
        ),
    )
    parser.add_argument(
        "--profile-gil",
        action="store_true",
        help="with --profile: sample only the thread holding the GIL (CPU), not waiting threads",
    )
    parser.add_argument("--serve-app", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--serve-floor", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve_app:
        serve_app(args.serve_app, args.port)
        return 0
    if args.serve_floor:
        serve_floor(args.serve_floor, args.port)
        return 0

    args.workdir.mkdir(parents=True, exist_ok=True)
    filled = args.workdir / f"contacts-{args.contacts}.db"
    if args.rebuild or not filled.exists():
        print(f"Building a database with {args.contacts:,} contacts in {filled} ...", flush=True)
        build_database(filled, args.contacts)
    print(
        f"{args.requests:,} POST /api/v1/contacts from {args.concurrency} clients on SQLite with "
        f"{count_contacts(filled):,} existing contacts; uvicorn, 1 worker; {os.cpu_count()} CPU(s)",
        flush=True,
    )
    load_average = os.getloadavg()[0]
    if load_average > 0.5:
        print(
            f"warning: the machine is busy (load average {load_average:.1f}); other processes share the CPUs and "
            "the figures will be noisy",
            flush=True,
        )

    # Two phases against each server: all-out (the ceiling, contacts/s) and paced at the target rate
    # (the latency a centre sees when 50 devices log 500 contacts a second between them).
    phases = [("all-out", None), (f"paced {args.rate:.0f}/s", args.rate)]
    results: dict[tuple[str, str], Result] = {}
    for kind in ("app", "floor"):
        if args.only and args.only != kind:
            continue
        database = args.workdir / f"run-{kind}.db"
        copy_database(filled, database)
        token = give_token(database) if kind == "app" else None
        before = count_contacts(database)
        port = free_port()
        log = (args.workdir / f"server-{kind}.log").open("wb")
        proc = start(kind, database, port, log)
        profiler = start_profiler(proc.pid, args.profile, args.profile_gil) if args.profile and kind == "app" else None
        expected = 0
        try:
            for phase, rate in phases:
                name = ("app " if kind == "app" else "floor ") + phase
                server_cpu = process_cpu(proc.pid)
                result = asyncio.run(
                    load(name, f"http://127.0.0.1:{port}", token, args.requests, args.concurrency, args.warmup, rate)
                )
                # Warm-up included (a rough figure): the load does not report when its warm-up ends.
                result.server_cpu = (process_cpu(proc.pid) - server_cpu) * args.requests / (args.requests + args.warmup)
                expected += args.requests + args.warmup
                results[(kind, phase)] = result
                print(result.line(), flush=True)
        finally:
            if profiler is not None:
                stop(profiler)
            stop(proc)
            log.close()
        added = count_contacts(database) - before
        if added != expected:
            print(
                f"  CHECK FAILED: the {kind} database gained {added:,} contacts, not {expected:,} (server log: "
                f"{log.name})"
            )
            results[(kind, phases[0][0])].failures["rows"] = 1
        else:
            print(f"  the {kind} database gained exactly the {added:,} contacts sent")

    ok = True
    allout, paced = phases[0][0], phases[1][0]
    if ("app", allout) in results:
        app_all, app_paced = results[("app", allout)], results[("app", paced)]
        if ("floor", allout) in results:
            floor_all, floor_paced = results[("floor", allout)], results[("floor", paced)]
            print(
                f"ratio app/floor: throughput {app_all.rate / floor_all.rate:.2f}; "
                f"p50 at {args.rate:.0f}/s {app_paced.percentile(50) / floor_paced.percentile(50):.1f}x, "
                f"p99 at {args.rate:.0f}/s {app_paced.percentile(99) / floor_paced.percentile(99):.1f}x"
            )
        failures = app_all.failures or app_paced.failures
        met = app_all.rate >= TARGET_RATE and app_paced.percentile(99) < TARGET_P99_MS and not failures
        print(
            f"target: >= {TARGET_RATE:.0f} contacts/s ({app_all.rate:.0f}) and p99 < {TARGET_P99_MS:.0f} ms at "
            f"{args.rate:.0f}/s "
            f"({app_paced.percentile(99):.1f} ms), no failures: {'met' if met else 'MISSED'}"
        )
        ok = met
    if args.profile:
        print(f"profile of the app server: {args.profile}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

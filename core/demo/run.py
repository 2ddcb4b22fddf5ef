"""Running the demo: collecting the plugins' shares, drawing their records and writing them in one transaction."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from tremplin.core.demo.calendar import Calendar
from tremplin.core.demo.centre import Login, reset_database, setup_centre, setup_closure, setup_staff
from tremplin.core.demo.share import CENTRE_CODE, CENTRE_NAME, DemoContext, DemoShare, Rec

if TYPE_CHECKING:
    from tremplin.core.app import App
    from tremplin.core.i18n import Text


def shares(app: App) -> list[DemoShare]:
    """Every registered share of the demo, in plugin registration order (the walk-in public first).

    The hook is called here, when a demo runs, not at start-up: no other command pays for the demo's
    catalogues of titles and notes.
    """
    from tremplin.core.registry import PluginError

    found: list[DemoShare] = []
    keys: set[str] = set()
    # pluggy calls the last registered plugin first; the demo draws and writes in registration order.
    for batch in reversed(app.pm.hook.register_demo(app=app)):
        for share in batch:
            if not isinstance(share, DemoShare):
                raise PluginError(f"register_demo must return DemoShare objects, not {type(share).__name__}")
            if share.key in keys:
                raise PluginError(f"demo share {share.key!r} is registered twice")
            keys.add(share.key)
            found.append(share)
    return found


def expected_figures(app: App, scale: float = 1.0, of: Sequence[DemoShare] | None = None) -> dict[str, float]:
    """The counters a demo at ``scale`` aims at (before each stream's noise): the sum of the shares' parts."""
    totals: dict[str, float] = {}
    for share in shares(app) if of is None else of:
        for key, value in share.expected.items():
            totals[key] = totals.get(key, 0.0) + value * scale
    return totals


@dataclass
class DemoSummary:
    """What a demo wrote, how long it took, and how to log in."""

    year: int
    scale: float
    seed: int
    centre: str = CENTRE_CODE
    seconds: float = 0.0
    written: dict[str, int] = field(default_factory=dict)
    #: The shares that wrote records, in order.
    shares: list[str] = field(default_factory=list)
    #: ``(username, password, role)``; the password is ``None`` for an account that already existed.
    logins: list[Login] = field(default_factory=list)
    #: Each role's label in the four languages, for the logins in the reader's language.
    role_labels: dict[str, Text] = field(default_factory=dict)

    def describe(self, language: str = "en") -> str:
        """What was written and how to log in, in ``language`` (the command's: ``tremplin demo`` prints it)."""
        from tremplin.core.cli_text import decimal, number, say

        def n(value: int) -> str:
            return number(value, language)

        w = self.written
        headcount, participants = w.get("headcount", 0), w.get("participants", 0)
        head = say(
            "demo.summary.head",
            language,
            year=self.year,
            centre_name=CENTRE_NAME,
            centre=self.centre,
            scale=f"{self.scale:g}",
            seed=self.seed,
            seconds=decimal(self.seconds, language),
        )
        records = say(
            "demo.summary.records",
            language,
            contacts=n(w.get("contacts", 0)),
            headcount=n(headcount),
            activities=n(w.get("activities", 0)),
            participants=n(participants),
            total=n(headcount + participants),
        )
        cases = say(
            "demo.summary.cases",
            language,
            cases=n(w.get("cases", 0)),
            moves=n(w.get("case_moves", 0)),
            referrals=n(w.get("referrals", 0)),
            closures=n(w.get("closure_periods", 0)),
            sites=n(w.get("sites", 0)),
            partners=n(w.get("partners", 0)),
        )
        shares = say("demo.summary.shares", language, shares=", ".join(self.shares) or say("none", language))
        lines = [head, records, cases, shares, say("demo.summary.logins", language)]
        existing = say("demo.summary.existing", language)
        shown = [
            (u, p if p is not None else existing, self.role_labels[u].get(language) if u in self.role_labels else r)
            for u, p, r in self.logins
        ]
        width = max((len(u) for u, _, _ in shown), default=0)
        pwidth = max((len(p) for _, p, _ in shown), default=0)
        for username, password, role in shown:
            lines.append(f"  {username:<{width}}  {password:<{pwidth}}  {role}")
        return "\n".join(lines)


class _Progress:
    """A rich progress bar, or nothing."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            columns = (SpinnerColumn(), TextColumn("{task.description:<32}"), BarColumn(), MofNCompleteColumn())
            self.bar = Progress(*columns, TimeElapsedColumn())
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def task(self, description: str, total: int) -> Any:
        return self.bar.add_task(description, total=total) if self.bar is not None else None

    def advance(self, task: Any, amount: int = 1) -> None:
        if self.bar is not None:
            self.bar.advance(task, amount)

    def counting(self, task: Any, items: Iterable[Any], every: int = 1000) -> Iterator[Any]:
        n = 0
        for item in items:
            yield item
            n += 1
            if n == every:
                self.advance(task, n)
                n = 0
        self.advance(task, n)


def draw_records(ctx: DemoContext, of: Sequence[DemoShare]) -> tuple[list[Rec], list[Rec]]:
    """Every contact and activity of the shares ``of``, in time order (cases and referrals are written
    on the way when ``ctx`` has a session). Each share draws with a context of its own streams."""
    contacts: list[Rec] = []
    activities: list[Rec] = []
    for share in of:
        for rec in share.records(replace(ctx, share=share.key)):
            (contacts if rec.kind == "contacts" else activities).append(rec)
    # Python's sort is stable: records of the same minute keep their share's and stream's order.
    contacts.sort(key=lambda r: r.when)
    activities.sort(key=lambda r: r.when)
    return contacts, activities


def checked_rows(app: App, cleaner: Any, check: Any, records: Iterable[Rec], kind: str) -> Iterator[dict[str, Any]]:
    """The rows the demo writes: each record as its form could give it (``check``), through the rules of
    every way in (``cleaner``: a ``tremplin.core.validation.Cleaner``), with its form's plausible counts."""
    clean = cleaner.contact if kind == "contacts" else cleaner.activity
    counted = "headcount" if kind == "contacts" else "participants"
    forms = app.registry.forms
    for rec in records:
        check(rec)
        row = clean(rec.raw, rec.attrs, plausible=forms[rec.form].plausible.get(counted))
        row.update(rec.extra)
        yield row


def _begun(when: datetime, now: datetime) -> bool:
    return (when if when.tzinfo else when.replace(tzinfo=now.tzinfo)) <= now


def generate(
    app: App, year: int, scale: float = 1.0, seed: int = 2019, reset: bool = True, progress: bool = False
) -> DemoSummary:
    """Fill the database with a year of synthetic activity of the Brussels centre; see ``tremplin.core.demo``."""
    from tremplin.core.bulk import insert_records
    from tremplin.core.demo.check import FormCheck
    from tremplin.core.validation import Cleaner, Lookup

    if not 1900 < year < 2200:
        raise ValueError(f"{year} is not a plausible year")
    if not 0 < scale <= 100:
        raise ValueError("the scale must be above 0 and at most 100")
    started = time.perf_counter()
    summary = DemoSummary(year=year, scale=scale, seed=seed)
    today = date.today()
    last_day = min(date(year, 12, 31), today) if year <= today.year else date(year, 12, 31)
    last_day = max(last_day, date(year, 1, 31))
    found = shares(app)
    summary.shares = [s.key for s in found]

    with _Progress(progress) as bar, app.transaction() as session:
        setup = bar.task("Centre, staff, cases, referrals", 2 + len(found))
        conn = session.connection()
        if reset:
            reset_database(conn)
        centre, partners, n_sites = setup_centre(session, year, found)
        staff, summary.logins = setup_staff(app, session, centre)
        summary.role_labels = {key: role.label for key, role in app.registry.roles.items()}
        closures = setup_closure(session, centre, year)
        summary.written.update(sites=n_sites, partners=len(partners), staff=len(summary.logins))
        summary.written["closure_periods"] = closures
        bar.advance(setup, 2)
        ctx = DemoContext(
            app,
            year,
            scale,
            seed,
            Calendar(year),
            centre.id,
            {r: s.id for r, s in staff.items()},
            partners,
            last_day,
            session=session,
        )
        contacts, activities = draw_records(ctx, found)
        bar.advance(setup, len(found))
        summary.written.update(cases=ctx.written["cases"], case_moves=ctx.written["case_moves"])
        summary.written["referrals"] = ctx.written["referrals"]

        now = datetime.now(ZoneInfo(app.settings.timezone))
        contacts = [r for r in contacts if r.when.date() <= last_day]
        # Participants are entered once an activity has begun (``tremplin.core.rules``): today's later
        # activities are not in the demo yet.
        activities = [r for r in activities if r.when.date() <= last_day and _begun(r.when, now)]
        check = FormCheck(app)
        cleaner = Cleaner(app, Lookup.load(app, session))

        def cleaned(records: list[Rec], kind: str) -> Iterator[dict[str, Any]]:
            return checked_rows(app, cleaner, check, records, kind)

        task = bar.task("Contacts", len(contacts))
        summary.written["contacts"] = insert_records(
            app, conn, "contacts", bar.counting(task, cleaned(contacts, "contacts"))
        )
        task = bar.task("Group activities", len(activities))
        summary.written["activities"] = insert_records(
            app, conn, "activities", bar.counting(task, cleaned(activities, "activities"))
        )
        for share in found:
            if share.after is not None:
                summary.written.update(share.after(replace(ctx, share=share.key)))
        summary.written["headcount"] = sum(r.raw.get("headcount", 1) for r in contacts)
        summary.written["participants"] = sum(r.raw.get("participants") or 0 for r in activities)

    summary.seconds = time.perf_counter() - started
    return summary

"""Digests: short summaries of an audience's figures, e-mailed to the team or its partner institutions.

A plugin's flow computes a ``Digest``, a title and tables of counts (each a breakdown with its
total), and hands it to ``send_digest``. Where the digest leaves the centre (``published``: the partner
institutions) the tables go through disclosure control (``tremplin.core.disclosure``): counts from 1 to
the threshold minus one show as ``<5``, and a second cell is hidden where a total would give the first
away. Recipients are a setting per digest (``TREMPLIN_<KEY>_RECIPIENTS``, comma-separated); each
message has its idempotency key in the outbox (``digest:<key>:<period>:<address>``), so a repeated
run sends nothing twice, and each sending is audited (``digest.sent``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from tremplin.flows.common import centre_name, recipients

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tremplin.core.app import App
    from tremplin.core.i18n import Text


@dataclass
class Table:
    """A breakdown: counts by label, and their total."""

    title: str
    counts: dict[str, int]
    total_label: str = "Total"

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Digest:
    key: str  # "neet-weekly": the setting and the idempotency keys derive from it
    title: str
    period: str  # "2026-W49", "2026-11": one digest per key and period
    tables: list[Table] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # free lines after the tables (never a count of people)
    published: bool = False
    audience: str | None = None
    #: Several digests of one period each sent once (one per Formtruck stop of a day): what tells them apart.
    instance: str = ""


def setting_for(key: str) -> str:
    return "TREMPLIN_" + re.sub(r"[^A-Z0-9]+", "_", key.upper()) + "_RECIPIENTS"


def last_week(today: date) -> tuple[date, date, str]:
    """Monday to Sunday of the week before ``today``'s, and its ISO label."""
    monday = today - timedelta(days=today.weekday() + 7)
    year, week, _ = monday.isocalendar()
    return monday, monday + timedelta(days=6), f"{year}-W{week:02d}"


def last_month(today: date) -> tuple[date, date, str]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end, f"{end.year}-{end.month:02d}"


def shown(table: Table, threshold: int, published: bool) -> list[tuple[str, str]]:
    """The table's rows and total as they may be shown."""
    rows = [(label, count) for label, count in sorted(table.counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    if not published:
        return [(label, str(count)) for label, count in rows] + [(table.total_label, str(table.total))]
    from tremplin.core.disclosure import Grid, protect

    cells: dict[Any, int] = {label: count for label, count in rows}
    cells[("total",)] = table.total
    grid = Grid(values=cells, keep={("total",)})
    grid.add_line([label for label, _ in rows], ("total",))
    hidden = protect(grid, threshold)
    small = f"<{threshold}"

    def show(cell: Any, value: int) -> str:
        if cell not in hidden:
            return str(value)
        return small if 0 < value < threshold else "x"

    return [(label, show(label, count)) for label, count in rows] + [(table.total_label, show(("total",), table.total))]


def render_lines(digest: Digest, threshold: int) -> list[str]:
    out: list[str] = []
    for table in digest.tables:
        out.append(f"{table.title}:")
        out += [f"  {label}: {value}" for label, value in shown(table, threshold, digest.published)]
    out += digest.lines
    return out


def send_digest(app: App, session: Session, digest: Digest, lang: str | None = None) -> int:
    """Queue ``digest`` for its recipients (once per period); returns how many messages were new."""
    from tremplin.core.audit import audit
    from tremplin.core.mail import enqueue, queued

    to = recipients(setting_for(digest.key))
    lines = render_lines(digest, app.settings.disclosure_threshold)
    context = {
        "title": digest.title,
        "period": digest.period,
        "lines": lines,
        "published": digest.published,
        "threshold": app.settings.disclosure_threshold,
        "centre": centre_name(session),
    }
    one = f"{digest.period}:{digest.instance}" if digest.instance else digest.period
    for address in to:
        enqueue(
            session,
            key=f"digest:{digest.key}:{one}:{address}",
            to=address,
            template="digests/summary",
            lang=lang or app.settings.default_language,
            context=context,
            audience=digest.audience,
            subject_ref=f"digest:{digest.key}",
        )
    new = len(queued(session))
    audit(session, "digest.sent", None, "digest", f"{digest.key}:{one}", recipients=to, new_messages=new)
    return new


def by_code(attribute: str, codes: Mapping[str, Text], lang: str) -> Callable[[Any], str | None]:
    """A ``label`` for ``count_contacts``: the name, in ``lang``, of the code a contact holds in ``attribute``
    (a form's choice: the prison, the public...); ``None`` (not counted) when it holds none of ``codes``."""

    def label(contact: Any) -> str | None:
        code = (contact.attributes or {}).get(attribute)
        return codes[code].get(lang) if isinstance(code, str) and code in codes else None

    return label


def count_contacts(
    session: Session,
    audience: str,
    start: date,
    end: date,
    label: Callable[[Any], str | Iterable[str] | None],
    where: Mapping[str, Any] | None = None,
    people: bool = True,
) -> dict[str, int]:
    """People reached (``headcount``) by the label(s) ``label`` gives each contact of the audience; with
    ``people=False``, the contacts themselves (a session held counts once, whoever attended)."""
    from sqlalchemy import select

    from tremplin.core.models import Contact

    query = select(Contact).where(Contact.audience == audience, Contact.day >= start, Contact.day <= end)
    for name, value in (where or {}).items():
        query = query.where(getattr(Contact, name) == value)
    counts: Counter[str] = Counter()
    for contact in session.scalars(query):
        found = label(contact)
        if found is None:
            continue
        for item in [found] if isinstance(found, str) else found:
            counts[item] += (contact.headcount or 1) if people else 1
    return dict(counts)


def deliver_digest(database_url: str | None, build: Callable[[App, Session], Digest]) -> dict[str, Any]:
    """Build a digest in one transaction, queue it for its recipients and send what is due."""
    from tremplin.core.mail import deliver
    from tremplin.flows.common import open_app

    with open_app(database_url) as app:
        with app.transaction() as session:
            digest = build(app, session)
            new = send_digest(app, session, digest)
            lines = render_lines(digest, app.settings.disclosure_threshold)
        deliver(app)
    return {"digest": digest.key, "period": digest.period, "new_messages": new, "lines": lines}


@cache
def _send_task(name: str) -> Any:
    """The retried Prefect task that builds and sends one dated digest, named for its flow."""
    from prefect import task
    from prefect.cache_policies import NO_CACHE

    def send(database_url: str | None, build: Callable[[App, Session, date], Digest], today: date) -> dict[str, Any]:
        return deliver_digest(database_url, lambda app, session: build(app, session, today))

    return task(name=name, cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[30, 300])(send)


def run_dated_digest(
    flow_name: str, build: Callable[[App, Session, date], Digest], day: str | None, database_url: str | None
) -> dict[str, Any]:
    """The body of a plugin's digest flow: ``build`` the digest of ``day`` (ISO; default today) and send
    it, in a task retried twice (30 s, then 5 min) should the database or the mail server fail; logs
    and returns what ``deliver_digest`` returns. The plugin keeps what the digest says (``build``)."""
    from tremplin.flows.common import logger

    today = date.fromisoformat(day) if day else date.today()
    result: dict[str, Any] = _send_task(f"{flow_name}-send")(database_url, build, today)
    logger().info("%s %s: %d new e-mail(s)", flow_name, result["period"], result["new_messages"])
    return result

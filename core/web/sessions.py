"""Staff sessions kept on the server: a cookie opens the app only while its row exists.

The signed session cookie carries a random token; the ``staff_sessions`` table keeps its SHA-256 and the
account. So a session can end on the server, whatever copies of the cookie exist:

* logging out deletes the browser's row (and the field-sync tokens its pages were given,
  ``tremplin.core.web.fieldtokens``);
* a password change, a deactivation and "log out everywhere" delete every row of the account;
* a row unused for ``Settings.session_idle_minutes`` (2 hours by default) opens nothing any more, and one older
  than ``MAX_AGE`` neither, however busy.

The last use is written at most once a minute (``TOUCH_EVERY``), so a page full of HTMX requests costs one write.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, update

from tremplin.core.models import StaffSession

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: However active, a session lasts at most this long (the cookie's own lifetime too).
MAX_AGE = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(session: Session, staff_id: int, now: datetime | None = None) -> str:
    """A new session for the account; returns the token the cookie carries (the database keeps its hash)."""
    now = now or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(token_hash=_hash(token), staff_id=staff_id, created_at=now, last_seen_at=now))
    session.flush()
    return token


def resolve(session: Session, token: str, idle: timedelta, now: datetime | None = None) -> int | None:
    """The account id of a live session, noting its use; ``None`` for an unknown, ended or idle one."""
    if not token or len(token) > 200:
        return None
    now = now or datetime.now(UTC)
    row = session.get(StaffSession, _hash(token))
    if row is None:
        return None
    if row.last_seen_at + idle <= now or row.created_at + MAX_AGE <= now:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == row.token_hash))
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        session.execute(update(StaffSession).where(StaffSession.token_hash == row.token_hash).values(last_seen_at=now))
    return row.staff_id


def end(session: Session, token: str) -> None:
    """End one session (logging out), and the field-sync tokens its pages were given."""
    from tremplin.core.web import fieldtokens

    if token:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == _hash(token)))
        fieldtokens.end_for_session(session, token)


def end_all(session: Session, staff_id: int) -> int:
    """End every session of the account (a new password, a deactivation, "log out everywhere"), and every
    field-sync token of its phones; returns how many sessions ended."""
    from tremplin.core.web import fieldtokens

    fieldtokens.end_all(session, staff_id)
    result = session.execute(delete(StaffSession).where(StaffSession.staff_id == staff_id))
    return int(getattr(result, "rowcount", 0) or 0)


def purge_idle(session: Session, idle: timedelta, now: datetime | None = None) -> int:
    """Delete the rows that can no longer open anything (kept small; called at each login)."""
    now = now or datetime.now(UTC)
    result = session.execute(
        delete(StaffSession).where(
            (StaffSession.last_seen_at <= now - idle) | (StaffSession.created_at <= now - MAX_AGE)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)

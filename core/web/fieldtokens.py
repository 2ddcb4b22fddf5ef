"""A phone's field-sync credential: the login lasts a working day offline.

A session ends after two idle hours (``tremplin.core.web.sessions``), but a field worker logs in at the
start of the day and taps all day with no network. While its session holds, the field page asks for a
token (``POST /field/token``) and keeps it on the phone; when the network returns, the page sends its
queue with ``Authorization: Bearer tfs_...`` even if the session idled out meanwhile. The token:

* opens ``POST /field/sync`` and ``GET /field/state`` only: never a page, the API or another form; the
  entries it carries go through the same checks as any other (``tremplin.core.web.fieldsync``);
* lasts until the end of the local day it was given (``expires_at``), never longer than ``MAX_AGE``;
* is kept on the server as its SHA-256 only;
* ends when its browser logs out (``session_hash``), when the account's sessions all end (a new password, a
  deactivation, "log out everywhere": ``sessions.end_all``), when the password changes by any other way
  (``fingerprint``), and when the account is deactivated or loses the right to log.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING

from sqlalchemy import delete

from tremplin.core.models import FieldToken, Staff

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

PREFIX = "tfs_"
#: Whatever the hour it was given, a token never lasts longer than a working day and its evening.
MAX_AGE = timedelta(hours=18)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def end_of_day(now: datetime, tz: tzinfo) -> datetime:
    """Midnight after ``now`` in the centre's time zone (the working day's end), at most ``MAX_AGE`` ahead."""
    local = now.astimezone(tz)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return min(midnight, now + MAX_AGE)


def issue(
    session: Session, staff: Staff, session_token: str, tz: tzinfo, now: datetime | None = None
) -> tuple[str, datetime]:
    """A new token for ``staff``'s phone, bound to the browser's session; returns it and when it ends."""
    from tremplin.core.passwords import fingerprint

    now = now or datetime.now(UTC)
    session.execute(delete(FieldToken).where(FieldToken.expires_at <= now))
    token = PREFIX + secrets.token_urlsafe(32)
    expires = end_of_day(now, tz)
    session.add(
        FieldToken(
            token_hash=hash_token(token),
            staff_id=staff.id,
            session_hash=hash_token(session_token),
            fingerprint=fingerprint(staff),
            created_at=now,
            expires_at=expires,
        )
    )
    session.flush()
    return token, expires


def bearer(authorization: str | None) -> str | None:
    """The field token of an ``Authorization`` header, ``""`` for a header that holds none, ``None`` without one."""
    if authorization is None:
        return None
    scheme, _, value = authorization.partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value.startswith(PREFIX) or len(value) > 100:
        return ""
    return value


def resolve(session: Session, token: str, now: datetime | None = None) -> tuple[Staff, datetime] | None:
    """The active account a live token belongs to, and when the token ends; ``None`` otherwise."""
    import hmac

    from tremplin.core.passwords import fingerprint

    if not token:
        return None
    now = now or datetime.now(UTC)
    row = session.get(FieldToken, hash_token(token))
    if row is None or row.expires_at <= now:
        return None
    staff = session.get(Staff, row.staff_id)
    if staff is None or not staff.active or not hmac.compare_digest(row.fingerprint, fingerprint(staff)):
        return None
    return staff, row.expires_at


def end_for_session(session: Session, session_token: str) -> None:
    """Logging out on a browser ends the tokens its pages were given."""
    if session_token:
        session.execute(delete(FieldToken).where(FieldToken.session_hash == hash_token(session_token)))


def end_all(session: Session, staff_id: int) -> int:
    result = session.execute(delete(FieldToken).where(FieldToken.staff_id == staff_id))
    return int(getattr(result, "rowcount", 0) or 0)

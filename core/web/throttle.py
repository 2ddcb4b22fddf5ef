"""Slowing down password guessing, in a way that parallel requests cannot race and strangers cannot turn
against staff.

Failures are counted under three keys, each with its own free attempts and longest wait:

* the **address** (30 free: a centre's staff may share one; then 2 s, 4 s... up to 5 minutes): one machine trying
  many accounts;
* the **account at that address** (3 free, then the same doubling): one machine guessing one account;
* the **account** from anywhere (10 free, then doubling up to 30 s only): many machines guessing one account.
  It stays gentle so that a stranger cannot keep staff out: the owner, from another address, waits at most
  ``ACCOUNT.max_wait`` seconds, and not at all after the stranger's few failures.

An attempt **claims** its password check before the password is looked at: one conditional UPDATE per key,
counting the failure in advance and setting when the next check may come, granted only if that time has
come. Parallel attempts queue on the rows' locks (PostgreSQL) or on the write lock (SQLite), so a burst gets
no more checks than the free attempts. A refused attempt changes nothing: waiting does not grow while
throttled. A right password gives the claim back (``release``).

Keys are keyed hashes of the address and of the username as typed: nothing a visitor typed is stored.
Failures are forgotten ``WINDOW`` after the last one.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import case, delete, select, update

from tremplin.core.models import LoginThrottle

if TYPE_CHECKING:
    from sqlalchemy import CursorResult
    from sqlalchemy.orm import Session

WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Rule:
    name: str
    free: int
    max_wait: float
    first_wait: float = 2.0

    def wait_after(self, failures: int) -> float:
        """Seconds before the next check once ``failures`` failures are counted: none while free, then
        ``first_wait``, doubling with each failure up to ``max_wait``."""
        if failures < self.free:
            return 0.0
        return float(min(self.first_wait * 2.0 ** (failures - self.free), self.max_wait))


ADDRESS = Rule("a", free=30, max_wait=300.0)
ACCOUNT_AT_ADDRESS = Rule("u@a", free=3, max_wait=300.0)
ACCOUNT = Rule("u", free=10, max_wait=30.0)


def keys_for(secret: str, username: str, address: str) -> list[tuple[str, Rule]]:
    """The three keys of an attempt, always in this order (rows are locked in it: no deadlock)."""

    def digest(text: str) -> str:
        return hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()[:40]

    user = username.strip()
    return [
        (f"{ADDRESS.name}:{digest('a|' + address)}", ADDRESS),
        (f"{ACCOUNT_AT_ADDRESS.name}:{digest('ua|' + user + '|' + address)}", ACCOUNT_AT_ADDRESS),
        (f"{ACCOUNT.name}:{digest('u|' + user)}", ACCOUNT),
    ]


def _insert_missing(session: Session, key: str, now: datetime) -> None:
    values = {"key": key, "failures": 0, "last_failure_at": now, "next_allowed_at": now - WINDOW}
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(LoginThrottle).values(**values).on_conflict_do_nothing(index_elements=["key"]))
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(sqlite_insert(LoginThrottle).values(**values).on_conflict_do_nothing(index_elements=["key"]))


def claim(session: Session, keys: list[tuple[str, Rule]], now: datetime | None = None) -> float:
    """Claim one password check under every key, and commit.

    Returns 0.0 when granted (a failure is counted under each key in advance), or the seconds to wait when
    refused (nothing is counted). ``session`` must have no transaction open with reads in it.
    """
    now = now or datetime.now(UTC)
    stale = now - WINDOW
    try:
        for key, _rule in keys:
            _insert_missing(session, key, now)
        for key, rule in keys:
            granted = cast(
                "CursorResult[Any]",
                session.execute(
                    update(LoginThrottle)
                    .where(LoginThrottle.key == key, LoginThrottle.next_allowed_at <= now)
                    .values(
                        failures=case((LoginThrottle.last_failure_at <= stale, 1), else_=LoginThrottle.failures + 1),
                        last_failure_at=now,
                    )
                    .execution_options(synchronize_session=False)
                ),
            ).rowcount
            if not granted:
                until = session.scalar(select(LoginThrottle.next_allowed_at).where(LoginThrottle.key == key))
                session.rollback()
                return max((until - now).total_seconds(), 0.001) if until else 1.0
            failures = session.scalar(select(LoginThrottle.failures).where(LoginThrottle.key == key)) or 1
            wait = rule.wait_after(failures)
            # No wait yet: a time well in the past, so that a parallel attempt whose clock read a little
            # earlier is not refused for a few microseconds.
            allowed = now + timedelta(seconds=wait) if wait else now - WINDOW
            session.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key == key)
                .values(next_allowed_at=allowed)
                .execution_options(synchronize_session=False)
            )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return 0.0


def release(session: Session, keys: list[tuple[str, Rule]]) -> None:
    """The password was right: the account's counts are cleared, the address's claim is given back (its wait,
    if one was set, runs out as set). The caller commits."""
    for key, rule in keys:
        if rule is ADDRESS:
            session.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key == key, LoginThrottle.failures > 0)
                .values(failures=LoginThrottle.failures - 1)
                .execution_options(synchronize_session=False)
            )
        else:
            session.execute(
                delete(LoginThrottle).where(LoginThrottle.key == key).execution_options(synchronize_session=False)
            )


def purge(session: Session, now: datetime | None = None) -> int:
    """Forget keys whose failures are older than the window."""
    now = now or datetime.now(UTC)
    result = session.execute(
        delete(LoginThrottle).where(LoginThrottle.last_failure_at <= now - WINDOW, LoginThrottle.next_allowed_at <= now)
    )
    return int(getattr(result, "rowcount", 0) or 0)

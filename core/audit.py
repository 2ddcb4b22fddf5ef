"""The audit log: who changed, exported or viewed what, and when.

It keeps no text a visitor typed: a username that names no account is kept as a keyed hash
(``username_key``), enough to count repeated attempts and useless to read. The client addresses of
public requests (``ip:...`` actors) are forgotten after ``Settings.audit_address_retention_days`` (30 at
most) by the retention flow (``forget_addresses``).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import update
from sqlalchemy.orm import Session

from tremplin.core.models import AuditEvent, Staff

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

#: How an event names the client address it came from, and what replaces the address once forgotten.
ADDRESS_PREFIX = "ip:"
FORGOTTEN_ADDRESS = "ip:forgotten"
#: How a username that names no account is written: ``h:`` and 32 hexadecimal characters of an HMAC.
HASHED_PREFIX = "h:"


def username_key(secret_key: str, username: str) -> str:
    """What the audit log keeps of a typed username that names no account: a keyed hash (HMAC-SHA256
    with the app's secret key), the same for the same text, so attempts can still be counted."""
    digest = hmac.new(secret_key.encode("utf-8"), username.encode("utf-8"), hashlib.sha256).hexdigest()
    return HASHED_PREFIX + digest[:32]


def forget_addresses(session: Session, before: datetime) -> int:
    """Forget the client addresses of the events older than ``before``; returns how many were forgotten."""
    result = cast(
        "CursorResult[Any]",
        session.execute(
            update(AuditEvent)
            .where(
                AuditEvent.actor.startswith(ADDRESS_PREFIX),
                AuditEvent.actor != FORGOTTEN_ADDRESS,
                AuditEvent.at < before,
            )
            .values(actor=FORGOTTEN_ADDRESS)
            .execution_options(synchronize_session=False)
        ),
    )
    return int(result.rowcount or 0)


def audit(
    session: Session,
    action: str,
    staff: Staff | None = None,
    object_type: str = "",
    object_id: Any = "",
    **details: Any,
) -> AuditEvent:
    event = AuditEvent(
        action=action,
        staff_id=staff.id if staff else None,
        actor=staff.username if staff else "system",
        object_type=object_type,
        object_id=str(object_id),
        details=details,
    )
    session.add(event)
    return event

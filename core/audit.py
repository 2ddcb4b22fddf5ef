"""The audit log: who changed, exported or viewed what, and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tremplin.core.models import AuditEvent, Staff


def audit(session: Session, action: str, staff: Staff | None = None, object_type: str = "", object_id: Any = "", **details: Any) -> AuditEvent:
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

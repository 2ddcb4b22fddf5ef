"""A test plugin that records every event it receives, as the app calls it.

Registered by dotted name (``make_app(url, plugins=[..., "tests.core.recording_plugin"])``). For each
event it notes the arguments and what the transaction looked like at that moment. ``BEHAVIOUR`` makes a
handler write an audit event with the session it was given, or raise after writing one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, inspect, select

from tremplin.core import hookimpl
from tremplin.core.models import AuditEvent, Contact

EVENTS: list[dict[str, Any]] = []
BEHAVIOUR: dict[str, Any] = {"write": set(), "fail": set()}


class HandlerFailed(RuntimeError):
    pass


def reset() -> None:
    EVENTS.clear()
    BEHAVIOUR["write"] = set()
    BEHAVIOUR["fail"] = set()


def _handle(hook: str, app: Any, session: Any, obj: Any, **details: Any) -> None:
    state = inspect(obj)
    EVENTS.append(
        {
            "hook": hook,
            "app": app,
            "session": session,
            "object": obj,
            "in_transaction": session.in_transaction(),
            "persistent": state.persistent,
            "id": obj.id,
            **details,
        }
    )
    if hook in BEHAVIOUR["write"] or hook in BEHAVIOUR["fail"]:
        session.add(AuditEvent(action=f"test.{hook}", object_type=type(obj).__name__.lower(), object_id=str(obj.id)))
        session.flush()
    if hook in BEHAVIOUR["fail"]:
        raise HandlerFailed(f"{hook} handler failed on purpose")


@hookimpl
def contact_logged(app: Any, session: Any, contact: Contact) -> None:
    # What another connection sees while the writing transaction is open: nothing yet.
    with app.db.engine.connect() as other:
        seen_outside = other.scalar(select(func.count()).select_from(Contact).where(Contact.id == contact.id))
    _handle(
        "contact_logged",
        app,
        session,
        contact,
        seen_outside=seen_outside,
        note=contact.note,
        headcount=contact.headcount,
    )


@hookimpl
def activity_logged(app: Any, session: Any, activity: Any) -> None:
    _handle("activity_logged", app, session, activity, participants=activity.participants)


@hookimpl
def referral_status_changed(app: Any, session: Any, referral: Any, old_status: str | None, new_status: str) -> None:
    _handle(
        "referral_status_changed",
        app,
        session,
        referral,
        old_status=old_status,
        new_status=new_status,
        status=referral.status,
    )


@hookimpl
def case_stage_changed(app: Any, session: Any, case: Any, old_stage: str | None, new_stage: str, staff: Any) -> None:
    _handle(
        "case_stage_changed",
        app,
        session,
        case,
        old_stage=old_stage,
        new_stage=new_stage,
        staff=staff,
        stage=case.stage,
        last_move=(case.history[-1].from_stage, case.history[-1].to_stage) if case.history else None,
    )

"""The audit page: who changed, exported or viewed what, filtered, paged and exported (administrators).

Filters: the person (``actor``, an account's username, or ``system``/``cli`` for scripts), the record
(``object_type`` and ``object_id``), the ``action`` and the period (``from``/``to``, days in the
centre's time zone). Newest first, paged by keyset on the id (``after``). An administrator bound to a
centre sees what that centre's accounts did; network administrators see everything. The export
(``/admin/audit/export?format=csv|xlsx``) applies the same filters and is itself audited.
Actions and kinds of record read in the reader's language (``tremplin.core.web.audit_labels``); the filters
keep the codes as their values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from tremplin.core.models import AuditEvent, Staff
from tremplin.core.web.common import MAX_ID, PAGE_SIZE, centre_tz, int_param, query_string
from tremplin.core.web.deps import get_app, get_session, require_capability
from tremplin.core.web.errors import PAGE_HINT, ParameterError
from tremplin.core.web.formkit import parse_day
from tremplin.core.web.i18n import N_, gettext_for
from tremplin.core.web.templating import render

router = APIRouter(include_in_schema=False)
needs_admin = require_capability("admin")
COLUMNS = ("at", "actor", "action", "object_type", "object_id", "ground", "reason", "details")


@dataclass
class AuditFilters:
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    start: date | None = None
    end: date | None = None
    after: int | None = None

    def params(self) -> dict[str, str]:
        return {
            "actor": self.actor,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
        }


def read_filters(request: Request) -> AuditFilters:
    from tremplin.core.web.routes.lists import check_days

    q = request.query_params
    check_days(request, "from", "to")
    start, end = parse_day(q.get("from")), parse_day(q.get("to"))
    after = int_param(q.get("after"))
    if q.get("after") and (after is None or after > MAX_ID):
        raise ParameterError("after", q["after"], N_("Next page"), PAGE_HINT)
    if start and end and start > end:
        start, end = end, start
    return AuditFilters(
        actor=q.get("actor", "").strip()[:80],
        action=q.get("action", "").strip()[:40],
        object_type=q.get("object_type", "").strip()[:40],
        object_id=q.get("object_id", "").strip()[:64],
        start=start,
        end=end,
        after=after,
    )


def statement(request: Request, session: Session, staff: Staff, f: AuditFilters, stmt: Any = None) -> Any:
    """The audit events the account may read that the filters keep (no order, no paging)."""
    stmt = stmt if stmt is not None else select(AuditEvent)
    if staff.centre_id is not None:
        stmt = stmt.where(AuditEvent.staff_id.in_(select(Staff.id).where(Staff.centre_id == staff.centre_id)))
    if f.actor:
        stmt = stmt.where(AuditEvent.actor == f.actor)
    if f.action:
        stmt = stmt.where(AuditEvent.action == f.action)
    if f.object_type:
        stmt = stmt.where(AuditEvent.object_type == f.object_type)
    if f.object_id:
        stmt = stmt.where(AuditEvent.object_id == f.object_id)
    tz = centre_tz(get_app(request), session, staff.centre_id)
    if f.start:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(f.start, time(), tz).astimezone(UTC))
    if f.end:
        stmt = stmt.where(AuditEvent.at < datetime.combine(f.end + timedelta(days=1), time(), tz).astimezone(UTC))
    return stmt


def labellers(request: Request) -> tuple[Callable[[str], str], Callable[[str], str]]:
    """Name an action and a kind of record in the reader's language (``tremplin.core.web.audit_labels``)."""
    from tremplin.core.web import audit_labels
    from tremplin.core.web.i18n import request_language

    _ = gettext_for(request)
    lang = request_language(request)
    codes = get_app(request).registry.codes
    # An audience's own events are labelled by its plugin (``register_codes``: ``audit_action``, ``audit_kind``).
    own_actions, own_kinds = codes["audit_action"].items, codes["audit_kind"].items
    actions: dict[str, str] = {}
    kinds: dict[str, str] = {}

    # Cached per request: an export names the same few codes on every one of its rows.
    def action_label(code: str) -> str:
        if code not in actions:
            own = own_actions.get(code)
            actions[code] = own.get(lang) if own is not None else audit_labels.action_label(code, _)
        return actions[code]

    def kind_label(code: str) -> str:
        if code not in kinds:
            own = own_kinds.get(code)
            kinds[code] = own.get(lang) if own is not None else audit_labels.kind_label(code, _)
        return kinds[code]

    return action_label, kind_label


def choices(session: Session, staff: Staff, column: Any) -> list[str]:
    """The values a filter offers: those the account's events hold."""
    stmt = select(column).distinct()
    if staff.centre_id is not None:
        stmt = stmt.where(AuditEvent.staff_id.in_(select(Staff.id).where(Staff.centre_id == staff.centre_id)))
    return sorted(v for v in session.scalars(stmt) if v)


@router.get("/admin/audit")
def audit_page(
    request: Request, staff: Staff = Depends(needs_admin), session: Session = Depends(get_session)
) -> Response:
    f = read_filters(request)
    stmt = statement(request, session, staff, f)
    if f.after is not None:
        stmt = stmt.where(AuditEvent.id < f.after)
    rows = list(session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE + 1)))
    next_after = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    from tremplin.core.web.routes.corrections import field_labels

    action_label, kind_label = labellers(request)
    params = f.params()
    return render(
        request,
        "admin/audit.html",
        {
            "rows": rows[:PAGE_SIZE],
            "filters": f,
            "actors": choices(session, staff, AuditEvent.actor),
            "actions": sorted(choices(session, staff, AuditEvent.action), key=action_label),
            "object_types": sorted(choices(session, staff, AuditEvent.object_type), key=kind_label),
            "action_label": action_label,
            "kind_label": kind_label,
            "query": query_string(params),
            "next_url": "/admin/audit?" + query_string(params, after=next_after) if next_after else None,
            "first_url": "/admin/audit?" + query_string(params) if f.after else None,
            "field_labels": field_labels(request),
        },
    )


@router.get("/admin/audit/export")
def audit_export(
    request: Request, staff: Staff = Depends(needs_admin), session: Session = Depends(get_session)
) -> Response:
    from tremplin.core.web.routes.exports import send

    f = read_filters(request)
    base = select(
        AuditEvent.at,
        AuditEvent.actor,
        AuditEvent.action,
        AuditEvent.object_type,
        AuditEvent.object_id,
        AuditEvent.details,
    )
    stmt = statement(request, session, staff, f, base).order_by(AuditEvent.id.desc())
    from tremplin.core.web.routes.exports import cells_in

    tz = centre_tz(get_app(request), session, staff.centre_id)
    local = cells_in(tz)
    action_label, kind_label = labellers(request)

    def convert(row: Any) -> list[Any]:
        at, actor, action, object_type, object_id, details = row
        details = dict(details or {})
        ground, reason = details.pop("ground", ""), details.pop("reason", "")
        return [
            local(at),
            actor,
            action_label(action) if action else action,
            kind_label(object_type) if object_type else object_type,
            object_id,
            ground,
            reason,
            local(details),
        ]

    return send(request, staff, "audit", COLUMNS, stmt, convert, f.params(), tz)

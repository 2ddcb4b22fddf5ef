"""Correcting records: who may edit or delete a contact or an activity, and the trail a correction leaves.

One rule, applied by every way in (the web pages, the API, scripts that name the account):

- the **author** of a record may edit or delete it on the day they entered it, in the centre's time zone
  (an activity also until the end of the day it takes place: a planned session is not a figure yet);
- **programme leads and administrators** (the ``corrections`` capability of ``tremplin.core.web.policy``)
  may edit or delete any record they see, at any time, giving a reason;
- nobody else.

The reason is optional for the author and required otherwise; it is free text, so it is scrubbed like
a note. Every correction goes to the audit log (``contact.edit``, ``contact.delete``, ``activity.edit``,
``activity.delete``) with the rule that allowed it, the reason, and the fields that changed, before and
after. The values are the stored ones, already scrubbed: the log holds no more than the records did.
Counters follow by themselves: the roll-up listener subtracts the old record and adds the new one in
the same transaction (``tremplin.core.rollup.after_flush``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy.orm import Session

from tremplin.core.audit import audit
from tremplin.core.models import Activity, Centre, Contact, Partner, Site, Staff
from tremplin.core.validation import RecordError

if TYPE_CHECKING:
    from tremplin.core.app import App

Record = Contact | Activity
#: Why a correction is allowed: ``author`` (the author's own entry, that day), ``lead`` (a programme
#: lead or administrator, with a reason), ``system`` (no account: a script or a flow).
Ground = Literal["author", "lead", "system"]
#: The capability that lets an account correct any record it sees, at any time.
CAPABILITY = "corrections"
MAX_REASON = 500

#: Why a correction is refused (the web pages translate these codes; the API answers the English).
REFUSALS: dict[str, str] = {
    "not_author": "only the author may correct this record on the day it was entered; "
    "programme leads and administrators may correct it at any time, with a reason",
    "too_late": "the author may correct a record only on the day it was entered; "
    "ask a programme lead or an administrator, who may correct it with a reason",
    "not_seen": "this account does not see this record",
}


class CorrectionRefused(PermissionError):
    """The account may not edit or delete this record (``code`` is a key of ``REFUSALS``)."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(REFUSALS[code])


@dataclass(frozen=True)
class Grant:
    """What the rule allows an account on a record: on which ground, and whether a reason is required."""

    ground: Ground

    @property
    def reason_required(self) -> bool:
        return self.ground == "lead"


def kind_of(record: Record) -> str:
    return "activity" if isinstance(record, Activity) else "contact"


def _local_today(app: App, session: Session, centre_id: int, now: datetime | None) -> date:
    tz = app.timezone_of(session, centre_id)
    return (now or datetime.now(UTC)).astimezone(tz).date()


def _entered_on(app: App, session: Session, record: Record) -> date | None:
    created = record.created_at
    if created is None:
        return None
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return created.astimezone(app.timezone_of(session, record.centre_id)).date()


def is_lead(app: App, staff: Staff | Any) -> bool:
    """Whether the account has the ``corrections`` capability (programme leads and administrators)."""
    from tremplin.core.web.policy import can

    return can(app, staff, CAPABILITY)


def grant_for(app: App, session: Session, staff: Staff | None, record: Record, now: datetime | None = None) -> Grant:
    """The ground on which ``staff`` may edit or delete ``record``; ``CorrectionRefused`` if there is none."""
    if staff is None:
        return Grant("system")
    if not staff.may_see(record.audience) or (staff.centre_id is not None and staff.centre_id != record.centre_id):
        raise CorrectionRefused("not_seen")
    if record.staff_id is not None and record.staff_id == staff.id:
        today = _local_today(app, session, record.centre_id, now)
        entered = _entered_on(app, session, record)
        if entered == today or (isinstance(record, Activity) and record.day is not None and record.day >= today):
            return Grant("author")
        if is_lead(app, staff):
            return Grant("lead")
        raise CorrectionRefused("too_late")
    if is_lead(app, staff):
        return Grant("lead")
    raise CorrectionRefused("not_author")


def may_correct(
    app: App, session: Session, staff: Staff | None, record: Record, now: datetime | None = None
) -> Grant | None:
    """``grant_for`` without the exception: ``None`` when the account may not correct the record."""
    try:
        return grant_for(app, session, staff, record, now)
    except CorrectionRefused:
        return None


def reason_errors(app: App, grant: Grant, reason: str | None) -> tuple[str, list[tuple[str, str]]]:
    """The scrubbed reason, and what is wrong with it (required for a lead, at most ``MAX_REASON`` characters)."""
    text = " ".join(str(reason or "").split())
    if len(text) > MAX_REASON:
        return text, [("reason", f"is too long (at most {MAX_REASON} characters)")]
    if text:
        text = " ".join(app.scrub(text).text.split())
    if grant.reason_required and not text:
        return "", [("reason", "is required: say why this record is corrected")]
    return text, []


def check_reason(app: App, grant: Grant, reason: str | None) -> str:
    """The scrubbed reason; ``RecordError`` when it is missing or too long."""
    text, errors = reason_errors(app, grant, reason)
    if errors:
        raise RecordError(errors)
    return text


# ------------------------------------------------------------------------------------------------
# Before and after


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    return value


CONTACT_FIELDS = (
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
)
ACTIVITY_FIELDS = (
    "starts_at",
    "day",
    "audience",
    "title",
    "workshop",
    "format",
    "capacity",
    "registered",
    "participants",
    "language",
    "themes",
    "attributes",
)


def snapshot(session: Session, record: Record) -> dict[str, Any]:
    """The record's stored values as JSON-ready data, with centre, site and partner by code."""
    names = ACTIVITY_FIELDS if isinstance(record, Activity) else CONTACT_FIELDS
    out: dict[str, Any] = {name: _plain(getattr(record, name)) for name in names}
    with session.no_autoflush:
        centre = session.get(Centre, record.centre_id) if record.centre_id else None
        site = session.get(Site, record.site_id) if record.site_id else None
        out["centre"] = centre.code if centre else None
        out["site"] = site.code if site else None
        if isinstance(record, Activity):
            partner = session.get(Partner, record.partner_id) if record.partner_id else None
            out["partner"] = partner.code if partner else None
    return out


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields whose value changed."""
    return {
        name: [before.get(name), after.get(name)]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def log_correction(
    session: Session,
    action: str,
    staff: Staff | None,
    record: Record,
    grant: Grant,
    reason: str,
    before: dict[str, Any],
    after: dict[str, Any] | None,
) -> None:
    """The audit event of a correction: an edit keeps the changed fields, a deletion the whole record."""
    details: dict[str, Any] = {"ground": grant.ground, "reason": reason}
    if after is None:
        details["before"] = before
    else:
        details["changes"] = changes(before, after)
    audit(session, action, staff, kind_of(record), record.id, **details)


# ------------------------------------------------------------------------------------------------
# A record as the values its validation takes


def contact_values(session: Session, contact: Contact) -> tuple[dict[str, Any], dict[str, Any]]:
    """(values, attributes) that ``tremplin.core.records.update_contact`` would store unchanged."""
    snap = snapshot(session, contact)
    values = {
        "centre": snap["centre"],
        "site": snap["site"],
        "occurred_at": contact.occurred_at,
        **{name: getattr(contact, name) for name in CONTACT_FIELDS if name not in ("occurred_at", "day", "attributes")},
    }
    values["themes"] = list(contact.themes or [])
    return values, dict(contact.attributes or {})


def activity_values(session: Session, activity: Activity) -> tuple[dict[str, Any], dict[str, Any]]:
    """(values, attributes) that ``tremplin.core.records.update_activity`` would store unchanged."""
    snap = snapshot(session, activity)
    values = {
        "centre": snap["centre"],
        "site": snap["site"],
        "starts_at": activity.starts_at,
        **{name: getattr(activity, name) for name in ACTIVITY_FIELDS if name not in ("starts_at", "day", "attributes")},
    }
    values["themes"] = list(activity.themes or [])
    return values, dict(activity.attributes or {})


def merged_attributes(current: dict[str, Any], patch: dict[str, Any] | None) -> dict[str, Any]:
    """A partial update of attributes: given keys replace, ``None`` removes, others stay."""
    out = dict(current)
    for key, value in (patch or {}).items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out

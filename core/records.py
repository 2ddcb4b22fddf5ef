"""Writing contacts, activities, referrals and cases: validation, events and the audit trail.

Every way in (web forms, the API, the bot, scripts) goes through these functions. They validate with
``tremplin.core.validation``, write with the caller's session (the caller owns the transaction), and fire the
event hooks inside that transaction. The roll-up and the scrubbing happen on flush, whoever writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tremplin.core.anonymity import TokenError, new_case_code, new_referral_token, parse_token
from tremplin.core.audit import audit
from tremplin.core.models import Activity, Case, CaseOutcome, CaseStageEvent, Contact, Referral, Staff
from tremplin.core.rules import MAX_PERSONAL_SHARE, Problem  # noqa: F401  (MAX_PERSONAL_SHARE: kept importable here)
from tremplin.core.validation import Cleaner, Lookup, RecordError

if TYPE_CHECKING:
    from tremplin.core.app import App


class WorkflowError(ValueError):
    """A move that the audience's workflow does not allow, or a referral status change out of order."""


def _cleaner(app: App, session: Session, values: Mapping[str, Any] | None = None) -> Cleaner:
    """A Cleaner for one record (``values``: the codes it names are read alone), or for any."""
    return Cleaner(app, Lookup.load(app, session) if values is None else Lookup.load_for(app, session, values))


def apply_form(
    app: App, form_key: str, record_kind: str, values: Mapping[str, Any], attributes: Mapping[str, Any] | None
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """What a form adds to plain validation: its audience and fixed values, its narrower choices
    and its required fields. Without a form (an import, an API call naming no form) attributes are
    optional: empty means unknown."""
    form = app.registry.forms.get(form_key)
    if form is None:
        return dict(values), [("form", Problem("choice", f"unknown form {form_key!r}"))]
    if form.record != record_kind:
        reason = f"the form {form_key!r} records an {form.record}, not a {record_kind}"
        return dict(values), [("form", Problem("choice", reason))]
    errors: list[tuple[str, str]] = []
    merged = {**values, **form.fixed, "audience": form.audience}
    for name, allowed in form.core_choices.items():
        value = merged.get(name)
        if value not in (None, "") and value not in allowed:
            reason = f"{value!r} is not offered on this form; use one of: {', '.join(allowed)}"
            errors.append((name, Problem("choice", reason)))
    given = attributes or {}
    for field in form.fields:
        if field.required and given.get(field.name) in (None, "", []):
            errors.append((f"attr.{field.name}", Problem("required", "is required")))
    return merged, errors


def check_record(
    app: App,
    session: Session,
    kind: str,
    values: Mapping[str, Any],
    attributes: Mapping[str, Any] | None,
    form: str | None = None,
    cleaner: Cleaner | None = None,
    confirmed: bool = False,
    also: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """Everything a contact or an activity (``kind``) is checked for before it is written, whoever writes:
    the form's fixed values, choices and required fields, then the rules (``tremplin.core.rules``).

    ``cleaner``: one shared by many records (its lookups and caches are reused; the web API's group
    commit passes one per batch). ``confirmed``: the person confirmed a count the rules question.
    ``also``: problems the caller found (a correction's reason), raised with the others."""
    errors: list[tuple[str, str]] = []
    plausible: int | None = None
    if form is not None:
        values, form_errors = apply_form(app, form, kind, values, attributes)
        errors.extend(form_errors)
        declared = app.registry.forms.get(form)
        if declared is not None:
            plausible = declared.plausible.get("headcount" if kind == "contact" else "participants")
    clean = cleaner or _cleaner(app, session, values)
    record: dict[str, Any] = {}
    try:
        if kind == "contact":
            record = clean.contact(values, attributes, plausible=plausible, confirmed=confirmed)
        else:
            record = clean.activity(values, attributes, plausible=plausible, confirmed=confirmed)
    except RecordError as exc:
        errors.extend(exc.errors)
    errors.extend(also or ())
    if errors:
        raise RecordError(errors)
    return record


def check_contact(
    app: App,
    session: Session,
    values: Mapping[str, Any],
    attributes: Mapping[str, Any] | None,
    form: str | None = None,
    cleaner: Cleaner | None = None,
    confirmed: bool = False,
) -> dict[str, Any]:
    """``check_record`` for a contact: the column values ``log_contact`` writes, or ``RecordError``."""
    return check_record(app, session, "contact", values, attributes, form, cleaner, confirmed)


# ------------------------------------------------------------------------------------------------
# Contacts and activities


def log_contact(
    app: App,
    session: Session,
    values: Mapping[str, Any],
    attributes: Mapping[str, Any] | None = None,
    staff: Staff | None = None,
    case: Case | None = None,
    form: str | None = None,
    confirmed: bool = False,
) -> Contact:
    """Validate and store a contact (centre and site given by code), then fire ``contact_logged``.

    Its note is scrubbed before it is stored; a note that is mostly personal data is refused. With
    ``form`` (a form key), the form's fixed values, choices and required fields apply too.
    ``confirmed``: the person confirmed a headcount the rules question.
    """
    record = check_record(app, session, "contact", values, attributes, form, confirmed=confirmed)
    _check_staff_audience(staff, record["audience"])
    contact = Contact(**record, staff_id=staff.id if staff else None, case_id=case.id if case else None)
    session.add(contact)
    session.flush()
    app.hook.contact_logged(app=app, session=session, contact=contact)
    return contact


def update_contact(
    app: App,
    session: Session,
    contact: Contact,
    values: Mapping[str, Any],
    attributes: Mapping[str, Any] | None = None,
    staff: Staff | None = None,
    form: str | None = None,
    reason: str = "",
    now: datetime | None = None,
    confirmed: bool = False,
) -> Contact:
    """Correct a contact: the rule of ``tremplin.core.corrections`` decides who may (``CorrectionRefused``),
    the values pass the same validation as a new contact, and the audit log keeps what changed and why."""
    from tremplin.core import corrections

    grant = corrections.grant_for(app, session, staff, contact, now)
    reason, errors = corrections.reason_errors(app, grant, reason)
    record = check_record(app, session, "contact", values, attributes, form, confirmed=confirmed, also=errors)
    _check_staff_audience(staff, record["audience"])
    before = corrections.snapshot(session, contact)
    for name, value in record.items():
        setattr(contact, name, value)
    session.flush()
    after = corrections.snapshot(session, contact)
    corrections.log_correction(session, "contact.edit", staff, contact, grant, reason, before, after)
    return contact


def add_contact_attributes(
    app: App, session: Session, contact: Contact | int, attributes: Mapping[str, Any]
) -> Contact | None:
    """Complete a contact its own conversation logged moments ago (given by id or as the row) with what that
    conversation went on to do (the bot's referral code issued at the end): the whole record passes the
    rules again, as a new one would; nothing else changes. Not a correction: those go through
    ``update_contact``. ``None`` when the contact is gone (``/forget``, a deletion)."""
    from tremplin.core.corrections import contact_values

    if isinstance(contact, int):
        found = session.get(Contact, contact)
        if found is None:
            return None
        contact = found
    values, current = contact_values(session, contact)
    record = check_record(app, session, "contact", values, {**current, **attributes})
    contact.attributes = record["attributes"]
    session.flush()
    return contact


def delete_contact(
    app: App,
    session: Session,
    contact: Contact,
    staff: Staff | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> None:
    """Delete a contact under the rule of ``tremplin.core.corrections``; the audit log keeps the record as it was."""
    from tremplin.core import corrections

    grant = corrections.grant_for(app, session, staff, contact, now)
    reason = corrections.check_reason(app, grant, reason)
    before = corrections.snapshot(session, contact)
    corrections.log_correction(session, "contact.delete", staff, contact, grant, reason, before, None)
    session.delete(contact)
    session.flush()


def log_activity(
    app: App,
    session: Session,
    values: Mapping[str, Any],
    attributes: Mapping[str, Any] | None = None,
    staff: Staff | None = None,
    form: str | None = None,
    confirmed: bool = False,
) -> Activity:
    """Validate and store a group activity, then fire ``activity_logged`` (the rules of ``log_contact``)."""
    record = check_record(app, session, "activity", values, attributes, form, confirmed=confirmed)
    _check_staff_audience(staff, record["audience"])
    activity = Activity(**record, staff_id=staff.id if staff else None)
    session.add(activity)
    session.flush()
    app.hook.activity_logged(app=app, session=session, activity=activity)
    return activity


def update_activity(
    app: App,
    session: Session,
    activity: Activity,
    values: Mapping[str, Any],
    attributes: Mapping[str, Any] | None = None,
    staff: Staff | None = None,
    form: str | None = None,
    reason: str = "",
    now: datetime | None = None,
    confirmed: bool = False,
) -> Activity:
    """Correct an activity, as ``update_contact`` corrects a contact (same rule, same validation as a new one)."""
    from tremplin.core import corrections

    grant = corrections.grant_for(app, session, staff, activity, now)
    reason, errors = corrections.reason_errors(app, grant, reason)
    record = check_record(app, session, "activity", values, attributes, form, confirmed=confirmed, also=errors)
    _check_staff_audience(staff, record["audience"])
    before = corrections.snapshot(session, activity)
    for name, value in record.items():
        setattr(activity, name, value)
    session.flush()
    after = corrections.snapshot(session, activity)
    corrections.log_correction(session, "activity.edit", staff, activity, grant, reason, before, after)
    if before.get("participants") != activity.participants:
        app.hook.activity_logged(app=app, session=session, activity=activity)
    return activity


def delete_activity(
    app: App,
    session: Session,
    activity: Activity,
    staff: Staff | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> None:
    """Delete an activity under the rule of ``tremplin.core.corrections``; the audit log keeps it as it was."""
    from tremplin.core import corrections

    grant = corrections.grant_for(app, session, staff, activity, now)
    reason = corrections.check_reason(app, grant, reason)
    before = corrections.snapshot(session, activity)
    corrections.log_correction(session, "activity.delete", staff, activity, grant, reason, before, None)
    session.delete(activity)
    session.flush()


def record_participants(
    app: App,
    session: Session,
    activity: Activity,
    participants: int,
    staff: Staff | None = None,
    reason: str = "",
    now: datetime | None = None,
    confirmed: bool = False,
) -> Activity:
    """Enter the actual headcount of an activity after it took place.

    The first headcount completes the record: anyone who may manage the activity enters it. Changing a
    headcount already entered is a correction, under the rule of ``tremplin.core.corrections``. The rules
    of ``tremplin.core.rules`` apply: not before the activity starts, and far more people than registered
    is a question (``confirmed``: the person confirmed it)."""
    from tremplin.core import corrections, rules

    if not 0 <= participants <= rules.MAX_HEADCOUNT:
        reason = f"{participants} is below 0" if participants < 0 else f"{participants} is above {rules.MAX_HEADCOUNT}"
        raise RecordError([("participants", Problem("range", reason, min=0, max=rules.MAX_HEADCOUNT))])
    starts = activity.starts_at
    if starts is not None and starts.tzinfo is None:  # SQLite gives back naive UTC
        starts = starts.replace(tzinfo=UTC)
    problem = rules.participants_after_start(starts, now or datetime.now(UTC)) if starts else None
    if problem is None:
        problem = rules.plausible_participants(participants, activity.registered, confirmed)
    if problem is not None:
        raise RecordError([("participants", problem)])
    grant = None
    if activity.participants is not None and activity.participants != participants:
        grant = corrections.grant_for(app, session, staff, activity, now)
        reason = corrections.check_reason(app, grant, reason)
    before = corrections.snapshot(session, activity)
    activity.participants = participants
    session.flush()
    if grant is not None:
        after = corrections.snapshot(session, activity)
        corrections.log_correction(session, "activity.edit", staff, activity, grant, reason, before, after)
    else:
        audit(session, "activity.participants", staff, "activity", activity.id, participants=participants)
    app.hook.activity_logged(app=app, session=session, activity=activity)
    return activity


def _check_staff_audience(staff: Staff | None, audience: str | None) -> None:
    if staff is not None and audience is not None and not staff.may_see(audience):
        raise PermissionError(f"{staff.username} may not record for the audience {audience!r}")


# ------------------------------------------------------------------------------------------------
# Referrals

REFERRAL_MOVES: dict[str, tuple[str, ...]] = {
    "issued": ("received", "completed", "expired"),
    "received": ("completed",),
    "completed": (),
    "expired": (),
}


def issue_referral(
    app: App,
    session: Session,
    centre_id: int,
    to_partner_id: int | None = None,
    from_partner_id: int | None = None,
    theme: str | None = None,
    audience: str = "general",
    staff: Staff | None = None,
    valid_days: int = 60,
    note: str = "",
) -> Referral:
    if audience not in app.registry.audiences:
        raise RecordError([("audience", f"unknown audience {audience!r}")])
    from tremplin.core import vocab

    if theme is not None and theme not in vocab.THEME:
        raise RecordError([("theme", Problem("choice", f"{theme!r} is not a theme"))])
    from tremplin.core import rules

    note, problem, _masked = rules.note(app.scrub, note or "")
    if problem is not None:
        raise RecordError([("note", problem)])
    now = datetime.now(UTC)
    for _ in range(10):
        token = new_referral_token()
        if session.scalar(select(Referral.id).where(Referral.token == token)) is None:
            break
    else:  # pragma: no cover - 10 collisions in 10^12 is not going to happen
        raise RuntimeError("could not draw a free referral token")
    referral = Referral(
        token=token,
        centre_id=centre_id,
        audience=audience,
        to_partner_id=to_partner_id,
        from_partner_id=from_partner_id,
        theme=theme,
        status="issued",
        issued_at=now,
        expires_at=now + timedelta(days=valid_days),
        note=note,
        staff_id=staff.id if staff else None,
    )
    session.add(referral)
    session.flush()
    audit(session, "referral.issue", staff, "referral", referral.id)
    app.hook.referral_status_changed(app=app, session=session, referral=referral, old_status=None, new_status="issued")
    return referral


def find_referral(session: Session, raw_token: str, app: App | None = None) -> Referral:
    """The referral a typed token names; ``TokenError`` for a mistyped token, ``LookupError`` if unknown.
    With ``app``, a referral past its expiry is marked expired as it is read (``expire_if_due``)."""
    token = parse_token(raw_token)
    referral = session.scalar(select(Referral).where(Referral.token == token))
    if referral is None:
        raise LookupError("no referral has this token")
    if app is not None:
        expire_if_due(app, session, referral)
    return referral


def expire_if_due(app: App, session: Session, referral: Referral, now: datetime | None = None) -> Referral:
    """Expiry is a property of the referral: a referral read after its expiry is expired, at its expiry
    moment, whether or not the daily flow came by (``Referral.current_status`` says so without writing)."""
    if referral.is_due_to_expire(now):
        set_referral_status(app, session, referral, "expired", at=referral.expires_at)
    return referral


def set_referral_status(
    app: App,
    session: Session,
    referral: Referral,
    new_status: str,
    staff: Staff | None = None,
    at: datetime | None = None,
) -> Referral:
    if new_status != "expired" and referral.is_due_to_expire(at):
        # Received or completed after its expiry: the referral expired first, and stays so.
        expire_if_due(app, session, referral, at)
    old = referral.status
    if new_status == old:
        return referral
    if new_status not in REFERRAL_MOVES.get(old, ()):
        raise WorkflowError(f"a referral that is {old} cannot become {new_status}")
    at = at or datetime.now(UTC)
    referral.status = new_status
    setattr(referral, f"{new_status}_at", at)
    if new_status == "completed" and referral.received_at is None:
        referral.received_at = at
    session.flush()
    audit(session, f"referral.{new_status}", staff, "referral", referral.id)
    app.hook.referral_status_changed(app=app, session=session, referral=referral, old_status=old, new_status=new_status)
    return referral


def expire_referrals(app: App, session: Session, now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    due = session.scalars(select(Referral).where(Referral.due_to_expire(now))).all()
    for referral in due:
        # At its expiry moment, as when read first: the flow writes what every reader already shows.
        expire_if_due(app, session, referral, now)
    return len(due)


# ------------------------------------------------------------------------------------------------
# Cases

PROFILE_KEYS = ("disability", "third_country_national", "foreign_background", "minority", "homeless", "rural")
PROFILE_ANSWERS = ("yes", "no", "declined", "unknown")


def open_case(
    app: App,
    session: Session,
    centre_id: int,
    audience: str,
    consent_on: date,
    entered_on: date | None = None,
    profile: Mapping[str, str] | None = None,
    gender: str = "unknown",
    age_band: str = "unknown",
    education: str = "unknown",
    labour_status: str = "unknown",
    staff: Staff | None = None,
    retention_years: int = 10,
) -> Case:
    """Open a case for a person who consented; the code is random and is the only handle on it."""
    from tremplin.core import vocab

    errors: list[tuple[str, str]] = []
    workflow = app.registry.workflows.get(audience)
    if audience not in app.registry.audiences:
        errors.append(("audience", f"unknown audience {audience!r}"))
    elif workflow is None:
        errors.append(("audience", f"the audience {audience!r} has no case workflow"))
    for name, value, codes in (
        ("gender", gender, vocab.GENDER),
        ("age_band", age_band, vocab.AGE_BAND),
        ("education", education, vocab.EDUCATION),
        ("labour_status", labour_status, vocab.LABOUR_STATUS),
    ):
        if value not in codes:
            errors.append((name, f"{value!r} is not one of: {', '.join(codes)}"))
    clean_profile: dict[str, str] = {}
    for key, answer in (profile or {}).items():
        if key not in PROFILE_KEYS:
            errors.append((f"profile.{key}", f"not a profile question; use: {', '.join(PROFILE_KEYS)}"))
        elif answer not in PROFILE_ANSWERS:
            errors.append((f"profile.{key}", f"{answer!r} is not one of: {', '.join(PROFILE_ANSWERS)}"))
        else:
            clean_profile[key] = answer
    if consent_on is None:
        errors.append(("consent_on", "a case needs the date consent was given"))
    if errors:
        raise RecordError(errors)
    assert workflow is not None
    entered_on = entered_on or consent_on
    prefix = app.registry.audiences[audience].case_prefix or audience
    for _ in range(10):
        code = new_case_code(prefix)
        if session.scalar(select(Case.id).where(Case.code == code)) is None:
            break
    case = Case(
        code=code,
        centre_id=centre_id,
        audience=audience,
        consent_on=consent_on,
        entered_on=entered_on,
        stage=workflow.initial,
        gender=gender,
        age_band=age_band,
        education=education,
        labour_status=labour_status,
        profile=clean_profile,
        retain_until=date(entered_on.year + retention_years, 12, 31),
        staff_id=staff.id if staff else None,
    )
    # Noon of the day it entered, as for a move on another day; but never later than now: a case opened this
    # morning must not have its opening after the move made a minute later.
    opened_at = min(_moment(entered_on), datetime.now(UTC))
    case.history.append(
        CaseStageEvent(from_stage=None, to_stage=workflow.initial, at=opened_at, staff_id=staff.id if staff else None)
    )
    session.add(case)
    session.flush()
    audit(session, "case.open", staff, "case", case.code)
    app.hook.case_stage_changed(app=app, session=session, case=case, old_stage=None, new_stage=case.stage, staff=staff)
    return case


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def move_case(
    app: App, session: Session, case: Case, new_stage: str, staff: Staff | None = None, on: date | None = None
) -> Case:
    """Move a case to ``new_stage`` if its workflow allows it; record the outcome the stage implies."""
    workflow = app.registry.workflows[case.audience]
    allowed = workflow.allowed_next(case.stage)
    if new_stage not in allowed:
        raise WorkflowError(
            f"a case at {case.stage!r} cannot move to {new_stage!r}; "
            f"allowed: {', '.join(allowed) or 'none (the case has left)'}"
        )
    on = on or date.today()
    old = case.stage
    stage = workflow.stage(new_stage)
    case.stage = new_stage
    case.history.append(
        CaseStageEvent(
            from_stage=old,
            to_stage=new_stage,
            at=_moment(on) if on != date.today() else datetime.now(UTC),
            staff_id=staff.id if staff else None,
        )
    )
    if stage.outcome and not _has_outcome(case, stage.outcome, on):  # the same outcome on the same day is one
        case.outcomes.append(CaseOutcome(kind=stage.outcome, occurred_on=on, staff_id=staff.id if staff else None))
    if stage.final:
        case.left_on = on
        case.closed_at = datetime.now(UTC)
    session.flush()
    audit(session, "case.move", staff, "case", case.code, from_stage=old, to_stage=new_stage)
    app.hook.case_stage_changed(app=app, session=session, case=case, old_stage=old, new_stage=new_stage, staff=staff)
    return case


def record_outcome(
    app: App, session: Session, case: Case, kind: str, on: date, staff: Staff | None = None
) -> CaseOutcome:
    workflow = app.registry.workflows[case.audience]
    if kind not in workflow.outcomes:
        reason = f"{kind!r} is not an outcome of {case.audience}; use: {', '.join(workflow.outcomes)}"
        raise RecordError([("kind", Problem("choice", reason))])
    if _has_outcome(case, kind, on):
        raise RecordError([("kind", Problem("outcome.duplicate", f"{kind!r} is already recorded on {on.isoformat()}"))])
    outcome = CaseOutcome(kind=kind, occurred_on=on, staff_id=staff.id if staff else None)
    case.outcomes.append(outcome)
    session.flush()
    audit(session, "case.outcome", staff, "case", case.code, kind=kind)
    return outcome


def _has_outcome(case: Case, kind: str, on: date) -> bool:
    return any(o.kind == kind and o.occurred_on == on for o in case.outcomes)


def reenter_case(app: App, session: Session, case: Case, on: date, staff: Staff | None = None) -> Case:
    """A person who left comes back: the same case (and ESF participant) goes on from the first stage."""
    if case.left_on is None:
        raise WorkflowError("the case has not left")
    workflow = app.registry.workflows[case.audience]
    old = case.stage
    case.stage = workflow.initial
    case.left_on = None
    case.closed_at = None
    case.history.append(
        CaseStageEvent(from_stage=old, to_stage=workflow.initial, at=_moment(on), staff_id=staff.id if staff else None)
    )
    session.flush()
    audit(session, "case.reenter", staff, "case", case.code)
    app.hook.case_stage_changed(app=app, session=session, case=case, old_stage=old, new_stage=case.stage, staff=staff)
    return case


__all__ = [
    "TokenError",
    "WorkflowError",
    "log_contact",
    "update_contact",
    "delete_contact",
    "log_activity",
    "update_activity",
    "delete_activity",
    "record_participants",
    "issue_referral",
    "find_referral",
    "set_referral_status",
    "expire_referrals",
    "open_case",
    "move_case",
    "record_outcome",
    "reenter_case",
]

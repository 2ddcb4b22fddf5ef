"""The JSON API under ``/api/v1``: contacts, activities, referrals, cases and counters.

Clients authenticate with ``Authorization: Bearer <token>`` (``tremplin staff token USERNAME`` or the
account page issues one); a logged-in browser may use its session cookie with the ``X-CSRF-Token``
header. The same role and audience rules as the pages apply. Codes are the interchange codes of
``tremplin.core.vocab`` and the plugins; every invalid request is answered 4xx with a message (422 lists the
fields: ``{"detail": ..., "errors": {"field": "reason"}}``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from tremplin.core import corrections, rollup, vocab
from tremplin.core.anonymity import TokenError, format_token
from tremplin.core.counters import DIMENSIONS
from tremplin.core.dimensions import Values
from tremplin.core.disclosure import protect_counters, sees_exact
from tremplin.core.models import Activity, Case, Centre, Contact, Partner, Referral, Staff
from tremplin.core.records import (
    delete_activity,
    delete_contact,
    expire_if_due,
    find_referral,
    issue_referral,
    log_activity,
    move_case,
    open_case,
    record_outcome,
    record_participants,
    set_referral_status,
    update_activity,
    update_contact,
)
from tremplin.core.rules import MAX_HEADCOUNT, MAX_VALID_DAYS, NOTE_MAX, REASON_MAX, TITLE_MAX, Problem
from tremplin.core.validation import RecordError
from tremplin.core.web import policy
from tremplin.core.web.common import PAGE_SIZE, fetch, int_param
from tremplin.core.web.deps import (
    current_staff,
    ensure_audience,
    ensure_centre,
    get_app,
    get_session,
    require_capability,
)
from tremplin.core.web.errors import ChoiceError
from tremplin.core.web.routes.lists import CASE_STATES, audience_choices, list_activities, list_contacts, read_filters

if TYPE_CHECKING:
    from tremplin.core.app import App

bearer = HTTPBearer(auto_error=False, description="An API token: `tremplin staff token USERNAME`, or the account page.")
router = APIRouter(prefix="/api/v1", tags=["api"], dependencies=[Depends(bearer)])

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")]
OptCode = Annotated[str | None, Field(default=None, max_length=64)]
# Strict: ``true`` is not a count (pydantic would store it as 1).
Count = Annotated[int, Field(ge=0, le=MAX_HEADCOUNT, strict=True)]
Themes = Annotated[list[Annotated[str, Field(max_length=32)]], Field(default_factory=list, max_length=10)]
AttrValue = str | int | bool | list[str] | None
#: The limits below are those of ``tremplin.core.rules``: a value the schema refuses, the rules refuse too,
#: with the same rule key in the answer's ``rules``.
Note = Annotated[
    str, Field(max_length=NOTE_MAX, description="Free text, scrubbed; a note mostly made of personal data is refused.")
]
Confirm = Annotated[
    bool,
    Field(
        description="Confirms a count far above the usual: without it, such a record is answered 422 with the rule "
        "`count.implausible` or `count.above_registered`, and nothing is saved."
    ),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------------------------------------
# Models


class ContactIn(Strict):
    form: OptCode = Field(
        None,
        description="An intake form's key (``general.advice``): its fixed values, choices and required fields apply.",
    )
    centre: OptCode = Field(None, description="Centre code; default: the account's centre.")
    site: OptCode = None
    occurred_at: datetime | None = Field(
        None, description="ISO 8601; without an offset, local time of the centre. Default: now."
    )
    audience: Code
    modality: Code
    channel: OptCode = None
    themes: Themes
    language: OptCode = None
    headcount: Annotated[int, Field(ge=1, le=MAX_HEADCOUNT, strict=True)] = 1
    gender: OptCode = None
    age_band: OptCode = None
    education: OptCode = None
    labour_status: OptCode = None
    note: Note = ""
    attributes: dict[Annotated[str, Field(max_length=40)], AttrValue] = Field(
        default_factory=dict, max_length=40, description="The form's own fields: see the `Attributes_*` schemas."
    )
    confirm: Confirm = False


class ContactOut(BaseModel):
    id: int
    centre_id: int
    site_id: int | None
    occurred_at: datetime
    day: date
    audience: str
    modality: str
    channel: str
    themes: list[str]
    language: str
    headcount: int
    gender: str
    age_band: str
    education: str
    labour_status: str
    attributes: dict[str, Any]
    note: str
    staff_id: int | None


class ActivityIn(Strict):
    form: OptCode = Field(
        None,
        description=(
            "An activity form's key (``general.activity``): its fixed values, choices and required fields apply."
        ),
    )
    centre: OptCode = None
    site: OptCode = None
    starts_at: datetime
    audience: Code
    title: Annotated[str, Field(max_length=TITLE_MAX, description="Names no person (refused otherwise).")] = ""
    workshop: OptCode = None
    format: OptCode = None
    capacity: Count | None = None
    registered: Count | None = None
    participants: Count | None = None
    language: OptCode = None
    themes: Themes
    attributes: dict[Annotated[str, Field(max_length=40)], AttrValue] = Field(
        default_factory=dict, max_length=40, description="The form's own fields: see the `Attributes_*` schemas."
    )
    confirm: Confirm = False


Reason = Annotated[
    str,
    Field(
        max_length=REASON_MAX,
        description="Why the record is corrected: required unless the account is the record's author on the day "
        "it was entered (programme leads and administrators correct at any time, with a reason). Scrubbed, kept "
        "in the audit log.",
    ),
]


class ContactEdit(ContactIn):
    reason: Reason = ""


class ActivityOut(BaseModel):
    id: int
    centre_id: int
    site_id: int | None
    starts_at: datetime
    day: date
    audience: str
    title: str
    workshop: str
    format: str
    capacity: int | None
    registered: int | None
    participants: int | None
    language: str
    themes: list[str]
    attributes: dict[str, Any]
    staff_id: int | None


class Participants(Strict):
    participants: Count
    reason: Reason = ""
    confirm: Confirm = False


class ActivityEdit(ActivityIn):
    reason: Reason = ""


def partial(model: type[BaseModel], name: str) -> type[BaseModel]:
    """``model`` with every field optional and unset by default: the body of a PATCH, derived from the PUT's."""
    import copy

    from pydantic import create_model

    fields: dict[str, Any] = {}
    for key, info in model.model_fields.items():
        optional = copy.copy(info)
        kept = key in ("reason", "confirm")  # not values of the record: never null
        optional.default = {"reason": "", "confirm": False}.get(key)
        optional.default_factory = None
        assert info.annotation is not None  # every field of the model is annotated
        fields[key] = (info.annotation if kept else info.annotation | None, optional)
    return create_model(name, __base__=Strict, **fields)


ContactPatch = partial(ContactEdit, "ContactPatch")
ActivityPatch = partial(ActivityEdit, "ActivityPatch")


class ReferralIn(Strict):
    centre: OptCode = None
    audience: Code = "general"
    to_partner: OptCode = Field(None, description="Partner code.")
    from_partner: OptCode = Field(None, description="Partner code.")
    theme: OptCode = None
    note: Note = ""
    valid_days: Annotated[int, Field(ge=1, le=MAX_VALID_DAYS, strict=True)] = 60


class ReferralOut(BaseModel):
    id: int
    token: str
    token_display: str
    status: str
    audience: str
    theme: str | None
    to_partner: str | None
    from_partner: str | None
    issued_at: datetime
    received_at: datetime | None
    completed_at: datetime | None
    expires_at: datetime | None


class StatusIn(Strict):
    status: Literal["received", "completed", "expired"]


def _consent_required(schema: dict[str, Any]) -> None:
    # Required in the schema, as on the web form; checked in the route so that a missing or false answer is
    # refused by the rule ``consent.required``, in the request's language, not by a framework message.
    schema["required"] = sorted({*schema.get("required", []), "consent"})


class CaseIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_consent_required)
    centre: OptCode = None
    audience: Code
    consent: bool = Field(
        default=False,
        description="Required, and `true`: the person was told what following under a case code means and "
        "agreed (the web form's unticked confirmation). Missing or `false`: 422, rule `consent.required`.",
    )
    consent_on: date | None = Field(
        default=None, description="The day the person gave consent, if not today (never in the future)."
    )
    entered_on: date | None = None
    gender: Annotated[str, Field(max_length=32)] = "unknown"
    age_band: Annotated[str, Field(max_length=32)] = "unknown"
    education: Annotated[str, Field(max_length=32)] = "unknown"
    labour_status: Annotated[str, Field(max_length=32)] = "unknown"
    profile: dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=16)]] = Field(
        default_factory=dict, max_length=10
    )


class StageEventOut(BaseModel):
    from_stage: str | None
    to_stage: str
    at: datetime
    staff_id: int | None


class OutcomeOut(BaseModel):
    kind: str
    occurred_on: date
    staff_id: int | None


class CaseOut(BaseModel):
    code: str
    audience: str
    stage: str
    consent_on: date
    entered_on: date
    left_on: date | None
    closed_at: datetime | None
    gender: str
    age_band: str
    education: str
    labour_status: str
    profile: dict[str, Any]
    history: list[StageEventOut]
    outcomes: list[OutcomeOut]


class MoveIn(Strict):
    stage: Code
    on: date | None = None


class OutcomeIn(Strict):
    kind: Code
    on: date


class Page(BaseModel):
    next: str | None = Field(None, description="Pass as `after` to get the next page; null on the last page.")


class ContactPage(Page):
    items: list[ContactOut]


class ActivityPage(Page):
    items: list[ActivityOut]


class ReferralPage(Page):
    items: list[ReferralOut]


class CasePage(Page):
    items: list[CaseOut]


class CountersOut(BaseModel):
    start: date
    end: date
    dim: str
    values: dict[str, int | None | dict[str, int | None]] = Field(
        description="Each counter's total, or its counts by the dimension's values. For roles whose reports are "
        "disclosure-controlled (``published``), a count a report would hide is ``null``."
    )
    published: bool = Field(False, description="Whether the figures are disclosure-controlled, as the role's reports.")


class MeOut(BaseModel):
    username: str
    display_name: str
    roles: list[str]
    audiences: list[str]
    centre_id: int | None
    language: str


# ------------------------------------------------------------------------------------------------
# Helpers


def _centre_code(session: Session, staff: Staff, wanted: str | None) -> str:
    """The centre a record goes to: the one named (if the account sees it) or the account's own."""
    if wanted:
        centre_id = session.scalar(select(Centre.id).where(Centre.code == wanted))
        if centre_id is None:
            raise RecordError([("centre", f"unknown centre code {wanted!r}")])
        ensure_centre(staff, centre_id)
        return wanted
    if staff.centre_id is not None:
        code = session.scalar(select(Centre.code).where(Centre.id == staff.centre_id))
        if code:
            return code
    raise RecordError([("centre", "is required (this account belongs to no centre)")])


def _values(body: BaseModel, exclude: set[str]) -> dict[str, Any]:
    return {k: v for k, v in body.model_dump().items() if k not in exclude and v is not None}


def contact_out(c: Contact) -> ContactOut:
    return ContactOut(
        id=c.id,
        centre_id=c.centre_id,
        site_id=c.site_id,
        occurred_at=c.occurred_at,
        day=c.day,
        audience=c.audience,
        modality=c.modality,
        channel=c.channel,
        themes=list(c.themes or []),
        language=c.language,
        headcount=c.headcount,
        gender=c.gender,
        age_band=c.age_band,
        education=c.education,
        labour_status=c.labour_status,
        attributes=dict(c.attributes or {}),
        note=c.note or "",
        staff_id=c.staff_id,
    )


def _iso(moment: datetime) -> str:
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text  # as pydantic writes UTC


def contact_json(c: Contact) -> dict[str, Any]:
    """``contact_out(c)`` as JSON-ready values, without building the model."""
    return {
        "id": c.id,
        "centre_id": c.centre_id,
        "site_id": c.site_id,
        "occurred_at": _iso(c.occurred_at),
        "day": c.day.isoformat(),
        "audience": c.audience,
        "modality": c.modality,
        "channel": c.channel,
        "themes": list(c.themes or []),
        "language": c.language,
        "headcount": c.headcount,
        "gender": c.gender,
        "age_band": c.age_band,
        "education": c.education,
        "labour_status": c.labour_status,
        "attributes": dict(c.attributes or {}),
        "note": c.note or "",
        "staff_id": c.staff_id,
    }


def activity_out(a: Activity) -> ActivityOut:
    return ActivityOut(
        id=a.id,
        centre_id=a.centre_id,
        site_id=a.site_id,
        starts_at=a.starts_at,
        day=a.day,
        audience=a.audience,
        title=a.title or "",
        workshop=a.workshop,
        format=a.format,
        capacity=a.capacity,
        registered=a.registered,
        participants=a.participants,
        language=a.language,
        themes=list(a.themes or []),
        attributes=dict(a.attributes or {}),
        staff_id=a.staff_id,
    )


def referral_out(r: Referral, partners: dict[int, str]) -> ReferralOut:
    return ReferralOut(
        id=r.id,
        token=r.token,
        token_display=format_token(r.token),
        status=r.current_status(),
        audience=r.audience,
        theme=r.theme,
        to_partner=partners.get(r.to_partner_id) if r.to_partner_id else None,
        from_partner=partners.get(r.from_partner_id) if r.from_partner_id else None,
        issued_at=r.issued_at,
        received_at=r.received_at,
        completed_at=r.completed_at,
        expires_at=r.expires_at,
    )


def case_out(c: Case) -> CaseOut:
    return CaseOut(
        code=c.code,
        audience=c.audience,
        stage=c.stage,
        consent_on=c.consent_on,
        entered_on=c.entered_on,
        left_on=c.left_on,
        closed_at=c.closed_at,
        gender=c.gender,
        age_band=c.age_band,
        education=c.education,
        labour_status=c.labour_status,
        profile=dict(c.profile or {}),
        history=[
            StageEventOut(from_stage=e.from_stage, to_stage=e.to_stage, at=e.at, staff_id=e.staff_id) for e in c.history
        ],
        outcomes=[OutcomeOut(kind=o.kind, occurred_on=o.occurred_on, staff_id=o.staff_id) for o in c.outcomes],
    )


def _partners(session: Session, centre_id: int | None = None) -> dict[int, str]:
    stmt = select(Partner.id, Partner.code)
    if centre_id is not None:
        stmt = stmt.where(Partner.centre_id == centre_id)
    return {pid: code for pid, code in session.execute(stmt)}


def _partner_id(session: Session, centre_code: str, code: str | None, field: str) -> int | None:
    if not code:
        return None
    pid = session.scalar(
        select(Partner.id)
        .join(Centre, Centre.id == Partner.centre_id)
        .where(Centre.code == centre_code, Partner.code == code)
    )
    if pid is None:
        raise RecordError([(field, f"unknown partner code {code!r} in centre {centre_code!r}")])
    return pid


def visible_or_missing(staff: Staff, record: Any, missing: str) -> None:
    """A record of another centre or audience answers as a missing one does (404, the same words): a 403
    would let an account count the records it must not see."""
    if not policy.may_see_centre(staff, getattr(record, "centre_id", None)):
        raise LookupError(missing)
    audience = getattr(record, "audience", None)
    if audience is not None and not staff.may_see(audience):
        raise LookupError(missing)


def _get(session: Session, staff: Staff, model: Any, record_id: int, what: str) -> Any:
    record = fetch(session, model, record_id)
    missing = f"there is no {what} {record_id}"
    if record is None:
        raise LookupError(missing)
    visible_or_missing(staff, record, missing)
    return record


# ------------------------------------------------------------------------------------------------
# Records named in the path: loaded and checked (centre and audience) before any body is read, so a
# refused account gets 403 whatever it sent.


RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ActivitiesStaffDep = Annotated[Staff, Depends(require_capability("activities"))]
DeleteReason = Annotated[
    str,
    Query(
        max_length=500,
        description="Why the record is deleted: required unless the account is its author, on the day it was entered.",
    ),
]
IdCursor = Annotated[str, Query(max_length=9, pattern=r"^[0-9]*$", description="The `next` of the previous page.")]
SearchQuery = Annotated[
    str,
    Query(max_length=80, description="Search: a case code, a school or place typed in a form, a title, a partner."),
]


def load_contact(
    request: Request,
    contact_id: RecordId,
    staff: Annotated[Staff, Depends(require_capability("log"))],
    session: Annotated[Session, Depends(get_session)],
) -> Contact:
    """A contact to edit or delete: seen by the account, and correctable by it (``tremplin.core.corrections``)."""
    contact: Contact = _get(session, staff, Contact, contact_id, "contact")
    corrections.grant_for(get_app(request), session, staff, contact)
    return contact


def read_contact(
    contact_id: RecordId,
    staff: Annotated[Staff, Depends(require_capability("contacts"))],
    session: Annotated[Session, Depends(get_session)],
) -> Contact:
    return _get(session, staff, Contact, contact_id, "contact")


def load_activity(
    activity_id: RecordId,
    staff: Annotated[Staff, Depends(require_capability("activities"))],
    session: Annotated[Session, Depends(get_session)],
) -> Activity:
    return _get(session, staff, Activity, activity_id, "activity")


def correctable_activity(
    request: Request,
    activity: Annotated[Activity, Depends(load_activity)],
    staff: ActivitiesStaffDep,
    session: Annotated[Session, Depends(get_session)],
) -> Activity:
    """An activity to edit or delete: correctable by the account (``tremplin.core.corrections``)."""
    corrections.grant_for(get_app(request), session, staff, activity)
    return activity


def load_referral(
    request: Request,
    token: Annotated[str, Path(max_length=40)],
    staff: Annotated[Staff, Depends(require_capability("referrals"))],
    session: Annotated[Session, Depends(get_session)],
) -> Referral:
    """A referral named by its token, seen by the account; past its expiry, expired as it is read."""
    try:
        referral = find_referral(session, token)
    except TokenError as exc:
        # A mistyped token names no referral: 404, saying what is wrong with it.
        raise LookupError(f"no referral has this token: {exc}") from None
    visible_or_missing(staff, referral, "no referral has this token")
    expire_if_due(get_app(request), session, referral)
    return referral


def load_case(
    code: Annotated[str, Path(max_length=40)],
    staff: Annotated[Staff, Depends(require_capability("cases"))],
    session: Annotated[Session, Depends(get_session)],
) -> Case:
    case = session.scalar(select(Case).where(Case.code == code.strip().upper()[:24]))
    missing = f"there is no case {code[:24]!r}"
    if case is None:
        raise LookupError(missing)
    visible_or_missing(staff, case, missing)
    return case


# ------------------------------------------------------------------------------------------------
# Routes

ContactsStaff = Annotated[Staff, Depends(require_capability("contacts"))]
LogStaff = Annotated[Staff, Depends(require_capability("log"))]
ActivitiesStaff = Annotated[Staff, Depends(require_capability("activities"))]
ReferralsStaff = Annotated[Staff, Depends(require_capability("referrals"))]
CasesStaff = Annotated[Staff, Depends(require_capability("cases"))]
DashboardStaff = Annotated[Staff, Depends(require_capability("dashboard"))]
DB = Annotated[Session, Depends(get_session)]


@router.get("/me", response_model=MeOut, summary="The account behind the token")
def me(staff: Annotated[Staff, Depends(current_staff)]) -> MeOut:
    return MeOut(
        username=staff.username,
        display_name=staff.display_name,
        roles=list(staff.roles),
        audiences=list(staff.audiences),
        centre_id=staff.centre_id,
        language=staff.language,
    )


@router.get("/contacts", response_model=ContactPage, summary="Contacts, newest first, filtered and paged")
def contacts_list(
    request: Request,
    staff: ContactsStaff,
    session: DB,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
    audience: str = "",
    site: str = "",
    theme: str = "",
    language: str = "",
    q: SearchQuery = "",
    after: Annotated[str, Query(description="The `next` of the previous page.")] = "",
) -> ContactPage:
    rows, cursor = list_contacts(request, session, staff, read_filters(request, staff))
    return ContactPage(items=[contact_out(c) for c in rows], next=cursor)


@router.post("/contacts", response_model=ContactOut, status_code=201, summary="Log a contact")
async def contacts_create(
    request: Request, body: ContactIn, staff: Annotated[Staff, Depends(require_capability("log", sessionless=True))]
) -> Response:
    """Log one contact. Contacts posted at the same moment share a transaction (``tremplin.core.batching``):
    each still gets its own answer, and a refused one does not stop the others."""
    ensure_audience(staff, body.audience)
    contact = await log_posted_contact(get_app(request), body, staff)
    return JSONResponse(contact_json(contact), status_code=201)


async def log_posted_contact(app: App, body: ContactIn, staff: Staff) -> Contact:
    """Write a posted contact through the group commit: the route's work once the account may log it, shared
    with its short path (``tremplin.core.web.shortcut``)."""
    from tremplin.core.batching import batcher_of

    values = _values(body, {"attributes", "form", "confirm"})
    values.setdefault("occurred_at", datetime.now().astimezone())
    return await batcher_of(app).log(values, body.attributes, staff, form=body.form, confirmed=body.confirm)


@router.get("/contacts/{contact_id}", response_model=ContactOut)
def contacts_get(contact: Annotated[Contact, Depends(read_contact)]) -> ContactOut:
    return contact_out(contact)


@router.put("/contacts/{contact_id}", response_model=ContactOut, summary="Correct a contact: replace its values")
def contacts_update(
    contact: Annotated[Contact, Depends(load_contact)],
    request: Request,
    body: ContactEdit,
    staff: LogStaff,
    session: DB,
) -> ContactOut:
    """Its author may correct a contact on the day it was entered; programme leads and administrators at any
    time, with a ``reason``. The values are checked as a new contact's are; the audit log keeps what changed."""
    given = body.model_dump()
    if given.get("occurred_at") is None:
        given["occurred_at"] = contact.occurred_at
    return _correct(request, session, staff, contact, given, replace=True)  # type: ignore[return-value]


@router.patch("/contacts/{contact_id}", response_model=ContactOut, summary="Correct some of a contact's values")
def contacts_patch(
    contact: Annotated[Contact, Depends(load_contact)],
    request: Request,
    body: ContactPatch,  # type: ignore[valid-type]
    staff: LogStaff,
    session: DB,
) -> ContactOut:
    """As ``PUT``, for the fields given only (``null`` clears one; in ``attributes``, ``null`` removes a key)."""
    given = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    return _correct(request, session, staff, contact, given, replace=False)  # type: ignore[return-value]


def _correct(
    request: Request, session: Session, staff: Staff, record: Contact | Activity, given: dict[str, Any], replace: bool
) -> ContactOut | ActivityOut:
    """A PUT (``replace``: the body is the whole record) or a PATCH (the fields given) of a contact or an
    activity: one way for the four routes, through ``update_contact`` / ``update_activity``."""
    app = get_app(request)
    is_contact = isinstance(record, Contact)
    reason, form, confirm = given.pop("reason", ""), given.pop("form", None), given.pop("confirm", False)
    if replace:
        values = {k: v for k, v in given.items() if k != "attributes" and v is not None}
        attributes = given.get("attributes") or {}
        values["centre"] = _centre_code(session, staff, given.get("centre"))
    else:
        read = corrections.contact_values if is_contact else corrections.activity_values
        values, stored = read(session, record)  # type: ignore[arg-type]
        attributes = corrections.merged_attributes(stored, given.pop("attributes", None))
        if "centre" in given:
            given["centre"] = _centre_code(session, staff, given["centre"])
        values.update(given)
    if values.get("audience"):
        ensure_audience(staff, values["audience"])
    changes = dict(staff=staff, form=form, reason=reason, confirmed=confirm)
    if isinstance(record, Contact):
        update_contact(app, session, record, values, attributes, **changes)
    else:
        update_activity(app, session, record, values, attributes, **changes)
    out = contact_out(record) if is_contact else activity_out(record)  # type: ignore[arg-type]
    session.commit()
    return out


@router.delete("/contacts/{contact_id}", status_code=204, summary="Delete a contact")
def contacts_delete(
    contact: Annotated[Contact, Depends(load_contact)],
    request: Request,
    staff: LogStaff,
    session: DB,
    reason: DeleteReason = "",
) -> Response:
    """The same rule as a correction: the author on the day, programme leads and administrators with a ``reason``."""
    delete_contact(get_app(request), session, contact, staff=staff, reason=reason)
    session.commit()
    return Response(status_code=204)


@router.get("/activities", response_model=ActivityPage, summary="Activities, newest first, filtered and paged")
def activities_list(
    request: Request,
    staff: ActivitiesStaff,
    session: DB,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
    audience: str = "",
    site: str = "",
    theme: str = "",
    language: str = "",
    q: SearchQuery = "",
    after: str = "",
) -> ActivityPage:
    rows, cursor = list_activities(request, session, staff, read_filters(request, staff))
    return ActivityPage(items=[activity_out(a) for a in rows], next=cursor)


@router.post("/activities", response_model=ActivityOut, status_code=201, summary="Create a group activity")
def activities_create(request: Request, body: ActivityIn, staff: ActivitiesStaff, session: DB) -> ActivityOut:
    app = get_app(request)
    ensure_audience(staff, body.audience)
    values = _values(body, {"attributes", "centre", "form", "confirm"})
    values["centre"] = _centre_code(session, staff, body.centre)
    activity = log_activity(app, session, values, body.attributes, staff=staff, form=body.form, confirmed=body.confirm)
    out = activity_out(activity)
    session.commit()
    return out


@router.get("/activities/{activity_id}", response_model=ActivityOut)
def activities_get(activity: Annotated[Activity, Depends(load_activity)]) -> ActivityOut:
    return activity_out(activity)


@router.put("/activities/{activity_id}", response_model=ActivityOut, summary="Correct an activity: replace its values")
def activities_update(
    activity: Annotated[Activity, Depends(correctable_activity)],
    request: Request,
    body: ActivityEdit,
    staff: ActivitiesStaff,
    session: DB,
) -> ActivityOut:
    """The rule of contacts (its author that day, or until it takes place; programme leads and administrators
    with a ``reason``), and the checks of a new activity."""
    return _correct(request, session, staff, activity, body.model_dump(), replace=True)  # type: ignore[return-value]


@router.patch("/activities/{activity_id}", response_model=ActivityOut, summary="Correct some of an activity's values")
def activities_patch(
    activity: Annotated[Activity, Depends(correctable_activity)],
    request: Request,
    body: ActivityPatch,  # type: ignore[valid-type]
    staff: ActivitiesStaff,
    session: DB,
) -> ActivityOut:
    """As ``PUT``, for the fields given only (``null`` clears one; in ``attributes``, ``null`` removes a key)."""
    given = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    return _correct(request, session, staff, activity, given, replace=False)  # type: ignore[return-value]


@router.delete("/activities/{activity_id}", status_code=204, summary="Delete an activity")
def activities_delete(
    activity: Annotated[Activity, Depends(correctable_activity)],
    request: Request,
    staff: ActivitiesStaff,
    session: DB,
    reason: DeleteReason = "",
) -> Response:
    """The rule of a correction: its author that day, programme leads and administrators with a ``reason``."""
    delete_activity(get_app(request), session, activity, staff=staff, reason=reason)
    session.commit()
    return Response(status_code=204)


@router.post("/activities/{activity_id}/participants", response_model=ActivityOut, summary="Enter the actual headcount")
def activities_participants(
    activity: Annotated[Activity, Depends(load_activity)],
    request: Request,
    body: Participants,
    staff: ActivitiesStaff,
    session: DB,
) -> ActivityOut:
    record_participants(
        get_app(request), session, activity, body.participants, staff=staff, reason=body.reason, confirmed=body.confirm
    )
    out = activity_out(activity)
    session.commit()
    return out


@router.get("/referrals", response_model=ReferralPage, summary="Referrals, newest first")
def referrals_list(
    request: Request,
    staff: ReferralsStaff,
    session: DB,
    status: Annotated[
        str,
        Query(
            description="Only referrals of this status: `issued`, `received`, `completed` or `expired` "
            "(past its expiry is expired). Another value is answered 422, rule `choice`.",
        ),
    ] = "",
    after: IdCursor = "",
) -> ReferralPage:
    app = get_app(request)
    stmt = select(Referral)
    ids = policy.centre_ids(staff)
    if ids is not None:
        stmt = stmt.where(Referral.centre_id.in_(ids))
    if not policy.sees_all_audiences(staff):
        stmt = stmt.where(Referral.audience.in_(policy.visible_audiences(app, staff)))
    if status:
        if status not in vocab.REFERRAL_STATUS:  # ignored, it would answer every referral as if filtered
            raise ChoiceError("status", status, vocab.REFERRAL_STATUS.items)
        stmt = stmt.where(Referral.status_as_of() == status)  # past its expiry is expired, flow or not
    cursor = int_param(after)
    if after and cursor is None:
        raise HTTPException(status_code=400, detail="`after` is the `next` of a previous page (a number)")
    if cursor is not None:
        stmt = stmt.where(Referral.id < cursor)
    rows = list(session.scalars(stmt.order_by(Referral.id.desc()).limit(PAGE_SIZE + 1)))
    partners = _partners(session)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return ReferralPage(items=[referral_out(r, partners) for r in rows], next=str(rows[-1].id) if more else None)


@router.post("/referrals", response_model=ReferralOut, status_code=201, summary="Issue a referral token")
def referrals_create(request: Request, body: ReferralIn, staff: ReferralsStaff, session: DB) -> ReferralOut:
    app = get_app(request)
    ensure_audience(staff, body.audience)
    centre_code = _centre_code(session, staff, body.centre)
    centre_id = session.scalar(select(Centre.id).where(Centre.code == centre_code))
    assert centre_id is not None
    referral = issue_referral(
        app,
        session,
        centre_id,
        to_partner_id=_partner_id(session, centre_code, body.to_partner, "to_partner"),
        from_partner_id=_partner_id(session, centre_code, body.from_partner, "from_partner"),
        theme=body.theme,
        audience=body.audience,
        staff=staff,
        valid_days=body.valid_days,
        note=body.note,
    )
    out = referral_out(referral, _partners(session, centre_id))
    session.commit()
    return out


@router.get(
    "/referrals/{token}", response_model=ReferralOut, summary="A referral by its token (a mistyped token is a 400)"
)
def referrals_get(referral: Annotated[Referral, Depends(load_referral)], session: DB) -> ReferralOut:
    return referral_out(referral, _partners(session))


@router.post(
    "/referrals/{token}/status", response_model=ReferralOut, summary="Mark a referral received, completed or expired"
)
def referrals_status(
    referral: Annotated[Referral, Depends(load_referral)],
    request: Request,
    body: StatusIn,
    staff: ReferralsStaff,
    session: DB,
) -> ReferralOut:
    set_referral_status(get_app(request), session, referral, body.status, staff=staff)
    out = referral_out(referral, _partners(session))
    session.commit()
    return out


@router.get("/cases", response_model=CasePage, summary="Cases, newest first")
def cases_list(
    request: Request,
    staff: CasesStaff,
    session: DB,
    audience: str = "",
    state: Annotated[
        str,
        Query(description="`open`, `closed` or `all` (the default). Another value is answered 422, rule `choice`."),
    ] = "all",
    after: IdCursor = "",
) -> CasePage:
    app = get_app(request)
    if state not in CASE_STATES:
        raise ChoiceError("state", state, CASE_STATES)
    keys = [k for k in policy.visible_audiences(app, staff) if k in app.registry.workflows]
    if audience:
        if audience not in app.registry.audiences:
            raise ChoiceError("audience", audience, audience_choices(app, staff))
        ensure_audience(staff, audience)
        keys = [audience]
    stmt = select(Case).where(Case.audience.in_(keys or ["-"]))
    ids = policy.centre_ids(staff)
    if ids is not None:
        stmt = stmt.where(Case.centre_id.in_(ids))
    if state == "open":
        stmt = stmt.where(Case.left_on.is_(None))
    elif state == "closed":
        stmt = stmt.where(Case.left_on.is_not(None))
    cursor = int_param(after)
    if after and cursor is None:
        raise HTTPException(status_code=400, detail="`after` is the `next` of a previous page (a number)")
    if cursor is not None:
        stmt = stmt.where(Case.id < cursor)
    rows = list(session.scalars(stmt.order_by(Case.id.desc()).limit(PAGE_SIZE + 1)))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return CasePage(items=[case_out(c) for c in rows], next=str(rows[-1].id) if more else None)


@router.post("/cases", response_model=CaseOut, status_code=201, summary="Open a case for a person who consented")
def cases_create(request: Request, body: CaseIn, staff: CasesStaff, session: DB) -> CaseOut:
    app = get_app(request)
    ensure_audience(staff, body.audience)
    if not body.consent:
        raise RecordError([("consent", Problem("consent.required", "consent not confirmed (send consent: true)"))])
    consent_on = body.consent_on or date.today()
    if consent_on > date.today():
        raise RecordError([("consent_on", Problem("date.future", "is in the future"))])
    centre_code = _centre_code(session, staff, body.centre)
    centre_id = session.scalar(select(Centre.id).where(Centre.code == centre_code))
    assert centre_id is not None
    case = open_case(
        app,
        session,
        centre_id,
        body.audience,
        consent_on=consent_on,
        entered_on=body.entered_on,
        profile=body.profile,
        gender=body.gender,
        age_band=body.age_band,
        education=body.education,
        labour_status=body.labour_status,
        staff=staff,
    )
    out = case_out(case)
    session.commit()
    return out


@router.get("/cases/{code}", response_model=CaseOut)
def cases_get(case: Annotated[Case, Depends(load_case)]) -> CaseOut:
    return case_out(case)


@router.post(
    "/cases/{code}/moves", response_model=CaseOut, summary="Move a case to a stage its workflow allows (409 otherwise)"
)
def cases_move(
    case: Annotated[Case, Depends(load_case)], request: Request, body: MoveIn, staff: CasesStaff, session: DB
) -> CaseOut:
    if body.on is not None and body.on > date.today():
        raise RecordError([("on", "is in the future")])
    move_case(get_app(request), session, case, body.stage, staff=staff, on=body.on)
    out = case_out(case)
    session.commit()
    return out


@router.post(
    "/cases/{code}/outcomes", response_model=CaseOut, status_code=201, summary="Record an outcome with its date"
)
def cases_outcome(
    case: Annotated[Case, Depends(load_case)], request: Request, body: OutcomeIn, staff: CasesStaff, session: DB
) -> CaseOut:
    record_outcome(get_app(request), session, case, body.kind, body.on, staff=staff)
    out = case_out(case)
    session.commit()
    return out


@router.get("/counters", response_model=CountersOut, summary="Counters over a period, from the roll-up")
def counters(
    request: Request,
    staff: DashboardStaff,
    session: DB,
    start: date,
    end: date,
    audience: str = "",
    dim: str = "*",
    counter: Annotated[list[str] | None, Query(description="Only these counters (repeat).")] = None,
) -> CountersOut:
    app = get_app(request)
    if not (1900 <= start.year <= 2999 and 1900 <= end.year <= 2999):
        raise HTTPException(status_code=422, detail="start and end must lie between the years 1900 and 2999")
    if end < start:
        raise HTTPException(status_code=422, detail="end comes before start")
    known_dims = (*DIMENSIONS, *app.registry.dimensions)
    if dim != "*" and dim not in known_dims:
        raise ChoiceError("dim", dim, dict.fromkeys(("*", *known_dims)))
    keys = policy.visible_counters(app, staff)
    if audience:
        if audience not in app.registry.audiences:
            raise ChoiceError("audience", audience, audience_choices(app, staff))
        ensure_audience(staff, audience)
        keys = [k for k in keys if app.registry.counters[k].audience == audience]
    if counter:
        unknown = [c for c in counter if c not in app.registry.counters]
        if unknown:
            raise HTTPException(status_code=404, detail=f"unknown counter(s): {', '.join(c[:80] for c in unknown)}")
        hidden = [c for c in counter if c not in keys]
        if hidden:
            raise HTTPException(status_code=403, detail=f"this account may not read: {', '.join(hidden)}")
        keys = list(dict.fromkeys(counter))
    centre_ids = policy.centre_ids(staff)
    if dim == "*":
        values: dict[str, Any] = dict(rollup.totals(session, keys, start, end, centre_ids))
    else:
        raw = rollup.read(session, keys, start, end, centre_ids, dim=dim)
        values = {k: {} for k in keys}
        visible = set(policy.visible_audiences(app, staff))
        # A plugin dimension's values by their public code (a site's code, not its id).
        coded = Values(app, session, dim) if dim in app.registry.dimensions else None
        for (key, value), amount in raw.items():
            if dim == "audience" and value not in visible:
                continue
            if coded is not None:
                value = coded.code(value)
                amount += values[key].get(value, 0)
            values[key][value] = amount
    published = not sees_exact(staff)
    if published:
        # The role's reports are disclosure-controlled: so are its counters (small counts hidden, breakdowns
        # protected against their totals).
        totals = values if dim == "*" else dict(rollup.totals(session, keys, start, end, centre_ids))
        values = protect_counters(values, totals, app.settings.disclosure_threshold)
    return CountersOut(start=start, end=end, dim=dim, values=values, published=published)


# ------------------------------------------------------------------------------------------------
# The schema of each form's attributes


#: The API models whose ``attributes`` are a form's, by the record the form writes.
_ATTRIBUTE_BODIES = {
    "contact": ("ContactIn", "ContactEdit", "ContactPatch"),
    "activity": ("ActivityIn", "ActivityEdit", "ActivityPatch"),
}


def document_forms(app: Any, schema: dict[str, Any]) -> None:
    """Type each form's attributes in the OpenAPI ``schema``: one ``Attributes_<form>`` schema per form (its
    fields, choices and bounds, from the model that validates them), and the bodies' ``attributes`` as
    one of them."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    refs: dict[str, list[dict[str, str]]] = {"contact": [], "activity": []}
    for key, form in sorted(app.registry.forms.items()):
        model = form.model
        body = model.model_json_schema(ref_template="#/components/schemas/{model}")
        body.pop("$defs", None)
        body["description"] = f"The attributes of the form `{key}` (audience `{form.audience}`, a {form.record})."
        components[model.__name__] = body
        refs[form.record].append({"$ref": f"#/components/schemas/{model.__name__}"})
    for record, names in _ATTRIBUTE_BODIES.items():
        for name in names:
            properties = components.get(name, {}).get("properties", {})
            if "attributes" in properties and refs[record]:
                properties["attributes"] = {
                    "anyOf": refs[record],
                    "title": "Attributes",
                    "description": "The form's own fields (`form`, or the audience's forms): "
                    "one of the `Attributes_*` schemas.",
                }

"""List exports: the contacts, activities, referrals and cases lists as CSV or XLSX, filters applied.

``/contacts/export?format=csv&<the list's filters>`` (and ``/activities/export``, ``/referrals/export``,
``/cases/export``) answers what the page lists, every page of it: the same filters and search, limited
to what the account sees (its centre, its audiences). CSV is streamed from a server-side cursor as it
is written; XLSX is written row by row to a temporary file, then sent. Free text a visitor may have
typed (notes) is left out, texts that a spreadsheet would read as formulas are neutralised
(``tremplin.core.reports.export``), and every export is in the audit log (``list.export``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from tremplin.core.anonymity import format_token
from tremplin.core.models import Activity, Case, Centre, Contact, Partner, Referral, Site, Staff
from tremplin.core.web.common import centre_tz
from tremplin.core.web.deps import get_app, get_session, require_capability
from tremplin.core.web.i18n import N_, gettext_for, request_language
from tremplin.core.web.routes.lists import case_statement, filtered, read_filters, referral_statement

router = APIRouter(include_in_schema=False)
FORMATS = ("csv", "xlsx")

CONTACT_COLUMNS = (
    "id",
    "centre",
    "site",
    "day",
    "occurred_at",
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
    "case",
)
ACTIVITY_COLUMNS = (
    "id",
    "centre",
    "site",
    "day",
    "starts_at",
    "audience",
    "title",
    "workshop",
    "format",
    "capacity",
    "registered",
    "participants",
    "language",
    "themes",
    "partner",
    "attributes",
)
REFERRAL_COLUMNS = (
    "token",
    "status",
    "audience",
    "theme",
    "from_partner",
    "to_partner",
    "issued_at",
    "received_at",
    "completed_at",
    "expired_at",
    "expires_at",
    "case",
)
CASE_COLUMNS = (
    "code",
    "audience",
    "stage",
    "consent_on",
    "entered_on",
    "left_on",
    "gender",
    "age_band",
    "education",
    "labour_status",
    "profile",
)


#: Column widths (in characters) that fit the values of the exports' columns, by column name.
WIDTHS: dict[str, float] = {
    "day": 12,
    "consent_on": 12,
    "entered_on": 12,
    "left_on": 12,
    "occurred_at": 18,
    "starts_at": 18,
    "issued_at": 18,
    "received_at": 18,
    "completed_at": 18,
    "expired_at": 18,
    "expires_at": 18,
    "modality": 18,
    "themes": 22,
    "token": 16,
    "code": 18,
    "case": 18,
    "title": 30,
    "partner": 24,
    "from_partner": 24,
    "to_partner": 24,
    "attributes": 40,
    "profile": 40,
}
#: The sheet of each export, named as its list page is.
SHEET_TITLES = {
    "contacts": N_("Contacts"),
    "activities": N_("Activities"),
    "referrals": N_("Referrals"),
    "cases": N_("Cases"),
}


def _format(request: Request) -> str:
    fmt = request.query_params.get("format", "csv")
    if fmt not in FORMATS:
        raise HTTPException(status_code=400, detail=f"the export formats are csv and xlsx, not {fmt[:10]!r}")
    return fmt


def cells_in(tz: Any) -> Callable[[Any], Any]:
    """A cell as a spreadsheet takes it: moments in the centre's time (to the second), lists joined with
    ``;`` as in the interchange files, attributes as JSON text."""

    def convert(value: Any) -> Any:
        kind = type(value)
        if kind is str or kind is int or value is None:  # most cells: nothing to do
            return value
        if kind is datetime:
            return value.astimezone(tz).replace(tzinfo=None, microsecond=0)
        if kind is list or kind is tuple:
            return ";".join(map(str, value))
        if kind is dict:
            return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
        return value

    return convert


def send(
    request: Request,
    staff: Staff,
    what: str,
    columns: Sequence[str],
    stmt: Any,
    convert: Callable[[Any], Sequence[Any]],
    parameters: dict[str, Any],
) -> Response:
    """Audit the export, then answer the rows of ``stmt`` (each through ``convert``) as the asked format."""
    import os
    import tempfile

    from starlette.background import BackgroundTask
    from starlette.responses import FileResponse, StreamingResponse

    from tremplin.core.audit import audit
    from tremplin.core.reports.export import iter_table_csv, write_table_xlsx

    app = get_app(request)
    fmt = _format(request)
    with app.transaction() as session:
        audit(
            session,
            "list.export",
            staff,
            what,
            "",
            format=fmt,
            filters={k: v for k, v in parameters.items() if v not in ("", None)},
        )
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    filename = f"tremplin-{what}-{stamp}.{fmt}"

    def rows() -> Iterator[Sequence[Any]]:
        # Its own connection: the request's session is closed before a streamed body is sent.
        with app.db.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=2_000).execute(stmt)
            for row in result:
                yield convert(row)

    language = request_language(request)
    if fmt == "csv":
        return StreamingResponse(
            # Days and times as the reader writes them (in the centre's time, ``cells_in``), not ISO.
            iter_table_csv(columns, rows(), language=language, local=True),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{filename}"'},
        )
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="tremplin-export-")
    os.close(handle)
    try:
        # Typed dates and times shown in the reader's formats, the sheet named in the reader's language,
        # and columns wide enough for what they hold (a moment would show as ##### in its heading's width).
        widths = [max(len(c) + 2, WIDTHS.get(c, 10)) for c in columns]
        title = gettext_for(request)(SHEET_TITLES.get(what, what))
        write_table_xlsx(columns, rows(), path, title=title, widths=widths, dates=language)
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(
        path,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=filename,
        background=BackgroundTask(os.unlink, path),
    )


@router.get("/contacts/export")
def contacts_export(
    request: Request, staff: Staff = Depends(require_capability("contacts")), session: Session = Depends(get_session)
) -> Response:
    filters = read_filters(request, staff)
    stmt = (
        select(
            Contact.id,
            Centre.code,
            Site.code,
            Contact.day,
            Contact.occurred_at,
            Contact.audience,
            Contact.modality,
            Contact.channel,
            Contact.themes,
            Contact.language,
            Contact.headcount,
            Contact.gender,
            Contact.age_band,
            Contact.education,
            Contact.labour_status,
            Contact.attributes,
            Case.code,
        )
        .join(Centre, Centre.id == Contact.centre_id)
        .outerjoin(Site, Site.id == Contact.site_id)
        .outerjoin(Case, Case.id == Contact.case_id)
    )
    stmt = filtered(stmt, Contact, request, session, staff, filters).order_by(Contact.day.desc(), Contact.id.desc())
    local = cells_in(centre_tz(get_app(request), session, staff.centre_id))
    return send(
        request, staff, "contacts", CONTACT_COLUMNS, stmt, lambda row: [local(v) for v in row], filters.params()
    )


@router.get("/activities/export")
def activities_export(
    request: Request, staff: Staff = Depends(require_capability("activities")), session: Session = Depends(get_session)
) -> Response:
    filters = read_filters(request, staff)
    stmt = (
        select(
            Activity.id,
            Centre.code,
            Site.code,
            Activity.day,
            Activity.starts_at,
            Activity.audience,
            Activity.title,
            Activity.workshop,
            Activity.format,
            Activity.capacity,
            Activity.registered,
            Activity.participants,
            Activity.language,
            Activity.themes,
            Partner.name,
            Activity.attributes,
        )
        .join(Centre, Centre.id == Activity.centre_id)
        .outerjoin(Site, Site.id == Activity.site_id)
        .outerjoin(Partner, Partner.id == Activity.partner_id)
    )
    stmt = filtered(stmt, Activity, request, session, staff, filters).order_by(Activity.day.desc(), Activity.id.desc())
    local = cells_in(centre_tz(get_app(request), session, staff.centre_id))
    return send(
        request, staff, "activities", ACTIVITY_COLUMNS, stmt, lambda row: [local(v) for v in row], filters.params()
    )


@router.get("/referrals/export")
def referrals_export(
    request: Request,
    staff: Staff = Depends(require_capability("referrals")),
    session: Session = Depends(get_session),
    status: str = "",
    q: str = "",
) -> Response:
    source, target = aliased(Partner), aliased(Partner)
    base = (
        select(
            Referral.token,
            Referral.status_as_of(),  # past its expiry is expired, whether or not the flow wrote it
            Referral.audience,
            Referral.theme,
            source.name,
            target.name,
            Referral.issued_at,
            Referral.received_at,
            Referral.completed_at,
            Referral.expired_at_as_of(),
            Referral.expires_at,
            Case.code,
        )
        .outerjoin(source, source.id == Referral.from_partner_id)
        .outerjoin(target, target.id == Referral.to_partner_id)
        .outerjoin(Case, Case.id == Referral.case_id)
    )
    stmt, params = referral_statement(request, session, staff, base, status, q)
    local = cells_in(centre_tz(get_app(request), session, staff.centre_id))

    def convert(row: Any) -> list[Any]:
        return [format_token(row[0]), *(local(v) for v in row[1:])]

    return send(request, staff, "referrals", REFERRAL_COLUMNS, stmt.order_by(Referral.id.desc()), convert, params)


@router.get("/cases/export")
def cases_export(
    request: Request,
    staff: Staff = Depends(require_capability("cases")),
    session: Session = Depends(get_session),
    audience: str = "",
    state: str = "open",
    q: str = "",
) -> Response:
    base = select(
        Case.code,
        Case.audience,
        Case.stage,
        Case.consent_on,
        Case.entered_on,
        Case.left_on,
        Case.gender,
        Case.age_band,
        Case.education,
        Case.labour_status,
        Case.profile,
    )
    stmt, params = case_statement(request, session, staff, base, audience, state, q)
    local = cells_in(centre_tz(get_app(request), session, staff.centre_id))
    stmt = stmt.order_by(Case.id.desc())
    return send(request, staff, "cases", CASE_COLUMNS, stmt, lambda row: [local(v) for v in row], params)

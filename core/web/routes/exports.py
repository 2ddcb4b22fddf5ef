"""List exports: the contacts, activities, referrals and cases lists as CSV or XLSX, filters applied.

``/contacts/export?format=csv&<the list's filters>`` (and ``/activities/export``, ``/referrals/export``,
``/cases/export``) answers what the page lists, every page of it: the same filters and search, limited
to what the account sees (its centre, its audiences). CSV is streamed from a server-side cursor as it
is written; XLSX is written row by row to a temporary file, then sent. They are read by people: headings,
coded values (modality, channel, themes, audience, status, stage...), centres and sites are in words of the
reader's language, the labels the list pages show (``code_labels``). Free text a visitor may have
typed (notes) is left out, texts that a spreadsheet would read as formulas are neutralised
(``tremplin.core.reports.export``), and every export is in the audit log (``list.export``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session, aliased

from tremplin.core import vocab
from tremplin.core.anonymity import format_token
from tremplin.core.i18n import T, Text
from tremplin.core.models import Activity, Case, Centre, Contact, Partner, Referral, Site, Staff
from tremplin.core.web.common import centre_tz
from tremplin.core.web.deps import get_app, get_session, require_capability
from tremplin.core.web.errors import ChoiceError
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
    "at": 18,
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
    "details": 40,
}
#: The sheet of each export, named as its list page is.
SHEET_TITLES = {
    "contacts": N_("Contacts"),
    "activities": N_("Activities"),
    "referrals": N_("Referrals"),
    "cases": N_("Cases"),
    "audit": N_("Audit log"),
}

#: The heading of each column in the reader's language. These files are read by people in a spreadsheet
#: (days written the reader's way, ``;`` in fr, nl and uk): nothing re-imports them, so their headings are
#: words, not the program's keys. The stable, keyed files are the API's JSON and ``tremplin export
#: contacts`` (comma-separated, ISO dates, ``CONTACT_COLUMNS`` of ``tremplin.core.reports.export``).
COLUMN_LABELS: dict[str, Text] = {
    "id": T("Number", fr="Numéro", nl="Nummer", uk="Номер"),
    "centre": T("Centre", fr="Centre", nl="Centrum", uk="Центр"),
    "site": T("Site", fr="Site", nl="Locatie", uk="Місце"),
    "day": T("Day", fr="Jour", nl="Dag", uk="День"),
    "occurred_at": T("Date and time", fr="Date et heure", nl="Datum en uur", uk="Дата й час"),
    "audience": T("Audience", fr="Public", nl="Doelgroep", uk="Аудиторія"),
    "modality": vocab.MODALITY.label or T("Modality"),
    "channel": vocab.CHANNEL.label or T("Channel"),
    "themes": T("Themes", fr="Thèmes", nl="Thema's", uk="Теми"),
    "theme": vocab.THEME.label or T("Theme"),
    "language": vocab.LANGUAGE.label or T("Language"),
    "headcount": T("People", fr="Personnes", nl="Personen", uk="Люди"),
    "gender": vocab.GENDER.label or T("Gender"),
    "age_band": vocab.AGE_BAND.label or T("Age band"),
    "education": vocab.EDUCATION.label or T("Education"),
    "labour_status": vocab.LABOUR_STATUS.label or T("Labour status"),
    "attributes": T("Form details", fr="Détails du formulaire", nl="Details van het formulier", uk="Дані форми"),
    "case": T("Case", fr="Dossier", nl="Traject", uk="Справа"),
    "starts_at": T("Starts at", fr="Début", nl="Begint om", uk="Початок"),
    "title": T("Title", fr="Titre", nl="Titel", uk="Назва"),
    "workshop": vocab.WORKSHOP.label or T("Kind of activity"),
    "format": vocab.FORMAT.label or T("Format"),
    "capacity": T("Capacity", fr="Capacité", nl="Capaciteit", uk="Місткість"),
    "registered": T("Registered", fr="Inscrits", nl="Ingeschreven", uk="Зареєстровано"),
    "participants": T("Participants", fr="Participants", nl="Deelnemers", uk="Учасники"),
    "partner": T("Partner", fr="Partenaire", nl="Partner", uk="Партнер"),
    "token": T("Referral code", fr="Code de l'orientation", nl="Code van de doorverwijzing", uk="Код направлення"),
    "status": T("Status", fr="Statut", nl="Status", uk="Статус"),
    "from_partner": T("Sent by", fr="Envoyé par", nl="Verstuurd door", uk="Надіслав"),
    "to_partner": T("Sent to", fr="Envoyé à", nl="Verstuurd naar", uk="Кому надіслано"),
    "issued_at": T("Issued", fr="Émise", nl="Uitgegeven", uk="Видано"),
    "received_at": T("Received", fr="Reçue", nl="Ontvangen", uk="Отримано"),
    "completed_at": T("Completed", fr="Aboutie", nl="Afgerond", uk="Завершено"),
    "expired_at": T("Expired", fr="Expirée", nl="Verlopen", uk="Прострочено"),
    "expires_at": T("Valid until", fr="Valable jusqu'au", nl="Geldig tot", uk="Дійсне до"),
    "code": T("Case code", fr="Code du dossier", nl="Code van het traject", uk="Код справи"),
    "stage": T("Stage", fr="Étape", nl="Fase", uk="Етап"),
    "consent_on": T("Consent given on", fr="Consentement le", nl="Toestemming op", uk="Дата згоди"),
    "entered_on": T("Entered", fr="Entrée", nl="Ingestroomd", uk="Вступ"),
    "left_on": T("Left", fr="Sortie", nl="Uitgestroomd", uk="Вихід"),
    "profile": T("Profile", fr="Profil", nl="Profiel", uk="Профіль"),
    "at": T("When", fr="Quand", nl="Wanneer", uk="Коли"),
    "actor": T("Person", fr="Personne", nl="Persoon", uk="Особа"),
    "action": T("Action", fr="Action", nl="Handeling", uk="Дія"),
    "object_type": T("Kind of record", fr="Type d'enregistrement", nl="Soort registratie", uk="Тип запису"),
    "object_id": T("Record", fr="Enregistrement", nl="Registratie", uk="Запис"),
    "ground": T("Allowed as", fr="Autorisé comme", nl="Toegestaan als", uk="Дозволено як"),
    "reason": T("Reason", fr="Raison", nl="Reden", uk="Причина"),
    "details": T("Changes", fr="Modifications", nl="Wijzigingen", uk="Зміни"),
}


#: The columns holding a code of a shared code list, by the list's name (``app.registry.codes``, the core's codes
#: and the plugins' together): the lists' pages show the same labels (``vocab.MODALITY.label_of(code, lang)``).
CODED_COLUMNS = {
    "modality": "modality",
    "channel": "channel",
    "themes": "theme",
    "theme": "theme",
    "language": "language",
    "gender": "gender",
    "age_band": "age_band",
    "education": "education",
    "labour_status": "labour_status",
    "workshop": "workshop",
    "format": "format",
    "status": "referral_status",
}


def code_labels(app: Any, language: str) -> dict[str, dict[str, str]]:
    """Each coded column's labels in ``language``, code -> label, built once per export: a cell is then one
    dictionary look-up (a code no list knows, an old one, stays as it is). The labels are those the pages show:
    the code lists' (``CodeList.label_of``) and the audiences' (``Audience.label``)."""
    from tremplin.core.i18n import pick

    labels = {
        column: {code: codes.label_of(code, language) for code in codes}
        for column, name in CODED_COLUMNS.items()
        if (codes := app.registry.codes.get(name)) is not None
    }
    labels["audience"] = {key: pick(audience.label, language) for key, audience in app.registry.audiences.items()}
    return labels


def stage_labels(app: Any, language: str) -> dict[tuple[str, str], str]:
    """Each workflow stage's label in ``language``, by (audience, stage), as the cases page shows it."""
    from tremplin.core.i18n import pick

    return {
        (audience, stage.key): pick(stage.label, language)
        for audience, workflow in app.registry.workflows.items()
        for stage in workflow.stages
    }


def headings(columns: Sequence[str], language: str) -> list[str]:
    """The export's header row in ``language`` (``COLUMN_LABELS``; a column without a label keeps its key)."""
    return [COLUMN_LABELS[c].get(language) if c in COLUMN_LABELS else c for c in columns]


def file_stamp(tz: tzinfo, now: datetime | None = None) -> str:
    """The moment in an export's file name, on the centre's clock (``YYYYMMDD-HHMM``): the reader's day,
    not the server's (a server on UTC names a file exported at 00:30 in Brussels after the day before)."""
    return (now or datetime.now(UTC)).astimezone(tz).strftime("%Y%m%d-%H%M")


def _format(request: Request) -> str:
    fmt = request.query_params.get("format", "csv")
    if fmt not in FORMATS:
        raise ChoiceError("format", fmt, {f: f.upper() for f in FORMATS}, N_("Format"))
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


#: What the columns the contacts and activities exports select ``raw`` hold, for ``columns_in``.
RAW_KINDS = {"day": "day", "occurred_at": "moment", "starts_at": "moment", "themes": "list", "attributes": "json"}


def raw(column: Any) -> Any:
    """``column`` as the database driver hands it over (SQLite: the stored text), without SQLAlchemy's
    conversion of each value: ``columns_in`` converts it once, straight to the cell (a million rows
    parsed as JSON, then joined or dumped again, cost more than writing the file)."""
    return type_coerce(column, String)


def columns_in(
    tz: tzinfo, kinds: Sequence[str], labels: Sequence[Mapping[str, str] | None] = ()
) -> Callable[[Sequence[Any]], list[Any]]:
    """A row's cells as ``cells_in`` makes them, column by column: ``kinds`` names what each column holds
    (``moment``, ``day``, ``list``, ``json``, or ``""`` for a value kept as it is), whether it comes as the
    driver's text (``raw``) or as a Python value (PostgreSQL's driver parses dates and JSON itself).
    ``labels``: for a coded column, its codes' labels (``code_labels``); a list's codes are labelled too."""
    names = dict(enumerate(labels))
    makers = {"moment": _moments, "day": _days, "list": _lists, "json": _objects}
    steps = [
        (i, _lists(tz, names.get(i)) if kind == "list" else makers[kind](tz)) for i, kind in enumerate(kinds) if kind
    ]
    coded = [(i, found) for i, found in names.items() if found and not (i < len(kinds) and kinds[i])]

    def convert(row: Sequence[Any]) -> list[Any]:
        cells = list(row)
        for i, step in steps:
            cells[i] = step(cells[i])
        for i, found in coded:
            value = cells[i]
            cells[i] = found.get(value, value)
        return cells

    return convert


def _moments(tz: tzinfo) -> Callable[[Any], Any]:
    """Stored moments (naive UTC) in the centre's time, to the second. The offset is looked up once per UTC
    day, when the day has a single one (every day but the two that change the clocks)."""
    offsets: dict[str, Any] = {}
    one_day = timedelta(days=1)

    def offset_of(day: str) -> Any:
        start = datetime.fromisoformat(day).replace(tzinfo=UTC)
        first, last = start.astimezone(tz).utcoffset(), (start + one_day).astimezone(tz).utcoffset()
        found = first if first == last else None
        if len(offsets) > 4_000:
            offsets.clear()
        offsets[day] = found
        return found

    def local(value: Any) -> Any:
        if type(value) is str:
            day = value[:10]
            shift = offsets[day] if day in offsets else offset_of(day)
            moment = datetime.fromisoformat(value[:19])
            if shift is not None:
                return moment + shift
            value = moment
        if value is None or not isinstance(value, datetime):
            return value
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(tz).replace(tzinfo=None, microsecond=0)

    return local


def _days(tz: tzinfo) -> Callable[[Any], Any]:
    def day(value: Any) -> Any:
        return date.fromisoformat(value[:10]) if type(value) is str else value

    return day


def _bounded(make: Callable[[Any], str]) -> Callable[[Any], str]:
    """``make`` of a stored JSON value, remembered by its text: an export's lists and forms repeat."""
    seen: dict[str, str] = {}

    def cell(value: Any) -> str:
        if value is None:
            return ""
        if type(value) is not str:
            return make(value)
        found = seen.get(value)
        if found is None:
            found = make(json.loads(value))
            if len(seen) > 20_000:
                seen.clear()
            seen[value] = found
        return found

    return cell


def _lists(tz: tzinfo, labels: Mapping[str, str] | None = None) -> Callable[[Any], str]:
    if labels:
        return _bounded(lambda value: ";".join(labels.get(v, str(v)) for v in value) if value else "")
    return _bounded(lambda value: ";".join(map(str, value)) if value else "")


def _objects(tz: tzinfo) -> Callable[[Any], str]:
    return _bounded(lambda value: json.dumps(value, ensure_ascii=False, sort_keys=True) if value else "")


def send(
    request: Request,
    staff: Staff,
    what: str,
    columns: Sequence[str],
    stmt: Any,
    convert: Callable[[Any], Sequence[Any]],
    parameters: dict[str, Any],
    tz: tzinfo,
    driver_rows: bool = False,
) -> Response:
    """Audit the export, then answer the rows of ``stmt`` (each through ``convert``) as the asked format,
    under headings in the reader's language, in a file named after the moment on the centre's clock (``tz``).

    ``driver_rows``: ``convert`` takes the database driver's rows, unprocessed: every column of ``stmt`` is a
    plain number or text, or ``raw`` and converted by ``columns_in``."""
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
    filename = f"tremplin-{what}-{file_stamp(tz)}.{fmt}"

    def rows() -> Iterator[Sequence[Any]]:
        # Its own connection: the request's session is closed before a streamed body is sent.
        with app.db.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=2_000).execute(stmt)
            if not driver_rows:
                for row in result:
                    yield convert(row)
                return
            # The driver's tuples as they come (from the server-side cursor on PostgreSQL): SQLAlchemy's row
            # objects cost a tenth of a million-row export, and ``convert`` does what their processing would.
            # SQLAlchemy reads one row ahead when it streams: that row first, through its own path.
            for row in result.fetchmany(1):
                yield convert(row)
            if getattr(result.cursor_strategy, "_rowbuffer", None):  # read further ahead than that: its path
                for row in result:
                    yield convert(row)
                return
            cursor = result.cursor
            if cursor is None:  # no row, or that one was the last: the result is closed
                return
            while batch := cursor.fetchmany(2_000):
                for row in batch:
                    yield convert(row)

    language = request_language(request)
    heads = headings(columns, language)
    if fmt == "csv":
        return StreamingResponse(
            # Days and times as the reader writes them (in the centre's time, ``cells_in``), not ISO.
            iter_table_csv(heads, rows(), language=language, local=True),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{filename}"'},
        )
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="tremplin-export-")
    os.close(handle)
    try:
        # Typed dates and times shown in the reader's formats, the sheet named in the reader's language,
        # and columns wide enough for what they hold (a moment would show as ##### in its heading's width).
        widths = [max(len(h) + 2, WIDTHS.get(c, 10)) for c, h in zip(columns, heads, strict=True)]
        title = gettext_for(request)(SHEET_TITLES.get(what, what))
        write_table_xlsx(heads, rows(), path, title=title, widths=widths, dates=language)
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
            Centre.name,
            Site.name,
            raw(Contact.day),
            raw(Contact.occurred_at),
            Contact.audience,
            Contact.modality,
            Contact.channel,
            raw(Contact.themes),
            Contact.language,
            Contact.headcount,
            Contact.gender,
            Contact.age_band,
            Contact.education,
            Contact.labour_status,
            raw(Contact.attributes),
            Case.code,
        )
        .join(Centre, Centre.id == Contact.centre_id)
        .outerjoin(Site, Site.id == Contact.site_id)
        .outerjoin(Case, Case.id == Contact.case_id)
    )
    stmt = filtered(stmt, Contact, request, session, staff, filters).order_by(Contact.day.desc(), Contact.id.desc())
    tz = centre_tz(get_app(request), session, staff.centre_id)
    labels = code_labels(get_app(request), request_language(request))
    kinds = [RAW_KINDS.get(c, "") for c in CONTACT_COLUMNS]
    convert = columns_in(tz, kinds, [labels.get(c) for c in CONTACT_COLUMNS])
    return send(request, staff, "contacts", CONTACT_COLUMNS, stmt, convert, filters.params(), tz, driver_rows=True)


@router.get("/activities/export")
def activities_export(
    request: Request, staff: Staff = Depends(require_capability("activities")), session: Session = Depends(get_session)
) -> Response:
    filters = read_filters(request, staff)
    stmt = (
        select(
            Activity.id,
            Centre.name,
            Site.name,
            raw(Activity.day),
            raw(Activity.starts_at),
            Activity.audience,
            Activity.title,
            Activity.workshop,
            Activity.format,
            Activity.capacity,
            Activity.registered,
            Activity.participants,
            Activity.language,
            raw(Activity.themes),
            Partner.name,
            raw(Activity.attributes),
        )
        .join(Centre, Centre.id == Activity.centre_id)
        .outerjoin(Site, Site.id == Activity.site_id)
        .outerjoin(Partner, Partner.id == Activity.partner_id)
    )
    stmt = filtered(stmt, Activity, request, session, staff, filters).order_by(Activity.day.desc(), Activity.id.desc())
    tz = centre_tz(get_app(request), session, staff.centre_id)
    labels = code_labels(get_app(request), request_language(request))
    kinds = [RAW_KINDS.get(c, "") for c in ACTIVITY_COLUMNS]
    convert = columns_in(tz, kinds, [labels.get(c) for c in ACTIVITY_COLUMNS])
    return send(request, staff, "activities", ACTIVITY_COLUMNS, stmt, convert, filters.params(), tz, driver_rows=True)


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
    tz = centre_tz(get_app(request), session, staff.centre_id)
    local = cells_in(tz)
    labels = code_labels(get_app(request), request_language(request))
    statuses, audiences, themes = labels["status"], labels["audience"], labels["theme"]

    def convert(row: Any) -> list[Any]:
        token, status, audience, theme, *rest = row
        return [
            format_token(token),
            statuses.get(status, status),
            audiences.get(audience, audience),
            themes.get(theme, theme),
            *(local(v) for v in rest),
        ]

    return send(request, staff, "referrals", REFERRAL_COLUMNS, stmt.order_by(Referral.id.desc()), convert, params, tz)


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
    tz = centre_tz(get_app(request), session, staff.centre_id)
    local = cells_in(tz)
    language = request_language(request)
    labels, stages = code_labels(get_app(request), language), stage_labels(get_app(request), language)
    coded = [labels.get(c) for c in CASE_COLUMNS]

    def convert(row: Any) -> list[Any]:
        cells = [local(v) for v in row]
        cells[2] = stages.get((row[1], row[2]), row[2])  # a stage is its audience's workflow's
        for i, found in enumerate(coded):
            if found is not None:
                cells[i] = found.get(cells[i], cells[i])
        return cells

    stmt = stmt.order_by(Case.id.desc())
    return send(request, staff, "cases", CASE_COLUMNS, stmt, convert, params, tz)

"""Exports that stream: reports to files, the contacts table as CSV or XLSX, and the audit record.

A large export never sits in memory: rows come from the database in batches (a server-side cursor on
PostgreSQL, ``yield_per`` everywhere) and go straight to the file (the CSV writer, or openpyxl's
write-only workbook, which spools rows to a temporary file). Memory stays flat whatever the size.

Every export is recorded in the audit log (action ``report.export``): who, what, which parameters.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import String, select, type_coerce

from tremplin.core.models import AuditEvent, Centre, Contact, Site

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tremplin.core.app import App
    from tremplin.core.models import Staff
    from tremplin.core.reports.model import Report

#: Columns of the contacts export, in order (``docs/reports.md``). Notes are left out: free text has
#: no place in an analyst's file.
CONTACT_COLUMNS: tuple[str, ...] = (
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
)
BATCH = 5_000


def record_export(
    app: App,
    what: str,
    object_id: str,
    fmt: str,
    staff: Staff | None = None,
    actor: str | None = None,
    **parameters: Any,
) -> None:
    """Write the ``report.export`` audit event (in its own transaction)."""
    clean = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in parameters.items()}
    with app.transaction() as session:
        session.add(
            AuditEvent(
                action="report.export",
                staff_id=staff.id if staff else None,
                actor=(staff.username if staff else None) or actor or "cli",
                object_type=what,
                object_id=str(object_id)[:64],
                details={"format": fmt, **clean},
            )
        )


def report_parameters(report: Report, fmt: str) -> dict[str, Any]:
    return {
        "format": fmt,
        "title": report.title,
        "start": report.period.start.isoformat(),
        "end": report.period.end.isoformat(),
        "centres": [c.code for c in report.centres],
        "published": report.published,
        "language": report.language,
        **{k: v for k, v in report.parameters.items() if k not in ("format",)},
    }


# ------------------------------------------------------------------------------------------------
# Contacts


def iter_contacts(
    app: App, start: date | None = None, end: date | None = None, centres: Sequence[str] | None = None, audiences: Sequence[str] | None = None
) -> Iterator[tuple[Any, ...]]:
    """Contact rows as tuples in ``CONTACT_COLUMNS`` order, streamed from the database."""
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
            type_coerce(Contact.attributes, String),
        )
        .join(Centre, Centre.id == Contact.centre_id)
        .outerjoin(Site, Site.id == Contact.site_id)
        .order_by(Contact.id)
    )
    if start is not None:
        stmt = stmt.where(Contact.day >= start)
    if end is not None:
        stmt = stmt.where(Contact.day <= end)
    if centres:
        stmt = stmt.where(Centre.code.in_(list(centres)))
    if audiences is not None and "*" not in audiences:
        stmt = stmt.where(Contact.audience.in_(list(audiences)))
    with app.db.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(stmt)
        for row in result:
            (cid, centre, site, day, occurred, audience, modality, channel, themes, language, headcount, gender, age_band, education, labour, attrs) = row
            yield (
                cid,
                centre,
                site or "",
                day,
                occurred,
                audience,
                modality,
                channel,
                ";".join(themes or ()),
                language,
                headcount,
                gender,
                age_band,
                education,
                labour,
                _attributes(attrs),
            )


def _attributes(raw: Any) -> str:
    """The attributes as JSON text (SQLite hands the stored text over as it is; PostgreSQL a dict)."""
    if not raw:
        return ""
    if isinstance(raw, str):
        return "" if raw in ("{}", "null") else raw
    return json.dumps(raw, ensure_ascii=False, sort_keys=True)


def write_contacts_csv(rows: Iterator[tuple[Any, ...]], out: IO[str]) -> int:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CONTACT_COLUMNS)
    n = 0
    for row in rows:
        w.writerow([v.isoformat() if isinstance(v, date) else v for v in row])
        n += 1
    return n


def write_contacts_xlsx(rows: Iterator[tuple[Any, ...]], out: IO[bytes] | str | Path) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("contacts")
    widths = {"id": 10, "centre": 10, "site": 14, "day": 12, "occurred_at": 20, "audience": 12, "modality": 18, "channel": 11, "themes": 22, "attributes": 40}
    for i, name in enumerate(CONTACT_COLUMNS):
        ws.column_dimensions[get_column_letter(i + 1)].width = widths.get(name, 12)
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in CONTACT_COLUMNS:
        c = WriteOnlyCell(ws, value=name)
        c.font = bold
        header.append(c)
    ws.append(header)
    n = 0
    for row in rows:
        occurred = row[4]
        ws.append([*row[:4], occurred.replace(tzinfo=None) if occurred is not None else None, *row[5:]])
        n += 1
    wb.save(out)
    return n


def export_contacts(
    app: App,
    fmt: str,
    out: IO[bytes],
    start: date | None = None,
    end: date | None = None,
    centres: Sequence[str] | None = None,
    audiences: Sequence[str] | None = None,
) -> int:
    """Stream the contacts (one row each) to ``out`` as CSV or XLSX; returns the number of rows."""
    rows = iter_contacts(app, start, end, centres, audiences)
    if fmt == "csv":
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
        try:
            n = write_contacts_csv(rows, text)
            text.flush()
        finally:
            text.detach()
        return n
    if fmt == "xlsx":
        return write_contacts_xlsx(rows, out)
    raise ValueError(f"contacts export formats are csv and xlsx, not {fmt!r}")


def find_staff(session: Session, username: str) -> Staff | None:
    from tremplin.core.models import Staff

    return session.scalar(select(Staff).where(Staff.username == username))

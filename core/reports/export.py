"""Exports that stream: reports to files, the contacts table as CSV or XLSX, and the audit record.

A large export never sits in memory: rows come from the database in batches (a server-side cursor on
PostgreSQL, ``yield_per`` everywhere) and go straight to the file (the CSV writer, or xlsxwriter in
``constant_memory`` mode, which flushes each row to a temporary file as the next one starts). Memory
stays flat whatever the size.

Every spreadsheet the project writes goes through the writers of this module (``csv_rows``,
``XlsxBook``), and every text cell through ``neutralise``: a value that a spreadsheet would read as a
formula (OWASP's CSV-injection rule: it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return) gets a leading ``'``. XLSX cells are written as strings, numbers, dates or booleans, never as
formulas.

Every export is recorded in the audit log (action ``report.export``): who, what, which parameters.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import String, select, type_coerce

from tremplin.core.models import AuditEvent, Centre, Contact, Site

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tremplin.core.app import App
    from tremplin.core.models import Staff
    from tremplin.core.reports.model import Report

# ------------------------------------------------------------------------------------------------
# Safe cells, and the spreadsheet conventions of each language

#: What a spreadsheet reads as the start of a formula (or of a cell it splits on import).
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

#: The field separator Excel expects when it opens a CSV file in each language's regional settings:
#: Belgian (and Ukrainian) Excel uses the comma for decimals, so it splits fields on ``;``.
CSV_DELIMITERS: dict[str, str] = {"fr": ";", "nl": ";", "uk": ";", "en": ","}
BOM = "\ufeff"

#: How a reader of each language writes a day and a moment (Belgian French and Dutch, British English,
#: Ukrainian), as ``strftime`` patterns for CSV text and as the number formats of XLSX cells. Excel set up
#: for the language reads the CSV text back as dates. Analysts' files (``iso``) keep ISO 8601.
LOCAL_DATES: dict[str, tuple[str, str]] = {
    "fr": ("%d/%m/%Y", "%d/%m/%Y %H:%M"),
    "nl": ("%d/%m/%Y", "%d/%m/%Y %H:%M"),
    "en": ("%d/%m/%Y", "%d/%m/%Y %H:%M"),
    "uk": ("%d.%m.%Y", "%d.%m.%Y %H:%M"),
}
XLSX_DATES: dict[str, tuple[str, str]] = {
    "fr": ("dd/mm/yyyy", "dd/mm/yyyy hh:mm"),
    "nl": ("dd/mm/yyyy", "dd/mm/yyyy hh:mm"),
    "en": ("dd/mm/yyyy", "dd/mm/yyyy hh:mm"),
    "uk": ("dd.mm.yyyy", "dd.mm.yyyy hh:mm"),
    "iso": ("yyyy-mm-dd", "yyyy-mm-dd hh:mm"),
}


def local_dates(language: str) -> Callable[[Any], Any]:
    """A cell with its day or moment written as a reader of ``language`` writes it (other values as they are).

    Moments are taken as they come: convert them to the centre's time first."""
    day_pattern, moment_pattern = LOCAL_DATES.get(language, LOCAL_DATES["en"])

    def convert(value: Any) -> Any:
        kind = type(value)
        if kind is datetime:
            return value.strftime(moment_pattern)
        if kind is date:
            return value.strftime(day_pattern)
        return value

    return convert


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet shows it, never as a formula: a leading ``'`` where it would be one.

    The one rule every CSV and XLSX writer of the project applies to text (OWASP, "CSV injection").
    Numbers are written as numbers and never pass through here, so ``-3`` stays a number.
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def decimal_comma(language: str) -> bool:
    return CSV_DELIMITERS.get(language, ",") == ";"


def csv_cell(value: Any, language: str = "en", ratio: bool = False) -> str:
    """One CSV field: numbers as the language's Excel reads them, text neutralised, dates ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if ratio:
            text = f"{value * 100:.1f}%"
        elif isinstance(value, float) and not value.is_integer():
            text = repr(round(value, 6))
        else:
            text = str(int(value))
        return text.replace(".", ",") if decimal_comma(language) else text
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def csv_rows(
    rows: Iterable[Sequence[Any]], out: IO[str], language: str = "en", bom: bool = True, delimiter: str | None = None
) -> int:
    """Write ``rows`` (the first one is usually the header) as CSV for ``language``; returns the count.

    UTF-8 with a byte-order mark (so Excel reads the accents) and the separator Excel expects in the
    language's regional settings (``CSV_DELIMITERS``) unless ``delimiter`` is given. Streamed.
    """
    if bom:
        out.write(BOM)
    w = csv.writer(out, delimiter=delimiter or CSV_DELIMITERS.get(language, ","), lineterminator="\r\n")
    n = 0
    for row in rows:
        w.writerow([csv_cell(v, language) for v in row])
        n += 1
    return n


def sheet_name(title: str, used: set[str]) -> str:
    """A readable worksheet name, unique in its workbook (case-insensitive), of at most 31 characters.

    Excel refuses ``[]:*?/\\`` in a name and a leading or trailing apostrophe: ``:`` becomes a dash
    (``ESF+ report: NEET`` reads ``ESF+ report - NEET``), the others a space.
    """
    clean = title.replace(": ", " - ").replace(":", "-")
    clean = "".join(" " if ch in "[]*?/\\" else ch for ch in clean)
    clean = " ".join(clean.split()).strip("'") or "Sheet"
    base = clean[:31].rstrip()
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)].rstrip() + suffix
        n += 1
    used.add(name.lower())
    return name


#: Day 0 of Excel's 1900 date system (as Excel counts, with its phantom 29 February 1900).
EXCEL_EPOCH = date(1899, 12, 30)
_EPOCH = datetime(1899, 12, 30)


def excel_serial(moment: datetime) -> float:
    """A moment as Excel stores it: days since its epoch, the time as the fraction (UTC if aware)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    delta = moment - _EPOCH
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000


def text_width(value: Any) -> int:
    """How many characters a cell's value takes (the longest line of a text)."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date):
        return 10
    if isinstance(value, float):
        return len(f"{value:,.2f}")
    if isinstance(value, int):
        return len(f"{value:,}")
    return max((len(line) for line in str(value).splitlines()), default=0)


class XlsxSheet:
    """One worksheet of an ``XlsxBook`` (made by ``XlsxBook.sheet``): rows written in order, typed."""

    def __init__(self, book: XlsxBook, ws: Any) -> None:
        self.book = book
        self.ws = ws
        self.row = 0

    def widths(self, widths: Sequence[float]) -> None:
        """Column widths in characters (set before any row in ``constant_memory`` mode)."""
        for i, w in enumerate(widths):
            self.ws.set_column(i, i, min(max(w, 4), 80))

    def freeze(self, rows: int) -> None:
        """Keep the first ``rows`` rows in view when scrolling (a header)."""
        self.ws.freeze_panes(rows, 0)

    def append(
        self, values: Sequence[Any], style: str | None = None, ratios: Iterable[int] = (), wrap: bool = False
    ) -> None:
        """Write the next row: ``style`` is ``title`` or ``header``; columns in ``ratios`` are percentages."""
        b = self.book
        fmt = b.formats.get(style) if style else (b.formats["wrap"] if wrap else None)
        ratio_cols = set(ratios)
        ws, r = self.ws, self.row
        for c, v in enumerate(values):
            if v is None:
                if fmt is not None:
                    ws.write_blank(r, c, None, fmt)
            elif isinstance(v, bool):
                ws.write_boolean(r, c, v, fmt)
            elif isinstance(v, int | float):
                ws.write_number(r, c, v, b.formats["pct"] if c in ratio_cols and fmt is None else fmt)
            elif isinstance(v, datetime):
                ws.write_datetime(r, c, v.replace(tzinfo=None), b.formats["datetime"])
            elif isinstance(v, date):
                ws.write_datetime(r, c, datetime(v.year, v.month, v.day), b.formats["date"])
            else:
                ws.write_string(r, c, neutralise(str(v)), fmt)
        self.row += 1

    def skip(self) -> None:
        self.row += 1

    def extend(self, rows: Iterable[Sequence[Any]]) -> int:
        """Write many plain rows fast (the exports' loop); returns how many. Same cells as ``append``.

        Per cell, the type picks the writer once; xlsxwriter's undecorated writers skip the parsing of
        "A1" cell references that its public methods do on every call (a third of the time of a
        million-row export).
        """
        ws, b = self.ws, self.book
        write_rows = getattr(ws, "write_plain_rows", None)
        if write_rows is not None and ws.can_write_plain_rows():
            n = write_rows(self.row, rows, b.formats["date"], b.formats["datetime"])
            self.row += n
            return n
        text = getattr(ws, "_write_string", ws.write_string)
        number = getattr(ws, "_write_number", ws.write_number)
        boolean = getattr(ws, "_write_boolean", ws.write_boolean)
        day_format, time_format = b.formats["date"], b.formats["datetime"]
        starts = frozenset(FORMULA_STARTS)
        r = self.row
        for row in rows:
            for c, v in enumerate(row):
                t = type(v)
                if t is str:
                    if v:
                        text(r, c, "'" + v if v[0] in starts else v)
                elif t is int or t is float:
                    number(r, c, v)
                elif v is None:
                    continue
                elif t is datetime:
                    number(r, c, excel_serial(v), time_format)
                elif t is date:
                    number(r, c, v.toordinal() - EXCEL_EPOCH.toordinal(), day_format)
                elif t is bool:
                    boolean(r, c, v)
                else:
                    text(r, c, neutralise(str(v)))
            r += 1
        n = r - self.row
        self.row = r
        return n


@lru_cache(maxsize=1)
def _streaming_sheet_class() -> type:
    """xlsxwriter's worksheet with a faster innermost loop for ``constant_memory`` exports.

    ``_write_cell`` is where a million-row export spends most of its time: for each cell it builds
    the "A1" reference, an attribute list, and escapes the text again, though an export's texts are a
    few hundred codes repeated. This subclass writes plain strings and numbers (the export's cells)
    from a cache of escaped fragments and precomputed column letters, with the same XML; anything
    else (rich strings, formulas, formats on rows or columns) goes through xlsxwriter's own code.
    """
    from xlsxwriter.utility import xl_col_to_name
    from xlsxwriter.worksheet import Worksheet, _preserve_whitespace

    class StreamingSheet(Worksheet):
        def _write_cell(self, row: int, col: int, cell: Any) -> None:
            kind = type(cell).__name__
            formatted = row in self.row_info or (col in self.col_info and self.col_info[col].column_format)
            if (kind != "String" and kind != "Number") or formatted:
                return super()._write_cell(row, col, cell)
            letters = self.__dict__.setdefault("_letters", {})
            letter = letters.get(col) or letters.setdefault(col, xl_col_to_name(col))
            style = f' s="{cell.format._get_xf_index()}"' if cell.format else ""
            if kind == "Number":
                self.fh.write(f'<c r="{letter}{row + 1}"{style}><v>{cell.number:.16G}</v></c>')
                return None
            cache = self.__dict__.setdefault("_fragments", {})
            fragment = cache.get(cell.string)
            if fragment is None:
                text = self._escape_control_characters(cell.string)
                preserve = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
                fragment = f' t="inlineStr"><is><t{preserve}>{self._escape_data(text)}</t></is></c>'
                if len(cache) < 50_000:
                    cache[cell.string] = fragment
            self.fh.write(f'<c r="{letter}{row + 1}"{style}{fragment}')
            return None

        def can_write_plain_rows(self) -> bool:
            """Whether rows can go to the file as they come: no row formats, heights or comments to apply."""
            return (
                self.constant_memory
                and not self.row_info
                and not self.comments
                and self.excel_version == 2007
                and self.default_row_height == self.original_row_height
                and not any(info.column_format for info in self.col_info.values())
            )

        def write_plain_rows(self, first: int, rows: Iterable[Sequence[Any]], day_format: Any, time_format: Any) -> int:
            """Write ``rows`` from row ``first`` straight to the sheet's file, XML text a batch of rows at a time.

            The cells are those ``XlsxSheet.extend`` writes through xlsxwriter, the same XML as
            ``_write_cell``: text neutralised and escaped (once per distinct text, the export's texts
            being a few hundred codes), numbers, dates and times with their formats. xlsxwriter keeps
            a row's cells as objects and writes them one call each when the next row starts: for a
            million rows of sixteen cells, that bookkeeping cost twice the writing.
            """
            from xlsxwriter.worksheet import _utf16_len, _utf16_truncate

            # The rows so far (the header) go out first, as xlsxwriter writes them.
            self._write_single_row(first)
            starts = frozenset(FORMULA_STARTS)
            fragments: dict[str, str] = {}
            escape_control, escape = self._escape_control_characters, self._escape_data
            day_style = f' s="{day_format._get_xf_index()}"'
            time_style = f' s="{time_format._get_xf_index()}"'
            epoch = EXCEL_EPOCH.toordinal()
            letters: list[str] = []
            out: list[str] = []
            write = self.fh.write
            r = first
            last_col = -1

            def text_cell(value: str) -> str:
                if value[0] in starts:
                    value = "'" + value
                if len(value) > self.xls_strmax // 2 and _utf16_len(value) > self.xls_strmax:
                    value = _utf16_truncate(value, self.xls_strmax)
                value = escape_control(value)
                preserve = ' xml:space="preserve"' if _preserve_whitespace(value) else ""
                return f' t="inlineStr"><is><t{preserve}>{escape(value)}</t></is></c>'

            for row in rows:
                if r >= self.xls_rowmax:
                    raise ValueError(f"a worksheet holds at most {self.xls_rowmax:,} rows")
                number = str(r + 1)
                out.append(f'<row r="{number}">')
                if len(row) > len(letters):
                    letters.extend(xl_col_to_name(c) for c in range(len(letters), len(row)))
                for c, v in enumerate(row):
                    t = type(v)
                    if t is str:
                        if not v:
                            continue
                        fragment = fragments.get(v)
                        if fragment is None:
                            fragment = text_cell(v)
                            if len(fragments) < 50_000:
                                fragments[v] = fragment
                        out.append(f'<c r="{letters[c]}{number}"{fragment}')
                    elif t is int or (t is float and math.isfinite(v)):
                        out.append(f'<c r="{letters[c]}{number}"><v>{v:.16G}</v></c>')
                    elif v is None:
                        continue
                    elif t is datetime:
                        # ``excel_serial``, inlined: in UTC, days since the epoch plus the time as a fraction.
                        shift = v.utcoffset()
                        if shift:
                            v = v - shift
                        serial = v.toordinal() - epoch + (v.hour * 3600 + v.minute * 60 + v.second) / 86400
                        serial += v.microsecond / 86_400_000_000
                        out.append(f'<c r="{letters[c]}{number}"{time_style}><v>{serial:.16G}</v></c>')
                    elif t is date:
                        out.append(f'<c r="{letters[c]}{number}"{day_style}><v>{v.toordinal() - epoch}</v></c>')
                    elif t is bool:
                        out.append(f'<c r="{letters[c]}{number}" t="b"><v>{int(v)}</v></c>')
                    else:
                        value = str(v)
                        if not value:
                            continue
                        out.append(f'<c r="{letters[c]}{number}"{text_cell(value)}')
                    if c > last_col:  # noqa: PLR1730 - a comparison costs less than a call, per cell
                        last_col = c
                out.append("</row>")
                r += 1
                if len(out) >= 20_000:
                    write("".join(out))
                    out.clear()
            write("".join(out))
            if r > first:
                # The sheet's <dimension>: what xlsxwriter would have noted cell by cell.
                self._check_dimensions(r - 1, max(last_col, 0))
                self._check_dimensions(first, 0)
                # The next row written through xlsxwriter comes after these.
                self.previous_row = r - 1
            return r - first

    return StreamingSheet


class XlsxBook:
    """An XLSX workbook written with xlsxwriter: typed cells (never formulas), readable sheet names.

    ``constant_memory`` keeps one row in memory per sheet (for exports of any size; rows must then be
    written in order, and each sheet filled before the next is started).
    """

    def __init__(self, out: IO[bytes] | str | Path, constant_memory: bool = False, dates: str = "iso") -> None:
        """``dates``: a language whose readers' day and time formats the date cells take (``XLSX_DATES``),
        or ``iso``."""
        import xlsxwriter

        target = str(out) if isinstance(out, Path) else out
        self.wb = xlsxwriter.Workbook(
            target,
            {
                "constant_memory": constant_memory,
                # Text is text: nothing typed by a person becomes a formula, a number or a link.
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        self.used: set[str] = set()
        self.constant_memory = constant_memory
        day_format, moment_format = XLSX_DATES.get(dates, XLSX_DATES["iso"])
        self.formats = {
            "title": self.wb.add_format({"bold": True, "font_size": 13}),
            "header": self.wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bottom": 1}),
            "wrap": self.wb.add_format({"text_wrap": True, "valign": "top"}),
            "pct": self.wb.add_format({"num_format": "0.0%"}),
            "date": self.wb.add_format({"num_format": day_format}),
            "datetime": self.wb.add_format({"num_format": moment_format}),
        }

    def sheet(self, title: str) -> XlsxSheet:
        """A new worksheet named after ``title`` (``sheet_name``)."""
        # In constant_memory mode xlsxwriter would write a text that looks like "<r>...</r>" into the
        # sheet as raw rich-text XML; the streaming sheet escapes every text (and is faster).
        cls = _streaming_sheet_class() if self.constant_memory else None
        return XlsxSheet(self, self.wb.add_worksheet(sheet_name(title, self.used), worksheet_class=cls))

    def close(self) -> None:
        self.wb.close()


def write_table_xlsx(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    out: IO[bytes] | str | Path,
    title: str = "Export",
    widths: Sequence[float] | None = None,
    dates: str = "iso",
) -> int:
    """One sheet: a frozen header row and ``rows``, streamed (``constant_memory``); returns the count.

    The writer for list exports of any size. Without ``widths``, a column is as wide as its heading.
    ``dates``: the language whose day and time formats date cells take (``XlsxBook``).
    """
    book = XlsxBook(out, constant_memory=True, dates=dates)
    sheet = book.sheet(title)
    sheet.widths(widths or [max(10, text_width(c) + 2) for c in columns])
    sheet.freeze(1)
    sheet.append(list(columns), style="header")
    n = sheet.extend(rows)
    book.close()
    return n


def write_table_csv(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], out: IO[str], language: str = "en", bom: bool = True
) -> int:
    """A header row and ``rows`` as CSV in ``language``'s conventions (``csv_rows``); returns the count."""

    def all_rows() -> Iterator[Sequence[Any]]:
        yield list(columns)
        yield from rows

    return csv_rows(all_rows(), out, language, bom=bom) - 1


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
    app: App,
    start: date | None = None,
    end: date | None = None,
    centres: Sequence[str] | None = None,
    audiences: Sequence[str] | None = None,
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
            (
                cid,
                centre,
                site,
                day,
                occurred,
                audience,
                modality,
                channel,
                themes,
                language,
                headcount,
                gender,
                age_band,
                education,
                labour,
                attrs,
            ) = row
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


#: Widths of the contacts sheet's columns, in characters.
CONTACT_WIDTHS: dict[str, float] = {
    "id": 10,
    "centre": 10,
    "site": 14,
    "day": 12,
    "occurred_at": 18,
    "audience": 12,
    "modality": 18,
    "channel": 11,
    "themes": 22,
    "attributes": 40,
}


def write_contacts_csv(rows: Iterator[tuple[Any, ...]], out: IO[str]) -> int:
    """The contacts as an analyst's CSV: comma-separated, ISO dates, no byte-order mark, text neutralised."""
    return write_table_csv(CONTACT_COLUMNS, rows, out, "en", bom=False)


def write_contacts_xlsx(rows: Iterator[tuple[Any, ...]], out: IO[bytes] | str | Path) -> int:
    widths = [CONTACT_WIDTHS.get(name, 12) for name in CONTACT_COLUMNS]
    return write_table_xlsx(CONTACT_COLUMNS, rows, out, title="contacts", widths=widths)


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


# ------------------------------------------------------------------------------------------------
# Streamed CSV: the list exports of the web pages and the audit log


def iter_table_csv(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    language: str = "en",
    chunk: int = 500,
    local: bool = False,
) -> Iterator[bytes]:
    """``write_table_csv`` as chunks of UTF-8 (a chunk per ``chunk`` rows, the header with the byte-order
    mark first), for a streamed download that never holds the whole file. Same cells, same separator.
    ``local``: days and moments as the language's readers write them (``local_dates``), not ISO."""
    if local:
        as_read = local_dates(language)
        rows = ([as_read(v) for v in row] for row in rows)
    buffer = io.StringIO()
    w = csv.writer(buffer, delimiter=CSV_DELIMITERS.get(language, ","), lineterminator="\r\n")
    w.writerow([csv_cell(c, language) for c in columns])
    yield (BOM + buffer.getvalue()).encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    n = 0
    for row in rows:
        w.writerow([csv_cell(v, language) for v in row])
        n += 1
        if n % chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")

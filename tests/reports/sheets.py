"""Reading the report spreadsheets back as a person's spreadsheet program would."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

#: What Excel expects in each language's regional settings (the files must follow it).
DELIMITERS = {"fr": ";", "nl": ";", "uk": ";", "en": ","}


def read_csv(data: bytes, language: str) -> list[list[str]]:
    """The rows of a report CSV, checking its byte-order mark; read with the language's separator."""
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=DELIMITERS[language]))


def csv_sections(rows: list[list[str]], titles: Sequence[str]) -> list[list[list[str]]]:
    """The non-empty rows under each section title (in the order given), its title row left out."""
    starts: list[int] = []
    pos = 0
    for title in titles:
        pos = next(i for i in range(pos, len(rows)) if rows[i] == [title])
        starts.append(pos)
        pos += 1
    starts.append(len(rows))
    return [[r for r in rows[starts[n] + 1 : starts[n + 1]] if r] for n in range(len(titles))]


def csv_text(value: Any, ratio: bool = False) -> str:
    """How the English CSV writes a value of the JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if ratio:
        return f"{value * 100:.1f}%"
    return str(value)

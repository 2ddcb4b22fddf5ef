"""Searching lists by what people type: a referral code, a case code, a school or a partner's name.

Matching is by "contains", ignoring case (Unicode case: SQLite is given a folding function, see
``tremplin.core.db``), with ``%`` and ``_`` taken literally. Codes are matched as typed codes are read
(``k7p 4x2`` finds ``K7P4X2M9Q``: separators dropped, confusable letters mapped).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, literal
from sqlalchemy.orm import Session

from tremplin.core.anonymity import ALPHABET, normalise_token

MAX_QUERY = 80


def clean_query(raw: str | None) -> str:
    """The search as typed, trimmed, inner spaces collapsed, at most ``MAX_QUERY`` characters."""
    return " ".join(str(raw or "").split())[:MAX_QUERY]


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fold(session: Session, expr: Any) -> Any:
    """``expr`` lower-cased the Unicode way on either engine."""
    if session.get_bind().dialect.name == "sqlite":
        return func.tremplin_fold(expr)
    return func.lower(expr)


def contains(session: Session, expr: Any, query: str) -> Any:
    """A condition: the text ``expr`` contains ``query``, ignoring case."""
    pattern = "%" + _escaped(query.casefold()) + "%"
    return fold(session, expr).like(literal(pattern), escape="\\")


def code_fragment(query: str) -> str:
    """The part of a typed code that can match stored codes ('' when it holds characters no code has)."""
    text = normalise_token(query)
    return text if text and all(ch in ALPHABET for ch in text) else ""


def code_contains(expr: Any, query: str) -> Any | None:
    """A condition on a stored token (``expr``) for a typed fragment, or ``None`` if it cannot be a code."""
    fragment = code_fragment(query)
    if not fragment:
        return None
    return expr.like("%" + fragment + "%")


def case_code_contains(expr: Any, query: str) -> Any | None:
    """A condition on stored case codes (``MOB-4K7P2XQ``) for what was typed (``mob-4k7``, ``4K7P``)."""
    text = query.strip().upper()
    prefix, dash, body = text.partition("-")
    if dash:
        fragment = code_fragment(body)
        if not fragment and body.strip():
            return None
        cleaned = "".join(ch for ch in prefix if ch.isalnum())
        return (
            expr.like(_escaped(cleaned) + "-" + fragment + "%", escape="\\")
            if cleaned
            else expr.like("%-" + fragment + "%")
        )
    fragment = code_fragment(text)
    letters = "".join(ch for ch in text if ch.isalnum())
    if not letters:
        return None
    # A prefix alone ("mob") or a part of the random body ("4K7P").
    options = [expr.like(_escaped(letters) + "-%", escape="\\")]
    if fragment:
        options.append(expr.like("%" + fragment + "%"))
    from sqlalchemy import or_

    return or_(*options)

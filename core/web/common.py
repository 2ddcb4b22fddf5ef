"""Small helpers the routers share: the centre an account works in, local time, paging, cookies."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import HTTPException, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from tremplin.core.models import Centre, Site, Staff
from tremplin.core.web import policy

if TYPE_CHECKING:
    from starlette.responses import Response

    from tremplin.core.app import App

LAST_COOKIE = "tremplin_last"
PAGE_SIZE = 50


def centres_for(session: Session, staff: Staff) -> list[Centre]:
    stmt = select(Centre).order_by(Centre.id)
    ids = policy.centre_ids(staff)
    if ids is not None:
        stmt = stmt.where(Centre.id.in_(ids))
    return list(session.scalars(stmt))


def working_centre(request: Request, session: Session, staff: Staff, wanted: str | None = None) -> Centre:
    """The centre the account works in now: its own, or (network accounts) the one chosen last."""
    centres = centres_for(session, staff)
    if not centres:
        raise HTTPException(status_code=409, detail="No centre exists yet: an administrator must create one first.")
    if wanted is None:
        wanted = remembered(request).get("centre")
    for centre in centres:
        if centre.code == wanted:
            return centre
    return centres[0]


def active_sites(session: Session, centre_id: int) -> list[Site]:
    return list(
        session.scalars(select(Site).where(Site.centre_id == centre_id, Site.active.is_(True)).order_by(Site.name))
    )


def centre_tz(app: App, session: Session, centre_id: int | None) -> ZoneInfo:
    if centre_id is None:
        return ZoneInfo(app.settings.timezone)
    return app.timezone_of(session, centre_id)


def local_today(app: App, session: Session, centre_id: int | None) -> date:
    return datetime.now(centre_tz(app, session, centre_id)).date()


def utcnow() -> datetime:
    return datetime.now(UTC)


def remembered(request: Request) -> dict[str, Any]:
    """The last site, channel and required choices, from the ``tremplin_last`` cookie."""
    raw = request.cookies.get(LAST_COOKIE)
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str) and len(v) <= 80}


def remember(request: Request, response: Response, values: Mapping[str, Any]) -> None:
    merged = remembered(request)
    merged.update({k: v for k, v in values.items() if isinstance(v, str) and v})
    response.set_cookie(
        LAST_COOKIE, json.dumps(merged, separators=(",", ":")), max_age=180 * 86400, samesite="lax", httponly=True
    )


def safe_next(target: str | None, default: str = "/dashboard") -> str:
    """Only local paths are followed after a login or a language switch."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def query_string(params: Mapping[str, Any], **changes: Any) -> str:
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}
    return urlencode(merged)


def period_params(request: Request, default_days: int = 365) -> tuple[date, date]:
    """``from``/``to`` query parameters (ISO dates), defaulting to the last ``default_days`` days."""
    from tremplin.core.web.formkit import parse_day

    end = parse_day(request.query_params.get("to")) or date.today()
    start = parse_day(request.query_params.get("from")) or end - timedelta(days=default_days - 1)
    if start > end:
        start, end = end, start
    return start, end


def cursor_of(raw: str | None) -> tuple[date, int] | None:
    """A keyset cursor ``YYYY-MM-DD.id`` (the last row of the previous page)."""
    if not raw:
        return None
    day_text, _, id_text = raw.partition(".")
    try:
        day, last_id = date.fromisoformat(day_text), int(id_text)
    except ValueError:
        return None
    return (day, last_id) if 0 < last_id <= MAX_ID else None


def int_param(raw: str | None) -> int | None:
    if raw is None or not raw.strip().isdigit() or len(raw.strip()) > 12:
        return None
    return int(raw)


MAX_ID = 2**31 - 1


def fetch(session: Session, model: Any, record_id: Any) -> Any:
    """``session.get`` for an id from a URL: ``None`` for ids no row can have (0, negative, too large)."""
    if not isinstance(record_id, int) or not 0 < record_id <= MAX_ID:
        return None
    return session.get(model, record_id)

"""Filtering and paging lists of contacts and activities.

Filters: period (``from``/``to``), audience, site, theme, language. Paging is by keyset on
``(day, id)`` descending, which the ``(centre_id, day)`` indexes serve: the hundredth page of a year
costs what the first does. ``after=YYYY-MM-DD.id`` is the last row of the previous page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import HTTPException, Request
from sqlalchemy import String, and_, cast, or_, select
from sqlalchemy.orm import Session

from tremplin.core import vocab
from tremplin.core.models import Activity, Contact, Site, Staff
from tremplin.core.web import policy
from tremplin.core.web.common import PAGE_SIZE, cursor_of, period_params
from tremplin.core.web.deps import get_app


@dataclass
class ListFilters:
    start: date
    end: date
    audience: str = ""
    site: str = ""
    theme: str = ""
    language: str = ""
    after: tuple[date, int] | None = None

    def params(self) -> dict[str, str]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "audience": self.audience,
            "site": self.site,
            "theme": self.theme,
            "language": self.language,
        }


def read_filters(request: Request, staff: Staff) -> ListFilters:
    """The list filters from the query string; unknown codes are refused (400), unseen audiences 403."""
    app = get_app(request)
    q = request.query_params
    start, end = period_params(request)
    filters = ListFilters(start, end, q.get("audience", ""), q.get("site", "")[:64], q.get("theme", ""), q.get("language", ""), cursor_of(q.get("after")))
    if filters.audience:
        if filters.audience not in app.registry.audiences:
            raise HTTPException(status_code=400, detail=f"unknown audience {filters.audience!r}")
        if not staff.may_see(filters.audience):
            raise HTTPException(status_code=403, detail="Your account does not see this audience.")
    if filters.theme and filters.theme not in vocab.THEME:
        raise HTTPException(status_code=400, detail=f"unknown theme {filters.theme!r}")
    if filters.language and filters.language not in vocab.LANGUAGE:
        raise HTTPException(status_code=400, detail=f"unknown language {filters.language!r}")
    return filters


def visible_sites(session: Session, staff: Staff) -> list[Site]:
    stmt = select(Site).order_by(Site.name)
    ids = policy.centre_ids(staff)
    if ids is not None:
        stmt = stmt.where(Site.centre_id.in_(ids))
    return list(session.scalars(stmt))


def _scoped(stmt: Any, model: Any, request: Request, session: Session, staff: Staff, f: ListFilters) -> Any:
    app = get_app(request)
    stmt = stmt.where(model.day >= f.start, model.day <= f.end)
    ids = policy.centre_ids(staff)
    if ids is not None:
        stmt = stmt.where(model.centre_id.in_(ids))
    if f.audience:
        stmt = stmt.where(model.audience == f.audience)
    elif not policy.sees_all_audiences(staff):
        stmt = stmt.where(model.audience.in_(policy.visible_audiences(app, staff)))
    if f.site:
        site_ids = [s.id for s in visible_sites(session, staff) if s.code == f.site]
        stmt = stmt.where(model.site_id.in_(site_ids or [-1]))
    if f.theme:
        stmt = stmt.where(cast(model.themes, String).like(f'%"{f.theme}"%'))
    if f.language:
        stmt = stmt.where(model.language == f.language)
    if f.after is not None:
        day, last_id = f.after
        stmt = stmt.where(or_(model.day < day, and_(model.day == day, model.id < last_id)))
    return stmt.order_by(model.day.desc(), model.id.desc()).limit(PAGE_SIZE + 1)


def page_of(rows: list[Any]) -> tuple[list[Any], str | None]:
    """The rows of one page and the cursor of the next (``None`` on the last page)."""
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        last = rows[-1]
        return rows, f"{last.day.isoformat()}.{last.id}"
    return rows, None


def list_contacts(request: Request, session: Session, staff: Staff, f: ListFilters) -> tuple[list[Contact], str | None]:
    stmt = _scoped(select(Contact), Contact, request, session, staff, f)
    return page_of(list(session.scalars(stmt)))


def list_activities(request: Request, session: Session, staff: Staff, f: ListFilters) -> tuple[list[Activity], str | None]:
    stmt = _scoped(select(Activity), Activity, request, session, staff, f)
    return page_of(list(session.scalars(stmt)))

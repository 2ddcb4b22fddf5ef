"""Filtering, searching and paging lists of contacts and activities.

Filters: period (``from``/``to``), audience, site, theme, language, and a search (``q``): a case code,
a school or place typed in a form's text field, an activity's title or its partner's name
(``tremplin.core.search``). Paging is by keyset on
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
from tremplin.core.models import Activity, Case, Contact, Partner, Referral, Site, Staff
from tremplin.core.search import case_code_contains, clean_query, contains
from tremplin.core.web import policy
from tremplin.core.web.common import PAGE_SIZE, cursor_of, period_params
from tremplin.core.web.deps import get_app
from tremplin.core.web.errors import DAY_HINT, PAGE_HINT, ChoiceError, ParameterError
from tremplin.core.web.i18n import N_


@dataclass
class ListFilters:
    start: date
    end: date
    audience: str = ""
    site: str = ""
    theme: str = ""
    language: str = ""
    after: tuple[date, int] | None = None
    q: str = ""

    def params(self) -> dict[str, str]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "audience": self.audience,
            "site": self.site,
            "theme": self.theme,
            "language": self.language,
            "q": self.q,
        }


def audience_choices(app: Any, staff: Staff) -> dict[str, Any]:
    """The audiences a filter offers an account: those it sees, by their labels."""
    return {k: app.registry.audiences[k].label for k in policy.visible_audiences(app, staff)}


def check_audience(app: Any, staff: Staff, audience: str) -> None:
    """An audience filter: an unknown code is refused (``ChoiceError``, 422), an audience the account does
    not see 403."""
    if audience not in app.registry.audiences:
        raise ChoiceError("audience", audience, audience_choices(app, staff), N_("Audience"))
    if not staff.may_see(audience):
        raise HTTPException(status_code=403, detail="Your account does not see this audience.")


#: The labels of the period's parameters, as the filters' form shows them.
DAY_LABELS = {"from": N_("From"), "to": N_("To")}


def check_days(request: Request, *names: str) -> None:
    """Refuse a period's day that cannot be read (``ParameterError``, 422, naming it in the reader's language):
    left out, a day is its default; mistyped, it would be replaced by the default without a word."""
    from tremplin.core.web.formkit import parse_day

    for name in names:
        raw = request.query_params.get(name)
        if raw and parse_day(raw) is None:
            raise ParameterError(name, raw, DAY_LABELS.get(name), DAY_HINT, example=date.today().isoformat())


def read_filters(request: Request, staff: Staff) -> ListFilters:
    """The list filters from the query string; a value that is none of a filter's choices is refused
    (``ChoiceError``, 422, in the reader's language), so is a day or a page that cannot be read
    (``ParameterError``), an audience the account does not see 403."""
    app = get_app(request)
    q = request.query_params
    check_days(request, "from", "to")
    if q.get("after") and cursor_of(q["after"]) is None:
        raise ParameterError("after", q["after"], N_("Next page"), PAGE_HINT)
    start, end = period_params(request)
    filters = ListFilters(
        start,
        end,
        q.get("audience", ""),
        q.get("site", "")[:64],
        q.get("theme", ""),
        q.get("language", ""),
        cursor_of(q.get("after")),
        clean_query(q.get("q")),
    )
    if filters.audience:
        check_audience(app, staff, filters.audience)
    if filters.theme and filters.theme not in vocab.THEME:
        raise ChoiceError("theme", filters.theme, vocab.THEME.items, vocab.THEME.label)
    if filters.language and filters.language not in vocab.LANGUAGE:
        raise ChoiceError("language", filters.language, vocab.LANGUAGE.items, vocab.LANGUAGE.label)
    if filters.site:
        # A site code the account cannot pick (mistyped, or another centre's) would list nothing, silently.
        with app.session() as session:
            sites = {site.code: site.name for site in visible_sites(session, staff)}
        if filters.site not in sites:
            raise ChoiceError("site", filters.site, sites, N_("Site"))
    return filters


def visible_sites(session: Session, staff: Staff) -> list[Site]:
    stmt = select(Site).order_by(Site.name)
    ids = policy.centre_ids(staff)
    if ids is not None:
        stmt = stmt.where(Site.centre_id.in_(ids))
    return list(session.scalars(stmt))


def text_attributes(request: Request, audiences: list[str], record: str) -> list[str]:
    """The names of the free-text fields (a school, a place) the forms of ``audiences`` give ``record``s."""
    app = get_app(request)
    names: list[str] = []
    for audience in audiences:
        for name, field in app.registry.attribute_fields(audience, record).items():
            if field.kind == "text" and name not in names:
                names.append(name)
    return names


def search_condition(request: Request, session: Session, staff: Staff, model: Any, f: ListFilters) -> Any:
    """What ``f.q`` matches in a list of contacts or activities."""
    app = get_app(request)
    record = "activity" if model is Activity else "contact"
    audiences = [f.audience] if f.audience else policy.visible_audiences(app, staff)
    names = text_attributes(request, audiences, record)
    options = [contains(session, model.attributes[name].as_string(), f.q) for name in names]
    if model is Activity:
        options.append(contains(session, Activity.title, f.q))
        partners = select(Partner.id).where(contains(session, Partner.name, f.q))
        options.append(Activity.partner_id.in_(partners))
    else:
        case_code = case_code_contains(Case.code, f.q)
        if case_code is not None:
            options.append(Contact.case_id.in_(select(Case.id).where(case_code)))
    return or_(*options) if options else cast(model.id, String) == "-"


def filtered(stmt: Any, model: Any, request: Request, session: Session, staff: Staff, f: ListFilters) -> Any:
    """``stmt`` restricted to what the account sees and the filters keep (no order, no paging)."""
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
    if f.q:
        stmt = stmt.where(search_condition(request, session, staff, model, f))
    return stmt


def _scoped(stmt: Any, model: Any, request: Request, session: Session, staff: Staff, f: ListFilters) -> Any:
    stmt = filtered(stmt, model, request, session, staff, f)
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


def list_activities(
    request: Request, session: Session, staff: Staff, f: ListFilters
) -> tuple[list[Activity], str | None]:
    stmt = _scoped(select(Activity), Activity, request, session, staff, f)
    return page_of(list(session.scalars(stmt)))


# ------------------------------------------------------------------------------------------------
# Referrals and cases: their lists' filters and search, shared by the pages and their exports


def referral_statement(
    request: Request, session: Session, staff: Staff, stmt: Any, status: str, q: str
) -> tuple[Any, dict[str, str]]:
    """``stmt`` (on ``Referral``) kept to what the account sees, the status and the search: a referral code,
    a partner's name (sending or receiving) or the case code it was given under. Returns the filters too."""
    from tremplin.core.search import code_contains

    app = get_app(request)
    ids = policy.centre_ids(staff)
    if ids is not None:
        stmt = stmt.where(Referral.centre_id.in_(ids))
    if not policy.sees_all_audiences(staff):
        stmt = stmt.where(Referral.audience.in_(policy.visible_audiences(app, staff)))
    if status:
        if status not in vocab.REFERRAL_STATUS:
            raise ChoiceError("status", status, vocab.REFERRAL_STATUS.items, N_("Status"))
        stmt = stmt.where(Referral.status_as_of() == status)  # past its expiry is expired, flow or not
    query = clean_query(q)
    if query:
        partners = select(Partner.id).where(contains(session, Partner.name, query))
        options = [Referral.to_partner_id.in_(partners), Referral.from_partner_id.in_(partners)]
        token = code_contains(Referral.token, query)
        if token is not None:
            options.append(token)
        case_code = case_code_contains(Case.code, query)
        if case_code is not None:
            options.append(Referral.case_id.in_(select(Case.id).where(case_code)))
        stmt = stmt.where(or_(*options))
    return stmt, {"status": status, "q": query}


#: The cases list's ``state`` filter, by the labels of its menu.
CASE_STATES = {"open": N_("Open"), "closed": N_("Closed"), "all": N_("All")}


def case_statement(
    request: Request, session: Session, staff: Staff, stmt: Any, audience: str, state: str, q: str
) -> tuple[Any, dict[str, str]]:
    """``stmt`` (on ``Case``) kept to the audiences with a workflow the account sees, the state and the search
    (a case code, whole or in part). Returns the filters too."""
    app = get_app(request)
    keys = [k for k in policy.visible_audiences(app, staff) if k in app.registry.workflows]
    if audience:
        check_audience(app, staff, audience)
        keys = [audience]
    if state not in CASE_STATES:
        raise ChoiceError("state", state, CASE_STATES, N_("Cases"))
    stmt = stmt.where(Case.audience.in_(keys or ["-"]))
    ids = policy.centre_ids(staff)
    if ids is not None:
        stmt = stmt.where(Case.centre_id.in_(ids))
    if state == "open":
        stmt = stmt.where(Case.left_on.is_(None))
    elif state == "closed":
        stmt = stmt.where(Case.left_on.is_not(None))
    query = clean_query(q)
    if query:
        condition = case_code_contains(Case.code, query)
        stmt = stmt.where(condition if condition is not None else Case.id == -1)
    return stmt, {"audience": audience, "state": state, "q": query}

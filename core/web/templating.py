"""Jinja2 rendering with the request's language, the layout's navigation and the CSRF token.

``render(request, "page.html", {...})`` is all a route needs. Every template gets ``_`` and
``gettext`` (bound to the request's language), ``ngettext``, ``lang``, ``staff`` (or ``None``),
``csrf_token``, ``nav`` (the entries of the menu the account may use), ``t(text)`` to pick a plugin's
``Text`` in the right language, and ``number``/``day`` formatters.

    core_app = getattr(request.app.state, "tremplin", None)
    nav = (
        [
            (tr(label), path, None)
            for label, path, capability in NAV
            if can(core_app, staff, capability) and (pages is None or path in pages)
        ]
        if staff is not None and core_app is not None
        else []
    )
    if staff is not None and core_app is not None:
        from tremplin.core.pages import menu_items

        items = menu_items(core_app, staff)
        nav += [(pick(item.label, lang), item.path, None) for item in items if pages is None or item.path in pages]
        nav = [(label, path, _badge(core_app, staff, path)) for label, path, _ in nav]
"""

from __future__ import annotations

import os
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2 import FileSystemLoader

from tremplin.core.i18n import LANGUAGES, pick
from tremplin.core.web.i18n import BABEL_LOCALES, N_, NATIVE_NAMES, request_language, translator
from tremplin.core.web.policy import can
from tremplin.core.web.security import csrf_token

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import HTMLResponse

TEMPLATES = Path(__file__).with_name("templates")

#: Folders templates are looked up in, first match wins. Plugins append theirs.
template_dirs: list[str | os.PathLike[str]] = [TEMPLATES]


class _LiveFolders(FileSystemLoader):
    """A ``FileSystemLoader`` over ``template_dirs`` as it is now, not as it was when built."""

    def __init__(self, folders: list[str | os.PathLike[str]]) -> None:
        self._folders = folders
        self.encoding = "utf-8"
        self.followlinks = False

    @property
    def searchpath(self) -> list[str]:
        return [os.fspath(p) for p in self._folders]

    @searchpath.setter
    def searchpath(self, value: Any) -> None:  # pragma: no cover - FileSystemLoader API
        pass


#: (label msgid, path, capability) of the main menu, in order. "Reports" is served by core/reports/web.py.
NAV: list[tuple[str, str, str]] = [
    (N_("Dashboard"), "/dashboard", "dashboard"),
    (N_("Log"), "/log", "log"),
    (N_("Contacts"), "/contacts", "contacts"),
    (N_("Activities"), "/activities", "activities"),
    (N_("Referrals"), "/referrals", "referrals"),
    (N_("Inbox"), "/inbox", "inbox"),
    (N_("Cases"), "/cases", "cases"),
    (N_("Reports"), "/reports", "reports"),
    (N_("Administration"), "/admin", "admin"),
]


def _format_number(value: Any, lang: str) -> str:
    from babel.numbers import format_decimal

    if value is None or value == "":
        return "–"
    return format_decimal(value, locale=BABEL_LOCALES.get(lang, "fr_BE"))


def _format_day(value: date | datetime | None, lang: str, fmt: str = "medium", tz: str = "Europe/Brussels") -> str:
    from babel.dates import format_date, format_datetime

    if value is None:
        return "–"
    locale = BABEL_LOCALES.get(lang, "fr_BE")
    if isinstance(value, datetime):
        from zoneinfo import ZoneInfo

        return format_datetime(
            value.astimezone(ZoneInfo(tz)), format="short" if fmt == "short" else "medium", locale=locale
        )
    return format_date(value, format=fmt, locale=locale)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=_LiveFolders(template_dirs),
        autoescape=jinja2.select_autoescape(("html", "xml", "svg"), default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.Undefined,
    )
    env.globals["LANGUAGES"] = LANGUAGES
    env.globals["NATIVE_NAMES"] = NATIVE_NAMES
    from tremplin.core.web.assets import asset_url

    # ``asset("tremplin.css")``: the file's fingerprinted URL, cached by browsers for a year.
    env.globals["asset"] = asset_url
    return env


def _badge(app: Any, staff: Any, path: str) -> int | None:
    """A count beside a menu entry: the inbox's threads waiting for an answer."""
    if path != "/inbox":
        return None
    from tremplin.core.web.routes.inbox import waiting_count

    return waiting_count(app, staff) or None


def base_context(request: Request) -> dict[str, Any]:
    lang = request_language(request)
    tr = translator(lang)
    staff = getattr(request.state, "staff_view", None)
    pages = getattr(request.app.state, "page_paths", None)
    core_app = getattr(request.app.state, "tremplin", None)
    nav: list[tuple[str, str, int | None]] = (
        [
            (tr(label), path, None)
            for label, path, capability in NAV
            if can(core_app, staff, capability) and (pages is None or path in pages)
        ]
        if staff is not None and core_app is not None
        else []
    )
    if staff is not None and core_app is not None:
        from tremplin.core.pages import menu_items

        items = menu_items(core_app, staff)
        nav += [(pick(item.label, lang), item.path, None) for item in items if pages is None or item.path in pages]
        nav = [(label, path, _badge(core_app, staff, path)) for label, path, _ in nav]
    path = request.url.path
    query = request.url.query
    here = path + ("?" + query if query else "")
    tz = core_app.settings.timezone if core_app is not None else "Europe/Brussels"
    return {
        "request": request,
        "_": tr.gettext,
        "gettext": tr.gettext,
        "ngettext": tr.ngettext,
        "lang": lang,
        "staff": staff,
        "csrf_token": csrf_token(request),
        "nav": nav,
        "here": here,
        "path": path,
        "t": lambda text: pick(text, lang),
        "number": lambda value: _format_number(value, lang),
        "day": lambda value, fmt="medium": _format_day(value, lang, fmt, tz),
        "flash": pop_flash(request),
    }


def render(
    request: Request,
    template_name: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template_name`` into an HTML response in the request's language."""
    from starlette.responses import HTMLResponse

    from tremplin.core.i18n import typography

    ctx = base_context(request)
    ctx.update(context or {})
    html = typography(environment().get_template(template_name).render(ctx), ctx["lang"])
    return HTMLResponse(html, status_code=status_code, headers=headers)


# -- one-shot messages shown on the next page ---------------------------------------------------


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """Show ``message`` (already translated) on the next page rendered for this session."""
    if "session" in request.scope:
        request.session.setdefault("flash", []).append([kind, message])


def pop_flash(request: Request) -> list[tuple[str, str]]:
    if "session" not in request.scope:
        return []
    items = request.session.pop("flash", None) or []
    return [(str(kind), str(message)) for kind, message in items]

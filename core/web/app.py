"""The web app factory: ``create_web_app(app)`` returns the FastAPI application for one Tremplin app.

It mounts the static files (served by the app itself under ``/static``), the core routers (pages and
the JSON API under ``/api/v1``), then every router plugins return from ``register_routes``. Sessions
are signed cookies keyed with ``settings.secret_key``, each naming a session kept on the server
(``tremplin.core.web.sessions``); every unsafe request needs its CSRF token; responses carry a strict
Content-Security-Policy (scripts and styles from ``/static`` only) and, but for static files, ``Cache-Control:
no-store``. Proxy headers are believed from ``settings.trusted_proxies`` only.

``tremplin serve`` runs ``asgi_factory`` with uvicorn (one or more workers, each building its own).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from tremplin.core.registry import collect

if TYPE_CHECKING:
    from tremplin.core.app import App

log = logging.getLogger("tremplin.web")
STATIC = Path(__file__).with_name("static")

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


#: What ``tremplin serve`` tells uvicorn besides addresses and workers. Proxy headers are believed only from
#: ``settings.trusted_proxies``, by the app itself (``TrustedProxies``): uvicorn's own handling would trust
#: 127.0.0.1 by default, so a local process could pick the address the login limits count.
UVICORN_OPTIONS: dict[str, Any] = {"proxy_headers": False}


class SecurityHeaders:
    """Adds the Content-Security-Policy and a few other protective headers to every response."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = {
                    b"content-security-policy": CSP.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"same-origin",
                    b"x-frame-options": b"DENY",
                }
                for name, value in extra.items():
                    if name not in names:
                        headers.append((name, value))
                if b"cache-control" not in names:
                    # Static files are the same for everyone; every other answer (a logged-in page, an API
                    # answer, an export) may carry what only its reader may see: never kept by a cache.
                    static = scope["path"].startswith("/static/")
                    headers.append((b"cache-control", b"public, max-age=3600" if static else b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class TrustedProxies:
    """Believes ``X-Forwarded-For`` and ``X-Forwarded-Proto`` only from the addresses in ``trusted``.

    From a trusted proxy, the client is the last address in ``X-Forwarded-For`` that is not itself a trusted
    proxy; from anywhere else both headers are ignored (a local process cannot pick the address the login limits
    count). ``tremplin serve`` leaves uvicorn's own proxy handling off, so this is the only place that decides.
    """

    def __init__(self, app: Any, trusted: tuple[str, ...] = ()) -> None:
        self.app = app
        self.trusted = frozenset(trusted)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        client = scope.get("client")
        if scope["type"] in ("http", "websocket") and self.trusted and client and client[0] in self.trusted:
            headers = dict(scope.get("headers") or [])
            forwarded = headers.get(b"x-forwarded-for", b"").decode("latin-1")
            hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
            for hop in reversed(hops):
                if hop not in self.trusted:
                    scope = dict(scope, client=(hop[:64], 0))
                    break
            proto = headers.get(b"x-forwarded-proto", b"").decode("latin-1").strip().lower()
            if proto in ("http", "https"):
                scope = dict(scope, scheme=proto if scope["type"] == "http" else {"http": "ws", "https": "wss"}[proto])
        await self.app(scope, receive, send)


def create_web_app(app: App, bot_webhook: Any = None) -> FastAPI:
    """The FastAPI application serving ``app``: pages, the JSON API, static files, plugin routes, and
    the Telegram bot's webhook when ``bot_webhook`` (a ``tremplin.core.bot.webhook.WebhookConfig``) is given."""
    from fastapi.staticfiles import StaticFiles
    from starlette.middleware.gzip import GZipMiddleware
    from starlette.middleware.sessions import SessionMiddleware

    from tremplin.core import __version__
    from tremplin.core.settings import DEFAULT_SECRET_KEY
    from tremplin.core.web import errors, i18n, routes
    from tremplin.core.web.security import (
        SESSION_COOKIE,
        SESSION_MAX_AGE,
        CSRFMiddleware,
    )

    i18n.load_all()
    web = FastAPI(
        title="Tremplin",
        version=__version__,
        description="Anonymous contacts, activities, referrals, cases and counters of a career-guidance centre.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    web.state.tremplin = app
    from tremplin.core import pages

    # Plugins' static folders first: the core's /static mount would answer their paths with a 404.
    pages.install(app, web)
    web.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in routes.core_routers():
        web.include_router(router)
    if bot_webhook is not None:
        from tremplin.core.bot import webhook

        webhook.install(web, app, bot_webhook)
    plugin_routers = [router for _plugin, router in collect(app.pm, "register_routes", app=app)]
    for router in plugin_routers:
        web.include_router(router)
    _include_report_pages(web, plugin_routers)
    # The menu links only to pages that exist ("Reports" appears once core/reports/web.py serves /reports).
    web.state.page_paths = frozenset(path for path, methods, _route in route_table(web) if "GET" in methods)
    errors.install(web)
    from tremplin.core.web import openapi

    openapi.install(web)
    _document_forms(app, web)
    # Added last is outermost: headers, compression, the contacts' short path, the session, then the CSRF check.
    web.add_middleware(CSRFMiddleware, refuse=errors.refuse)
    web.add_middleware(
        SessionMiddleware,
        secret_key=app.settings.secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        # Served over HTTPS (the public base URL says so), the cookie never travels over plain HTTP.
        https_only=app.settings.https or os.environ.get("TREMPLIN_SECURE_COOKIES", "") in ("1", "true", "yes"),
    )
    # A plain, valid contact posted by a known token skips the session, CSRF and routing layers (its answer
    # is the route's own, compressed and given the security headers like any other).
    from tremplin.core.web.shortcut import ContactShortcut

    web.add_middleware(ContactShortcut)
    # Pages, JSON and the plain /static files leave compressed (a weak mobile signal pays for every byte);
    # fingerprinted assets are compressed once, in advance (``tremplin.core.web.assets``), and pass as they are.
    web.add_middleware(GZipMiddleware, minimum_size=500)
    web.add_middleware(SecurityHeaders)
    web.add_middleware(TrustedProxies, trusted=app.settings.trusted_proxies)
    if bot_webhook is not None:
        web.add_middleware(webhook.Shortcut, endpoint=web.state.bot_webhook_endpoint)
    if app.settings.secret_key == DEFAULT_SECRET_KEY:
        log.warning(
            "TREMPLIN_SECRET_KEY is not set: sessions are signed with the default key; set it before serving anyone"
        )
    return web


def _document_forms(app: App, web: FastAPI) -> None:
    """The OpenAPI schema types each form's attributes (``routes.api.document_forms``), once, when first asked."""
    from tremplin.core.web.routes.api import document_forms

    generate = web.openapi

    def openapi() -> dict[str, Any]:
        if web.openapi_schema is None:
            document_forms(app, generate())
        return web.openapi_schema  # type: ignore[return-value]

    web.openapi = openapi  # type: ignore[method-assign]


def _include_report_pages(web: FastAPI, already: list[Any]) -> None:
    """Report pages live in ``tremplin.core.reports.web`` (a ``router``); include them unless a plugin already did."""
    import importlib

    try:
        module = importlib.import_module("tremplin.core.reports.web")
    except ModuleNotFoundError as exc:
        if exc.name in ("tremplin.core.reports.web",):
            return
        raise
    router = getattr(module, "router", None)
    if router is not None and all(router is not r for r in already):
        web.include_router(router)


def asgi_factory() -> FastAPI:
    """For uvicorn (``--factory``): the app from the environment's settings (``TREMPLIN_*``)."""
    from tremplin.core.app import create_app

    app = create_app()
    config = None
    if os.environ.get("TREMPLIN_BOT_WEBHOOK", "") in ("1", "true", "yes"):
        from tremplin.core.bot.webhook import WebhookConfig

        config = WebhookConfig.from_env(app)
    web = create_web_app(app, bot_webhook=config)
    settle_for_serving()
    return web


def settle_for_serving() -> None:
    """Tune the interpreter of a serving process for short, even response times.

    - The objects made while starting (modules, routes, plugins, catalogs: a few hundred thousand)
      live as long as the process. Frozen, the collector stops walking them: otherwise every full
      collection walks them all, and each stopped every request for about 100 ms.
    - Writes run in a worker thread while the event loop parses the next requests. With the default
      5 ms switch interval, a thread coming back from SQLite could wait that long for the
      interpreter lock at each call; 0.5 ms keeps a batch of writes from waiting behind the parsing.
    """
    import gc
    import sys

    gc.collect()
    gc.freeze()
    sys.setswitchinterval(0.0005)


def route_table(web: FastAPI) -> list[tuple[str, frozenset[str], Any]]:
    """Every HTTP route of ``web`` as ``(path, methods, route)``, included routers flattened.

    FastAPI 0.154 keeps included routers as lazy branches in ``web.routes``; this walks them (the access
    matrix test and ``docs/web.md`` use it).
    """
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: routes are already flat
        contexts: Any = web.routes
    else:
        contexts = iter_route_contexts(web.routes)
    table = []
    for route in contexts:
        path = getattr(route, "path", None)
        methods = getattr(route, "methods", None)
        if path is None or not methods:
            continue
        table.append((path, frozenset(methods), route))
    return table

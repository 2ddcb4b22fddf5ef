"""The bot inside the web app: Telegram POSTs updates to ``/telegram/webhook``, every web worker answers.

``tremplin serve --bot-webhook`` sets ``TREMPLIN_BOT_WEBHOOK=1``; each worker then builds the bot
application without a poller, starts it with the web app, and registers the webhook with Telegram
(``setWebhook`` with the public URL and a secret token). An update is accepted only with Telegram's
``X-Telegram-Bot-Api-Secret-Token`` header equal to the secret: anything else is refused with 403 before
it is read. Updates are queued to the application and answered 200 at once, as Telegram wants; the
handlers and the delivery of counsellors' answers work as with polling (answers are claimed one by one,
so several workers never send one twice). With several workers, the next message of a conversation may
reach another one: each update reads its chat's state from the database and writes it back as soon as it
is handled (``tremplin.core.bot.state``), and the flood limit is counted in the database. A single worker
(``tremplin serve --workers 1`` says so in ``TREMPLIN_BOT_WEBHOOK_WORKERS``) gets every update, and keeps
them in memory as the poller does, at a fraction of the cost.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

# At module level: FastAPI reads the route's annotations from this module's names.
from starlette.requests import Request

if TYPE_CHECKING:
    from fastapi import FastAPI

    from tremplin.core.app import App

log = logging.getLogger("tremplin.bot")
PATH = "/telegram/webhook"
#: How many web workers serve the webhook, as ``tremplin serve`` started them (unset: unknown, so shared).
WORKERS_ENV = "TREMPLIN_BOT_WEBHOOK_WORKERS"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True)
class WebhookConfig:
    token: str
    #: Where Telegram sends updates: the public address of the web app plus ``PATH``.
    url: str
    secret: str
    base_url: str | None = None
    #: Whether this worker is the web app's only one (``tremplin serve --workers 1``): then every update of
    #: every chat reaches it, and its chats' state and flood counts stay in its memory as with polling.
    #: Otherwise (several workers, or a server started some other way) they are shared through the database.
    alone: bool = False

    @classmethod
    def from_env(cls, app: App) -> WebhookConfig:
        """From ``TREMPLIN_TELEGRAM_TOKEN``, ``TREMPLIN_TELEGRAM_WEBHOOK_URL`` (default: the public base URL
        plus ``/telegram/webhook``), ``TREMPLIN_TELEGRAM_WEBHOOK_SECRET`` (default: derived from the secret
        key) and ``TREMPLIN_TELEGRAM_BASE_URL``."""
        from tremplin.core.bot.app import NO_TOKEN_HELP

        token = os.environ.get("TREMPLIN_TELEGRAM_TOKEN", "")
        if not token:
            raise RuntimeError(NO_TOKEN_HELP)
        url = os.environ.get("TREMPLIN_TELEGRAM_WEBHOOK_URL") or app.settings.public_base_url.rstrip("/") + PATH
        secret = os.environ.get("TREMPLIN_TELEGRAM_WEBHOOK_SECRET") or derived_secret(app.settings.secret_key)
        alone = os.environ.get(WORKERS_ENV, "").strip() == "1"
        return cls(token, url, secret, os.environ.get("TREMPLIN_TELEGRAM_BASE_URL") or None, alone)


def derived_secret(secret_key: str) -> str:
    """A webhook secret from the app's secret key: 1-256 characters of ``A-Za-z0-9_-``, as Telegram wants."""
    return hmac.new(secret_key.encode(), b"tremplin.telegram.webhook", hashlib.sha256).hexdigest()


class Shortcut:
    """ASGI middleware, outermost: a POST to the webhook goes straight to it, past the pages' middleware
    (session, CSRF, compression, headers), which costs more than handling the update itself and does
    nothing for Telegram, authenticated by its secret header."""

    def __init__(self, app: Any, endpoint: Any) -> None:
        self.app, self.endpoint = app, endpoint

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == PATH and scope["method"] == "POST":
            response = await self.endpoint(Request(scope, receive))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def install(web: FastAPI, app: App, config: WebhookConfig) -> None:
    """Add the webhook route, and start and stop the bot application with the web app."""
    from fastapi.responses import JSONResponse, Response

    from tremplin.core.bot.app import ALLOWED_UPDATES, build_application, settle_heap
    from tremplin.core.web.security import CSRF_EXEMPT_PATHS

    shared = not config.alone
    application = build_application(
        app, config.token, base_url=config.base_url, updater=False, shared_limit=shared, shared_state=shared
    )
    web.state.bot_application = application
    # Telegram's secret header authenticates the request: no cookie, hence no cross-site forgery to stop.
    CSRF_EXEMPT_PATHS.add(PATH)

    async def webhook(request: Request) -> Response:
        from telegram import Update

        sent = request.headers.get(SECRET_HEADER, "")
        if not secrets.compare_digest(sent.encode(), config.secret.encode()):
            return JSONResponse({"detail": "wrong or missing secret token"}, status_code=403)
        try:
            data = await request.json()
            update = Update.de_json(data, application.bot)
        except Exception:
            return JSONResponse({"detail": "not a Telegram update"}, status_code=400)
        if update is None:
            return JSONResponse({"detail": "not a Telegram update"}, status_code=400)
        await application.update_queue.put(update)
        return Response(status_code=200)

    web.add_api_route(PATH, webhook, methods=["POST"], include_in_schema=False)
    web.state.bot_webhook_endpoint = webhook
    previous = web.router.lifespan_context

    @asynccontextmanager
    async def lifespan(asgi: Any) -> Any:
        async with previous(asgi) as state:
            await application.initialize()
            await application.start()
            if application.post_init is not None:
                await application.post_init(application)
            try:
                await application.bot.set_webhook(
                    config.url, secret_token=config.secret, allowed_updates=ALLOWED_UPDATES
                )
            except Exception as exc:  # the web app serves its pages even when Telegram is away
                log.error("could not register the webhook with Telegram: %r", exc)
            # What the bot made while starting (its handlers, the chats' state read back) lives as long as
            # the worker: out of the collector's way, as the poller's (``settle_heap``).
            settle_heap()
            try:
                yield state
            finally:
                await application.stop()
                if application.post_stop is not None:
                    await application.post_stop(application)
                await application.shutdown()

    web.router.lifespan_context = lifespan

"""Building the python-telegram-bot application: the core's handlers, then every plugin's.

``build_application(app, token)`` talks to Telegram's Bot API; ``base_url`` points it at a
self-hosted Bot API server (``telegram-bot-api --local``), e.g. ``http://127.0.0.1:8081/bot``, with
the file URL derived from it (``.../file/bot``) unless given. The token is appended to both, as
Telegram expects; a URL may also place it with ``{token}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tremplin.core.web.i18n import Msg

if TYPE_CHECKING:
    from asyncio import AbstractEventLoop

    from telegram.ext import Application

    from tremplin.core.app import App
    from tremplin.core.bot.handlers import BotCommand

#: ``Application.bot_data`` key under which handlers find the Tremplin app.
APP_KEY = "tremplin.app"
#: ``Application.bot_data`` key of the flood limit the guard applies.
FLOOD_KEY = "tremplin.flood_limit"
#: ``Application.bot_data`` key of the conversations counted and not written yet (``privacy.Visits``).
VISITS_KEY = "tremplin.visits"


def file_url_for(base_url: str) -> str:
    """The file URL of a Bot API server given its method URL (``.../bot`` → ``.../file/bot``)."""
    head, sep, tail = base_url.rpartition("/bot")
    if sep and (tail == "" or tail.startswith("{")):
        return f"{head}/file/bot{tail}"
    return base_url


def plugin_handlers(app: App) -> list[tuple[str, Any, int]]:
    """Every handler the ``register_bot_handlers`` hook returns: ``(plugin, handler, group)``.

    A plugin returns handlers, or ``(handler, group)`` pairs for a handler that must run in a group
    of its own, and ``BotCommand`` items for ``/help`` (see ``plugin_commands``); anything else is a
    plugin error naming the plugin.
    """
    return _plugin_items(app)[0]


def plugin_commands(app: App) -> list[BotCommand]:
    """The commands the plugins declare for ``/help``, each answered by one of its plugin's handlers."""
    return _plugin_items(app)[1]


def _plugin_items(app: App) -> tuple[list[tuple[str, Any, int]], list[BotCommand]]:
    from telegram.ext import BaseHandler

    from tremplin.core.bot.handlers import BotCommand
    from tremplin.core.registry import PluginError, collect

    found: list[tuple[str, Any, int]] = []
    declared: list[tuple[str, BotCommand]] = []
    for plugin, item in collect(app.pm, "register_bot_handlers", app=app):
        if isinstance(item, BotCommand):
            declared.append((plugin, item))
            continue
        handler, group = item if isinstance(item, tuple) and len(item) == 2 else (item, 0)
        if not isinstance(handler, BaseHandler) or not isinstance(group, int):
            raise PluginError(f"plugin {plugin}: register_bot_handlers returned {item!r}, not a telegram.ext handler")
        found.append((plugin, handler, group))
    commands: list[BotCommand] = []
    for plugin, command in declared:
        answered = set().union(*(_commands_of(h) for p, h, _g in found if p == plugin))
        if command.command not in answered:
            raise PluginError(
                f"plugin {plugin} lists /{command.command} for /help, but none of its handlers answers it"
            )
        commands.append(command)
    return found, commands


def _commands_of(handler: Any) -> set[str]:
    """The commands a handler answers: a ``CommandHandler``'s, or those inside a ``ConversationHandler``."""
    commands = set(getattr(handler, "commands", ()) or ())
    for name in ("entry_points", "fallbacks"):
        for inner in getattr(handler, name, ()) or ():
            commands |= _commands_of(inner)
    for inner_list in (getattr(handler, "states", None) or {}).values():
        for inner in inner_list:
            commands |= _commands_of(inner)
    return commands


NO_TOKEN_HELP = Msg(
    "no bot token: give --token or set TREMPLIN_TELEGRAM_TOKEN. To get one, open Telegram, talk to "
    "@BotFather (https://t.me/BotFather), send /newbot, choose a name and a username ending in 'bot'; "
    "BotFather answers with the token (123456789:AA...). Keep it secret."
)
#: The centre the bot logs contacts for and issues referral codes from, by code (else the database's only one).
CENTRE_ENV = "TREMPLIN_BOT_CENTRE"
#: Connections to the Bot API the bot's calls share (its long polling has one of its own).
CONNECTIONS = 8
#: Seconds between two looks for counsellors' answers to send.
DELIVERY_INTERVAL = 1.0


class NoCentre(LookupError):
    """The database has no centre (or several and none chosen): the bot can log nothing."""


def bot_centre(app: App, code: str | None = None) -> tuple[int, str]:
    """``(id, code)`` of the bot's centre: ``code``, ``TREMPLIN_BOT_CENTRE``, or the database's only centre."""
    import os

    from sqlalchemy import select

    from tremplin.core.models import Centre

    code = code or os.environ.get(CENTRE_ENV)
    with app.session() as session:
        query = select(Centre.id, Centre.code).order_by(Centre.id)
        rows = session.execute(query.where(Centre.code == code) if code else query.limit(2)).all()
    if not rows:
        if code:
            raise NoCentre(
                Msg(
                    "unknown centre %(code)r in %(variable)s: give the code of an existing centre",
                    code=code,
                    variable=CENTRE_ENV,
                )
            )
        raise NoCentre(
            Msg(
                "the database has no centre: the bot can log no contact and issue no referral code. Create the "
                "centre first: tremplin init --centre bxl --centre-name 'Cité des métiers de Bruxelles'"
            )
        )
    if len(rows) > 1:
        raise NoCentre(Msg("several centres: set %(variable)s to the code of the bot's centre", variable=CENTRE_ENV))
    return rows[0].id, rows[0].code


def new_event_loop() -> AbstractEventLoop:
    """The bot's event loop: uvloop's where it is installed (it is a dependency, except on Windows), else
    asyncio's. At a thousand chats the loop's own work (callbacks, sockets) is a sixth of the bot's CPU, and
    uvloop does it in C: the bench measured about 15% less CPU per update and a far shorter tail of latency."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows
        import asyncio

        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def settle_heap() -> None:
    """Put what the process holds once started (the engine, its plugins, the bot's handlers) out of the
    garbage collector's way (``gc.freeze``): a full collection then looks only at what came after. With
    the whole start-up heap in it, each full collection stopped the bot for about 100 ms, a dozen times a
    minute at a thousand chats, and was most of the slowest answers' wait. Called once, just before the bot
    starts taking updates: by ``tremplin bot`` before it polls, and by a web worker once its webhook bot has
    started (the worker froze its own start-up heap already, ``settle_for_serving``)."""
    import gc

    gc.collect()
    gc.freeze()


def build_application(
    app: App,
    token: str,
    base_url: str | None = None,
    base_file_url: str | None = None,
    local_mode: bool = False,
    persistence: bool = True,
    delivery_interval: float | None = DELIVERY_INTERVAL,
    updater: bool = True,
    shared_limit: bool | None = None,
    shared_state: bool | None = None,
) -> Application:
    """The bot application: the core's handlers first, the plugins' after, the core's fallbacks last.

    Its state lives in the database (``DatabasePersistence``) unless ``persistence`` is false; every Bot
    API call retries what Telegram asks to retry (``RetryingLimiter``); while it runs, counsellors' answers
    are sent every ``delivery_interval`` seconds (``None``: never, for a process that only answers).
    Without an ``updater`` (updates come through the web app's webhook, to several workers) the flood
    limit is counted in the database, and each update reads its chat's state from the database and writes
    it back at once (``tremplin.core.bot.state``), unless ``shared_limit`` and ``shared_state`` say
    otherwise: a poller is always alone, Telegram hands updates to one ``getUpdates`` at a time."""
    from telegram.ext import ApplicationBuilder

    from tremplin.core.bot.handlers import core_handlers, log_error
    from tremplin.core.bot.limits import RetryingLimiter
    from tremplin.core.bot.ordering import PerChatUpdates
    from tremplin.core.bot.state import BotApplication
    from tremplin.core.bot.transport import AiohttpRequest

    if not token:
        raise ValueError(NO_TOKEN_HELP)
    shared = not updater if shared_state is None else shared_state
    # Updates at once, but each chat's in order: a conversation's state is set before its next message.
    builder = (
        ApplicationBuilder()
        .application_class(BotApplication)
        .token(token)
        .rate_limiter(RetryingLimiter(max_in_flight=CONNECTIONS))
        .concurrent_updates(PerChatUpdates())
    )
    # Fewer connections than python-telegram-bot's 256: httpcore looks at every pooled connection for each
    # request, which cost more CPU than the requests themselves at a thousand chats. Eight carry far more
    # than Telegram's 30 messages a second; a request waits for a free one rather than failing after a
    # second. The calls go through aiohttp, which spends a fifth of httpx's CPU on each
    # (``tremplin.core.bot.transport``); the long polling has a connection of its own.
    builder = builder.request(AiohttpRequest(connection_pool_size=CONNECTIONS, pool_timeout=30.0))
    builder = builder.get_updates_request(AiohttpRequest(connection_pool_size=1))
    if base_url:
        builder = builder.base_url(base_url).base_file_url(base_file_url or file_url_for(base_url))
    elif base_file_url:
        builder = builder.base_file_url(base_file_url)
    if local_mode:
        builder = builder.local_mode(True)
    if persistence:
        from tremplin.core.bot.persistence import DatabasePersistence

        builder = builder.persistence(DatabasePersistence(app, shared=shared))
    if not updater:
        builder = builder.updater(None)
    builder = builder.post_init(_post_init(app, delivery_interval))
    builder = builder.post_stop(_post_stop)
    application = builder.build()
    assert isinstance(application, BotApplication)
    application.shared_state = shared and persistence
    application.bot_data[APP_KEY] = app

    handlers, commands = _plugin_items(app)
    from tremplin.core.bot.limits import ChatRateLimit, SharedChatRateLimit
    from tremplin.core.bot.privacy import Visits

    per_minute = app.settings.bot_rate_limit
    shared_count = not updater if shared_limit is None else shared_limit
    limit = SharedChatRateLimit(app, per_minute) if shared_count else ChatRateLimit(per_minute)
    application.bot_data[FLOOD_KEY] = limit
    visits = application.bot_data[VISITS_KEY] = Visits(app)
    first, last = core_handlers(app, commands, flood_limit=limit, visits=visits)
    for handler, group in first:
        application.add_handler(handler, group)
    for _plugin, handler, group in handlers:
        application.add_handler(handler, group)
    for handler in last:
        application.add_handler(handler)
    application.add_error_handler(log_error)
    return application


def _post_init(app: App, delivery_interval: float | None) -> Any:
    """Once the bot is up: its command menu to Telegram, then (``delivery_interval``) the sending of
    counsellors' answers."""

    async def post_init(application: Application) -> None:
        import asyncio

        from tremplin.core.bot.handlers import publish_commands

        await publish_commands(application.bot, plugin_commands(app))
        if not delivery_interval:
            return
        from tremplin.core.bot.delivery import deliver_forever
        from tremplin.core.bot.threads import release_claims

        await asyncio.to_thread(release_claims, app)
        application.bot_data["tremplin.delivery"] = asyncio.get_running_loop().create_task(
            deliver_forever(app, application, delivery_interval), name="tremplin-bot-delivery"
        )

    return post_init


async def _post_stop(application: Application) -> None:
    """Stop sending counsellors' answers; write the conversations counted since the last write."""
    import asyncio
    import contextlib

    task = application.bot_data.pop("tremplin.delivery", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    visits = application.bot_data.get(VISITS_KEY)
    if visits is not None:
        await visits.flush()


#: The updates the bot asks Telegram for: messages, their edits and button presses.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


def run(
    app: App,
    token: str,
    base_url: str | None = None,
    base_file_url: str | None = None,
    local_mode: bool = False,
    webhook_url: str | None = None,
    listen: str = "127.0.0.1",
    port: int = 8443,
    secret_token: str | None = None,
) -> None:
    """Run the bot until interrupted: long polling, or a webhook when ``webhook_url`` is given.

    Refuses to start without a token, and says what to do when the database has no centre."""
    if not token:
        raise RuntimeError(NO_TOKEN_HELP)
    try:
        bot_centre(app)
    except NoCentre as exc:
        raise RuntimeError(exc.args[0]) from None  # the message as raised: the command says it in its language
    application = build_application(app, token, base_url=base_url, base_file_url=base_file_url, local_mode=local_mode)
    import asyncio

    # python-telegram-bot runs the loop it finds set (``Application.run_polling``): uvloop's.
    asyncio.set_event_loop(new_event_loop())
    settle_heap()
    if webhook_url:
        try:
            import tornado  # noqa: F401  (python-telegram-bot's webhook server)
        except ImportError as exc:
            raise RuntimeError(
                "a webhook of its own needs python-telegram-bot[webhooks]; or receive updates through the web "
                "app: tremplin serve --bot-webhook"
            ) from exc
        from urllib.parse import urlparse

        path = urlparse(webhook_url).path.lstrip("/")
        application.run_webhook(
            listen=listen,
            port=port,
            url_path=path,
            webhook_url=webhook_url,
            secret_token=secret_token,
            drop_pending_updates=False,
            allowed_updates=ALLOWED_UPDATES,
        )
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)

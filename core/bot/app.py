"""Building the python-telegram-bot application: the core's handlers, then every plugin's.

``build_application(app, token)`` talks to Telegram's Bot API; ``base_url`` points it at a
self-hosted Bot API server (``telegram-bot-api --local``), e.g. ``http://127.0.0.1:8081/bot``, with
the file URL derived from it (``.../file/bot``) unless given. The token is appended to both, as
Telegram expects; a URL may also place it with ``{token}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from telegram.ext import Application

    from tremplin.core.app import App
    from tremplin.core.bot.handlers import BotCommand

#: ``Application.bot_data`` key under which handlers find the Tremplin app.
APP_KEY = "tremplin.app"


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
            raise PluginError(f"plugin {plugin} lists /{command.command} for /help, but none of its handlers answers it")
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


def build_application(
    app: App,
    token: str,
    base_url: str | None = None,
    base_file_url: str | None = None,
    local_mode: bool = False,
) -> Application:
    """The bot application, with the core's handlers first, the plugins' after, the core fallback last."""
    from telegram.ext import ApplicationBuilder

    from tremplin.core.bot.handlers import core_handlers, log_error

    if not token:
        raise ValueError("a Telegram bot token is required (TREMPLIN_TELEGRAM_TOKEN)")
    builder = ApplicationBuilder().token(token)
    if base_url:
        builder = builder.base_url(base_url).base_file_url(base_file_url or file_url_for(base_url))
    elif base_file_url:
        builder = builder.base_file_url(base_file_url)
    if local_mode:
        builder = builder.local_mode(True)
    application = builder.build()
    application.bot_data[APP_KEY] = app

    handlers, commands = _plugin_items(app)
    first, last = core_handlers(app, commands)
    for handler in first:
        application.add_handler(handler)
    for _plugin, handler, group in handlers:
        application.add_handler(handler, group)
    for handler in last:
        application.add_handler(handler)
    application.add_error_handler(log_error)
    return application


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
    """Run the bot until interrupted: long polling, or a webhook when ``webhook_url`` is given."""
    application = build_application(app, token, base_url=base_url, base_file_url=base_file_url, local_mode=local_mode)
    if webhook_url:
        try:
            import tornado  # noqa: F401  (python-telegram-bot's webhook server)
        except ImportError as exc:
            raise RuntimeError("a webhook needs python-telegram-bot[webhooks]: pip install 'python-telegram-bot[webhooks]'") from exc
        from urllib.parse import urlparse

        path = urlparse(webhook_url).path.lstrip("/")
        application.run_webhook(listen=listen, port=port, url_path=path, webhook_url=webhook_url, secret_token=secret_token, drop_pending_updates=False)
    else:
        application.run_polling(allowed_updates=["message"])

"""The core bot's /help lists the core's commands and those plugins declare, never one nobody answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_app
from tremplin import hookimpl
from tremplin.core.app import App
from tremplin.core.plugins import register
from tremplin.core.registry import PluginError

TOKEN = "123456:TEST-TOKEN"


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bot.db'}"


def help_lines(app: App, language: str = "en") -> list[str]:
    from tremplin.core.bot.app import plugin_commands
    from tremplin.core.bot.handlers import help_text

    return help_text(plugin_commands(app), language).splitlines()


def test_help_lists_the_plugins_commands_then_the_cores(url: str) -> None:
    app = make_app(url)
    try:
        assert help_lines(app) == [
            "/start — ask a question",
            "/challenge — the weekly challenge",
            "/cancel — stop the conversation",
            "/language — change language",
            "/privacy — what we keep",
            "/forget — erase this chat",
            "/help — this list",
        ]
        assert help_lines(app, "uk")[0] == "/start — поставити питання"
    finally:
        app.close()


def test_without_the_ukrainian_plugin_help_names_only_the_cores_commands(url: str) -> None:
    app = make_app(url, disabled_plugins=("ukrainian",))
    try:
        # The core answers /start and /cancel itself when no plugin does.
        assert help_lines(app, "fr") == [
            "/start — commencer",
            "/challenge — le défi de la semaine",
            "/cancel — arrêter",
            "/language — changer de langue",
            "/privacy — ce que nous gardons",
            "/forget — effacer cette conversation",
            "/help — cette liste",
        ]
    finally:
        app.close()


class Listed:
    """A plugin that lists /ping for /help, answered or not."""

    def __init__(self, answered: bool) -> None:
        self.answered = answered

    @hookimpl
    def register_bot_handlers(self, app: Any) -> list[Any]:
        from telegram.ext import CommandHandler

        from tremplin import BotCommand, T

        async def ping(update: Any, context: Any) -> None:  # pragma: no cover - never called
            pass

        handlers: list[Any] = [CommandHandler("ping", ping)] if self.answered else []
        return [*handlers, BotCommand("ping", T("are you there"))]


@pytest.fixture
def app(url: str) -> Iterator[App]:
    application = make_app(url, disabled_plugins=("ukrainian",))
    yield application
    application.close()


def test_a_plugin_command_is_listed_when_it_is_answered(app: App) -> None:
    register(app.pm, Listed(answered=True), "tests.ping")
    assert help_lines(app)[2] == "/ping — are you there"


def test_a_listed_command_no_handler_answers_is_refused(app: App) -> None:
    from tremplin.core.bot.app import build_application

    register(app.pm, Listed(answered=False), "tests.silent")
    with pytest.raises(
        PluginError, match=r"plugin tests.silent lists /ping for /help, but none of its handlers answers it"
    ):
        build_application(app, TOKEN, base_url="http://127.0.0.1:9/bot")

"""Texts of the bot the centre edits in the admin pages, not in code.

A plugin declares them with the ``register_bot_texts`` hook: a key (``euroguidance.answer.erasmus``), a
label for the admin page and the default text in each language. ``/admin/bot-texts`` shows them and
keeps a centre's version as a ``BotText`` row; the bot reads ``edited_text(app, key, language, default)``,
the centre's version when there is one. Rows are read at most every ``CACHE_SECONDS``: an edit reaches the
bot within that time, without a query per message.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tremplin.core.i18n import Text

if TYPE_CHECKING:
    from tremplin.core.app import App

CACHE_SECONDS = 10.0


@dataclass(frozen=True)
class EditableText:
    """A bot text a centre may rewrite: ``EditableText("euroguidance.hours", T("Opening hours"), T(...))``."""

    key: str
    label: Text
    default: Text


def editable_texts(app: App) -> list[EditableText]:
    """Every text the plugins let the centre edit, in plugin order; a key declared twice is a plugin error."""
    from tremplin.core.registry import PluginError, collect

    seen: dict[str, str] = {}
    out = []
    for plugin, item in collect(app.pm, "register_bot_texts", app=app):
        if not isinstance(item, EditableText):
            raise PluginError(
                f"plugin {plugin} returned {type(item).__name__} from register_bot_texts: not an EditableText"
            )
        if item.key in seen:
            raise PluginError(f"plugins {seen[item.key]} and {plugin} both declare the bot text {item.key!r}")
        seen[item.key] = plugin
        out.append(item)
    return out


def _rows(app: App) -> dict[tuple[str, str], str]:
    cached = getattr(app, "_bot_texts", None)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    from sqlalchemy import select

    from tremplin.core.bot.models import BotText

    with app.session() as session:
        rows = {
            (key, language): body
            for key, language, body in session.execute(select(BotText.key, BotText.language, BotText.body))
        }
    app._bot_texts = (time.monotonic() + CACHE_SECONDS, rows)  # type: ignore[attr-defined]
    return rows


def forget_cache(app: App) -> None:
    app._bot_texts = None  # type: ignore[attr-defined]


def edited_text(app: App, key: str, language: str, default: str) -> str:
    """The centre's version of the text in ``language``, else ``default``."""
    body = _rows(app).get((key, language))
    return body if body else default

"""The core's own bot handlers: ``/help``, ``/privacy``, a fallback for stray messages, error logging.

The texts come in the four languages of the centre; the language is the one the person's Telegram
app is set to, when the bot speaks it. ``/help`` lists the core's commands and those the plugins declare
(``BotCommand`` items among what ``register_bot_handlers`` returns), so it never names a command that no
handler answers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tremplin.core.i18n import T, Text

if TYPE_CHECKING:
    from telegram import Update, User
    from telegram.ext import BaseHandler, ContextTypes

    from tremplin.core.app import App

log = logging.getLogger("tremplin.bot")

BOT_LANGUAGES: tuple[str, ...] = ("uk", "fr", "nl", "en")

@dataclass(frozen=True)
class BotCommand:
    """A command a plugin's handlers answer, as ``/help`` lists it: ``BotCommand("start", T("ask a question"))``.

    Return it from ``register_bot_handlers`` with the handlers; a command none of the plugin's handlers
    answers is a plugin error.
    """

    command: str
    description: Text


#: The core's own commands, first in ``/help``.
CORE_COMMANDS: tuple[BotCommand, ...] = (
    BotCommand("privacy", T("what we keep", fr="ce que nous gardons", nl="wat we bewaren", uk="що ми зберігаємо")),
    BotCommand("help", T("this list", fr="cette liste", nl="deze lijst", uk="цей список")),
)

TEXTS: dict[str, dict[str, str]] = {
    "uk": {
        "privacy": (
            "Ми не зберігаємо ваше ім'я, номер телефону, ідентифікатор Telegram чи текст ваших повідомлень. "
            "Ми лише рахуємо звернення за темами, анонімно. Якщо ви попросите консультанта, ви отримаєте код — "
            "він не містить жодних даних про вас."
        ),
        "fallback": "Ось що я вмію:",
    },
    "fr": {
        "privacy": (
            "Nous ne gardons ni votre nom, ni votre numéro, ni votre identifiant Telegram, ni le texte de vos messages. "
            "Nous comptons seulement les questions par thème, de façon anonyme. Si vous demandez un conseiller, vous "
            "recevez un code qui ne contient rien sur vous."
        ),
        "fallback": "Voici ce que je sais faire :",
    },
    "nl": {
        "privacy": (
            "We bewaren uw naam, nummer, Telegram-id en de tekst van uw berichten niet. We tellen alleen de vragen "
            "per thema, anoniem. Als u een adviseur vraagt, krijgt u een code die niets over u bevat."
        ),
        "fallback": "Dit kan ik voor u doen:",
    },
    "en": {
        "privacy": (
            "We keep neither your name, your number, your Telegram id nor the text of your messages. We only count "
            "questions by theme, anonymously. If you ask for a counsellor, you get a code that holds nothing about you."
        ),
        "fallback": "Here is what I can do:",
    },
}


def language_of(user: User | None, default: str = "uk", languages: tuple[str, ...] = BOT_LANGUAGES) -> str:
    """The bot language for a Telegram user: their app's language if the bot speaks it, else ``default``."""
    code = (getattr(user, "language_code", None) or "").lower().replace("_", "-").split("-")[0]
    return code if code in languages else default


def help_text(commands: Sequence[BotCommand], language: str) -> str:
    """One line per command, plugins' commands first (what people come for), the core's after."""
    ordered = [c for c in commands if c not in CORE_COMMANDS] + list(CORE_COMMANDS)
    return "\n".join(f"/{c.command} — {c.description.get(language)}" for c in ordered)


def core_handlers(
    app: App, commands: Sequence[BotCommand] = ()
) -> tuple[list[BaseHandler[Any, Any, Any]], list[BaseHandler[Any, Any, Any]]]:
    """The core's handlers: those added before the plugins' and those added after (the fallback).

    ``commands`` are the plugins' commands, listed by ``/help`` and by the fallback after the core's."""
    from telegram.ext import CommandHandler, MessageHandler, filters

    async def help_(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message is not None:
            await update.effective_message.reply_text(help_text(commands, language_of(update.effective_user)))

    async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message is not None:
            await update.effective_message.reply_text(TEXTS[language_of(update.effective_user)]["privacy"])

    async def fallback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message is not None:
            language = language_of(update.effective_user)
            await update.effective_message.reply_text(TEXTS[language]["fallback"] + "\n" + help_text(commands, language))

    first = [CommandHandler("help", help_), CommandHandler("privacy", privacy)]
    last = [MessageHandler(filters.ChatType.PRIVATE & (filters.TEXT | filters.COMMAND), fallback)]
    return first, last


async def log_error(update: object, context: Any) -> None:
    """Log a handler's error without the update: it holds who wrote and what."""
    log.error("error while handling an update: %r", context.error, exc_info=context.error)

"""The core's own bot handlers: ``/help``, ``/privacy``, a fallback for stray messages, error logging.

The texts come in the four languages of the centre; the language is the one the person's Telegram
app is set to, when the bot speaks it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from telegram import Update, User
    from telegram.ext import BaseHandler, ContextTypes

    from tremplin.core.app import App

log = logging.getLogger("tremplin.bot")

BOT_LANGUAGES: tuple[str, ...] = ("uk", "fr", "nl", "en")

TEXTS: dict[str, dict[str, str]] = {
    "uk": {
        "help": "/start — поставити питання\n/cancel — завершити розмову\n/privacy — що ми зберігаємо",
        "privacy": (
            "Ми не зберігаємо ваше ім'я, номер телефону, ідентифікатор Telegram чи текст ваших повідомлень. "
            "Ми лише рахуємо звернення за темами, анонімно. Якщо ви попросите консультанта, ви отримаєте код — "
            "він не містить жодних даних про вас."
        ),
        "fallback": "Щоб поставити питання, надішліть /start.",
    },
    "fr": {
        "help": "/start — poser une question\n/cancel — arrêter la conversation\n/privacy — ce que nous gardons",
        "privacy": (
            "Nous ne gardons ni votre nom, ni votre numéro, ni votre identifiant Telegram, ni le texte de vos messages. "
            "Nous comptons seulement les questions par thème, de façon anonyme. Si vous demandez un conseiller, vous "
            "recevez un code qui ne contient rien sur vous."
        ),
        "fallback": "Pour poser une question, envoyez /start.",
    },
    "nl": {
        "help": "/start — een vraag stellen\n/cancel — het gesprek stoppen\n/privacy — wat we bewaren",
        "privacy": (
            "We bewaren uw naam, nummer, Telegram-id en de tekst van uw berichten niet. We tellen alleen de vragen "
            "per thema, anoniem. Als u een adviseur vraagt, krijgt u een code die niets over u bevat."
        ),
        "fallback": "Stuur /start om een vraag te stellen.",
    },
    "en": {
        "help": "/start — ask a question\n/cancel — stop the conversation\n/privacy — what we keep",
        "privacy": (
            "We keep neither your name, your number, your Telegram id nor the text of your messages. We only count "
            "questions by theme, anonymously. If you ask for a counsellor, you get a code that holds nothing about you."
        ),
        "fallback": "To ask a question, send /start.",
    },
}


def language_of(user: User | None, default: str = "uk", languages: tuple[str, ...] = BOT_LANGUAGES) -> str:
    """The bot language for a Telegram user: their app's language if the bot speaks it, else ``default``."""
    code = (getattr(user, "language_code", None) or "").lower().replace("_", "-").split("-")[0]
    return code if code in languages else default


def core_handlers(app: App) -> tuple[list[BaseHandler[Any, Any, Any]], list[BaseHandler[Any, Any, Any]]]:
    """The core's handlers: those added before the plugins' and those added after (the fallback)."""
    from telegram.ext import CommandHandler, MessageHandler, filters

    async def help_(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message is not None:
            await update.effective_message.reply_text(TEXTS[language_of(update.effective_user)]["help"])

    async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message is not None:
            await update.effective_message.reply_text(TEXTS[language_of(update.effective_user)]["privacy"])

    async def fallback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message is not None:
            await update.effective_message.reply_text(TEXTS[language_of(update.effective_user)]["fallback"])

    first = [CommandHandler("help", help_), CommandHandler("privacy", privacy)]
    last = [MessageHandler(filters.ChatType.PRIVATE & (filters.TEXT | filters.COMMAND), fallback)]
    return first, last


async def log_error(update: object, context: Any) -> None:
    """Log a handler's error without the update: it holds who wrote and what."""
    log.error("error while handling an update: %r", context.error, exc_info=context.error)

"""Touch'N'Go in the bot: the weekly challenge, to see now or to receive each week.

``/challenge`` shows three buttons: this week's challenge, subscribe, unsubscribe. The challenge is a
text the centre edits each week (``neet.challenge``, ``/admin/bot-texts``); the subscription is kept
under the chat's keyed hash with its id sealed (``tremplin.broadcast``), and the
``neet-challenge`` flow sends the challenge to the subscribers on its day. The first button pressed
after ``/challenge`` ends that little conversation: the bot asks its one optional satisfaction question.
Each subscription made or ended is counted on its day (``record_changes``, the ``neet.challenge`` fact
source), without anything of the chat.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tremplin import App

log = logging.getLogger("tremplin.bot.neet")

AUDIENCE = "neet"
TOPIC = "neet.challenge"
#: ``user_data`` flag: a ``/challenge`` menu was shown and none of its buttons pressed yet.
MENU_OPEN = "neet.menu"
TEXT_KEY = "neet.challenge"

TEXTS: dict[str, dict[str, str]] = {
    "uk": {
        "menu": "Touch'N'Go: щотижневий виклик, щоб рухатися до навчання чи роботи.",
        "see": "Виклик цього тижня",
        "subscribe": "Отримувати щотижня",
        "unsubscribe": "Більше не надсилати",
        "subscribed": "Готово: ви отримуватимете виклик щотижня. /challenge, щоб скасувати.",
        "already": "Ви вже отримуєте виклик щотижня.",
        "unsubscribed": "Готово: виклики більше не надходитимуть.",
        "not_subscribed": "Ви не були підписані.",
        "week": "🎯 Виклик тижня:\n{text}",
        "default": "Запитайте в когось, хто вам подобається, як він обрав свою професію.",
    },
    "fr": {
        "menu": "Touch'N'Go : un défi chaque semaine pour avancer vers une formation ou un emploi.",
        "see": "Le défi de la semaine",
        "subscribe": "Le recevoir chaque semaine",
        "unsubscribe": "Ne plus le recevoir",
        "subscribed": "C'est fait : vous recevrez le défi chaque semaine. /challenge pour arrêter.",
        "already": "Vous recevez déjà le défi chaque semaine.",
        "unsubscribed": "C'est fait : vous ne recevrez plus le défi.",
        "not_subscribed": "Vous n'étiez pas abonné.",
        "week": "🎯 Le défi de la semaine :\n{text}",
        "default": "Demandez à quelqu'un que vous appréciez comment il a choisi son métier.",
    },
    "nl": {
        "menu": "Touch'N'Go: elke week een uitdaging om verder te komen naar een opleiding of werk.",
        "see": "De uitdaging van de week",
        "subscribe": "Elke week ontvangen",
        "unsubscribe": "Niet meer ontvangen",
        "subscribed": "Klaar: u krijgt de uitdaging elke week. /challenge om te stoppen.",
        "already": "U krijgt de uitdaging al elke week.",
        "unsubscribed": "Klaar: u krijgt de uitdaging niet meer.",
        "not_subscribed": "U was niet ingeschreven.",
        "week": "🎯 De uitdaging van de week:\n{text}",
        "default": "Vraag iemand die u waardeert hoe die zijn beroep koos.",
    },
    "en": {
        "menu": "Touch'N'Go: a challenge each week to move towards training or a job.",
        "see": "This week's challenge",
        "subscribe": "Get it every week",
        "unsubscribe": "Stop sending it",
        "subscribed": "Done: you will get the challenge every week. /challenge to stop.",
        "already": "You already get the challenge every week.",
        "unsubscribed": "Done: you will not get the challenge any more.",
        "not_subscribed": "You were not subscribed.",
        "week": "🎯 This week's challenge:\n{text}",
        "default": "Ask someone you like how they chose their job.",
    },
}


def text(language: str, key: str) -> str:
    return TEXTS.get(language, TEXTS["uk"])[key]


def period_of(day: date) -> str:
    """The week a challenge belongs to: ``2026-W49``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def record_changes(app: App, change: str, language: str = "", count: int = 1) -> None:
    """Count ``count`` subscriptions made or ended today (``models.CHANGES``), for the bot's centre."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tremplin import bot_centre
    from tremplin.plugins.neet.models import ChallengeChange

    if count <= 0:
        return
    centre_id, _ = bot_centre(app)
    today = datetime.now(ZoneInfo(app.settings.timezone)).date()
    with app.transaction() as session:
        session.add_all(
            ChallengeChange(centre_id=centre_id, day=today, change=change, language=language) for _ in range(count)
        )


def challenge_text(app: App, language: str) -> str:
    from tremplin import edited_text

    return text(language, "week").format(text=edited_text(app, TEXT_KEY, language, text(language, "default")))


def handlers(app: App) -> list[Any]:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup
    from telegram.ext import CallbackQueryHandler, CommandHandler

    from tremplin import ask_satisfaction, in_thread, is_subscribed, subscribe, unsubscribe, user_language

    async def counted(change: str, lang: str) -> None:
        try:
            await in_thread(record_changes, app, change, lang)
        except Exception as exc:  # the person's choice is done; only the figure misses it, and the log says so
            log.error("could not count a change of the weekly challenge's subscriptions: %r", exc)

    async def menu(update: Any, context: Any) -> None:
        lang = user_language(update, context)
        subscribed = await in_thread(is_subscribed, app, TOPIC, update.effective_chat.id)
        buttons = [[InlineKeyboardButton(text(lang, "see"), callback_data="neet:see")]]
        action = "unsubscribe" if subscribed else "subscribe"
        buttons.append([InlineKeyboardButton(text(lang, action), callback_data=f"neet:{action}")])
        await update.effective_message.reply_text(text(lang, "menu"), reply_markup=InlineKeyboardMarkup(buttons))
        context.user_data[MENU_OPEN] = True

    async def pressed(update: Any, context: Any) -> None:
        query = update.callback_query
        lang = user_language(update, context)
        chat_id = update.effective_chat.id
        action = (query.data or "").partition(":")[2]
        await query.answer()
        if action == "see":
            await query.edit_message_text(challenge_text(app, lang))
        elif action == "subscribe":
            new = await in_thread(subscribe, app, TOPIC, chat_id, lang)
            await query.edit_message_text(text(lang, "subscribed" if new else "already"))
            if new:
                await counted("subscribed", lang)
        elif action == "unsubscribe":
            gone = await in_thread(unsubscribe, app, TOPIC, chat_id)
            await query.edit_message_text(text(lang, "unsubscribed" if gone else "not_subscribed"))
            if gone:
                await counted("unsubscribed", lang)
        else:
            return
        # The menu's conversation ends with its first choice: its one optional question, once.
        if context.user_data.pop(MENU_OPEN, False):
            await ask_satisfaction(update, context, AUDIENCE)

    return [CommandHandler("challenge", menu), CallbackQueryHandler(pressed, pattern=r"^neet:")]


async def send_challenge(app: App, bot: Any, day: date) -> dict[str, int]:
    """This week's challenge to every subscriber who has not had it (``tremplin.broadcast``)."""
    import asyncio

    from tremplin import broadcast

    counts = await broadcast(app, bot, TOPIC, period_of(day), lambda language: challenge_text(app, language))
    await asyncio.to_thread(record_changes, app, "ended", "", counts["ended"])
    return counts

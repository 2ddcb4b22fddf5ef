"""Touch'N'Go in the bot: the weekly challenge, to see now or to receive each week; a question to a worker.

``/challenge`` shows three buttons: this week's challenge, subscribe (or unsubscribe), write to a
Touch'N'Go worker. The challenge is a
text the centre edits each week (``neet.challenge``, ``/admin/bot-texts``); the subscription is kept
under the chat's keyed hash with its id sealed (``tremplin.broadcast``), and the
``neet-challenge`` flow sends the challenge to the subscribers on its day. The first button pressed
after ``/challenge`` ends that little conversation: the bot asks its one optional satisfaction question.
Each subscription made or ended is counted on its day (``record_changes``, the ``neet.challenge`` fact
source), without anything of the chat.

"Write to a Touch'N'Go worker" asks for the question in one message, without name, phone number or
e-mail; the person's next text opens an anonymous thread (``tremplin.open_thread``, audience ``neet``)
that Touch'N'Go workers answer from the web inbox, and the core relays the answers and what the person
writes next. The question is scrubbed before it is stored, like every message of a thread. "Waiting for
the question" is a flag in ``user_data``, so it survives a restart of the bot; a command while waiting
drops it (``/cancel`` says so), and what the bot cannot read gets the core's answer as anywhere else.
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
#: ``user_data`` flag: the person pressed "write to a worker" and the bot waits for their question.
ASKING = "neet.asking"
#: ``user_data`` key the core's relay reads: the open thread what the person writes goes to.
THREAD = "thread"
#: The centre's theme a question to a Touch'N'Go worker is counted under: finding one's way.
THEME = "choose"
#: The handler group of the question step: after the core's guards and its answer to what the bot cannot
#: read (group -2, added before the plugins'), before the relay to an open thread (-1) and the commands (0),
#: so that a command while waiting is seen here first.
ASKING_GROUP = -2

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
        "write": "Написати працівнику Touch'N'Go",
        "ask": (
            "Напишіть ваше питання працівнику Touch'N'Go одним повідомленням. Не вказуйте ім'я, телефон чи "
            "e-mail — вони нам не потрібні."
        ),
        "opened": (
            "Ваше питання передано працівникам Touch'N'Go. Відповідь прийде в цей чат. Ви можете дописувати сюди."
        ),
        "open_already": "Ваша розмова з працівником ще триває: просто пишіть сюди, відповідь прийде в цей чат.",
        "cancelled": "Гаразд, питання не надіслано. /challenge, щоб повернутися до меню.",
        "not_opened": "Зараз не вдалося передати ваше питання. Спробуйте пізніше: /challenge.",
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
        "write": "Écrire à un travailleur Touch'N'Go",
        "ask": (
            "Écrivez votre question à un travailleur Touch'N'Go en un seul message. N'indiquez ni nom, ni numéro "
            "de téléphone, ni e-mail : nous n'en avons pas besoin."
        ),
        "opened": (
            "Votre question est transmise aux travailleurs Touch'N'Go. La réponse arrivera dans cette conversation. "
            "Vous pouvez encore écrire ici."
        ),
        "open_already": (
            "Votre conversation avec un travailleur est toujours ouverte : écrivez ici, la réponse arrivera dans "
            "cette conversation."
        ),
        "cancelled": "D'accord, la question n'est pas envoyée. /challenge pour revenir au menu.",
        "not_opened": "Votre question n'a pas pu être transmise pour l'instant. Réessayez plus tard : /challenge.",
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
        "write": "Schrijf een Touch'N'Go-medewerker",
        "ask": (
            "Schrijf uw vraag aan een Touch'N'Go-medewerker in één bericht. Vermeld geen naam, telefoonnummer of "
            "e-mail: die hebben we niet nodig."
        ),
        "opened": (
            "Uw vraag is doorgegeven aan de Touch'N'Go-medewerkers. Het antwoord komt in dit gesprek. "
            "U kunt hier nog schrijven."
        ),
        "open_already": (
            "Uw gesprek met een medewerker loopt nog: schrijf gewoon hier, het antwoord komt in dit gesprek."
        ),
        "cancelled": "Goed, de vraag is niet verstuurd. /challenge om terug te gaan naar het menu.",
        "not_opened": "Uw vraag kon nu niet worden doorgegeven. Probeer het later opnieuw: /challenge.",
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
        "write": "Write to a Touch'N'Go worker",
        "ask": (
            "Write your question to a Touch'N'Go worker in one message. Do not give your name, phone number or "
            "e-mail: we do not need them."
        ),
        "opened": (
            "Your question has been passed on to the Touch'N'Go workers. The answer will come in this chat. "
            "You can keep writing here."
        ),
        "open_already": (
            "Your conversation with a worker is still open: just write here, the answer will come in this chat."
        ),
        "cancelled": "All right, the question was not sent. /challenge to go back to the menu.",
        "not_opened": "Your question could not be passed on just now. Please try again later: /challenge.",
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


def open_question(app: App, language: str, chat_id: int, question: str) -> int:
    """Open a thread with the Touch'N'Go workers with the person's question (``tremplin.open_thread``
    scrubs it before it is stored, and keeps the chat id sealed); returns the thread's id."""
    from tremplin import bot_centre, open_thread

    centre_id, _ = bot_centre(app)
    with app.transaction() as session:
        thread = open_thread(
            app,
            session,
            centre_id=centre_id,
            audience=AUDIENCE,
            theme=THEME,
            language=language,
            chat_id=chat_id,
            text=question,
        )
        return thread.id


def challenge_text(app: App, language: str) -> str:
    from tremplin import edited_text

    return text(language, "week").format(text=edited_text(app, TEXT_KEY, language, text(language, "default")))


def handlers(app: App) -> list[Any]:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup
    from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, CommandHandler, MessageHandler, filters

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
        buttons.append([InlineKeyboardButton(text(lang, "write"), callback_data="neet:write")])
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
        elif action == "write":
            # The conversation goes on with the question: the satisfaction question comes when the thread closes.
            context.user_data.pop(MENU_OPEN, None)
            if context.user_data.get(THREAD):
                await query.edit_message_text(text(lang, "open_already"))
            else:
                context.user_data[ASKING] = True
                await query.edit_message_text(text(lang, "ask"))
            return
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

    async def asked(update: Any, context: Any) -> None:
        """Every text in a private chat passes here; only the one the bot waits for is taken."""
        if not context.user_data.get(ASKING):
            return
        message = update.effective_message
        lang = user_language(update, context)
        context.user_data.pop(ASKING, None)
        if (message.text or "").startswith("/"):
            # A command is never the question: it ends the waiting, and goes on to its handler unless it
            # is /cancel, which is answered here.
            if message.text.split()[0].split("@")[0] == "/cancel":
                await message.reply_text(text(lang, "cancelled"))
                raise ApplicationHandlerStop
            return
        try:
            thread_id = await in_thread(open_question, app, lang, update.effective_chat.id, message.text)
        except Exception as exc:
            log.error("could not open a thread from the bot: %r", exc)
            await message.reply_text(text(lang, "not_opened"))
            raise ApplicationHandlerStop from None
        context.user_data[THREAD] = thread_id
        await message.reply_text(text(lang, "opened"))
        raise ApplicationHandlerStop

    new_text = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.TEXT
    return [
        CommandHandler("challenge", menu),
        CallbackQueryHandler(pressed, pattern=r"^neet:"),
        (MessageHandler(new_text, asked), ASKING_GROUP),
    ]


async def send_challenge(app: App, bot: Any, day: date) -> dict[str, int]:
    """This week's challenge to every subscriber who has not had it (``tremplin.broadcast``)."""
    import asyncio

    from tremplin import broadcast

    counts = await broadcast(app, bot, TOPIC, period_of(day), lambda language: challenge_text(app, language))
    await asyncio.to_thread(record_changes, app, "ended", "", counts["ended"])
    return counts

"""One optional question at the end of a conversation: how satisfied the person is, as buttons.

An audience's conversation calls ``ask_satisfaction(update, context, audience, theme)`` once, where it
ends; a thread a counsellor closes from the inbox (answered or referred) ends with the same question,
asked by the bot after the closing message (``ask_after_thread``), about the thread's audience and theme.
The question is the survey's own (``tremplin.core.surveys``: very satisfied to very dissatisfied), in the
person's language, with a button to skip it. The buttons carry a one-time code kept in the
person's ``user_data``: a second press, or a press on an older question, records nothing. An answer goes
through ``record_survey_answer`` (channel ``bot``, the person's language, the conversation's theme and
audience), which the survey's figures and the audiences' counters (``surveys.answers``) count; skipping
records nothing. Nothing about the person is kept with the answer.
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any

from tremplin.core.bot.texts import say

if TYPE_CHECKING:
    from telegram import InlineKeyboardMarkup, Update
    from telegram.ext import Application, BaseHandler

    from tremplin.core.app import App
    from tremplin.core.counters import Counter

log = logging.getLogger("tremplin.bot")

#: ``callback_data`` of the buttons: ``sat:<code>:<choice>``.
PREFIX = "sat"
SKIP = "skip"
#: Where the question waiting for an answer is kept in ``user_data``.
PENDING = "satisfaction"


def _question(language: str, code: str) -> tuple[str, InlineKeyboardMarkup]:
    """The question's text and its buttons, in ``language``, for the question ``code``."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    from tremplin.core.surveys import SATISFACTION

    buttons = [
        [InlineKeyboardButton(label.get(language), callback_data=f"{PREFIX}:{code}:{choice}")]
        for choice, label in SATISFACTION.items()
    ]
    buttons.append([InlineKeyboardButton(say(language, "satisfaction_skip"), callback_data=f"{PREFIX}:{code}:{SKIP}")])
    return say(language, "satisfaction"), InlineKeyboardMarkup(buttons)


def _remember(data: dict[Any, Any], audience: str, theme: str | None) -> str:
    """Keep the question waiting for an answer in ``user_data`` (replacing an older one); returns its code."""
    code = secrets.token_hex(4)
    data[PENDING] = {"code": code, "audience": audience, "theme": theme}
    return code


async def ask_satisfaction(update: Update, context: Any, audience: str, theme: str | None = None) -> bool:
    """Ask how satisfied the person is with the conversation that ends (once: call it where it ends).

    Returns whether the question was sent (not without a chat and its user's data)."""
    from tremplin.core.bot.handlers import reply, user_language

    data = getattr(context, "user_data", None)
    if data is None or update.effective_chat is None:
        return False
    text, markup = _question(user_language(update, context), _remember(data, audience, theme))
    await reply(update, text, reply_markup=markup)
    return True


async def ask_after_thread(
    application: Application, chat_id: int, language: str, audience: str, theme: str | None
) -> None:
    """The question at the end of a thread a counsellor closed, sent to the chat (a private chat: its id is
    the person's); the thread leaves the person's state at the same time."""
    from tremplin.core.bot.state import change_user_data

    codes: list[str] = []

    def change(data: dict[Any, Any]) -> bool:
        data.pop("thread", None)
        codes.append(_remember(data, audience, theme))
        return True

    await change_user_data(application, chat_id, change)
    text, markup = _question(language, codes[0])
    await application.bot.send_message(chat_id, text, reply_markup=markup)


def record_answer(app: App, audience: str, theme: str | None, satisfaction: str, language: str) -> int:
    """Record the bot's answer for the bot's centre; returns its id."""
    from tremplin.core.bot.app import bot_centre
    from tremplin.core.surveys import BOT_QUESTIONS, record_survey_answer

    centre_id, _ = bot_centre(app)
    with app.transaction() as session:
        answer = record_survey_answer(
            app,
            session,
            {"satisfaction": satisfaction},
            language=language,
            service=audience,
            channel="bot",
            centre_id=centre_id,
            theme=theme,
            asked=BOT_QUESTIONS,
        )
        return answer.id


def satisfaction_handler(app: App) -> BaseHandler[Any, Any, Any]:
    """The core's handler of the question's buttons."""
    from telegram.ext import CallbackQueryHandler

    from tremplin.core.bot.handlers import in_thread, user_language
    from tremplin.core.surveys import SATISFACTION

    async def pressed(update: Update, context: Any) -> None:
        query = update.callback_query
        assert query is not None  # a callback query handler
        _prefix, code, choice = ((query.data or "") + "::").split(":")[:3]
        data = context.user_data if context.user_data is not None else {}
        pending = data.get(PENDING)
        language = user_language(update, context)
        await query.answer()
        if not pending or pending.get("code") != code or (choice != SKIP and choice not in SATISFACTION):
            return  # answered already, or an older question: nothing to record
        data.pop(PENDING, None)
        if choice == SKIP:
            await query.edit_message_text(say(language, "satisfaction_skipped"))
            return
        try:
            await in_thread(record_answer, app, pending["audience"], pending.get("theme"), choice, language)
        except Exception as exc:  # the person is thanked all the same; the log says why nothing was counted
            log.error("could not record the bot's satisfaction answer: %r", exc)
        await query.edit_message_text(say(language, "satisfaction_thanks"))

    return CallbackQueryHandler(pressed, pattern=rf"^{PREFIX}:")


#: The built-in plugin that counts survey answers (``surveys.answers``); a centre may disable it.
SURVEYS_PLUGIN = "tremplin.core.builtins.surveys"


def satisfaction_counters(app: App, audience: str) -> list[Counter]:
    """The bot's satisfaction answers of ``audience`` (``surveys.answers``, channel ``bot``): answers, and
    those satisfied or very satisfied. An audience whose bot asks the question (``ask_satisfaction``)
    returns them from ``register_counters``: the dashboard and its report show them. None where the
    survey is disabled."""
    from tremplin.core.counters import Counter
    from tremplin.core.i18n import T

    if app.pm.get_plugin(SURVEYS_PLUGIN) is None:
        return []

    where = {"audience": audience, "channel": "bot"}
    return [
        Counter.simple(
            f"{audience}.bot_satisfaction",
            T(
                "Satisfaction answers in the bot",
                fr="Réponses de satisfaction dans le bot",
                nl="Tevredenheidsantwoorden in de bot",
                uk="Відповіді щодо задоволеності в боті",
            ),
            "surveys.answers:rows",
            where,
            audience=audience,
        ),
        Counter.simple(
            f"{audience}.bot_satisfied",
            T(
                "Satisfied or very satisfied, in the bot",
                fr="Satisfaits ou très satisfaits, dans le bot",
                nl="Tevreden of zeer tevreden, in de bot",
                uk="Задоволені або дуже задоволені, у боті",
            ),
            "surveys.answers:satisfied",
            where,
            audience=audience,
        ),
    ]

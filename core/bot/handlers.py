"""The core's own bot handlers: the commands that always work, the guards, the relay to a counsellor.

Handler groups, in the order python-telegram-bot runs them (a handler that stops the update ends it):

* ``-3`` the **guard**: group chats get one polite answer and nothing else, a chat sending more than
  ``settings.bot_rate_limit`` messages a minute is told to slow down (once; counted in the database
  when several processes share the bot), an edited message is answered;
* ``-2`` what the bot cannot read (photos, voice, stickers, files, locations, shared contacts) and
  very long texts, answered in the person's language;
* ``-1`` the **relay**: while a thread with a counsellor is open, what the person writes goes to it;
* ``0`` ``/help``, ``/privacy``, ``/language``, ``/forget`` first, then the plugins' handlers, then a
  core ``/start``, ``/cancel`` and the fallback for anything else.

The language is the one the person chose with ``/language``, else their Telegram app's, when the bot
speaks it. ``/help`` lists the core's commands and those the plugins declare (``BotCommand`` items among
what ``register_bot_handlers`` returns), so it never names a command that no handler answers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from tremplin.core.bot.texts import BOT_LANGUAGES, LANGUAGE_NAMES, TEXTS, say
from tremplin.core.i18n import T, Text

if TYPE_CHECKING:
    from telegram import Update, User
    from telegram.ext import BaseHandler, ContextTypes

    from tremplin.core.app import App
    from tremplin.core.bot.limits import ChatRateLimit, SharedChatRateLimit
    from tremplin.core.bot.privacy import Visits

log = logging.getLogger("tremplin.bot")

#: The longest text the bot reads; longer ones are politely refused.
MAX_TEXT = 1000
__all__ = ["BOT_LANGUAGES", "TEXTS", "BotCommand", "help_text", "in_thread", "language_of", "user_language"]


@dataclass(frozen=True)
class BotCommand:
    """A command a plugin's handlers answer, as ``/help`` lists it: ``BotCommand("start", T("ask a question"))``.

    Return it from ``register_bot_handlers`` with the handlers; a command none of the plugin's handlers
    answers is a plugin error.
    """

    command: str
    description: Text


#: The core's own commands, after the plugins' in ``/help``.
CORE_COMMANDS: tuple[BotCommand, ...] = (
    BotCommand("language", T("change language", fr="changer de langue", nl="taal wijzigen", uk="змінити мову")),
    BotCommand("privacy", T("what we keep", fr="ce que nous gardons", nl="wat we bewaren", uk="що ми зберігаємо")),
    BotCommand(
        "forget", T("erase this chat", fr="effacer cette conversation", nl="dit gesprek wissen", uk="видалити цей чат")
    ),
    BotCommand("help", T("this list", fr="cette liste", nl="deze lijst", uk="цей список")),
)
#: Commands the core answers when no plugin does (a plugin's ``/start`` or ``/cancel`` replaces them).
FALLBACK_COMMANDS: tuple[BotCommand, ...] = (
    BotCommand("start", T("start", fr="commencer", nl="beginnen", uk="почати")),
    BotCommand("cancel", T("stop", fr="arrêter", nl="stoppen", uk="зупинити")),
)


def language_of(user: User | None, default: str = "uk", languages: tuple[str, ...] = BOT_LANGUAGES) -> str:
    """The bot language for a Telegram user: their app's language if the bot speaks it, else ``default``."""
    code = (getattr(user, "language_code", None) or "").lower().replace("_", "-").split("-")[0]
    return code if code in languages else default


def user_language(update: Update, context: Any, default: str = "uk") -> str:
    """The person's language: chosen with ``/language`` (kept in ``user_data``), else their app's."""
    data = getattr(context, "user_data", None) or {}
    chosen = data.get("language")
    return chosen if chosen in BOT_LANGUAGES else language_of(update.effective_user, default)


def all_commands(commands: Sequence[BotCommand]) -> list[BotCommand]:
    """Plugins' commands first (what people come for), the core's fallbacks a plugin does not replace, the core's."""
    names = {c.command for c in commands}
    listed = [*commands, *(c for c in FALLBACK_COMMANDS if c.command not in names)]
    # /start first wherever it comes from: it is where a conversation begins.
    return [*sorted(listed, key=lambda c: c.command != "start"), *CORE_COMMANDS]


def help_text(commands: Sequence[BotCommand], language: str) -> str:
    """One line per command the bot answers."""
    return "\n".join(f"/{c.command} — {c.description.get(language)}" for c in all_commands(commands))


async def publish_commands(bot: Any, commands: Sequence[BotCommand], default: str = "uk") -> None:
    """Give Telegram the bot's command menu (what ``/`` offers), in each language the bot speaks, with the
    same commands as ``/help``; people whose app speaks none of them get ``default``'s. A failure is logged:
    the bot answers commands typed without the menu too."""
    from telegram import BotCommand as TelegramCommand
    from telegram.error import TelegramError

    listed = all_commands(commands)
    try:
        for language in (None, *BOT_LANGUAGES):
            menu = [TelegramCommand(c.command, c.description.get(language or default)) for c in listed]
            await bot.set_my_commands(menu, language_code=language)
    except TelegramError as exc:
        log.warning("could not give Telegram the command menu: %r", exc)


async def in_thread(fn: Any, *args: Any, attempts: int = 4) -> Any:
    """Run a database write in a worker thread, again when the database was busy (SQLite: another
    writer got there first) rather than failing the person's message."""
    from sqlalchemy.exc import OperationalError

    for attempt in range(1, attempts + 1):
        try:
            return await asyncio.to_thread(fn, *args)
        except OperationalError:
            if attempt == attempts:
                raise
            await asyncio.sleep(0.05 * 2**attempt)


async def reply(update: Update, text: str, **kwargs: Any) -> None:
    """Answer in the chat of the update (a message, an edited message, a button)."""
    chat = update.effective_chat
    if chat is not None:
        from telegram import Bot

        bot: Bot = update.get_bot()
        await bot.send_message(chat.id, text, **kwargs)


def core_handlers(
    app: App,
    commands: Sequence[BotCommand] = (),
    flood_limit: ChatRateLimit | SharedChatRateLimit | None = None,
    visits: Visits | None = None,
) -> tuple[list[tuple[BaseHandler[Any, Any, Any], int]], list[BaseHandler[Any, Any, Any]]]:
    """The core's handlers: ``(handler, group)`` pairs added before the plugins', and those added after.

    ``commands`` are the plugins' commands, listed by ``/help`` and by the fallback. ``flood_limit``: the
    count of each chat's messages (in the process unless given: ``SharedChatRateLimit`` keeps it in the
    database, for several processes answering the same bot). ``visits``: where conversations are counted
    (in batches; written before ``/forget`` forgets)."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup
    from telegram import Update as TUpdate
    from telegram.ext import (
        ApplicationHandlerStop,
        CallbackQueryHandler,
        CommandHandler,
        MessageHandler,
        TypeHandler,
        filters,
    )

    from tremplin.core.bot import threads
    from tremplin.core.bot.limits import ChatRateLimit, SharedChatRateLimit
    from tremplin.core.bot.privacy import Visits, forget_chat
    from tremplin.core.bot.satisfaction import satisfaction_handler

    answered = {c.command for c in commands}
    counted = visits or Visits(app)
    limit = flood_limit or ChatRateLimit(app.settings.bot_rate_limit)

    async def flood_check(chat_id: int) -> tuple[bool, bool]:
        if isinstance(limit, SharedChatRateLimit):  # a statement in the database: off the event loop
            return cast("tuple[bool, bool]", await in_thread(limit.check, chat_id))
        return limit.check(chat_id)

    async def guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is None:
            raise ApplicationHandlerStop
        language = user_language(update, context)
        allowed, tell = await flood_check(chat.id)
        if not allowed:
            if tell:
                await reply(update, say(language, "slow_down"))
            raise ApplicationHandlerStop
        if chat.type != "private":
            if update.effective_message is not None:
                await reply(update, say(language, "group"))
            raise ApplicationHandlerStop
        if update.edited_message is not None:
            await reply(update, say(language, "edited"))
            raise ApplicationHandlerStop
        message = update.message
        if message is not None and message.text and message.text.split()[0].split("@")[0] == "/start":
            counted.note(chat.id)

    async def unreadable(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await reply(update, say(user_language(update, context), "media"))
        raise ApplicationHandlerStop

    async def too_long(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await reply(update, say(user_language(update, context), "too_long", limit=MAX_TEXT))
        raise ApplicationHandlerStop

    async def relay(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        thread_id = (context.user_data or {}).get("thread")
        if not thread_id or update.effective_message is None or update.effective_chat is None:
            return
        text = update.effective_message.text or ""

        def add() -> bool:
            from tremplin.core.bot.models import BotThread

            with app.transaction() as session:
                thread = session.get(BotThread, thread_id)
                if thread is None or thread.status != "open":
                    return False
                threads.add_person_message(app, session, thread, text)
                return True

        if not await in_thread(add):
            assert context.user_data is not None  # it held the thread
            context.user_data.pop("thread", None)
            return  # the thread was closed: the message goes to the other handlers
        await reply(update, say(user_language(update, context), "thread_received"))
        raise ApplicationHandlerStop

    async def help_(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await reply(update, help_text(commands, user_language(update, context)))

    async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await reply(update, say(user_language(update, context), "privacy", days=app.settings.bot_retention_days))

    async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        buttons = [[InlineKeyboardButton(LANGUAGE_NAMES[code], callback_data=f"lang:{code}")] for code in BOT_LANGUAGES]
        await reply(
            update, say(user_language(update, context), "choose_language"), reply_markup=InlineKeyboardMarkup(buttons)
        )

    async def language_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        # Registered for callback queries from a user: both are there.
        assert query is not None and context.user_data is not None
        code = (query.data or "").partition(":")[2]
        if code not in BOT_LANGUAGES:
            await query.answer()
            return
        context.user_data["language"] = code
        await query.answer()
        await query.edit_message_text(say(code, "language_set"))
        await reply(update, help_text(commands, code))

    async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        # A command always comes from a chat with a user.
        assert chat is not None and context.user_data is not None and context.chat_data is not None
        language = user_language(update, context)
        await counted.flush()  # the chat's visits counted so far, written before they are deleted
        count = await in_thread(forget_chat, app, chat.id)
        context.user_data.clear()
        context.chat_data.clear()
        # Conversations in progress end too; python-telegram-bot keeps their states per (chat, user).
        for group in context.application.handlers.values():
            for handler in group:
                states = getattr(handler, "_conversations", None)
                if states is not None:
                    for key in [k for k in list(states) if k and k[0] == chat.id]:
                        del states[key]
        context.application.drop_user_data(chat.id)
        context.application.drop_chat_data(chat.id)
        await reply(update, say(language, "forgotten", count=count))

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        language = user_language(update, context)
        await reply(update, say(language, "welcome") + "\n" + help_text(commands, language))

    async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await reply(update, say(user_language(update, context), "nothing_to_cancel"))

    async def fallback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        language = user_language(update, context)
        await reply(update, say(language, "fallback") + "\n" + help_text(commands, language))

    private = filters.ChatType.PRIVATE
    new_message = filters.UpdateType.MESSAGE
    first: list[tuple[BaseHandler[Any, Any, Any], int]] = [
        (TypeHandler(TUpdate, guard), -3),
        (MessageHandler(new_message & private & ~filters.TEXT, unreadable), -2),
        (
            MessageHandler(
                new_message & private & filters.TEXT & filters.Regex(rf"(?s)^.{{{MAX_TEXT + 1},}}"), too_long
            ),
            -2,
        ),
        (MessageHandler(new_message & private & filters.TEXT & ~filters.COMMAND, relay), -1),
        (CommandHandler("help", help_), 0),
        (CommandHandler("privacy", privacy), 0),
        (CommandHandler("language", language), 0),
        (CallbackQueryHandler(language_chosen, pattern=r"^lang:"), 0),
        (CommandHandler("forget", forget), 0),
        (satisfaction_handler(app), 0),
    ]
    last: list[BaseHandler[Any, Any, Any]] = []
    if "start" not in answered:
        last.append(CommandHandler("start", start))
    last.append(CommandHandler("cancel", cancel))
    last.append(MessageHandler(private & (filters.TEXT | filters.COMMAND), fallback))
    return first, last


async def log_error(update: object, context: Any) -> None:
    """Log a handler's error without the update (it holds who wrote and what); the bot goes on."""
    from telegram.error import Forbidden

    error = context.error
    if isinstance(error, Forbidden):  # the person blocked the bot or deleted the chat: nothing to do
        log.info("a chat is closed to the bot: %s", error)
        return
    log.error("error while handling an update: %r", error, exc_info=error)

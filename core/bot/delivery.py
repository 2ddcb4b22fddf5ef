"""Sending what counsellors wrote: the bot's side of the web inbox.

Answers wait in ``bot_thread_messages`` (``delivery = pending``). A task of the running bot claims them
(``tremplin.core.bot.threads.claim_pending``), sends each to its chat and marks it sent. A time-out or a
429 is retried by the next round; a blocked bot or a deleted chat fails the message for good and drops
the sealed chat id. Nothing here stops the bot: an error is logged and the next round comes.

When a counsellor closed the thread (answered or referred), its closing message is followed by the
bot's one optional satisfaction question, in the thread's language, as at the end of a conversation the
bot held alone (``tremplin.core.bot.satisfaction``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from telegram.ext import Application

    from tremplin.core.app import App
    from tremplin.core.bot import threads

log = logging.getLogger("tremplin.bot")


async def deliver_once(app: App, application: Application) -> int:
    """Send the pending answers once; returns how many reached their chat."""
    from telegram.error import BadRequest, Forbidden

    from tremplin.core.bot import threads
    from tremplin.core.bot.handlers import in_thread
    from tremplin.core.bot.texts import say

    sent = 0
    for pending in await in_thread(threads.claim_pending, app):
        message_id, thread_id, chat_id, language, body, closing = pending[:6]
        text = body if closing else say(language, "thread_answer", text=body)
        try:
            await application.bot.send_message(chat_id, text)
        except (Forbidden, BadRequest) as exc:  # blocked, deleted chat, chat not found: never deliverable
            log.info("an answer cannot reach its chat: %s", exc)
            await in_thread(threads.mark_failed, app, message_id, thread_id, str(exc), False)
            continue
        except Exception as exc:  # time-outs, 429 past the limiter's patience: the next round retries
            log.warning("an answer could not be sent yet: %r", exc)
            await in_thread(threads.mark_failed, app, message_id, thread_id, repr(exc), True)
            continue
        await in_thread(threads.mark_delivered, app, message_id, thread_id, closing)
        if closing:
            await after_closing(application, pending)
        sent += 1
    return sent


async def after_closing(application: Application, pending: threads.PendingAnswer) -> None:
    """The thread is over for the person: it leaves their state, and a counsellor's close asks how it went."""
    from tremplin.core.bot.satisfaction import ask_after_thread
    from tremplin.core.bot.state import change_user_data
    from tremplin.core.bot.threads import OUTCOMES

    if pending.outcome not in OUTCOMES:
        await change_user_data(application, pending.chat_id, lambda data: data.pop("thread", None) is not None)
        return
    try:
        await ask_after_thread(application, pending.chat_id, pending.language, pending.audience, pending.theme)
    except Exception as exc:  # an optional question: the answer is delivered all the same
        log.info("the satisfaction question after a thread could not be asked: %r", exc)


async def deliver_forever(app: App, application: Application, interval: float) -> None:
    """``deliver_once`` every ``interval`` seconds until cancelled."""
    while True:
        try:
            await deliver_once(app, application)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database was away: try again next round
            log.error("delivering answers failed: %r", exc)
        await asyncio.sleep(interval)

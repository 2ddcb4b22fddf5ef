"""Threads with a counsellor: opened in the chat, answered from the web inbox, closed with an outcome.

Any audience's bot opens one with ``open_thread`` (its audience, theme, language and the attributes its
form gives the contact the thread becomes). The person's messages are scrubbed before they are stored;
counsellors answer, hand the thread to a colleague or close it from ``/inbox``
(``tremplin.core.web.routes.inbox``). An answer waits in the database (``delivery = pending``) until the
bot sends it (``deliver_pending``): it survives a restart of the bot or of the web app.

A closed thread is logged as **one remote-advice contact** by theme and language. Its text is scrubbed
again and hidden from the inbox, its sealed chat id is dropped once the closing message is sent, and the
retention flow deletes its messages after ``settings.bot_retention_days`` (``purge_threads``). What is
kept for the figures (theme, language, times, outcome) names nobody.

A thread counts in the figure of **threads opened** the moment it opens, on its centre's local day, by
audience, theme and language (the fact source ``bot.threads``, ``thread_fact``): open or waiting threads
are counted before any contact exists. ``/forget`` and the retention flow keep the thread's bare row
(no text, no chat id), so a published figure never goes down.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from sqlalchemy import delete, select, update

from tremplin.core.bot.models import BotThread, BotThreadMessage
from tremplin.core.bot.sealing import seal_for

if TYPE_CHECKING:
    from sqlalchemy import CursorResult
    from sqlalchemy.orm import Session

    from tremplin.core.app import App
    from tremplin.core.counters import Counter, FactSource
    from tremplin.core.models import Referral, Staff

#: Outcomes a counsellor closes a thread with; ``abandoned`` is the bot's (``/forget``, retention).
OUTCOMES: tuple[str, ...] = ("answered", "referred")
#: How long the first answer took, as the contact of a closed thread records it (``answer_time``).
ANSWER_TIME_BANDS: tuple[tuple[str, timedelta], ...] = (
    ("within_hour", timedelta(hours=1)),
    ("within_day", timedelta(days=1)),
    ("within_week", timedelta(days=7)),
)
#: The longest message a person or a counsellor may write in a thread.
MAX_LENGTH = 2000


class ThreadError(ValueError):
    """A thread action that cannot be done (closed thread, empty answer...): ``code`` names why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def answer_time_band(waited: timedelta | None) -> str | None:
    """``within_hour``, ``within_day``, ``within_week`` or ``later``; ``None`` when nobody answered."""
    if waited is None:
        return None
    return next((band for band, limit in ANSWER_TIME_BANDS if waited <= limit), "later")


def contact_attributes(app: App, thread: BotThread, outcome: str) -> dict[str, Any]:
    """The attributes of the contact a closed thread becomes: those its bot gave, plus ``thread`` (the
    outcome), ``answer_time`` (a band) and ``referral`` (``inbox`` when a code was issued) when the
    audience's forms declare fields of those names."""
    attributes = dict(thread.attributes or {})
    fields = app.registry.attribute_fields(thread.audience, "contact")
    if "thread" in fields:
        attributes["thread"] = outcome
    if "referral" in fields and outcome == "referred":  # a code issued from the inbox, counted as such
        attributes["referral"] = "inbox"
    band = answer_time_band(thread.first_answer_at - thread.opened_at if thread.first_answer_at else None)
    if "answer_time" in fields and band is not None:
        attributes["answer_time"] = band
    return attributes


def now() -> datetime:
    return datetime.now(UTC)


def scrubbed(app: App, text: str) -> str:
    """The text through the scrubber chain, cut to ``MAX_LENGTH``."""
    return str(app.scrub(text.replace("\x00", "")[:MAX_LENGTH]).text)


def open_thread(
    app: App,
    session: Session,
    *,
    centre_id: int,
    audience: str,
    theme: str,
    language: str,
    chat_id: int,
    text: str,
    attributes: Mapping[str, Any] | None = None,
) -> BotThread:
    """Open a thread with the person's first message; the chat id is kept sealed, never in clear.

    The thread counts at once in the threads opened (``bot.threads``), in this transaction."""
    from tremplin.core.writes import local_day

    seal = seal_for(app.settings)
    moment = now()
    thread = BotThread(
        centre_id=centre_id,
        audience=audience,
        theme=theme,
        language=language,
        status="open",
        awaiting="staff",
        chat_key=seal.key(chat_id),
        sealed_chat=seal.seal(chat_id),
        opened_at=moment,
        opened_on=local_day(app, session, centre_id, moment),
        last_message_at=moment,
        attributes=dict(attributes or {}),
    )
    thread.messages.append(BotThreadMessage(sender="person", body=scrubbed(app, text), at=moment, delivery="received"))
    session.add(thread)
    session.flush()
    return thread


def add_person_message(app: App, session: Session, thread: BotThread, text: str) -> BotThreadMessage:
    """The person wrote again: the thread goes back to the top of the inbox."""
    if thread.status != "open":
        raise ThreadError("closed")
    moment = now()
    message = BotThreadMessage(sender="person", body=scrubbed(app, text), at=moment, delivery="received")
    thread.messages.append(message)
    thread.awaiting, thread.last_message_at = "staff", moment
    session.flush()
    return message


def answer(app: App, session: Session, thread: BotThread, staff: Staff, text: str) -> BotThreadMessage:
    """A counsellor's answer, queued for the bot to send."""
    if thread.status != "open":
        raise ThreadError("closed")
    body = scrubbed(app, text.strip())
    if not body.strip():
        raise ThreadError("empty")
    moment = now()
    message = BotThreadMessage(sender="staff", staff_id=staff.id, body=body, at=moment, delivery="pending")
    thread.messages.append(message)
    thread.awaiting, thread.last_message_at = "person", moment
    thread.first_answer_at = thread.first_answer_at or moment
    thread.staff_id = thread.staff_id or staff.id
    session.flush()
    return message


def hand_over(session: Session, thread: BotThread, to: Staff) -> None:
    """Give the thread to a colleague: it shows as theirs in the inbox."""
    if thread.status != "open":
        raise ThreadError("closed")
    thread.staff_id = to.id
    session.flush()


def close(
    app: App,
    session: Session,
    thread: BotThread,
    outcome: str,
    staff: Staff | None,
    closing_text: str = "",
    referral: Referral | None = None,
) -> None:
    """Close the thread: log it as one remote-advice contact, scrub its text, queue the closing message.

    The closing message (with the referral code, when there is one) is the last thing sent to the chat;
    the bot drops the sealed chat id once it is sent (``deliver_pending``)."""
    from tremplin.core.models import Centre
    from tremplin.core.records import log_contact

    if thread.status != "open":
        raise ThreadError("closed")
    if outcome not in (*OUTCOMES, "abandoned"):
        raise ThreadError("outcome")
    moment = now()
    centre = session.get(Centre, thread.centre_id)
    values = {
        "centre": centre.code if centre else "",
        "occurred_at": thread.opened_at,
        "audience": thread.audience,
        "modality": "remote_advice",
        "channel": "telegram",
        "themes": [thread.theme],
        "language": thread.language,
    }
    contact = log_contact(app, session, values, contact_attributes(app, thread, outcome) or None, staff=None)
    thread.contact_id = contact.id
    thread.status, thread.outcome, thread.closed_at = "closed", outcome, moment
    thread.staff_id = thread.staff_id or (staff.id if staff else None)
    thread.referral_id = referral.id if referral is not None else None
    thread.retain_until = moment.date() + timedelta(days=app.settings.bot_retention_days)
    for message in thread.messages:
        message.body = scrubbed(app, message.body)
    if closing_text and thread.sealed_chat:
        thread.messages.append(
            BotThreadMessage(
                sender="staff", staff_id=staff.id if staff else None, body=closing_text, at=moment, delivery="pending"
            )
        )
    else:
        thread.sealed_chat, thread.chat_key = None, None
    session.flush()


# ------------------------------------------------------------------------------------------------
# Counting the threads opened

#: The roll-up's name for threads: counters count ``"bot.threads:rows"``.
SOURCE = "bot.threads"
#: What ``thread_fact`` reads: the day first. None of them changes after the thread opens, so answering,
#: closing, ``/forget`` or the retention flow never move the figure.
THREAD_COLUMNS = ("opened_on", "centre_id", "audience", "theme", "language")
#: The built-in plugin that declares the source; a centre that disables it counts no threads.
BOT_PLUGIN = "tremplin.core.builtins.bot"


def thread_fact(get: Any) -> dict[str, Any] | None:
    """A thread as the roll-up counts it: one thread opened, on its local day, by audience, theme and
    language, on the ``telegram`` channel as the contact it becomes."""
    if get("opened_on") is None:
        return None
    theme = get("theme")
    return {
        "day": get("opened_on"),
        "centre_id": get("centre_id"),
        "audience": get("audience") or None,
        "modality": "remote_advice",
        "channel": "telegram",
        "themes": (theme,) if theme else (),
        "language": get("language") or "unknown",
        "measures": {"rows": 1},
    }


def thread_source() -> FactSource:
    """The threads as a fact source (declared by the built-in bot plugin)."""
    from tremplin.core.counters import FactSource
    from tremplin.core.i18n import T

    return FactSource(
        SOURCE,
        BotThread,
        THREAD_COLUMNS,
        thread_fact,
        label=T(
            "Threads with a counsellor",
            fr="Fils avec un conseiller",
            nl="Gesprekken met een adviseur",
            uk="Розмови з консультантом",
        ),
    )


def threads_opened_counters(app: App, audience: str | None = None) -> list[Counter]:
    """Threads opened with a counsellor in the chat, counted when they open (waiting or not): centre-wide
    with ``audience=None`` (the built-in bot plugin's ``bot.threads_opened``), or one audience's
    (``<audience>.bot_threads_opened``, which an audience whose bot opens threads returns from
    ``register_counters``). None where the built-in bot plugin is disabled."""
    from tremplin.core.counters import Counter
    from tremplin.core.i18n import T

    if app.pm.get_plugin(BOT_PLUGIN) is None:
        return []
    return [
        Counter.simple(
            f"{audience}.bot_threads_opened" if audience else "bot.threads_opened",
            T(
                "Questions to a counsellor opened in the chat",
                fr="Questions à un conseiller ouvertes dans la conversation",
                nl="Vragen aan een adviseur geopend in het gesprek",
                uk="Питання до консультанта, відкриті в чаті",
            ),
            f"{SOURCE}:rows",
            {"audience": audience} if audience else None,
            description=T(
                "Counted when the person asks, whether a counsellor has answered yet or not",
                fr="Comptées quand la personne pose la question, qu'un conseiller ait déjà répondu ou non",
                nl="Geteld wanneer de persoon de vraag stelt, of een adviseur al geantwoord heeft of niet",
                uk="Враховуються, коли людина ставить питання, незалежно від того, чи відповів консультант",
            ),
            audience=audience,
        )
    ]


# ------------------------------------------------------------------------------------------------
# Delivery: the bot sends what counsellors wrote


class PendingAnswer(NamedTuple):
    """A counsellor's message to send, as ``claim_pending`` hands it to the bot."""

    message_id: int
    thread_id: int
    chat_id: int
    language: str
    body: str
    #: The thread is closed: this is its last message (the chat id goes once it is sent).
    closing: bool
    audience: str
    theme: str
    #: How the thread was closed (``answered``, ``referred``), ``None`` while it is open.
    outcome: str | None


def claim_pending(app: App, limit: int = 50) -> list[PendingAnswer]:
    """Claim up to ``limit`` pending answers.

    A message is claimed by moving it to ``sending`` with a conditional update, so that several web
    workers or bots never send one twice."""
    seal = seal_for(app.settings)
    out = []
    with app.transaction() as session:
        rows = session.execute(
            select(
                BotThreadMessage.id,
                BotThreadMessage.body,
                BotThread.id,
                BotThread.sealed_chat,
                BotThread.language,
                BotThread.status,
                BotThread.audience,
                BotThread.theme,
                BotThread.outcome,
            )
            .join(BotThread, BotThread.id == BotThreadMessage.thread_id)
            .where(BotThreadMessage.delivery == "pending")
            .order_by(BotThreadMessage.id)
            .limit(limit)
        ).all()
        for message_id, body, thread_id, sealed, language, status, audience, theme, outcome in rows:
            claimed = cast(
                "CursorResult[Any]",
                session.execute(
                    update(BotThreadMessage)
                    .where(BotThreadMessage.id == message_id, BotThreadMessage.delivery == "pending")
                    .values(delivery="sending", attempts=BotThreadMessage.attempts + 1)
                ),
            ).rowcount
            if not claimed:
                continue
            if not sealed:
                session.execute(
                    update(BotThreadMessage)
                    .where(BotThreadMessage.id == message_id)
                    .values(delivery="failed", last_error="no chat")
                )
                continue
            closed = status == "closed"
            chat_id = int(seal.open(sealed))
            out.append(
                PendingAnswer(
                    message_id, thread_id, chat_id, language, body, closed, audience, theme, outcome if closed else None
                )
            )
    return out


def release_claims(app: App) -> int:
    """Answers claimed by a bot that stopped before it could say whether they were sent: pending again.

    Called when a bot starts. An answer may then be sent twice if the bot stopped between Telegram's
    answer and the mark, which is better than never."""
    with app.transaction() as session:
        return int(
            cast(
                "CursorResult[Any]",
                session.execute(
                    update(BotThreadMessage).where(BotThreadMessage.delivery == "sending").values(delivery="pending")
                ),
            ).rowcount
            or 0
        )


def mark_delivered(app: App, message_id: int, thread_id: int, closing: bool) -> None:
    """The message reached the chat; after the closing one, the sealed chat id goes."""
    with app.transaction() as session:
        session.execute(
            update(BotThreadMessage)
            .where(BotThreadMessage.id == message_id)
            .values(delivery="sent", delivered_at=now())
        )
        if closing:
            session.execute(update(BotThread).where(BotThread.id == thread_id).values(sealed_chat=None, chat_key=None))


def mark_failed(app: App, message_id: int, thread_id: int, error: str, retry: bool) -> None:
    """Sending failed: back to ``pending`` for another attempt, or ``failed`` for good (blocked bot,
    deleted chat), in which case the thread cannot be answered in the chat any more."""
    with app.transaction() as session:
        session.execute(
            update(BotThreadMessage)
            .where(BotThreadMessage.id == message_id)
            .values(delivery="pending" if retry else "failed", last_error=error[:500])
        )
        if not retry:
            session.execute(update(BotThread).where(BotThread.id == thread_id).values(sealed_chat=None, chat_key=None))


# ------------------------------------------------------------------------------------------------
# Forgetting and retention


def forget_chat(app: App, session: Session, chat_id: int) -> int:
    """Delete the chat's threads' messages and its sealed id; the threads' bare figures stay. Returns how many."""
    key = seal_for(app.settings).key(chat_id)
    threads = list(session.scalars(select(BotThread).where(BotThread.chat_key == key)))
    for thread in threads:
        session.execute(delete(BotThreadMessage).where(BotThreadMessage.thread_id == thread.id))
        if thread.status == "open":
            thread.status, thread.outcome, thread.closed_at = "closed", "abandoned", now()
        thread.sealed_chat, thread.chat_key, thread.retain_until = None, None, None
    session.flush()
    return len(threads)


def purge_threads(app: App, session: Session, today: date) -> dict[str, int]:
    """Delete the messages of threads closed past their retention, and close (abandoned) threads nobody
    wrote in for the retention period, dropping their sealed chat id."""
    cut_off = datetime.combine(today - timedelta(days=app.settings.bot_retention_days), datetime.min.time(), UTC)
    stale = list(
        session.scalars(select(BotThread).where(BotThread.status == "open", BotThread.last_message_at < cut_off))
    )
    for thread in stale:
        thread.status, thread.outcome, thread.closed_at = "closed", "abandoned", now()
        thread.sealed_chat, thread.chat_key, thread.retain_until = None, None, today
    session.flush()
    due = [
        t
        for (t,) in session.execute(
            select(BotThread.id).where(BotThread.retain_until.is_not(None), BotThread.retain_until <= today)
        )
    ]
    messages = 0
    if due:
        deleted = delete(BotThreadMessage).where(BotThreadMessage.thread_id.in_(due))
        messages = cast("CursorResult[Any]", session.execute(deleted)).rowcount or 0
        session.execute(
            update(BotThread).where(BotThread.id.in_(due)).values(sealed_chat=None, chat_key=None, retain_until=None)
        )
    return {"bot.threads_abandoned": len(stale), "bot.thread_messages": int(messages)}

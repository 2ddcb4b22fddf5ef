"""What the bot keeps: state under keyed hashes, threads with a counsellor, texts, subscriptions.

No column here holds a Telegram id, username or name in clear. Where the bot must reach a chat again
(an answer, a weekly challenge, its state after a restart) the id is sealed (``tremplin.core.bot.sealing``);
where it must only recognise it, it keeps a keyed hash (``chat_key``). Everything tied to a chat goes
with ``/forget``, and what nobody touched for ``settings.bot_retention_days`` goes with the retention flow.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tremplin.core.models import Base, utcnow


class BotState(Base):
    """python-telegram-bot's persisted data (``tremplin.core.bot.persistence``): user, chat, bot data
    and conversation states, under the keyed hash of their key, the key itself sealed."""

    __tablename__ = "bot_state"
    __table_args__ = (UniqueConstraint("kind", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``user``, ``chat``, ``bot``, ``callback`` or ``conversation:<name>``.
    kind: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(64))
    #: The chat the row belongs to (keyed hash), so that ``/forget`` finds every row of a chat.
    chat_key: Mapped[str] = mapped_column(String(64), default="", index=True)
    sealed: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[Any] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class BotFlood(Base):
    """A chat's messages in the current minute (``tremplin.core.bot.limits``), shared by every process that
    answers it (the web workers of ``serve --bot-webhook``); known only by the chat's keyed hash."""

    __tablename__ = "bot_floods"
    chat_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The minute counted (seconds since the epoch // 60).
    minute: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    #: Whether the chat was told to slow down in this minute (once, not at each message).
    told: Mapped[bool] = mapped_column(Boolean, default=False)


class BotChat(Base):
    """A chat that talked to the bot, known only by its keyed hash: counts returning people."""

    __tablename__ = "bot_chats"
    id: Mapped[int] = mapped_column(primary_key=True)
    chat_key: Mapped[str] = mapped_column(String(64), unique=True)
    first_seen_on: Mapped[date] = mapped_column(Date)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    conversations: Mapped[int] = mapped_column(Integer, default=0)


class BotThread(Base):
    """A question to a counsellor, asked in the chat and answered from the web inbox.

    ``awaiting`` says who must write next (``staff``: unanswered, first in the inbox). The sealed chat
    id routes answers back; it goes when the thread closes. The messages' text is shown only while the
    thread is open, scrubbed again when it closes, and deleted ``retain_until`` (the retention flow).
    """

    __tablename__ = "bot_threads"
    __table_args__ = (Index("ix_bot_threads_status_awaiting", "status", "awaiting"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"))
    audience: Mapped[str] = mapped_column(String(40))
    theme: Mapped[str] = mapped_column(String(32))
    #: The language the person talks to the bot in (``uk``, ``fr``, ``nl``, ``en``).
    language: Mapped[str] = mapped_column(String(8))
    #: ``open`` or ``closed``.
    status: Mapped[str] = mapped_column(String(16), default="open")
    awaiting: Mapped[str] = mapped_column(String(8), default="staff")
    chat_key: Mapped[str | None] = mapped_column(String(64), index=True)
    sealed_chat: Mapped[str | None] = mapped_column(Text)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The centre's local day the thread opened on: the day the figure of threads opened counts it
    #: (``tremplin.core.bot.threads.thread_fact``), like the contact it becomes when it closes.
    opened_on: Mapped[date | None] = mapped_column(Date, index=True)
    first_answer_at: Mapped[datetime | None]
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    #: ``answered``, ``referred`` or ``abandoned`` (closed by ``/forget`` or the retention flow).
    outcome: Mapped[str | None] = mapped_column(String(16))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    retain_until: Mapped[date | None] = mapped_column(Date)
    #: The audience's form attributes for the contact the closed thread is logged as.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    messages: Mapped[list[BotThreadMessage]] = relationship(
        back_populates="thread", order_by="BotThreadMessage.id", cascade="all, delete-orphan"
    )


class BotThreadMessage(Base):
    """One message of a thread: the person's (``person``) or a counsellor's (``staff``).

    A counsellor's message waits in ``delivery`` ``pending`` until the bot sends it: it survives a
    restart of either side, and a Telegram error leaves it for the next attempt.
    """

    __tablename__ = "bot_thread_messages"
    __table_args__ = (Index("ix_bot_thread_messages_delivery", "delivery"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("bot_threads.id", ondelete="CASCADE"))
    sender: Mapped[str] = mapped_column(String(8))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
    #: ``pending``, ``sent`` or ``failed`` for a counsellor's message; ``received`` for the person's.
    delivery: Mapped[str] = mapped_column(String(16), default="received")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")

    thread: Mapped[BotThread] = relationship(back_populates="messages")


class BotText(Base):
    """A text of the bot the centre edits in the admin pages (an answer, an address, opening hours).

    The plugin that asks for it ships the default; a row here replaces it in one language."""

    __tablename__ = "bot_texts"
    __table_args__ = (UniqueConstraint("key", "language"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``<audience>.<name>``, e.g. ``euroguidance.answer.erasmus``.
    key: Mapped[str] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))


class BotSubscription(Base):
    """A chat that asked to receive something regularly (``topic``: ``<audience>.<what>``).

    Kept while the person wants it: ``/forget``, unsubscribing or blocking the bot deletes it."""

    __tablename__ = "bot_subscriptions"
    __table_args__ = (UniqueConstraint("topic", "chat_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(40))
    chat_key: Mapped[str] = mapped_column(String(64))
    sealed_chat: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    subscribed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The last period (``2026-W49``) sent to this chat: a repeated run never sends twice.
    last_sent: Mapped[str] = mapped_column(String(16), default="")

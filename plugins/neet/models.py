"""The neet plugin's table: subscriptions to the Touch'N'Go weekly challenge made and ended, day by day.

The subscriptions themselves are the bot's (``tremplin.subscribe``: a keyed hash, the chat id sealed),
deleted when they end, so they cannot say how many were made or ended in a month. Each change is kept
here as a bare count on its day, with the language it was made in and nothing about the chat: the
roll-up counts them (fact source ``neet.challenge``) for the dashboard and the NEET report.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tremplin import Base

#: What a change is: subscribed in the bot, unsubscribed in the bot, ended by the weekly send (a blocked
#: bot or a deleted chat).
CHANGES = ("subscribed", "unsubscribed", "ended")


class ChallengeChange(Base):
    """One subscription to the weekly challenge made or ended."""

    __tablename__ = "neet_challenge_changes"
    __table_args__ = (Index("ix_neet_challenge_changes_centre_day", "centre_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    #: One of ``CHANGES``.
    change: Mapped[str] = mapped_column(String(16))
    #: The bot's language for the chat (``uk``, ``fr``, ``nl``, ``en``); empty when the send ended it.
    language: Mapped[str] = mapped_column(String(8), default="")

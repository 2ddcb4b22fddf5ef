"""The Formtruck's tours: where the truck stands, on which day, at which hours.

A planned stop names a site of the centre (the place's code and name, kind ``formtruck_stop``), the
commune the place lies in and the hours. The adviser's phone opens on today's stop, and every tally
made there carries the site and the commune: the per-stop and per-commune figures are counted from
those (the plugin's dimensions), not from this table. The plugin's Alembic branch (``migrations/``, label
``formtruck``) creates it.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Date, ForeignKey, Index, String, Time
from sqlalchemy.orm import Mapped, mapped_column

from tremplin import Base, utcnow


class FormtruckStop(Base):
    """One day of a tour: the truck at a place, in a commune, from ``starts`` to ``ends``."""

    __tablename__ = "formtruck_stops"
    __table_args__ = (Index("ix_formtruck_stops_centre_day", "centre_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)
    #: A code of ``tremplin.plugins.formtruck.COMMUNES``: the municipality the truck stands in.
    commune: Mapped[str] = mapped_column(String(40))
    #: Where exactly, as people say it ("Place Flagey, by the fountain").
    place: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

"""Euroguidance's one table: the mobility fairs the centre takes part in (Erasmus days, study-abroad fairs).

A fair is an event, not a person: nothing here identifies a member of the public. The table is made by the
plugin's own Alembic branch (``migrations/``, label ``euroguidance``), so a centre without the plugin has none.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tremplin import Base


class MobilityFair(Base):
    """A fair on ``day`` in ``city``, where the centre's advisers meet people who want to go abroad."""

    __tablename__ = "euroguidance_fairs"
    __table_args__ = (Index("ix_euroguidance_fairs_centre_day", "centre_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120))
    city: Mapped[str] = mapped_column(String(80), default="")

"""The schools plugin's tables: workshops, slots, bookings and their history, school holidays.

They live on the core's ``Base`` (one metadata, so that they refer to centres and partners) and are created by
the plugin's own Alembic branch (``migrations/``, label ``schools``): a centre without the plugin has none. A
booking holds the only personal data of the plugin: the teacher's professional name and e-mail (a
school's staff, not the public), erased ``TEACHER_RETENTION_DAYS`` after the visit by the retention
flow. Pupils are a number, never a name.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tremplin import Base, utcnow
from tremplin import Text as Label


class SchoolWorkshop(Base):
    """What the centre offers schools: Explorama, Inforizon, Pass'Avenir, the guidance pathway..."""

    __tablename__ = "school_workshops"
    __table_args__ = (UniqueConstraint("centre_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"))
    #: What the visit's activity stores in ``workshop`` (letters, digits, ``_`` and ``-``).
    code: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    name_fr: Mapped[str] = mapped_column(String(120), default="")
    name_nl: Mapped[str] = mapped_column(String(120), default="")
    name_uk: Mapped[str] = mapped_column(String(120), default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_fr: Mapped[str] = mapped_column(Text, default="")
    description_nl: Mapped[str] = mapped_column(Text, default="")
    description_uk: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int] = mapped_column(Integer, default=120)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    min_pupils: Mapped[int] = mapped_column(Integer, default=1)
    max_pupils: Mapped[int] = mapped_column(Integer, default=30)
    #: School years it suits: ``"1"`` to ``"7"`` (secondary school).
    school_years: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: ``at_centre`` or ``at_school``.
    place: Mapped[str] = mapped_column(String(16), default="at_centre")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def name(self) -> Label:
        return Label(en=self.name_en or self.code, fr=self.name_fr, nl=self.name_nl, uk=self.name_uk)

    @property
    def description(self) -> Label:
        return Label(en=self.description_en, fr=self.description_fr, nl=self.description_nl, uk=self.description_uk)


class SchoolSlot(Base):
    """A time a workshop can be booked: at the centre (a room) or at the school.

    ``booked_classes`` and ``booked_pupils`` are what confirmed and requested bookings hold; they
    change only while the slot row is locked (``tremplin.plugins.schools.booking.lock_slot``), which is
    what keeps a slot from ever being overbooked.
    """

    __tablename__ = "school_slots"
    __table_args__ = (Index("ix_school_slots_centre_day", "centre_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"))
    workshop_id: Mapped[int] = mapped_column(ForeignKey("school_workshops.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    #: The local day of ``starts_at`` in the centre's time zone.
    day: Mapped[date] = mapped_column(Date)
    #: A room of the centre; empty when the workshop is given at the school.
    room: Mapped[str] = mapped_column(String(80), default="")
    at_school: Mapped[bool] = mapped_column(Boolean, default=False)
    capacity_classes: Mapped[int] = mapped_column(Integer, default=1)
    capacity_pupils: Mapped[int] = mapped_column(Integer, default=30)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    booked_classes: Mapped[int] = mapped_column(Integer, default=0)
    booked_pupils: Mapped[int] = mapped_column(Integer, default=0)
    #: Slots made in one go by a recurrence share it.
    series: Mapped[str] = mapped_column(String(40), default="")
    #: Bumped by every booking change: the lock the booking path takes is an UPDATE of this row.
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    workshop: Mapped[SchoolWorkshop] = relationship(lazy="joined")

    @property
    def free_classes(self) -> int:
        return max(self.capacity_classes - self.booked_classes, 0)

    @property
    def free_pupils(self) -> int:
        return max(self.capacity_pupils - self.booked_pupils, 0)


class SchoolBooking(Base):
    """A class's request for a slot, and what became of it.

    ``status``: ``requested`` (holds its place; the coordinator confirms, e.g. to arrange an
    interpreter), ``confirmed``, ``waitlisted`` (holds no place), ``reminded``, ``done``, ``no_show``,
    ``cancelled``.
    """

    __tablename__ = "school_bookings"
    __table_args__ = (
        Index("ix_school_bookings_slot_status", "slot_id", "status"),
        Index("ix_school_bookings_centre_day", "centre_id", "day"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"))
    #: ``None`` once the slot is deleted: the booking stays, cancelled, in the history.
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("school_slots.id", ondelete="SET NULL"))
    workshop_id: Mapped[int] = mapped_column(ForeignKey("school_workshops.id", ondelete="CASCADE"))
    #: The school, a ``Partner`` of kind ``school``.
    school_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))
    #: The visit's day, place and workshop code, copied from its slot when booked or moved: the roll-up
    #: counts the booking on that day (a cancellation, a no-show), even once the slot is deleted.
    day: Mapped[date | None] = mapped_column(Date)
    at_school: Mapped[bool] = mapped_column(Boolean, default=False)
    workshop_code: Mapped[str] = mapped_column(String(40), default="")
    school_year: Mapped[str] = mapped_column(String(2))
    education_type: Mapped[str] = mapped_column(String(32))
    pupils: Mapped[int] = mapped_column(Integer)
    adults: Mapped[int] = mapped_column(Integer, default=1)
    needs_accessibility: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_interpreter: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The language the workshop is given in.
    language: Mapped[str] = mapped_column(String(8))
    #: The teacher's professional name and e-mail: erased (``None``) after the follow-up.
    teacher_name: Mapped[str | None] = mapped_column(String(120))
    teacher_email: Mapped[str | None] = mapped_column(String(320))
    #: The language of the teacher's e-mails.
    teacher_language: Mapped[str] = mapped_column(String(8), default="fr")
    #: The token of the form that sent it: the same form sent twice books once.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    #: SEQUENCE of the calendar invitation (RFC 5545): bumped by every move or cancellation.
    ics_sequence: Mapped[int] = mapped_column(Integer, default=0)
    pupils_came: Mapped[int | None] = mapped_column(Integer)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"))
    #: The day after which the teacher's name and e-mail are erased.
    erase_after: Mapped[date] = mapped_column(Date)
    erased_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    slot: Mapped[SchoolSlot | None] = relationship()
    workshop: Mapped[SchoolWorkshop] = relationship()
    history: Mapped[list[SchoolBookingEvent]] = relationship(
        back_populates="booking", order_by="SchoolBookingEvent.id", cascade="all, delete-orphan"
    )


class SchoolBookingEvent(Base):
    """One change of a booking: its status before and after, who made it, what else changed."""

    __tablename__ = "school_booking_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("school_bookings.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    #: ``school`` (the public page or its link), ``system`` (a flow), or a staff username.
    actor: Mapped[str] = mapped_column(String(80), default="system")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    booking: Mapped[SchoolBooking] = relationship(back_populates="history")


class SchoolHoliday(Base):
    """A school holiday of a community (``fr``: Fédération Wallonie-Bruxelles, ``nl``: Vlaanderen).

    Loaded from the shipped ``school_holidays.json`` the first time a centre makes recurring slots;
    the coordinator and the administrator edit them on the offer page.
    """

    __tablename__ = "school_holidays"
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"))
    community: Mapped[str] = mapped_column(String(4))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(120), default="")

"""The anonymous data model (SQLAlchemy 2, typed).

What is *not* here is the point: no column holds a name, birth date, address, phone, e-mail or national
register number of a member of the public. A person is a count (``Contact.headcount``), a coarse
profile with ``unknown`` everywhere, or, with consent, a pseudonymous ``Case.code``. Staff accounts are
the only people with names, and they are staff, not the public.

Timestamps are stored as UTC (``UTCDateTime``); ``day`` columns hold the local calendar day in the
centre's time zone, which is what counters and reports count by.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy import (
    case as sql_case,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from tremplin.core.db import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON}


class Centre(Base):
    """A tenant: one Cité des métiers of the network."""

    __tablename__ = "centres"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2), default="BE")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Brussels")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    sites: Mapped[list[Site]] = relationship(back_populates="centre", order_by="Site.code")


class Site(Base):
    """Where service happens: reception, multimedia area, a Formtruck stop, a school, a prison, online."""

    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("centre_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="reception")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    centre: Mapped[Centre] = relationship(back_populates="sites")


class Partner(Base):
    """An organisation the centre works with or refers to (PES, training body, AMO, school, prison...)."""

    __tablename__ = "partners"
    __table_args__ = (UniqueConstraint("centre_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="other")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The organisation's own address (``orientation@partner.example``) that referral reminders go to;
    #: never a person's.
    contact_email: Mapped[str | None] = mapped_column(String(254))


class Staff(Base):
    """A staff account: roles, and the audiences it may see (``["*"]`` for all)."""

    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    roles: Mapped[list[str]] = mapped_column(default=list)
    audiences: Mapped[list[str]] = mapped_column(default=list)
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id", ondelete="SET NULL"))
    language: Mapped[str] = mapped_column(String(8), default="fr")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    api_token_hash: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def may_see(self, audience: str) -> bool:
        return "*" in self.audiences or audience in self.audiences


class Contact(Base):
    """One anonymous interaction, or a tally of ``headcount`` interactions alike."""

    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("centre_id", "source_ref"),
        Index("ix_contacts_centre_day", "centre_id", "day"),
        Index("ix_contacts_audience_day", "audience", "day"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    #: The identifier the record had in the system it was imported from (idempotent re-imports).
    source_ref: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime]
    day: Mapped[date] = mapped_column(Date)
    audience: Mapped[str] = mapped_column(String(40))
    modality: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32))
    themes: Mapped[list[str]] = mapped_column(default=list)
    language: Mapped[str] = mapped_column(String(8))
    headcount: Mapped[int] = mapped_column(Integer, default=1)
    gender: Mapped[str] = mapped_column(String(16), default="unknown")
    age_band: Mapped[str] = mapped_column(String(16), default="unknown")
    education: Mapped[str] = mapped_column(String(32), default="unknown")
    labour_status: Mapped[str] = mapped_column(String(32), default="unknown")
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Free text, always passed through the scrubber chain before it is stored.
    note: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Activity(Base):
    """A group activity or workshop, face to face or online, with capacity and headcounts."""

    __tablename__ = "activities"
    __table_args__ = (
        UniqueConstraint("centre_id", "source_ref"),
        Index("ix_activities_centre_day", "centre_id", "day"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    source_ref: Mapped[str | None] = mapped_column(String(64))
    starts_at: Mapped[datetime]
    day: Mapped[date] = mapped_column(Date)
    audience: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300), default="")
    workshop: Mapped[str] = mapped_column(String(40), default="info_session")
    format: Mapped[str] = mapped_column(String(16), default="face_to_face")
    capacity: Mapped[int | None] = mapped_column(Integer)
    registered: Mapped[int | None] = mapped_column(Integer)
    #: The actual headcount, entered after the activity; ``None`` until then.
    participants: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(8), default="fr")
    themes: Mapped[list[str]] = mapped_column(default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Referral(Base):
    """A referral the person carries as a token; its status closes the loop without knowing who it is."""

    __tablename__ = "referrals"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(16), unique=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    audience: Mapped[str] = mapped_column(String(40), default="general")
    from_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))
    to_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))
    theme: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="issued")
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None]
    #: After this moment an ``issued`` referral that nobody received is marked expired.
    expires_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))

    def is_due_to_expire(self, now: datetime | None = None) -> bool:
        """Issued, nobody received it, and past its expiry: expired, whether or not a flow marked it yet."""
        if self.status != "issued" or self.expires_at is None:
            return False
        expires = self.expires_at if self.expires_at.tzinfo else self.expires_at.replace(tzinfo=UTC)
        return expires < (now or datetime.now(UTC))

    def current_status(self, now: datetime | None = None) -> str:
        """The status as of ``now``: expiry is a property of the referral, applied whenever it is read."""
        return "expired" if self.is_due_to_expire(now) else self.status

    def current_expired_at(self, now: datetime | None = None) -> datetime | None:
        """When it expired: the moment written, or its expiry if it is past and nothing wrote it yet."""
        return self.expires_at if self.is_due_to_expire(now) else self.expired_at

    @classmethod
    def due_to_expire(cls, now: datetime | None = None) -> Any:
        """SQL twin of ``is_due_to_expire``, the same on SQLite and PostgreSQL (``now`` is a bound parameter,
        not the database's clock, so the web process and the database never disagree on the moment)."""
        moment = now or datetime.now(UTC)
        return and_(cls.status == "issued", cls.expires_at.is_not(None), cls.expires_at < moment)

    @classmethod
    def status_as_of(cls, now: datetime | None = None) -> Any:
        """SQL twin of ``current_status``: every list, search, export and count that filters, groups or shows
        a referral's status reads this, so a referral past its expiry is expired there without waiting for the
        daily flow to write it."""
        return sql_case((cls.due_to_expire(now), "expired"), else_=cls.status)

    @classmethod
    def expired_at_as_of(cls, now: datetime | None = None) -> Any:
        """SQL twin of ``current_expired_at``."""
        return sql_case((cls.due_to_expire(now), cls.expires_at), else_=cls.expired_at)


class Case(Base):
    """A consenting person's pathway under a pseudonymous code.

    The profile is the minimal one the European Social Fund asks for, recorded at entry, coarse, with
    ``unknown`` and ``declined`` as answers. ``retain_until`` is when the retention purge deletes it.
    """

    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_centre_audience", "centre_id", "audience"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    audience: Mapped[str] = mapped_column(String(40))
    consent_on: Mapped[date] = mapped_column(Date)
    entered_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    stage: Mapped[str] = mapped_column(String(40))
    gender: Mapped[str] = mapped_column(String(16), default="unknown")
    age_band: Mapped[str] = mapped_column(String(16), default="unknown")
    education: Mapped[str] = mapped_column(String(32), default="unknown")
    labour_status: Mapped[str] = mapped_column(String(32), default="unknown")
    #: ESF+ point-1.2 answers (disability, third_country_national, foreign_background, minority,
    #: homeless, rural): each ``yes``, ``no``, ``declined`` or ``unknown``.
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)
    retain_until: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None]
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    history: Mapped[list[CaseStageEvent]] = relationship(
        back_populates="case", order_by="CaseStageEvent.at", cascade="all, delete-orphan"
    )
    outcomes: Mapped[list[CaseOutcome]] = relationship(
        back_populates="case", order_by="CaseOutcome.occurred_on", cascade="all, delete-orphan"
    )


class CaseStageEvent(Base):
    """One move of a case from a stage to another: who moved it, when."""

    __tablename__ = "case_stage_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    from_stage: Mapped[str | None] = mapped_column(String(40))
    to_stage: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))

    case: Mapped[Case] = relationship(back_populates="history")


class CaseOutcome(Base):
    """A result of a pathway with its date (in education, in employment, job searching, qualification)."""

    __tablename__ = "case_outcomes"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    occurred_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))

    case: Mapped[Case] = relationship(back_populates="outcomes")


class ClosurePeriod(Base):
    """A period a centre (or one of its modalities) was closed: shaded in monthly charts."""

    __tablename__ = "closure_periods"
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    #: ``all``, or the modality that was closed (``multimedia``, ``individual_advice``...).
    scope: Mapped[str] = mapped_column(String(32), default="all")
    label: Mapped[str] = mapped_column(String(200), default="")


class OnlineMetric(Base):
    """A figure read from an online channel on a day (Instagram followers, website page views)."""

    __tablename__ = "online_metrics"
    __table_args__ = (UniqueConstraint("centre_id", "day", "source", "metric"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(80))
    metric: Mapped[str] = mapped_column(String(40))
    value: Mapped[int] = mapped_column(BigInteger)


class AuditEvent(Base):
    """Who changed, exported or viewed what, and when."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_at", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(80), default="system")
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CounterValue(Base):
    """The roll-up every report reads.

    One row per counter, grain (``d`` day, ``m`` month, ``y`` year), period start, centre and one
    dimension value (``dim="*"`` for the total). Day rows hold totals; dimension values are kept by
    month and year. A report over ten years reads ten ``y`` rows per counter, not ten years of
    contacts. Kept exact in the writing transaction (``tremplin.core.rollup``).
    """

    __tablename__ = "counter_values"
    counter: Mapped[str] = mapped_column(String(80), primary_key=True)
    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    centre_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dim: Mapped[str] = mapped_column(String(24), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    amount: Mapped[int] = mapped_column(BigInteger, default=0)


class WorkshopKind(Base):
    """A kind of group activity a centre runs besides the built-in ones (``tremplin.core.vocab.WORKSHOP``).

    Its ``code`` is what activities store in ``workshop``; ``audience`` restricts it to one audience's
    forms (``None``: every form that lets the worker choose freely).
    """

    __tablename__ = "workshop_kinds"
    __table_args__ = (UniqueConstraint("centre_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    label_en: Mapped[str] = mapped_column(String(120), default="")
    label_fr: Mapped[str] = mapped_column(String(120), default="")
    label_nl: Mapped[str] = mapped_column(String(120), default="")
    label_uk: Mapped[str] = mapped_column(String(120), default="")
    audience: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def label(self) -> Any:
        from tremplin.core.i18n import Text

        return Text(en=self.label_en or self.code, fr=self.label_fr, nl=self.label_nl, uk=self.label_uk)


class OutboxMessage(Base):
    """A message to send (an e-mail today), kept until it is sent and for a while after.

    ``key`` is the idempotency key the sender chose (``bookings.booking:42:confirmation:1``): a message
    enqueued twice under one key is stored once, so a flow run repeated after a crash never sends
    twice. ``state`` is ``pending``, ``sending`` (claimed by a delivery run), ``sent``, ``failed``
    (retries used up, or a permanent refusal such as an unknown mailbox). ``audience`` lets the
    audience's coordinator see the failures of their own messages.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_state_due", "state", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(16), default="email")
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"))
    audience: Mapped[str | None] = mapped_column(String(40))
    #: What the message is about (``bookings.booking:42``): purged with it.
    subject_ref: Mapped[str] = mapped_column(String(80), default="")
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    #: ``[{"filename", "content_type", "data" (base64)}]``
    attachments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class StaffSession(Base):
    """A logged-in browser: the session cookie carries ``token``, the database keeps only its SHA-256.

    Logging out deletes the row; a password change, a deactivation or "log out everywhere" delete every
    row of the account. A row unused for longer than the idle limit no longer opens anything
    (``tremplin.core.web.sessions``).
    """

    __tablename__ = "staff_sessions"
    __table_args__ = (Index("ix_staff_sessions_staff_id", "staff_id"),)
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class FieldToken(Base):
    """A phone's credential for sending the entries it kept offline, and for nothing else.

    The field page asks for one while its login holds (``tremplin.core.web.fieldtokens``); it lasts until the
    end of the working day, so entries made all day reach the server even after the session idled out.
    The database keeps only the token's SHA-256. Logging out on that browser deletes it (``session_hash``),
    a password change, a deactivation or "log out everywhere" delete every token of the account, and
    ``fingerprint`` (of the password hash) refuses it after any other change of password.
    """

    __tablename__ = "field_tokens"
    __table_args__ = (
        Index("ix_field_tokens_staff_id", "staff_id"),
        Index("ix_field_tokens_session_hash", "session_hash"),
    )
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    #: The session it was given to (the SHA-256 of its token): logging out there ends it too.
    session_hash: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class LoginThrottle(Base):
    """Failed logins counted for one key (an address, an account at an address, or an account).

    ``key`` holds keyed hashes, never what a visitor typed. ``failures`` counts the attempts whose password was
    checked and found wrong, the last at ``last_failure_at`` (forgotten after a quiet window); ``next_allowed_at``
    is when the next one may be checked. An attempt claims its check with one conditional UPDATE
    (``tremplin.core.web.throttle``), so parallel attempts cannot all read the same count.
    """

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_allowed_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyLink(Base):
    """A one-time link to the satisfaction survey (``/survey/<code>``), sent after a visit or shown at
    the desk as a QR code. It says which service the answer is about and nothing about who holds it;
    ``answered_at`` makes a second answer through the same link impossible."""

    __tablename__ = "survey_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"))
    #: The service asked about: an audience's key.
    service: Mapped[str] = mapped_column(String(40))
    #: How the link reached the person: ``email``, ``desk``, ``bot``.
    channel: Mapped[str] = mapped_column(String(16), default="email")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]


class SurveyAnswer(Base):
    """One anonymous answer to the satisfaction survey: coded choices only, never free text, never the
    link it came through (so an answer cannot be traced back to a class or a visit)."""

    __tablename__ = "survey_answers"
    __table_args__ = (Index("ix_survey_answers_day", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"))
    questionnaire: Mapped[str] = mapped_column(String(40), default="satisfaction")
    service: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    day: Mapped[date] = mapped_column(Date)
    #: ``very_satisfied``, ``satisfied``, ``dissatisfied``, ``very_dissatisfied``
    satisfaction: Mapped[str] = mapped_column(String(24))
    #: ``None`` where the question was not asked (the bot asks only how satisfied).
    would_recommend: Mapped[bool | None] = mapped_column(Boolean)
    first_visit: Mapped[bool | None] = mapped_column(Boolean)
    #: The theme the answer is about, when the channel knows it (the bot's conversation).
    theme: Mapped[str | None] = mapped_column(String(32))


class SyncedEntry(Base):
    """An entry a phone made offline and sent later, under the key the phone gave it.

    The key is accepted once: a retry after a lost answer, a double tap or two tabs sending the same
    queue find it here and are answered "already recorded" instead of doubling a figure. It outlives a
    correction of the record (``record_id`` becomes ``None``) so a late retry cannot bring it back.
    """

    __tablename__ = "synced_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    form: Mapped[str] = mapped_column(String(80))
    record_kind: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int | None] = mapped_column(Integer)
    made_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


# The bot's tables live beside the bot (``tremplin.core.bot.models``); imported here so that every
# table is in ``Base.metadata`` whoever imports the models.
from tremplin.core.bot import models as _bot_models  # noqa: E402,F401

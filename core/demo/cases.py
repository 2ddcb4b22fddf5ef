"""Cases and referrals of the demo, written one by one through ``tremplin.core.records``.

They go the way real use writes them, so their stage history, outcomes, audit trail and roll-up are
those of real use. A share opens its cases first: the individual advice that goes with each case is
then among the share's contacts (``CaseSet.advice_days``).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from typing import TYPE_CHECKING, Any

from tremplin.core.demo.calendar import Calendar, at
from tremplin.core.demo.draw import Choice

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tremplin.core.demo.share import DemoContext
    from tremplin.core.models import Case, Staff

#: How the answers of the ESF+ point-1.2 profile are drawn, in the order of ``records.PROFILE_KEYS``
#: (Annex I of Regulation (EU) 2021/1057): impairment, third-country national, foreign background,
#: minority, homelessness, rural area.
PROFILE_ANSWERS = (
    Choice({"no": 85, "yes": 4, "declined": 4, "unknown": 7}),
    Choice({"no": 70, "yes": 18, "declined": 4, "unknown": 8}),
    Choice({"yes": 55, "no": 35, "declined": 5, "unknown": 5}),
    Choice({"no": 60, "yes": 10, "declined": 15, "unknown": 15}),
    Choice({"no": 90, "yes": 3, "declined": 2, "unknown": 5}),
    Choice({"no": 98, "unknown": 2}),
)
#: Stages after which a case's person still comes for individual advice.
_ADVISED = ("engaged", "guided", "project", "preparing_release")

#: What a referral's note says, by theme: where the person goes and why, never who the person is.
REFERRAL_NOTES = {
    "learn": "Inscription à une séance d'information sur les formations qualifiantes.",
    "work": "Inscription comme chercheur d'emploi et premier entretien.",
    "choose": "Premier rendez-vous d'orientation à la Cité des métiers.",
}


@dataclass
class CaseSet:
    """The cases a share opened, and the days of the individual advice that went with them."""

    cases: list[Case] = field(default_factory=list)
    #: ``(case id, day)`` in time order: the opening day, and the days of the moves that come with advice.
    advice_days: list[tuple[int, date]] = field(default_factory=list)
    moves: int = 0


@dataclass(frozen=True)
class DemoReferral:
    """A referral of the demo: to or from a partner (by code), its theme, and what became of it.

    ``month`` is when it is issued; ``received`` and ``completed`` are days after issue (``None``: not
    reached). ``status`` ``expired`` lets it lapse at the end of its 60 days.
    """

    to: str | None
    frm: str | None
    theme: str
    status: str
    month: int
    received: int | None = None
    completed: int | None = None


def pathway(
    rng: random.Random, steps: Sequence[tuple[str, int, int]], cal: Calendar, start: date, last: date
) -> list[tuple[str, date]]:
    """Dated moves along ``steps`` (stage, min gap, max gap in days), stopping at ``last``."""
    moves = []
    day = start
    for stage, low, high in steps:
        day = cal.next_open(day + timedelta(days=rng.randint(low, high)))
        if day > last:
            break
        moves.append((stage, day))
    return moves


def _account(session: Session, ctx: DemoContext, role: str) -> Staff | None:
    from tremplin.core.models import Staff

    staff_id = ctx.staff_id(role)
    return session.get(Staff, staff_id) if staff_id is not None else None


def _session(ctx: DemoContext) -> Session:
    if ctx.session is None:
        raise RuntimeError(f"demo share {ctx.share!r}: cases and referrals need the demo's database session")
    return ctx.session


def open_cases(
    ctx: DemoContext,
    audience: str,
    n: int,
    role: str,
    person: Callable[[random.Random], dict[str, str]],
    steps: Callable[[random.Random], list[tuple[str, int, int]]],
) -> CaseSet:
    """Open ``n`` cases with consent, entered by the account of ``role``, and move them along their workflow.

    ``person(rng)`` draws a case's coarse profile (gender, age band, education, labour status);
    ``steps(rng)`` its pathway as ``(stage, min gap, max gap)`` in days, where ``outcome:<key>`` records an
    outcome without a move. The stream is the share's ``cases``.
    """
    from tremplin.core.records import PROFILE_KEYS, move_case, open_case, record_outcome

    session = _session(ctx)
    staff = _account(session, ctx, role)
    rng = ctx.rng("cases")
    cal = ctx.calendar
    last_entry = min(ctx.last_day, date(ctx.year, 11, 15))
    entries = sorted(cal.days(only=lambda d: d <= last_entry).draw_many(rng, n))
    out = CaseSet()
    for entered in entries:
        profile_of_person: dict[str, Any] = person(rng)  # open_case's coarse fields, by name
        path = steps(rng)
        profile = {key: choice.draw(rng) for key, choice in zip(PROFILE_KEYS, PROFILE_ANSWERS, strict=True)}
        case = open_case(
            ctx.app,
            session,
            ctx.centre_id,
            audience,
            consent_on=entered,
            entered_on=entered,
            profile=profile,
            staff=staff,
            **profile_of_person,
        )
        out.advice_days.append((case.id, entered))
        for stage, day in pathway(rng, path, cal, entered, ctx.last_day):
            if stage.startswith("outcome:"):
                record_outcome(ctx.app, session, case, stage.split(":", 1)[1], day, staff=staff)
                continue
            move_case(ctx.app, session, case, stage, staff=staff, on=day)
            out.moves += 1
            if stage in _ADVISED:
                out.advice_days.append((case.id, day))
        out.cases.append(case)
    out.advice_days.sort(key=lambda x: (x[1], x[0]))
    ctx.written["cases"] += len(out.cases)
    ctx.written["case_moves"] += out.moves
    return out


def issue_referrals(
    ctx: DemoContext, audience: str, referrals: Sequence[DemoReferral], role: str, cases: CaseSet | None = None
) -> int:
    """Issue each referral in its month by the account of ``role``, linked to one of ``cases`` when given,
    and move it to its status on the days it says. The stream is the share's ``referrals``."""
    from tremplin.core.records import issue_referral, set_referral_status

    session = _session(ctx)
    who = _account(session, ctx, role)
    rng = ctx.rng("referrals")
    cal = ctx.calendar
    pool = cases.cases if cases else []
    written = 0
    for ref in referrals:

        def in_month(d: date, m: int = ref.month) -> bool:
            return d.month == m and (m != 12 or d.day <= 20)

        issued_on = cal.days(only=in_month).draw(rng)
        if issued_on > ctx.last_day:
            continue
        referral = issue_referral(
            ctx.app,
            session,
            ctx.centre_id,
            to_partner_id=ctx.partner_id(ref.to),
            from_partner_id=ctx.partner_id(ref.frm),
            theme=ref.theme,
            audience=audience,
            staff=who,
            note=REFERRAL_NOTES[ref.theme],
        )
        issued_at = at(issued_on, 11, rng.randrange(60)).astimezone(UTC)
        referral.issued_at = issued_at
        referral.expires_at = issued_at + timedelta(days=60)
        if pool:
            referral.case_id = rng.choice(pool).id
        session.flush()
        if ref.status == "expired":
            set_referral_status(ctx.app, session, referral, "expired", staff=who, at=referral.expires_at)
        if ref.received is not None:
            at_ = issued_at + timedelta(days=ref.received)
            set_referral_status(ctx.app, session, referral, "received", staff=who, at=at_)
        if ref.completed is not None:
            at_ = issued_at + timedelta(days=ref.completed)
            set_referral_status(ctx.app, session, referral, "completed", staff=who, at=at_)
        written += 1
    ctx.written["referrals"] += written
    return written

"""The schools' share of the demo year: class visits and workshops, in school time, and their bookings.

The visits are drawn like every share's records (the 2019 report: 61 visits, 3,130 pupils). Once they
are written, ``bookings`` books each one through the booking rules, on a slot of the centre's offer,
and enters the pupils who came on the visit itself (no second activity); it adds the year's cancelled
bookings and classes that did not come, and a few weeks of bookings to come from today (confirmed, a
request waiting for an interpreter, a full slot with its waiting list), so that the coordinator's
pages show a season. The teachers' names and e-mails of visits whose follow-up is over are erased, as
the retention flow would have done.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from tremplin.demo import (
    MONTH_FACTOR,
    Choice,
    DemoContext,
    DemoShare,
    Place,
    Rec,
    activity,
    at,
    spread,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: A year at scale 1.0 (the 2019 report: 61 school visits with 3,130 pupils).
PLAN: dict[str, int] = {"visits": 61, "pupils": 3_130}
EXPECTED: dict[str, float] = {
    "contacts.total": PLAN["pupils"],
    "group_activities.count": PLAN["visits"],
    "group_activities.participants": PLAN["pupils"],
    "schools.visits": PLAN["visits"],
    "schools.pupils": PLAN["pupils"],
    "schools.cancellations": 6,
    "schools.no_shows": 3,
}
#: Bookings of a year at scale 1.0 besides the visits held: cancelled, and classes that did not come.
BOOKINGS_PLAN: dict[str, int] = {"cancelled": 6, "no_show": 3}

SCHOOLS = (
    "Athénée royal d'Anderlecht",
    "Institut technique de Molenbeek",
    "Collège Saint-Pierre d'Uccle",
    "Lycée intégral d'Ixelles",
    "Athénée communal de Schaerbeek",
    "Institut des arts et métiers de Forest",
    "Athénée Fernand Blum",
    "Institut Sainte-Marie de Saint-Gilles",
    "École professionnelle d'Etterbeek",
    "Institut de la Providence de Koekelberg",
    "Athénée royal de Jette",
    "Institut Saint-Joseph d'Evere",
    "Koninklijk Atheneum Brussel",
    "Sint-Guido-Instituut Anderlecht",
    "Centre d'enseignement spécialisé de Laeken",
    "Institut technique d'Auderghem",
    "CEFA de Saint-Josse",
    "Athénée communal de Woluwe",
)
#: workshop → (share, school years it suits, themes)
SCHOOL_WORKSHOPS: dict[str, tuple[float, tuple[str, ...], list[str]]] = {
    "explorama": (0.3, ("3", "4"), ["choose"]),
    "inforizon": (0.2, ("4", "5", "6"), ["choose"]),
    "pass_avenir": (0.15, ("5", "6", "7"), ["choose", "learn"]),
    "guided_tour": (0.25, ("3", "4", "5", "6", "7"), ["choose", "learn"]),
    "guidance_pathway": (0.1, ("2",), ["choose"]),
}
EDUCATION_TYPES = Choice(
    {"general": 35, "technical_transition": 15, "technical_qualification": 20, "vocational": 25, "special": 5}
)


def schools(ctx: DemoContext, n: int, pupils: int) -> list[Rec]:
    rng = ctx.rng()
    cal = ctx.calendar
    days = cal.days(lambda d: MONTH_FACTOR[d.month] * (0.3 if d.weekday() == 2 else 1.0), only=cal.is_school_day)
    kinds = Choice({k: v[0] for k, v in SCHOOL_WORKSHOPS.items()})
    at_school = {i for i in rng.sample(range(n), max(1, round(n * 0.12)))}
    sizes = spread(rng, pupils, [1.0] * n, jitter=0.25)
    out = []
    for i, (day, came) in enumerate(zip(sorted(days.draw_many(rng, n)), sizes)):
        kind = kinds.draw(rng)
        _, years, themes = SCHOOL_WORKSHOPS[kind]
        school = rng.choice(SCHOOLS)
        language = "nl" if school.startswith(("Koninklijk", "Sint-")) else "fr"
        hour = (9, 0) if day.weekday() == 2 else rng.choice(((9, 0), (10, 30), (13, 30)))
        out.append(
            activity(
                "schools.visit",
                "schools",
                at(day, *hour),
                ctx.staff_id("schools_coordinator"),
                attrs={
                    "school": school,
                    "education_type": "special" if "spécialisé" in school else EDUCATION_TYPES.draw(rng),
                    "year": rng.choice(years),
                    "place": "at_school" if i in at_school else "at_centre",
                },
                workshop=kind,
                format="face_to_face",
                registered=max(1, came) + rng.randint(0, 4),
                participants=max(1, came),
                language=language,
                themes=themes,
            )
        )
    return out


def records(ctx: DemoContext) -> list[Rec]:
    # Booked visits are counted to the class, not estimated: at scale 1.0 the year is the report's, exactly.
    n = {key: max(1, round(target * ctx.scale)) for key, target in PLAN.items()}
    return schools(ctx, n["visits"], n["pupils"])


def school_code(name: str) -> str:
    """``school-athneeroyaldanderlecht``: a school's partner code, from its name."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return "school-" + "".join(c for c in plain if c.isalnum())[:32]


def partners(year: int) -> list[Place]:
    """The schools that book, as partner organisations of kind ``school``."""
    return [Place(school_code(name), name, "school") for name in SCHOOLS]


def _offer(ctx: DemoContext, session: Session) -> dict[str, Any]:
    """The centre's workshops for schools, by code: the demo's kinds of visit, in French and Dutch."""
    from tremplin import T
    from tremplin.plugins.schools import WORKSHOPS
    from tremplin.plugins.schools import booking as bk

    names = {**WORKSHOPS, "guided_tour": T("Guided tour", fr="Visite guidée", nl="Rondleiding", uk="Екскурсія")}
    offer = {}
    for code, (_, years, _) in SCHOOL_WORKSHOPS.items():
        values: dict[str, Any] = {f"name_{lang}": names[code].get(lang) for lang in ("en", "fr", "nl", "uk")}
        values.update(
            code=code,
            languages=["fr", "nl"],
            school_years=list(years),
            min_pupils=1,
            max_pupils=120,
            duration_minutes=120,
            place="at_centre",
        )
        offer[code] = bk.save_workshop(session, ctx.centre_id, values)
    return offer


def _teacher(rng: Any, n: int) -> tuple[str, str]:
    """A teacher's professional name and e-mail, made up (a school's staff, not the public)."""
    name = rng.choice(("Mme", "M.")) + " " + rng.choice(("Janssens", "Dubois", "Peeters", "Lambert", "Maes", "Leroy"))
    return name, f"enseignant.{n}@ecole.example"


def _slot(ctx: DemoContext, session: Session, workshop: Any, when: datetime, at_school: bool, pupils: int) -> Any:
    from tremplin.plugins.schools import booking as bk

    local = when.astimezone(ctx.app.timezone_of(session, ctx.centre_id))
    spec = bk.SlotSpec(
        workshop.id,
        local.date(),
        local.time().replace(second=0, microsecond=0),
        room="" if at_school else "Salle des classes",
        at_school=at_school,
        capacity_pupils=max(30, pupils),
        languages=("fr", "nl"),
    )
    return bk.open_slot(ctx.app, session, ctx.centre_id, spec, today=min(local.date(), date.today()))


def _book(
    ctx: DemoContext, session: Session, slot: Any, rng: Any, n: int, values: Mapping[str, Any], now: datetime
) -> Any:
    from tremplin.plugins.schools import booking as bk

    teacher, email = _teacher(rng, n)
    school = values.get("school") or rng.choice(SCHOOLS)
    request = bk.BookingRequest(
        slot_id=slot.id,
        school_id=ctx.partner_id(school_code(school)),
        new_school="",
        teacher_name=teacher,
        teacher_email=email,
        school_year=values["year"],
        education_type=values.get("education_type") or EDUCATION_TYPES.draw(rng),
        pupils=values["pupils"],
        adults=rng.randint(1, 3),
        language=values.get("language") or ("nl" if school.startswith(("Koninklijk", "Sint-")) else "fr"),
        teacher_language=values.get("language") or "fr",
        needs_interpreter=bool(values.get("needs_interpreter")),
        idempotency_key=f"demo-{ctx.year}-{n}",
    )
    return bk.book(ctx.app, session, request, now=now)


def bookings(ctx: DemoContext) -> dict[str, int]:
    """The bookings behind the year's visits, the year's cancellations and no-shows, and the weeks to come."""
    from sqlalchemy import select

    from tremplin.core.models import Activity, Staff
    from tremplin.plugins.schools import booking as bk

    session = ctx.session
    assert session is not None, "the demo's bookings are written in its transaction"
    rng = ctx.rng("bookings")
    offer = _offer(ctx, session)
    coordinator_id = ctx.staff_id("schools_coordinator") or ctx.staff_id("admin")
    coordinator = session.get(Staff, coordinator_id) if coordinator_id else None
    n = 0

    # Each visit held, booked three weeks before and its pupils entered on the visit itself.
    visits = session.scalars(
        select(Activity)
        .where(Activity.centre_id == ctx.centre_id, Activity.audience == "schools")
        .order_by(Activity.starts_at, Activity.id)
    ).all()
    for visit in visits:
        attrs = visit.attributes or {}
        workshop = offer.get(visit.workshop or "")
        if workshop is None or attrs.get("year") not in workshop.school_years:
            continue
        pupils = max(visit.registered or 0, visit.participants or 0, 1)
        slot = _slot(ctx, session, workshop, visit.starts_at, attrs.get("place") == "at_school", pupils)
        values = {**attrs, "pupils": pupils, "language": visit.language}
        n += 1
        booking = _book(ctx, session, slot, rng, n, values, visit.starts_at - timedelta(days=21))
        booking.activity_id = visit.id
        bk.record_attendance(ctx.app, session, booking, visit.participants or 0, staff=coordinator)

    # Classes that cancelled, and classes that did not come, on school days of the year.
    days = ctx.calendar.days(only=lambda d: ctx.calendar.is_school_day(d) and d <= ctx.last_day)
    for outcome in ("cancelled", "no_show"):
        for _ in range(ctx.count(BOOKINGS_PLAN[outcome])):
            code = rng.choice(sorted(offer))
            workshop = offer[code]
            when = at(days.draw(rng), *rng.choice(((9, 0), (10, 30), (13, 30))))
            pupils = rng.randint(12, 28)
            slot = _slot(ctx, session, workshop, when, False, pupils)
            n += 1
            values = {"year": rng.choice(workshop.school_years), "pupils": pupils}
            booking = _book(ctx, session, slot, rng, n, values, when - timedelta(days=21))
            if outcome == "cancelled":
                by_school = rng.random() < 0.7
                actor = "school" if by_school else (coordinator.username if coordinator else "system")
                reason = "cancelled through the e-mail's link" if by_school else "cancelled by the centre"
                bk.cancel(ctx.app, session, booking, actor=actor, reason=reason)
            else:
                bk.record_attendance(ctx.app, session, booking, 0, staff=coordinator)

    # The weeks to come, from today: what the coordinator's calendar shows when the demo is served.
    n += _season(ctx, session, offer, rng, n)
    # Visits whose follow-up is over: the teachers' names and e-mails go, as the retention flow does.
    erased = bk.erase_teacher_data(ctx.app, session, date.today())
    return {"school_bookings": n, "school_bookings_erased": erased}


def _season(ctx: DemoContext, session: Session, offer: Mapping[str, Any], rng: Any, n: int) -> int:
    """Bookings in the next three weeks: confirmed, one waiting for an interpreter, a full slot with a
    waiting list. Returns how many were made."""
    from tremplin.plugins.schools import booking as bk

    now = datetime.now(UTC)
    day = date.today() + timedelta(days=2)
    made = 0
    school_days = [d for d in (day + timedelta(days=i) for i in range(21)) if d.weekday() < 5 and d.weekday() != 2]
    plan = [("explorama", "3", 1), ("inforizon", "5", 1), ("pass_avenir", "6", 1), ("explorama", "4", 3)]
    plan += [("guided_tour", "4", 1), ("guidance_pathway", "2", 1)]
    for i, (code, year, classes) in enumerate(plan):
        workshop = offer[code]
        slot_day = school_days[(i * 3) % len(school_days)]
        spec = bk.SlotSpec(
            workshop.id,
            slot_day,
            time(9, 30) if i % 2 == 0 else time(13, 30),
            room="Salle des classes",
            capacity_pupils=25,
            languages=("fr", "nl"),
        )
        slot = bk.open_slot(ctx.app, session, ctx.centre_id, spec)
        for _k in range(classes):
            # A slot holds one class: the next ones wait; the interpreter request waits for the coordinator.
            values = {"year": year, "pupils": 22 if classes > 1 else rng.randint(15, 25), "needs_interpreter": i == 2}
            _book(ctx, session, slot, rng, n + made + 1, values, now)
            made += 1
    return made


def share() -> DemoShare:
    return DemoShare("schools", records, expected=EXPECTED, partners=partners, after=bookings)

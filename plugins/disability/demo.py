"""The disability programme's share of the demo year: individual advice with its adaptations, and the
inclusive-employment and transition events."""

from __future__ import annotations

from functools import partial
from typing import Any

from tremplin.demo import (
    GENDER,
    Choice,
    DemoContext,
    DemoShare,
    Rec,
    at,
    contact,
    draw_themes,
    spread,
    tuesday_to_thursday_of,
)

#: A year at scale 1.0 (the 2019 report: 231 people reached).
PLAN: dict[str, int] = {"individual": 45, "events": 186}
EXPECTED: dict[str, float] = {
    "contacts.total": PLAN["individual"] + PLAN["events"],
    "individual_advice.contacts": PLAN["individual"],
    "events.contacts": PLAN["events"],
    "disability.reached": PLAN["individual"] + PLAN["events"],
}
NOTES = [
    "Accompagné d'un éducateur ; questions sur l'emploi adapté.",
    "Professionnel d'un service d'accompagnement : présentation des services.",
    "Questions sur les aménagements raisonnables en formation.",
]

ADAPTATIONS = ("easy_read", "companion", "accessible_room", "adapted_time", "sign_language")
#: (event, month, share of the events' people, share of professionals)
DISABILITY_EVENTS = (
    ("inclusive_employment", 6, 0.45, 0.35),
    ("transition_fair", 3, 0.33, 0.25),
    ("info_session", 10, 0.11, 0.5),
    ("info_session", 2, 0.11, 0.5),
)


def disability(ctx: DemoContext, n_individual: int, n_events: int) -> list[Rec]:
    rng = ctx.rng()
    cal = ctx.calendar
    staff = ctx.staff_id("counsellor")
    out = []
    channel = Choice({"walk_in": 70, "phone": 18, "email": 12})
    for day in sorted(cal.days().draw_many(rng, n_individual)):
        professional = rng.random() < 0.15
        attrs: dict[str, Any] = {"public": "professional" if professional else "target", "event": "none"}
        if not professional and rng.random() < 0.5:
            attrs["adaptations"] = sorted(rng.sample(ADAPTATIONS[:4], rng.randint(1, 2)))
        out.append(
            contact(
                "disability.contact",
                "disability",
                cal.moment(rng, day),
                staff,
                attrs,
                modality="individual_advice",
                channel=channel.draw(rng),
                headcount=1,
                themes=draw_themes(rng, Choice({"work": 45, "learn": 35, "choose": 20})),
                language=Choice({"fr": 80, "nl": 12, "en": 4, "other": 4}).draw(rng),
                gender=GENDER.draw(rng),
                age_band=Choice({"18_24": 30, "25_29": 20, "30_49": 38, "50_54": 6, "55_64": 4, "unknown": 2}).draw(
                    rng
                ),
                note=rng.choice(NOTES) if rng.random() < 0.3 else None,
            )
        )
    events = DISABILITY_EVENTS if n_events >= 20 else DISABILITY_EVENTS[:1]
    sizes = spread(rng, n_events, [e[2] for e in events], jitter=0.1)
    for (event, month, _, professionals), size in zip(events, sizes):
        if size <= 0:
            continue
        day = cal.days(only=partial(tuesday_to_thursday_of, month)).draw(rng)
        pros = min(size - 1, int(round(size * professionals))) if size > 1 else 0
        adaptations = (
            ["accessible_room", "sign_language"] if event != "info_session" else ["accessible_room", "easy_read"]
        )
        for public, people in (("target", size - pros), ("professional", pros)):
            if people <= 0:
                continue
            for theme, count in zip(("work", "learn"), spread(rng, people, [0.6, 0.4], jitter=0.1)):
                if count <= 0:
                    continue
                out.append(
                    contact(
                        "disability.contact",
                        "disability",
                        at(day, 16, 0),
                        staff,
                        {"public": public, "event": event, "adaptations": adaptations},
                        modality="group_activity",
                        channel="event",
                        headcount=count,
                        themes=[theme],
                        language="fr",
                    )
                )
    return out


def records(ctx: DemoContext) -> list[Rec]:
    n = {key: ctx.count(target) for key, target in PLAN.items()}
    return disability(ctx, n["individual"], n["events"])


def share() -> DemoShare:
    return DemoShare("disability", records, expected=EXPECTED, notes=tuple(NOTES))

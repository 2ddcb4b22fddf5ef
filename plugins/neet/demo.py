"""The NEET programme's share of the demo year: field awareness, individual advice, group activities,
and the young people followed under a case code with the referrals made for them."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date

from tremplin.demo import (
    MONTH_FACTOR,
    Choice,
    DemoContext,
    DemoReferral,
    DemoShare,
    Place,
    Rec,
    activity,
    at,
    contact,
    draw_themes,
    spread,
)

#: A year at scale 1.0 (the 2019 report: 121 young people reached, 40 followed under a case code).
PLAN: dict[str, int] = {
    "advice": 70,
    "groups": 8,
    "group_participants": 51,
    "awareness": 380,
}
CASES = 40
EXPECTED: dict[str, float] = {
    "contacts.total": PLAN["advice"] + PLAN["group_participants"] + PLAN["awareness"],
    "individual_advice.contacts": PLAN["advice"],
    "group_activities.count": PLAN["groups"],
    "group_activities.participants": PLAN["group_participants"],
    "neet.awareness": PLAN["awareness"],
    "neet.reached": PLAN["advice"] + PLAN["group_participants"] + PLAN["awareness"],
}
PARTNERS = (Place("amo", "AMO partenaire du projet Touch'N'Go", "youth"),)
REFERRALS = (
    DemoReferral("bruxelles-formation", None, "learn", "completed", 3, 9, 30),
    DemoReferral("actiris", None, "work", "received", 10, 6),
    DemoReferral(None, "amo", "choose", "completed", 5, 2, 12),
)
#: Notes as a worker would write them: what the young person looks for, never who they are.
NOTES = [
    "Rencontré en maison de jeunes ; intéressé par une formation courte.",
    "A quitté l'école en 5e secondaire ; souhaite reprendre une formation.",
    "Premier contact via Instagram ; rendez-vous pris à la Cité des métiers.",
    "Cherche un premier emploi ; atelier CV proposé.",
]

NEET_PLACES = Choice(
    {
        "street": 24,
        "youth_centre": 25,
        "neighbourhood_centre": 15,
        "social_media": 15,
        "public_service": 8,
        "school": 5,
        "event": 6,
        "other": 2,
    }
)
NEET_PARTNER_BY_PLACE = {
    "youth_centre": Choice({"amo": 55, "youth_centre": 45}),
    "neighbourhood_centre": Choice({"neighbourhood_centre": 100}),
    "public_service": Choice({"cpas": 50, "pes": 30, "mission_locale": 20}),
    "school": Choice({"school": 100}),
}
NEET_AGE = Choice({"18_24": 78, "under_18": 8, "25_29": 9, "unknown": 5})
NEET_THEMES = Choice({"work": 36, "learn": 36, "choose": 24, "self_employment": 3, "move": 1})
NEET_LANGUAGE = Choice({"fr": 76, "nl": 10, "other": 9, "en": 5})
NEET_GENDER = Choice({"man": 55, "woman": 42, "non_binary": 1, "unknown": 2})
NEET_HEADCOUNT = Choice({1: 45, 2: 25, 3: 15, 4: 8, 5: 4, 6: 3})


def neet_awareness(ctx: DemoContext, n: int) -> list[Rec]:
    """Encounters in the field, tallied: one, two or a few young people at a time."""
    rng = ctx.rng("awareness")
    cal = ctx.calendar
    days = cal.days(
        lambda d: (1.15 if d.month in (6, 7) else MONTH_FACTOR[d.month]) * (0.6 if d.weekday() == 0 else 1.0)
    )
    out = []
    left = n
    while left > 0:
        size = min(left, NEET_HEADCOUNT.draw(rng))
        left -= size
        day = days.draw(rng)
        place = NEET_PLACES.draw(rng)
        partner = NEET_PARTNER_BY_PLACE[place].draw(rng) if place in NEET_PARTNER_BY_PLACE else None
        if size == 1 or rng.random() < 0.35:
            gender, age = NEET_GENDER.draw(rng), NEET_AGE.draw(rng)
        else:
            gender, age = "unknown", "18_24" if rng.random() < 0.6 else "unknown"
        attrs = {"place": place}
        if partner:
            attrs["partner"] = partner
        out.append(
            contact(
                "neet.awareness",
                "neet",
                at(day, rng.randint(10, 18), rng.randrange(60)),
                ctx.staff_id("neet_worker"),
                attrs,
                headcount=size,
                themes=draw_themes(rng, NEET_THEMES, 0.2),
                language=NEET_LANGUAGE.draw(rng),
                gender=gender,
                age_band=age,
                note=rng.choice(NOTES) if rng.random() < 0.1 else None,
                modality="field_awareness",
                channel="field",
            )
        )
    return out


NEET_EDUCATION = Choice({"isced_0_2": 58, "isced_3_4": 30, "foreign_unrecognised": 5, "unknown": 7})
NEET_LABOUR = Choice({"unemployed": 48, "inactive": 44, "long_term_unemployed": 3, "unknown": 5})


def neet_advice(ctx: DemoContext, n: int, case_days: Sequence[tuple[int, date]]) -> list[Rec]:
    """Individual advice; the first ones are those of the young people followed under a case code."""
    rng = ctx.rng("advice")
    cal = ctx.calendar
    days = cal.days()
    channel = Choice({"walk_in": 55, "phone": 15, "messenger": 15, "field": 10, "video": 5})
    linked = sorted(rng.sample(list(case_days), min(len(case_days), int(round(n * 0.6)))), key=lambda x: (x[1], x[0]))
    planned: list[tuple[int | None, date]] = list(linked)
    planned += [(None, d) for d in days.draw_many(rng, n - len(planned))]
    out = []
    for case_id, day in planned:
        ch = channel.draw(rng)
        attrs = {"place": NEET_PLACES.draw(rng)} if ch == "field" else {}
        rec = contact(
            "neet.advice",
            "neet",
            cal.moment(rng, day),
            ctx.staff_id("neet_worker"),
            attrs,
            site="advice" if ch == "walk_in" else None,
            channel=ch,
            themes=draw_themes(rng, NEET_THEMES),
            language=NEET_LANGUAGE.draw(rng),
            gender=NEET_GENDER.draw(rng),
            age_band=NEET_AGE.draw(rng),
            education=NEET_EDUCATION.draw(rng),
            labour_status=NEET_LABOUR.draw(rng),
            note=rng.choice(NOTES) if rng.random() < 0.25 else None,
            modality="individual_advice",
        )
        rec.extra["case_id"] = case_id
        out.append(rec)
    return out


NEET_GROUPS = (
    ("escape_game", "Escape game : les intelligences multiples", ["choose"]),
    ("career_game", "Jeu des métiers", ["choose", "work"]),
    ("video_challenge", "Défi vidéo Touch'N'Go", ["work"]),
    ("workshop", "Atelier CV pour les jeunes", ["work"]),
    ("info_session", "Se former quand on a quitté l'école", ["learn"]),
)


def neet_groups(ctx: DemoContext, n: int, participants: int) -> list[Rec]:
    rng = ctx.rng("group")
    cal = ctx.calendar
    days = cal.days(only=lambda d: d.weekday() in (1, 2, 3))
    partner = Choice({"amo": 35, "youth_centre": 25, "mission_locale": 20, "neighbourhood_centre": 15, "none": 5})
    sizes = spread(rng, participants, [1.0] * n, jitter=0.3)
    out = []
    for day, came in zip(sorted(days.draw_many(rng, n)), sizes):
        workshop, title, themes = rng.choice(NEET_GROUPS)
        p = partner.draw(rng)
        out.append(
            activity(
                "neet.group",
                "neet",
                at(day, 14, 0),
                ctx.staff_id("neet_worker"),
                ctx.partner_id("amo") if p == "amo" else None,
                attrs={"partner": p},
                site="group-room",
                title=title,
                workshop=workshop,
                format="face_to_face",
                capacity=12,
                registered=max(1, came) + rng.randint(0, 3),
                participants=max(1, came),
                language="fr",
                themes=themes,
            )
        )
    return out


def neet_paths(rng: random.Random) -> list[tuple[str, int, int]]:
    if rng.random() < 0.08:
        return [("left", 10, 40)]
    steps = [("engaged", 5, 30)]
    r = rng.random()
    if r < 0.08:
        return steps + [("left", 20, 60)]
    steps.append(("guided", 10, 40) if rng.random() < 0.65 else ("referred", 10, 40))
    outcome = Choice(
        {"in_training": 28, "in_education": 14, "in_employment": 16, "job_search": 14, None: 18, "left": 10}
    ).draw(rng)
    if outcome is None:
        return steps
    steps.append((outcome, 20, 75))
    if outcome != "left" and rng.random() < 0.3:
        steps.append(("left", 30, 120))
    return steps


def case_person(rng: random.Random) -> dict[str, str]:
    return dict(
        gender=NEET_GENDER.draw(rng),
        age_band=NEET_AGE.draw(rng),
        education=NEET_EDUCATION.draw(rng),
        labour_status=NEET_LABOUR.draw(rng),
    )


def records(ctx: DemoContext) -> list[Rec]:
    """Cases and referrals first (the advice of a followed young person is among the contacts)."""
    cases = ctx.open_cases("neet", max(3, int(round(CASES * ctx.scale))), "neet_worker", case_person, neet_paths)
    ctx.issue_referrals("neet", REFERRALS, "neet_worker", cases)
    n = {key: ctx.count(target) for key, target in PLAN.items()}
    out = neet_awareness(ctx, n["awareness"])
    out += neet_advice(ctx, n["advice"], cases.advice_days)
    out += neet_groups(ctx, n["groups"], n["group_participants"])
    return out


def share() -> DemoShare:
    return DemoShare("neet", records, expected=EXPECTED, partners=PARTNERS, notes=tuple(NOTES))

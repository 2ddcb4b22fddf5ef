"""The prison programme's share of the demo year: sessions in the Brussels prisons, and reintegration
pathways followed under a case code."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date

from tremplin.demo import Choice, DemoContext, DemoReferral, DemoShare, Place, Rec, at, contact, draw_themes, spread

#: A year at scale 1.0 (the 2019 report: 68 people reached in prison).
PLAN: dict[str, int] = {"individual": 28, "group_sessions": 8, "group_people": 40}
CASES = 10
EXPECTED: dict[str, float] = {
    "contacts.total": PLAN["individual"] + PLAN["group_people"],
    "individual_advice.contacts": PLAN["individual"],
    "prisons.reached": PLAN["individual"] + PLAN["group_people"],
}
REFERRALS = (DemoReferral("bruxelles-formation", "prison", "learn", "received", 9, 14),)
NOTES = [
    "Projet de formation en cuisine à la sortie.",
    "Informations sur les formations accessibles pendant la détention.",
    "Préparation de la sortie : inscription comme chercheur d'emploi prévue.",
]


def partners(year: int) -> list[Place]:
    """Haren replaced Saint-Gilles, Forest and Berkendael in 2022."""
    return [Place("prison", "Prison de Haren" if year >= 2022 else "Prison de Saint-Gilles", "prison")]


def prisons(
    ctx: DemoContext, n_individual: int, n_groups: int, group_people: int, case_days: Sequence[tuple[int, date]]
) -> list[Rec]:
    rng = ctx.rng()
    cal = ctx.calendar
    if ctx.year >= 2022:  # Haren replaced Saint-Gilles, Forest and Berkendael in 2022
        prison = Choice({"haren": 92, "saint_gilles": 8})
    else:
        prison = Choice({"saint_gilles": 55, "forest": 30, "berkendael": 15})
    days = cal.days(only=lambda d: d.weekday() in (1, 3))
    themes = Choice({"learn": 45, "work": 40, "choose": 12, "self_employment": 3})
    language = Choice({"fr": 72, "nl": 16, "other": 12})
    age = Choice({"18_24": 18, "25_29": 24, "30_49": 48, "50_54": 6, "55_64": 3, "unknown": 1})
    out = []
    linked = sorted(rng.sample(list(case_days), min(len(case_days), n_individual // 2)), key=lambda x: (x[1], x[0]))
    planned: list[tuple[int | None, date]] = list(linked)
    planned += [(None, d) for d in days.draw_many(rng, n_individual - len(planned))]
    sizes = spread(rng, group_people, [1.0] * n_groups, jitter=0.2)
    sessions = [("individual", case_id, day, 1) for case_id, day in planned]
    sessions += [("group", None, day, max(1, size)) for day, size in zip(days.draw_many(rng, n_groups), sizes)]
    for session, case_id, day, headcount in sessions:
        where = prison.draw(rng)
        women = where == "berkendael"
        rec = contact(
            "prisons.session",
            "prisons",
            at(day, *rng.choice(((9, 30), (13, 30)))),
            ctx.staff_id("counsellor"),
            {"prison": where, "session": session},
            headcount=headcount,
            themes=draw_themes(rng, themes, 0.25),
            language=language.draw(rng),
            gender=("woman" if women else "man") if session == "individual" else ("woman" if women else "unknown"),
            age_band=age.draw(rng) if session == "individual" else "unknown",
            note=rng.choice(NOTES) if session == "individual" and rng.random() < 0.3 else None,
            modality="individual_advice" if session == "individual" else "group_activity",
            channel="field",
        )
        rec.extra["case_id"] = case_id
        out.append(rec)
    return out


def prison_paths(rng: random.Random) -> list[tuple[str, int, int]]:
    steps = [("project", 20, 60), ("preparing_release", 30, 90), ("released", 20, 90)]
    outcome = Choice({"in_training": 35, "in_employment": 25, "job_searching": 20, None: 20}).draw(rng)
    if outcome == "job_searching":
        steps.append(("outcome:job_searching", 10, 40))
    elif outcome:
        steps.append((outcome, 15, 60))
    if outcome and rng.random() < 0.3:
        steps.append(("left", 30, 90))
    return steps


def case_person(rng: random.Random) -> dict[str, str]:
    return dict(
        gender="man" if rng.random() < 0.9 else "woman",
        age_band=Choice({"18_24": 15, "25_29": 25, "30_49": 52, "50_54": 8}).draw(rng),
        education=Choice({"isced_0_2": 55, "isced_3_4": 30, "foreign_unrecognised": 8, "unknown": 7}).draw(rng),
        labour_status="inactive",
    )


def records(ctx: DemoContext) -> list[Rec]:
    """Cases and the referral first: the sessions of a followed person are among the contacts."""
    cases = ctx.open_cases("prisons", max(2, int(round(CASES * ctx.scale))), "counsellor", case_person, prison_paths)
    ctx.issue_referrals("prisons", REFERRALS, "counsellor", cases)
    n = {key: ctx.count(target) for key, target in PLAN.items()}
    return prisons(ctx, n["individual"], n["group_sessions"], n["group_people"], cases.advice_days)


def share() -> DemoShare:
    return DemoShare("prisons", records, expected=EXPECTED, partners=partners, notes=tuple(NOTES))

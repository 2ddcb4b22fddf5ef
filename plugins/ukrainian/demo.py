"""The Ukrainian-language service's share of the demo year: contacts at the desk, by phone and on Telegram.

The service opened in 2022 (about 4,500 contacts a year); it is generated whatever the year, so that the
demo shows it. A few Telegram questions a week go to a counsellor in the chat: those contacts are logged as
a closed thread logs them (``tremplin.core.bot.threads``), answered in the chat or referred with a code.
"""

from __future__ import annotations

from datetime import datetime
from random import Random
from typing import Any

from tremplin.demo import Choice, DemoContext, DemoReferral, DemoShare, Rec, at, contact

PLAN: dict[str, int] = {"contacts": 4_500}
EXPECTED: dict[str, float] = {
    "contacts.total": PLAN["contacts"],
    "individual_advice.contacts": PLAN["contacts"],
    "ukrainian.contacts": PLAN["contacts"],
}
REFERRALS = (DemoReferral("actiris", None, "work", "issued", 12),)
NOTES = [
    "Питання щодо визнання диплома медсестри.",
    "Шукає курси французької мови.",
    "Questions sur le permis de travail ; orientée vers Actiris.",
    "Хоче пройти навчання з бухгалтерії.",
]

#: The share of Telegram questions that went to a counsellor in the chat (about three a week), how those
#: threads ended and how long the first answer took.
THREAD_SHARE = 0.1
THREAD_OUTCOME = Choice({"answered": 75, "referred": 25})
ANSWER_TIME = Choice({"within_hour": 30, "within_day": 50, "within_week": 15, "later": 5})

UKRAINIAN_QUESTIONS = Choice(
    {
        "temporary_protection": 14,
        "diploma_recognition": 20,
        "language_courses": 21,
        "work_permit": 10,
        "job_search": 21,
        "training": 10,
        "other": 4,
    }
)
UKRAINIAN_THEME = {
    "temporary_protection": "work",
    "diploma_recognition": "learn",
    "language_courses": "learn",
    "work_permit": "work",
    "job_search": "work",
    "training": "learn",
    "other": "choose",
}


def ukrainian(ctx: DemoContext, n: int) -> list[Rec]:
    rng = ctx.rng()
    cal = ctx.calendar
    channel = Choice({"walk_in": 50, "telegram": 35, "phone": 15})
    service_language = Choice({"uk": 66, "ru": 24, "en": 6, "fr": 3, "nl": 1})
    gender = Choice({"woman": 71, "man": 25, "unknown": 4})
    age = Choice(
        {"under_18": 2, "18_24": 10, "25_29": 13, "30_49": 49, "50_54": 10, "55_64": 10, "65_plus": 3, "unknown": 3}
    )
    education = Choice(
        {"foreign_unrecognised": 55, "foreign_recognised": 10, "isced_3_4": 8, "isced_5_8": 7, "unknown": 20}
    )
    labour = Choice({"unemployed": 45, "inactive": 20, "employed": 15, "in_education": 8, "unknown": 12})
    # The threads draw from their own stream: the other contacts stay what they were without them.
    threads = ctx.rng("threads")
    out = []
    for day in sorted(cal.days().draw_many(rng, n)):
        ch = channel.draw(rng)
        questions = sorted({UKRAINIAN_QUESTIONS.draw(rng) for _ in range(1 if rng.random() < 0.6 else 2)})
        when = at(day, rng.randint(8, 19), rng.randrange(60)) if ch == "telegram" else cal.moment(rng, day)
        attrs = {"service_language": service_language.draw(rng), "questions": questions}
        themes = sorted({UKRAINIAN_THEME[q] for q in questions})
        profile = {
            "gender": gender.draw(rng),
            "age_band": age.draw(rng),
            "education": education.draw(rng),
            "labour_status": labour.draw(rng),
            "note": rng.choice(NOTES) if rng.random() < 0.1 else None,
        }
        if ch == "telegram" and threads.random() < THREAD_SHARE:
            out.append(thread_contact(ctx, threads, when, attrs, themes))
            continue
        out.append(
            contact(
                "ukrainian.contact",
                "ukrainian",
                when,
                ctx.staff_id("counsellor"),
                attrs,
                channel=ch,
                themes=themes,
                modality="individual_advice",
                language="uk",
                **profile,
            )
        )
    return out


def thread_contact(ctx: DemoContext, rng: Random, when: datetime, attrs: dict[str, Any], themes: list[str]) -> Rec:
    """A question a counsellor took in the chat, as its closed thread logs it: remote advice on Telegram,
    with how it ended and how long the first answer took, and nothing the person did not write."""
    thread = {"thread": THREAD_OUTCOME.draw(rng), "answer_time": ANSWER_TIME.draw(rng)}
    return contact(
        "ukrainian.telegram",
        "ukrainian",
        when,
        ctx.staff_id("counsellor"),
        {**attrs, **thread},
        themes=themes,
        modality="remote_advice",
        channel="telegram",
        language="uk",
    )


def records(ctx: DemoContext) -> list[Rec]:
    ctx.issue_referrals("ukrainian", REFERRALS, "counsellor")
    return ukrainian(ctx, ctx.count(PLAN["contacts"]))


def share() -> DemoShare:
    return DemoShare("ukrainian", records, expected=EXPECTED, notes=tuple(NOTES))

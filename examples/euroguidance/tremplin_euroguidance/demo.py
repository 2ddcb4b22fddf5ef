"""Euroguidance's share of the demo year: mobility advice at the centre, busiest before the summer."""

from __future__ import annotations

from datetime import date

from tremplin.demo import Choice, DemoContext, DemoShare, Rec, at, contact

#: A year at scale 1.0: about 600 people advised on mobility.
PLAN: dict[str, int] = {"advised": 600}
EXPECTED: dict[str, float] = {
    "contacts.total": PLAN["advised"],
    "individual_advice.contacts": PLAN["advised"],
    "euroguidance.advised": PLAN["advised"],
    "euroguidance.contacts": PLAN["advised"],
}

COUNTRY = Choice({"fr": 22, "es": 18, "de": 14, "nl": 12, "it": 10, "ie": 9, "pt": 5, "be": 3, "other": 7})
PURPOSE = Choice({"study": 45, "traineeship": 25, "work": 20, "volunteering": 10})
PROGRAMME = {"study": "erasmus_plus", "traineeship": "erasmus_plus", "work": "eures", "volunteering": "esc"}
THEME = Choice({"move": 70, "learn": 20, "work": 10})
LANGUAGE = Choice({"fr": 60, "nl": 15, "en": 20, "other": 5})
#: Spring, before the Erasmus+ deadlines, is the busy season.
MONTH_WEIGHT = {1: 8, 2: 12, 3: 14, 4: 12, 5: 10, 6: 8, 7: 4, 8: 3, 9: 8, 10: 9, 11: 7, 12: 5}


def records(ctx: DemoContext) -> list[Rec]:
    """One contact per person advised, on an open day of the month drawn, by the Euroguidance adviser."""
    rng = ctx.rng()
    days_by_month: dict[int, list[date]] = {}
    for day in ctx.calendar.open_days:
        days_by_month.setdefault(day.month, []).append(day)
    month_of = Choice({m: w for m, w in MONTH_WEIGHT.items() if days_by_month.get(m)})
    staff = ctx.staff_id("euroguidance_adviser")
    out = []
    for _ in range(ctx.count(PLAN["advised"])):
        day = rng.choice(days_by_month[month_of.draw(rng)])
        purpose = PURPOSE.draw(rng)
        out.append(
            contact(
                "euroguidance.contact",
                "euroguidance",
                at(day, rng.randint(9, 16), rng.choice((0, 15, 30, 45))),
                staff,
                {"country": COUNTRY.draw(rng), "purpose": purpose, "programme": PROGRAMME[purpose]},
                themes=[THEME.draw(rng)],
                headcount=1,
                language=LANGUAGE.draw(rng),
                modality="individual_advice",
                channel="walk_in",
            )
        )
    return out


def share() -> DemoShare:
    return DemoShare("euroguidance", records, expected=EXPECTED)

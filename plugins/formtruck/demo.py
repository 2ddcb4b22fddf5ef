"""The Formtruck's share of the demo year: tallies at its stops, from spring to autumn."""

from __future__ import annotations

from collections import Counter as Tally
from datetime import date

from tremplin.demo import Choice, DemoContext, DemoShare, Place, Rec, at, contact

#: A year at scale 1.0 (the 2019 report: 919 users).
PLAN: dict[str, int] = {"users": 919}
EXPECTED: dict[str, float] = {
    "contacts.total": PLAN["users"],
    "individual_advice.contacts": PLAN["users"],
    "formtruck.users": PLAN["users"],
}
SITES = (
    Place("truck-flagey", "Formtruck : place Flagey", "formtruck_stop"),
    Place("truck-clemenceau", "Formtruck : Clemenceau", "formtruck_stop"),
    Place("truck-molenbeek", "Formtruck : place communale de Molenbeek", "formtruck_stop"),
    Place("truck-gare-du-nord", "Formtruck : gare du Nord", "formtruck_stop"),
    Place("truck-bockstael", "Formtruck : place Bockstael", "formtruck_stop"),
)
#: Formtruck stop → (commune code of the form, place).
TRUCK_STOPS: dict[str, tuple[str, str]] = {
    "truck-flagey": ("ixelles", "Place Flagey"),
    "truck-clemenceau": ("anderlecht", "Marché des Abattoirs"),
    "truck-molenbeek": ("molenbeek", "Place communale"),
    "truck-gare-du-nord": ("schaerbeek", "Gare du Nord"),
    "truck-bockstael": ("bruxelles", "Place Bockstael"),
}

FORMTRUCK_THEMES = Choice({"learn": 42, "work": 36, "choose": 17, "self_employment": 3, "move": 2})
FORMTRUCK_LANGUAGE = Choice({"fr": 68, "nl": 8, "en": 7, "other": 17})


def formtruck(ctx: DemoContext, n: int) -> list[Rec]:
    """Tallies by theme and language at each stop, at the end of the morning and of the afternoon."""
    rng = ctx.rng()
    cal = ctx.calendar
    season = [
        d
        for d in cal.open_days
        if date(ctx.year, 3, 11) <= d <= date(ctx.year, 10, 31)
        and d.weekday() in (1, 2, 3)
        and not date(ctx.year, 7, 15) <= d <= date(ctx.year, 8, 15)
    ]
    k = max(2, min(len(season), int(round(len(season) * min(1.0, ctx.scale * 1.2)))))
    truck_days = sorted(rng.sample(season, k))
    stops = list(TRUCK_STOPS)
    per_day = Tally(Choice([(d, 0.7 + 0.6 * rng.random()) for d in truck_days]).draw_many(rng, n))
    out = []
    plan_tour(ctx, [(day, stops[i % len(stops)]) for i, day in enumerate(truck_days)])
    for i, day in enumerate(truck_days):
        stop = stops[i % len(stops)]
        commune, place = TRUCK_STOPS[stop]
        cells = Tally(
            (rng.random() < 0.45, FORMTRUCK_THEMES.draw(rng), FORMTRUCK_LANGUAGE.draw(rng)) for _ in range(per_day[day])
        )
        for (morning, theme, language), count in sorted(cells.items()):
            out.append(
                contact(
                    "formtruck.contact",
                    "formtruck",
                    at(day, 12, 30) if morning else at(day, 16, 30),
                    ctx.staff_id("formtruck_adviser"),
                    {"commune": commune, "place": place},
                    site=stop,
                    themes=[theme],
                    headcount=count,
                    language=language,
                    modality="individual_advice",
                    channel="field",
                )
            )
    return out


def plan_tour(ctx: DemoContext, days: list[tuple[date, str]]) -> None:
    """The coordinator's plan behind the year: each truck day's stop, from 10:00 to 17:00."""
    if ctx.session is None:
        return
    from datetime import time

    from sqlalchemy import select

    from tremplin.core.models import Site
    from tremplin.plugins.formtruck.models import FormtruckStop

    rows = ctx.session.execute(select(Site.code, Site.id).where(Site.centre_id == ctx.centre_id))
    sites = {code: site_id for code, site_id in rows}
    ctx.session.add_all(
        FormtruckStop(
            centre_id=ctx.centre_id,
            site_id=sites[stop],
            day=day,
            starts=time(10),
            ends=time(17),
            commune=TRUCK_STOPS[stop][0],
            place=TRUCK_STOPS[stop][1],
        )
        for day, stop in days
        if stop in sites
    )


def records(ctx: DemoContext) -> list[Rec]:
    return formtruck(ctx, ctx.count(PLAN["users"]))


def share() -> DemoShare:
    return DemoShare("formtruck", records, expected=EXPECTED, sites=SITES)

"""The schools' share of the demo year: class visits and workshops, in school time."""

from __future__ import annotations

from tremplin.demo import MONTH_FACTOR, Choice, DemoContext, DemoShare, Rec, activity, at, spread

#: A year at scale 1.0 (the 2019 report: 61 school visits with 3,130 pupils).
PLAN: dict[str, int] = {"visits": 61, "pupils": 3_130}
EXPECTED: dict[str, float] = {
    "contacts.total": PLAN["pupils"],
    "group_activities.count": PLAN["visits"],
    "group_activities.participants": PLAN["pupils"],
    "schools.visits": PLAN["visits"],
    "schools.pupils": PLAN["pupils"],
}

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
    n = {key: ctx.count(target) for key, target in PLAN.items()}
    return schools(ctx, n["visits"], n["pupils"])


def share() -> DemoShare:
    return DemoShare("schools", records, expected=EXPECTED)

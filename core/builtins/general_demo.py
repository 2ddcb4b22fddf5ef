"""The walk-in public's share of the demo year (the built-in ``general`` plugin's ``register_demo``).

Individual advice at the desk and remote, the multimedia area's tallies, the information sessions,
workshops, guided tours and thematic days of the group room, and the fairs. Its figures are the part of
the centre's 2019 report that the audience programmes do not account for; they are the same whichever
audience plugins are present.
"""

from __future__ import annotations

from collections import Counter as Tally
from functools import partial

from tremplin.core.demo import (
    MONTH_FACTOR,
    THEMES,
    Choice,
    DemoContext,
    DemoReferral,
    DemoShare,
    Place,
    Rec,
    activity,
    at,
    contact,
    draw_person,
    draw_themes,
    spread,
    tuesday_to_thursday_of,
)

#: The walk-in public's part of a year at scale 1.0: the 2019 report's 21,832 individual advice, 1,123
#: group activities with 22,425 participants and 11,500 multimedia entries, less what the audience
#: plugins' shares add to them.
PLAN: dict[str, int] = {
    "advice": 16_270,
    "multimedia": 11_500,
    "activities": 1_044,  # information sessions, workshops, guided tours, thematic days
    "participants": 14_815,
    "fairs": 10,
    "fairs.participants": 4_429,
}
#: Share of the individual advice given remotely (phone, e-mail, video, messenger).
REMOTE_SHARE = 0.05
#: Share of the information sessions and workshops held online.
ONLINE_SHARE = 0.06

EXPECTED: dict[str, float] = {
    "contacts.total": PLAN["advice"] + PLAN["participants"] + PLAN["fairs.participants"] + PLAN["multimedia"],
    "individual_advice.contacts": PLAN["advice"],
    "group_activities.count": PLAN["activities"] + PLAN["fairs"],
    "group_activities.participants": PLAN["participants"] + PLAN["fairs.participants"],
    "multimedia.entries": PLAN["multimedia"],
    "events.contacts": PLAN["fairs.participants"],
}

SITES = (
    Place("reception", "Accueil", "reception"),
    Place("multimedia", "Espace multimédia", "multimedia"),
    Place("advice", "Espace conseil", "advice"),
    Place("group-room", "Salle d'activités", "group_room"),
    Place("online", "En ligne", "online"),
    Place("events", "Salons et événements extérieurs", "outreach"),
)
PARTNERS = (
    Place("actiris", "Actiris", "pes"),
    Place("bruxelles-formation", "Bruxelles Formation", "training"),
    Place("vdab-brussel", "VDAB Brussel", "pes"),
    Place("trace-brussel", "Tracé Brussel", "training"),
)
REFERRALS = (
    DemoReferral("actiris", None, "work", "completed", 2, 5, 21),
    DemoReferral("vdab-brussel", None, "learn", "issued", 12),
    DemoReferral("bruxelles-formation", None, "learn", "expired", 6),
)

QUESTION_BY_THEME = {
    "choose": Choice({"orientation": 78, "studies": 19, "other": 3}),
    "learn": Choice({"training_offer": 62, "studies": 24, "recognition": 11, "other": 3}),
    "work": Choice({"job_search": 52, "cv_letter": 35, "recognition": 10, "other": 3}),
    "move": Choice({"mobility": 95, "other": 5}),
    "self_employment": Choice({"business": 95, "other": 5}),
}


# Notes as a counsellor would write them: what the question was and where the person was sent, never
# who the person is. They pass the scrubber chain unchanged (a test makes sure of it).
NOTES: dict[str, list[str]] = {
    "choose": [
        "Hésite entre plusieurs métiers du social ; tests d'intérêts proposés.",
        "Souhaite se réorienter après dix ans dans la vente.",
        "Venu avec un parent : choix d'études après le secondaire.",
        "Réorientation vers les métiers de la petite enfance envisagée.",
    ],
    "learn": [
        "Cherche une formation qualifiante en logistique ; orienté vers l'offre de Bruxelles Formation.",
        "Questions sur l'équivalence d'un diplôme obtenu hors Union européenne.",
        "Souhaite suivre des cours de néerlandais avant une formation.",
        "Intéressé par l'alternance ; informations sur le CEFA et l'EFP.",
        "Reprise d'études en promotion sociale : conditions d'accès expliquées.",
    ],
    "work": [
        "CV relu et restructuré ; conseils pour la lettre de motivation.",
        "Préparation d'un entretien d'embauche dans l'horeca.",
        "Recherche d'emploi dans le nettoyage ; inscription comme chercheur d'emploi conseillée.",
        "Questions sur les aides à l'emploi pour les jeunes.",
        "Souhaite travailler en Flandre ; orienté vers le VDAB.",
    ],
    "move": [
        "Projet de travail au Canada ; informations sur le programme vacances-travail.",
        "Souhaite faire un stage à l'étranger ; orienté vers Eures et Euroguidance.",
    ],
    "self_employment": [
        "Projet de restauration ambulante ; orienté vers l'accompagnement à la création d'activité.",
        "Questions sur le statut d'indépendant complémentaire.",
        "Veut lancer une activité de graphiste indépendant.",
    ],
    "nl": [
        "Zoekt een opleiding in de zorg; doorverwezen naar VDAB Brussel.",
        "Cv nagekeken, tips voor de motivatiebrief.",
        "Wil zich heroriënteren naar het onderwijs.",
    ],
}


def general_advice(ctx: DemoContext, n_desk: int, n_remote: int) -> list[Rec]:
    rng = ctx.rng("advice")
    cal = ctx.calendar
    staff = ctx.staff_id("counsellor")
    out: list[Rec] = []
    days = cal.days()
    remote_channel = Choice({"phone": 50, "email": 35, "messenger": 10, "video": 5})
    for kind, n in (("desk", n_desk), ("remote", n_remote)):
        for day in sorted(days.draw_many(rng, n)):
            person = draw_person(rng)
            themes = draw_themes(rng)
            note = None
            if rng.random() < 0.12:
                pool = NOTES["nl"] if person.language == "nl" else NOTES[themes[0]]
                note = rng.choice(pool)
            values = dict(
                themes=themes,
                language=person.language,
                gender=person.gender,
                age_band=person.age_band,
                education=person.education,
                labour_status=person.labour_status,
                note=note,
            )
            attrs = {"question": QUESTION_BY_THEME[themes[0]].draw(rng)}
            if kind == "desk":
                out.append(
                    contact(
                        "general.advice",
                        "general",
                        cal.moment(rng, day),
                        staff,
                        attrs,
                        site="advice",
                        channel="walk_in",
                        modality="individual_advice",
                        **values,
                    )
                )
            else:
                out.append(
                    contact(
                        "general.remote",
                        "general",
                        cal.moment(rng, day),
                        staff,
                        attrs,
                        channel=remote_channel.draw(rng),
                        modality="remote_advice",
                        **values,
                    )
                )
    return out


MULTIMEDIA_THEMES = Choice({"learn": 38, "work": 35, "choose": 16, "self_employment": 6, "move": 5})


def multimedia(ctx: DemoContext, n: int) -> list[Rec]:
    """Entries tallied by the digital stewards by theme, at the end of each half-day (and of the late opening).

    The multimedia form asks no language (a tally counts people, not speakers), so these records get
    the language a record without one gets everywhere: ``other``.
    """
    rng = ctx.rng("multimedia")
    cal = ctx.calendar
    staff = ctx.staff_id("reception")
    per_day = Tally(cal.days(lambda d: cal.busy(d) * (1.1 if d.weekday() == 3 else 1.0)).draw_many(rng, n))
    out: list[Rec] = []
    for day in sorted(per_day):
        slots = (
            [(12, 25, 0.45), (16, 50, 0.55)] if day.weekday() != 3 else [(12, 25, 0.38), (16, 50, 0.42), (18, 50, 0.2)]
        )
        cells = Tally(
            (rng.choices(range(len(slots)), weights=[w for *_, w in slots])[0], MULTIMEDIA_THEMES.draw(rng))
            for _ in range(per_day[day])
        )
        for (slot, theme), count in sorted(cells.items()):
            hour, minute, _ = slots[slot]
            out.append(
                contact(
                    "general.multimedia",
                    "general",
                    at(day, hour, minute),
                    staff,
                    site="multimedia",
                    themes=[theme],
                    headcount=count,
                    modality="multimedia",
                    channel="walk_in",
                )
            )
    return out


# (workshop, theme, language, title, partner code)
INFO_SESSIONS = (
    ("learn", "fr", "Se former en alternance : un cours, un stage, un emploi", "bruxelles-formation"),
    ("learn", "fr", "Découvrir l'offre de formation de Bruxelles Formation", "bruxelles-formation"),
    ("learn", "fr", "Valider ses compétences : comment ça marche ?", None),
    ("learn", "fr", "Faire reconnaître un diplôme obtenu à l'étranger", None),
    ("learn", "fr", "Reprendre des études en promotion sociale", None),
    ("learn", "nl", "Opleidingen bij VDAB Brussel", "vdab-brussel"),
    ("learn", "nl", "Verder studeren in Brussel", None),
    ("work", "fr", "Les services d'Actiris pour les chercheurs d'emploi", "actiris"),
    ("work", "fr", "Travailler dans les métiers en pénurie", "actiris"),
    ("work", "nl", "Werken in Brussel en Vlaanderen", "vdab-brussel"),
    ("work", "en", "Finding a job in Brussels: where to start", None),
    ("choose", "fr", "Les métiers de la construction", None),
    ("choose", "fr", "Devenir enseignant : métier, études et accompagnement", None),
    ("choose", "fr", "Devenir infirmier : métier, études et accompagnement", None),
    ("move", "fr", "Travailler à l'international", None),
    ("move", "en", "Working and studying abroad with Euroguidance", None),
    ("self_employment", "fr", "Entreprendre sans risque : découvrez l'accompagnement", None),
    ("self_employment", "fr", "Créer son activité : les premières démarches", None),
)
WORKSHOPS = (
    ("work", "fr", "Rédiger son CV", None),
    ("work", "fr", "Préparer un entretien d'embauche", None),
    ("work", "fr", "Postuler par vidéo", None),
    ("work", "fr", "LinkedIn pour chercheurs d'emploi", None),
    ("choose", "fr", "Mes intérêts professionnels : atelier d'orientation", None),
    ("choose", "fr", "Faire le point sur son projet professionnel", None),
    ("self_employment", "fr", "Maîtriser Instagram pour son business", None),
    ("work", "nl", "Cv-atelier", "vdab-brussel"),
    ("work", "nl", "Het sollicitatiegesprek", "vdab-brussel"),
    ("work", "en", "Job interview skills", None),
    ("learn", "fr", "Comment utiliser les ressources de l'espace multimédia ?", None),
    ("learn", "fr", "Trouver une formation sur Dorifor", "bruxelles-formation"),
)
GUIDED_TOURS = (
    ("choose", "fr", "Visite guidée de la Cité des métiers", None),
    ("choose", "fr", "Visite guidée de la Cité des métiers", None),
    ("choose", "nl", "Rondleiding in het Beroepenpunt", None),
    ("choose", "en", "Guided tour of the Cité des métiers", None),
)
THEMATIC_DAYS = (
    ("work", "nl", "IT Dag", "vdab-brussel"),
    ("self_employment", "fr", "Semaine de l'entrepreneuriat des jeunes", None),
    ("work", "fr", "Journée des métiers de la santé", "actiris"),
    ("work", "fr", "Journée de l'emploi inclusif", None),
    ("learn", "fr", "Journée portes ouvertes de l'alternance", "bruxelles-formation"),
)
#: workshop → (share of the general public's activities, mean participants, capacities, catalogue)
GENERAL_KINDS: dict[str, tuple[float, float, tuple[int, ...], tuple[tuple[str, str, str, str | None], ...]]] = {
    "info_session": (0.44, 17.0, (20, 25, 30, 40), INFO_SESSIONS),
    "workshop": (0.38, 10.5, (12, 15, 16, 20), WORKSHOPS),
    "guided_tour": (0.165, 9.0, (15, 20), GUIDED_TOURS),
    "thematic_day": (0.015, 70.0, (120, 150, 200), THEMATIC_DAYS),
}
ACTIVITY_WEEKDAY = {0: 0.8, 1: 1.1, 2: 1.1, 3: 1.3, 4: 0.6}


def general_activities(ctx: DemoContext, n: int, participants: int) -> list[Rec]:
    rng = ctx.rng("activity")
    cal = ctx.calendar
    staff = ctx.staff_id("programme_lead")
    days = cal.days(lambda d: MONTH_FACTOR[d.month] * ACTIVITY_WEEKDAY[d.weekday()])
    kinds = Choice({k: v[0] for k, v in GENERAL_KINDS.items()})
    drafts = [(kinds.draw(rng), day) for day in sorted(days.draw_many(rng, n))]
    # Sizes vary around each kind's usual attendance, then are scaled to the year's participants.
    raw_sizes = [max(1.0, GENERAL_KINDS[k][1] * rng.lognormvariate(0, 0.35)) for k, _ in drafts]
    factor = participants / (sum(raw_sizes) or 1)
    out: list[Rec] = []
    for (kind, day), size in zip(drafts, raw_sizes):
        _, _, capacities, catalogue = GENERAL_KINDS[kind]
        theme, language, title, partner = rng.choice(catalogue)
        came = max(1, int(round(size * factor)))
        online = kind in ("info_session", "workshop") and rng.random() < ONLINE_SHARE
        if kind == "thematic_day":
            when = at(day, 9, 30)
        elif day.weekday() == 3 and rng.random() < 0.35:
            when = at(day, 17, 30)  # the Thursday late opening
        else:
            when = at(day, *rng.choice(((9, 30), (10, 0), (13, 30), (14, 0))))
        registered = came + int(round(came * rng.uniform(0.08, 0.35)))
        capacity = max(registered, rng.choice(capacities))
        themes = [theme] if rng.random() > 0.2 else sorted({theme, THEMES.draw(rng)})
        out.append(
            activity(
                "general.activity",
                "general",
                when,
                staff,
                ctx.partner_id(partner),
                site="online" if online else "group-room",
                title=title + (" (en ligne)" if online and language == "fr" else " (online)" if online else ""),
                workshop=kind,
                format="online" if online else "face_to_face",
                capacity=capacity,
                registered=registered,
                participants=came,
                language=language,
                themes=themes,
            )
        )
    return out


# (title, month, usual visitors, partner code, language, themes)
FAIRS = (
    ("Salon de la formation", 5, 1800, "bruxelles-formation", "fr", ["learn"]),
    ("Bourse de la formation", 5, 450, "trace-brussel", "fr", ["learn"]),
    ("Salon des études et de la formation", 3, 520, None, "fr", ["choose", "learn"]),
    ("Job Day", 4, 380, "actiris", "fr", ["work"]),
    ("Jobbeurs VDAB Brussel", 11, 240, "vdab-brussel", "nl", ["work"]),
    ("Brussels Job Fair", 10, 400, None, "en", ["work"]),
    ("Forum des métiers", 2, 230, None, "fr", ["choose"]),
    ("Étudier et travailler à l'étranger", 3, 160, None, "fr", ["move"]),
    ("Salon de l'enseignement supérieur", 12, 150, None, "fr", ["learn"]),
    ("Salon de l'entrepreneuriat", 10, 99, None, "fr", ["self_employment"]),
)


def fairs(ctx: DemoContext, n: int, participants: int) -> list[Rec]:
    rng = ctx.rng("fairs")
    cal = ctx.calendar
    # Fewer fairs than usual (a small scale): the big ones are the ones kept, more often than not.
    pool = list(FAIRS)
    chosen: list[tuple[str, int, int, str | None, str, list[str]]] = []
    while pool and len(chosen) < n:
        pick = Choice([(i, f[2]) for i, f in enumerate(pool)]).draw(rng)
        chosen.append(pool.pop(pick))
    chosen.sort(key=lambda f: f[1])
    while len(chosen) < n:  # scales above 1: the same fairs again, in another month
        extra = rng.choice(FAIRS)
        chosen.append((extra[0], rng.randint(2, 11), *extra[2:]))
    sizes = spread(rng, participants, [f[2] for f in chosen], jitter=0.15)
    out = []
    for (title, month, _, partner, language, themes), came in zip(chosen, sizes):
        day = cal.days(only=partial(tuesday_to_thursday_of, month)).draw(rng)
        out.append(
            activity(
                "general.activity",
                "general",
                at(day, 10, 0),
                ctx.staff_id("programme_lead"),
                ctx.partner_id(partner),
                site="events",
                title=title,
                workshop="fair",
                format="face_to_face",
                participants=max(1, came),
                language=language,
                themes=themes,
            )
        )
    return out


def records(ctx: DemoContext) -> list[Rec]:
    """The walk-in public's year: its referrals are written, its contacts and activities returned."""
    n = {key: ctx.count(target) for key, target in PLAN.items()}
    remote = max(1, int(round(n["advice"] * REMOTE_SHARE)))
    ctx.issue_referrals("general", REFERRALS, "counsellor")
    out = general_advice(ctx, n["advice"] - remote, remote)
    out += multimedia(ctx, n["multimedia"])
    out += general_activities(ctx, n["activities"], max(n["activities"], n["participants"]))
    out += fairs(ctx, n["fairs"], n["fairs.participants"])
    return out


def share() -> DemoShare:
    return DemoShare(
        "general",
        records,
        expected=EXPECTED,
        sites=SITES,
        partners=PARTNERS,
        notes=tuple(note for notes in NOTES.values() for note in notes),
    )

"""A year of realistic synthetic activity, for demonstrations, training sessions and load tests.

``tremplin demo`` fills a database with one year of a centre's work across every audience. At scale
1.0 the figures are of the order of the Brussels Cité des métiers' own 2019 annual report: 55,757
contacts, made of 21,832 individual advice (at the desk, remote, at the Formtruck, in prison), 1,123
group activities with 22,425 participants (61 school visits with 3,130 pupils, fairs with 4,429
visitors, the NEET programme's activities) and about 11,500 multimedia-area entries; 68 people reached
in prisons, 231 in the disability programme, 121 NEET youth. The Ukrainian-language service opened in
2022 (about 4,500 contacts a year); it is generated whatever the year, so that the demo shows every
audience. A few field-awareness encounters, prison group sessions and disability events come on top.

The year has the centre's rhythm: weekdays only, Belgian and Brussels public holidays closed, a
Christmas closure (recorded as a closure period), a quieter July and August, the Thursday late opening
until 19:00, school visits in school time and the Formtruck out from spring to autumn.

Everything is drawn from the seed: the same seed, year and scale give the same records and the same
counters. Each kind of record has its own random stream, so changing one does not reshuffle the others.

Records are written the way an import writes them: every contact and activity is checked against the
intake form of its audience (the fields the form shows, its fixed values, its narrower choices and its
required attributes), validated by ``tremplin.core.validation.Cleaner`` and inserted with
``tremplin.core.bulk.insert_records``, which rolls them up. Cases and referrals go through ``tremplin.core.records``, so
their stage history, outcomes, audit trail and roll-up are those of real use. Everything happens in one
transaction: a failed demo leaves the database as it was.
"""

from __future__ import annotations

import random
import time
from bisect import bisect_right
from collections import Counter as Tally
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from itertools import accumulate
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    from tremplin.core.app import App
    from tremplin.core.models import Case, Centre, Staff

CENTRE_CODE = "bxl"
CENTRE_NAME = "Cité des métiers de Bruxelles"
TIMEZONE = "Europe/Brussels"
TZ = ZoneInfo(TIMEZONE)

#: A year at scale 1.0. Individual advice, group activities, participants and multimedia entries are
#: the 2019 report's totals, the specific audiences are parts of them (the Formtruck and prison
#: sessions are advice given outside the walls, school visits and fairs are group activities).
PLAN: dict[str, int] = {
    "advice": 21_832,  # every individual advice, desk, remote and outside, all audiences
    "ukrainian": 4_500,
    "formtruck": 919,
    "prisons.individual": 28,
    "prisons.group_sessions": 8,
    "prisons.group_people": 40,
    "neet.advice": 70,
    "neet.groups": 8,
    "neet.group_participants": 51,
    "neet.awareness": 380,
    "disability.individual": 45,
    "disability.events": 186,
    "activities": 1_123,  # every group activity, all audiences
    "participants": 22_425,
    "schools.visits": 61,
    "schools.pupils": 3_130,
    "fairs": 10,
    "fairs.participants": 4_429,
    "multimedia": 11_500,
    "neet.cases": 40,
    "prisons.cases": 10,
}
#: Share of the general public's individual advice given remotely (phone, e-mail, video, messenger).
REMOTE_SHARE = 0.05
#: Share of the general public's information sessions and workshops held online.
ONLINE_SHARE = 0.06
#: Each stream's total is drawn within this relative distance of its target.
NOISE = 0.03


def expected_figures(scale: float = 1.0) -> dict[str, float]:
    """The counters a demo at ``scale`` aims at (before the per-stream noise of ``NOISE``)."""
    p = {k: v * scale for k, v in PLAN.items()}
    extra = p["neet.awareness"] + p["disability.events"] + p["prisons.group_people"]
    return {
        "contacts.total": p["advice"] + p["participants"] + p["multimedia"] + extra,
        "individual_advice.contacts": p["advice"],
        "group_activities.count": p["activities"],
        "group_activities.participants": p["participants"],
        "multimedia.entries": p["multimedia"],
        "schools.visits": p["schools.visits"],
        "schools.pupils": p["schools.pupils"],
        "events.contacts": p["fairs.participants"] + p["disability.events"],
        "prisons.reached": p["prisons.individual"] + p["prisons.group_people"],
        "disability.reached": p["disability.individual"] + p["disability.events"],
        "neet.awareness": p["neet.awareness"],
        "neet.reached": p["neet.advice"] + p["neet.group_participants"] + p["neet.awareness"],
        "formtruck.users": p["formtruck"],
        "ukrainian.contacts": p["ukrainian"],
    }


# ------------------------------------------------------------------------------------------------
# The summary


@dataclass
class DemoSummary:
    """What a demo wrote, how long it took, and how to log in."""

    year: int
    scale: float
    seed: int
    centre: str = CENTRE_CODE
    seconds: float = 0.0
    written: dict[str, int] = field(default_factory=dict)
    #: ``(username, password, role)``; the password is ``None`` for an account that already existed.
    logins: list[tuple[str, str | None, str]] = field(default_factory=list)

    def describe(self) -> str:
        w = self.written
        lines = [
            f"Demo year {self.year} for {CENTRE_NAME} ({self.centre}), scale {self.scale:g}, seed {self.seed}: written in {self.seconds:.1f} s",
            f"  {w.get('contacts', 0):,} contact records (headcount {w.get('headcount', 0):,}) and {w.get('activities', 0):,} group activities ({w.get('participants', 0):,} participants): "
            f"{w.get('headcount', 0) + w.get('participants', 0):,} contacts as the centre counts them",
            f"  {w.get('cases', 0):,} cases with {w.get('case_moves', 0):,} stage moves, {w.get('referrals', 0):,} referrals, "
            f"{w.get('closure_periods', 0):,} closure period, {w.get('sites', 0):,} sites, {w.get('partners', 0):,} partners",
            "Demo logins (username / password):",
        ]
        shown = [(u, p if p is not None else "(existing account, unchanged)", r) for u, p, r in self.logins]
        width = max((len(u) for u, _, _ in shown), default=0)
        pwidth = max((len(p) for _, p, _ in shown), default=0)
        for username, password, role in shown:
            lines.append(f"  {username:<{width}}  {password:<{pwidth}}  {role}")
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# Random helpers


class Choice:
    """Weighted draws among fixed options (cumulative weights, one bisection per draw)."""

    __slots__ = ("options", "cum", "total")

    def __init__(self, weights: Mapping[Any, float] | Sequence[tuple[Any, float]]) -> None:
        items = list(weights.items()) if isinstance(weights, Mapping) else list(weights)
        items = [(k, w) for k, w in items if w > 0]
        if not items:
            raise ValueError("nothing to choose from")
        self.options = [k for k, _ in items]
        self.cum = list(accumulate(w for _, w in items))
        self.total = self.cum[-1]

    def draw(self, rng: random.Random) -> Any:
        i = bisect_right(self.cum, rng.random() * self.total)
        return self.options[min(i, len(self.options) - 1)]

    def draw_many(self, rng: random.Random, k: int) -> list[Any]:
        return rng.choices(self.options, cum_weights=self.cum, k=k)


def _stream(seed: int, name: str) -> random.Random:
    """An independent random stream per kind of record, all derived from the seed."""
    return random.Random(f"tremplin-demo:{seed}:{name}")


def _scaled(rng: random.Random, target: float, scale: float, minimum: int = 1) -> int:
    """``target × scale``, give or take ``NOISE``, never below ``minimum``."""
    value = target * scale * (1 + rng.uniform(-NOISE, NOISE))
    return max(minimum, int(round(value)))


def _spread(rng: random.Random, total: int, weights: Sequence[float], jitter: float = 0.35) -> list[int]:
    """Split ``total`` into whole parts roughly proportional to ``weights`` (log-normal jitter)."""
    raw = [w * rng.lognormvariate(0, jitter) for w in weights]
    s = sum(raw) or 1.0
    parts = [int(x / s * total) for x in raw]
    remainders = sorted(range(len(raw)), key=lambda i: (raw[i] / s * total) - parts[i], reverse=True)
    for i in remainders[: total - sum(parts)]:
        parts[i] += 1
    return parts


# ------------------------------------------------------------------------------------------------
# The calendar


def easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def public_holidays(year: int) -> set[date]:
    """Belgian public holidays, and the Brussels Region's Iris Day (8 May)."""
    e = easter(year)
    return {
        date(year, 1, 1),
        e + timedelta(days=1),
        date(year, 5, 1),
        date(year, 5, 8),
        e + timedelta(days=39),
        e + timedelta(days=50),
        date(year, 7, 21),
        date(year, 8, 15),
        date(year, 11, 1),
        date(year, 11, 11),
        date(year, 12, 25),
    }


def christmas_closure(year: int) -> tuple[date, date]:
    return date(year, 12, 24), date(year, 12, 31)


MONTH_FACTOR = {1: 1.0, 2: 1.05, 3: 1.1, 4: 0.95, 5: 1.0, 6: 0.95, 7: 0.6, 8: 0.65, 9: 1.15, 10: 1.15, 11: 1.05, 12: 0.85}
WEEKDAY_FACTOR = {0: 1.0, 1: 1.05, 2: 0.95, 3: 1.2, 4: 0.8}
#: Opening hours: 9:00 to 17:00, until 19:00 on Thursdays.
HOURS = Choice({9: 0.55, 10: 1.0, 11: 1.15, 12: 0.8, 13: 0.85, 14: 1.15, 15: 1.05, 16: 0.75})
THURSDAY_HOURS = Choice({9: 0.55, 10: 1.0, 11: 1.15, 12: 0.8, 13: 0.85, 14: 1.15, 15: 1.05, 16: 0.85, 17: 0.7, 18: 0.45})


class Calendar:
    """The open days of a year, with how busy each is."""

    def __init__(self, year: int) -> None:
        self.year = year
        self.holidays = public_holidays(year)
        self.closure = christmas_closure(year)
        day = date(year, 1, 1)
        self.all_days: list[date] = []
        while day.year == year:
            self.all_days.append(day)
            day += timedelta(days=1)
        self.open_days = [d for d in self.all_days if self.is_open(d)]
        e = easter(year)
        carnival = e - timedelta(days=48)
        self.school_holidays: list[tuple[date, date]] = [
            (date(year, 1, 1), date(year, 1, 6)),
            (carnival, carnival + timedelta(days=6)),
            (e - timedelta(days=13), e + timedelta(days=1)),
            (date(year, 7, 1), date(year, 8, 31)),
            (date(year, 10, 28), date(year, 11, 3)),
            (date(year, 12, 21), date(year, 12, 31)),
        ]

    def is_open(self, day: date) -> bool:
        start, end = self.closure
        return day.weekday() < 5 and day not in self.holidays and not start <= day <= end

    def is_school_day(self, day: date) -> bool:
        return self.is_open(day) and not any(a <= day <= b for a, b in self.school_holidays)

    def busy(self, day: date) -> float:
        """How busy the centre is on an open day, relative to an ordinary Monday."""
        weight = MONTH_FACTOR[day.month] * WEEKDAY_FACTOR[day.weekday()]
        if day.month == 12 and day.day >= 16 or day.month == 1 and day.day <= 6:
            weight *= 0.75  # the quiet weeks around Christmas
        return weight

    def days(self, weight: Any = None, only: Any = None) -> Choice:
        """A draw among open days (``only`` filters them), weighted by ``weight(day)`` or ``busy``."""
        weight = weight or self.busy
        return Choice([(d, weight(d)) for d in self.open_days if only is None or only(d)])

    def next_open(self, day: date) -> date:
        while not self.is_open(day):
            day += timedelta(days=1)
        return day

    def moment(self, rng: random.Random, day: date) -> datetime:
        hours = THURSDAY_HOURS if day.weekday() == 3 else HOURS
        return datetime(day.year, day.month, day.day, hours.draw(rng), rng.randrange(60), tzinfo=TZ)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


# ------------------------------------------------------------------------------------------------
# Profiles


THEMES = Choice({"learn": 38, "work": 29, "choose": 20, "self_employment": 7, "move": 6})
#: The walk-in public is 60/40 men (the 2019 satisfaction survey: 58/42); with the Ukrainian-language
#: service, mostly women, the whole year comes to about 53/47.
GENDER = Choice({"man": 57.5, "woman": 38.0, "non_binary": 0.5, "unknown": 4.0})
AGE = Choice({"under_18": 2, "18_24": 16, "25_29": 15, "30_49": 52, "50_54": 7, "55_64": 5, "65_plus": 1, "unknown": 2})
LANGUAGE = Choice({"fr": 68, "nl": 12, "en": 11, "other": 8, "uk": 1})
EDUCATION = Choice({"isced_5_8": 31, "isced_3_4": 28, "isced_0_2": 24, "foreign_recognised": 5, "foreign_unrecognised": 8, "unknown": 4})
EDUCATION_YOUNG = Choice({"isced_0_2": 85, "unknown": 15})
_WORKING_AGE = {"unemployed": 42, "long_term_unemployed": 16, "employed": 24, "inactive": 7, "self_employed": 4, "in_education": 2, "unknown": 5}
LABOUR_BY_AGE = {
    "under_18": Choice({"in_education": 92, "unknown": 8}),
    "18_24": Choice({"in_education": 32, "unemployed": 40, "long_term_unemployed": 4, "employed": 12, "inactive": 6, "unknown": 6}),
    "25_29": Choice({"unemployed": 46, "long_term_unemployed": 10, "employed": 24, "in_education": 8, "inactive": 5, "self_employed": 2, "unknown": 5}),
    "30_49": Choice(_WORKING_AGE),
    "50_54": Choice({"unemployed": 38, "long_term_unemployed": 26, "employed": 22, "inactive": 7, "self_employed": 3, "unknown": 4}),
    "55_64": Choice({"unemployed": 36, "long_term_unemployed": 28, "employed": 20, "inactive": 10, "self_employed": 3, "unknown": 3}),
    "65_plus": Choice({"inactive": 70, "self_employed": 10, "employed": 10, "unknown": 10}),
    "unknown": Choice({"unknown": 60, "unemployed": 25, "employed": 15}),
}
QUESTION_BY_THEME = {
    "choose": Choice({"orientation": 78, "studies": 19, "other": 3}),
    "learn": Choice({"training_offer": 62, "studies": 24, "recognition": 11, "other": 3}),
    "work": Choice({"job_search": 52, "cv_letter": 35, "recognition": 10, "other": 3}),
    "move": Choice({"mobility": 95, "other": 5}),
    "self_employment": Choice({"business": 95, "other": 5}),
}


def draw_themes(rng: random.Random, choice: Choice = THEMES, second: float = 0.15) -> list[str]:
    first = choice.draw(rng)
    if rng.random() < second:
        other = choice.draw(rng)
        if other != first:
            return [first, other]
    return [first]


@dataclass
class Person:
    gender: str
    age_band: str
    education: str
    labour_status: str
    language: str


def draw_person(rng: random.Random, language: Choice = LANGUAGE, age: Choice = AGE, gender: Choice = GENDER) -> Person:
    band = age.draw(rng)
    education = (EDUCATION_YOUNG if band == "under_18" else EDUCATION).draw(rng)
    return Person(gender.draw(rng), band, education, LABOUR_BY_AGE[band].draw(rng), language.draw(rng))


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
    "neet": [
        "Rencontré en maison de jeunes ; intéressé par une formation courte.",
        "A quitté l'école en 5e secondaire ; souhaite reprendre une formation.",
        "Premier contact via Instagram ; rendez-vous pris à la Cité des métiers.",
        "Cherche un premier emploi ; atelier CV proposé.",
    ],
    "prisons": [
        "Projet de formation en cuisine à la sortie.",
        "Informations sur les formations accessibles pendant la détention.",
        "Préparation de la sortie : inscription comme chercheur d'emploi prévue.",
    ],
    "disability": [
        "Accompagné d'un éducateur ; questions sur l'emploi adapté.",
        "Professionnel d'un service d'accompagnement : présentation des services.",
        "Questions sur les aménagements raisonnables en formation.",
    ],
    "ukrainian": [
        "Питання щодо визнання диплома медсестри.",
        "Шукає курси французької мови.",
        "Questions sur le permis de travail ; orientée vers Actiris.",
        "Хоче пройти навчання з бухгалтерії.",
    ],
}


def all_notes() -> list[str]:
    return [note for notes in NOTES.values() for note in notes]


# ------------------------------------------------------------------------------------------------
# The centre


SITES: tuple[tuple[str, str, str], ...] = (
    ("reception", "Accueil", "reception"),
    ("multimedia", "Espace multimédia", "multimedia"),
    ("advice", "Espace conseil", "advice"),
    ("group-room", "Salle d'activités", "group_room"),
    ("online", "En ligne", "online"),
    ("events", "Salons et événements extérieurs", "outreach"),
    ("truck-flagey", "Formtruck : place Flagey", "formtruck_stop"),
    ("truck-clemenceau", "Formtruck : Clemenceau", "formtruck_stop"),
    ("truck-molenbeek", "Formtruck : place communale de Molenbeek", "formtruck_stop"),
    ("truck-gare-du-nord", "Formtruck : gare du Nord", "formtruck_stop"),
    ("truck-bockstael", "Formtruck : place Bockstael", "formtruck_stop"),
)
#: Formtruck stop → (commune code of the form, place).
TRUCK_STOPS: dict[str, tuple[str, str]] = {
    "truck-flagey": ("ixelles", "Place Flagey"),
    "truck-clemenceau": ("anderlecht", "Marché des Abattoirs"),
    "truck-molenbeek": ("molenbeek", "Place communale"),
    "truck-gare-du-nord": ("schaerbeek", "Gare du Nord"),
    "truck-bockstael": ("bruxelles", "Place Bockstael"),
}
PARTNERS: tuple[tuple[str, str, str], ...] = (
    ("actiris", "Actiris", "pes"),
    ("bruxelles-formation", "Bruxelles Formation", "training"),
    ("vdab-brussel", "VDAB Brussel", "pes"),
    ("trace-brussel", "Tracé Brussel", "training"),
    ("amo", "AMO partenaire du projet Touch'N'Go", "youth"),
    ("prison", "Prison de Saint-Gilles", "prison"),
)
CLOSURE_LABEL = "Fermeture de fin d'année"


@dataclass
class Context:
    """What the record generators need: the calendar, ids, and the seed."""

    app: App
    year: int
    scale: float
    seed: int
    calendar: Calendar
    centre_id: int
    staff: dict[str, int]
    partners: dict[str, int]
    last_day: date

    def rng(self, name: str) -> random.Random:
        return _stream(self.seed, name)


@dataclass
class Rec:
    """A record as a worker would enter it: the form, its raw values and attributes, and who entered it."""

    form: str
    raw: dict[str, Any]
    attrs: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def when(self) -> datetime:
        return self.raw.get("occurred_at") or self.raw["starts_at"]


def _contact(form: str, audience: str, when: datetime, staff_id: int | None, attrs: Mapping[str, Any] | None = None, **values: Any) -> Rec:
    raw = {"centre": CENTRE_CODE, "audience": audience, "occurred_at": when}
    raw.update({k: v for k, v in values.items() if v is not None})
    return Rec(form, raw, dict(attrs or {}), {"staff_id": staff_id})


def _activity(form: str, audience: str, when: datetime, staff_id: int | None, partner_id: int | None = None, attrs: Mapping[str, Any] | None = None, **values: Any) -> Rec:
    raw = {"centre": CENTRE_CODE, "audience": audience, "starts_at": when}
    raw.update({k: v for k, v in values.items() if v is not None})
    return Rec(form, raw, dict(attrs or {}), {"staff_id": staff_id, "partner_id": partner_id})


# ------------------------------------------------------------------------------------------------
# The general public


def general_advice(ctx: Context, n_desk: int, n_remote: int) -> list[Rec]:
    rng = ctx.rng("general.advice")
    cal = ctx.calendar
    staff = ctx.staff["counsellor"]
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
                out.append(_contact("general.advice", "general", cal.moment(rng, day), staff, attrs, site="advice", channel="walk_in", modality="individual_advice", **values))
            else:
                out.append(_contact("general.remote", "general", cal.moment(rng, day), staff, attrs, channel=remote_channel.draw(rng), modality="remote_advice", **values))
    return out


MULTIMEDIA_THEMES = Choice({"learn": 38, "work": 35, "choose": 16, "self_employment": 6, "move": 5})


def multimedia(ctx: Context, n: int) -> list[Rec]:
    """Entries tallied by the digital stewards by theme, at the end of each half-day (and of the late opening).

    The multimedia form asks no language (a tally counts people, not speakers), so these records get
    the language a record without one gets everywhere: ``other``.
    """
    rng = ctx.rng("general.multimedia")
    cal = ctx.calendar
    staff = ctx.staff["reception"]
    per_day = Tally(cal.days(lambda d: cal.busy(d) * (1.1 if d.weekday() == 3 else 1.0)).draw_many(rng, n))
    out: list[Rec] = []
    for day in sorted(per_day):
        slots = [(12, 25, 0.45), (16, 50, 0.55)] if day.weekday() != 3 else [(12, 25, 0.38), (16, 50, 0.42), (18, 50, 0.2)]
        cells = Tally((rng.choices(range(len(slots)), weights=[w for *_, w in slots])[0], MULTIMEDIA_THEMES.draw(rng)) for _ in range(per_day[day]))
        for (slot, theme), count in sorted(cells.items()):
            hour, minute, _ = slots[slot]
            out.append(_contact("general.multimedia", "general", at(day, hour, minute), staff, site="multimedia", themes=[theme], headcount=count, modality="multimedia", channel="walk_in"))
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


def general_activities(ctx: Context, n: int, participants: int) -> list[Rec]:
    rng = ctx.rng("general.activity")
    cal = ctx.calendar
    staff = ctx.staff["programme_lead"]
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
            _activity(
                "general.activity",
                "general",
                when,
                staff,
                ctx.partners.get(partner) if partner else None,
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


def fairs(ctx: Context, n: int, participants: int) -> list[Rec]:
    rng = ctx.rng("general.fairs")
    cal = ctx.calendar
    # Fewer fairs than usual (a small scale): the big ones are the ones kept, more often than not.
    pool = list(FAIRS)
    chosen = []
    while pool and len(chosen) < n:
        pick = Choice([(i, f[2]) for i, f in enumerate(pool)]).draw(rng)
        chosen.append(pool.pop(pick))
    chosen.sort(key=lambda f: f[1])
    while len(chosen) < n:  # scales above 1: the same fairs again, in another month
        extra = rng.choice(FAIRS)
        chosen.append((extra[0], rng.randint(2, 11), *extra[2:]))
    sizes = _spread(rng, participants, [f[2] for f in chosen], jitter=0.15)
    out = []
    for (title, month, _, partner, language, themes), came in zip(chosen, sizes):
        day = cal.days(only=lambda d, m=month: d.month == m and d.weekday() in (1, 2, 3)).draw(rng)
        out.append(
            _activity(
                "general.activity",
                "general",
                at(day, 10, 0),
                ctx.staff["programme_lead"],
                ctx.partners.get(partner) if partner else None,
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


# ------------------------------------------------------------------------------------------------
# Schools


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
EDUCATION_TYPES = Choice({"general": 35, "technical_transition": 15, "technical_qualification": 20, "vocational": 25, "special": 5})


def schools(ctx: Context, n: int, pupils: int) -> list[Rec]:
    rng = ctx.rng("schools")
    cal = ctx.calendar
    days = cal.days(lambda d: MONTH_FACTOR[d.month] * (0.3 if d.weekday() == 2 else 1.0), only=cal.is_school_day)
    kinds = Choice({k: v[0] for k, v in SCHOOL_WORKSHOPS.items()})
    at_school = {i for i in rng.sample(range(n), max(1, round(n * 0.12)))}
    sizes = _spread(rng, pupils, [1.0] * n, jitter=0.25)
    out = []
    for i, (day, came) in enumerate(zip(sorted(days.draw_many(rng, n)), sizes)):
        kind = kinds.draw(rng)
        _, years, themes = SCHOOL_WORKSHOPS[kind]
        school = rng.choice(SCHOOLS)
        language = "nl" if school.startswith(("Koninklijk", "Sint-")) else "fr"
        hour = (9, 0) if day.weekday() == 2 else rng.choice(((9, 0), (10, 30), (13, 30)))
        out.append(
            _activity(
                "schools.visit",
                "schools",
                at(day, *hour),
                ctx.staff["schools_coordinator"],
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


# ------------------------------------------------------------------------------------------------
# NEET youth (Touch'N'Go)


NEET_PLACES = Choice({"street": 24, "youth_centre": 25, "neighbourhood_centre": 15, "social_media": 15, "public_service": 8, "school": 5, "event": 6, "other": 2})
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


def neet_awareness(ctx: Context, n: int) -> list[Rec]:
    """Encounters in the field, tallied: one, two or a few young people at a time."""
    rng = ctx.rng("neet.awareness")
    cal = ctx.calendar
    days = cal.days(lambda d: (1.15 if d.month in (6, 7) else MONTH_FACTOR[d.month]) * (0.6 if d.weekday() == 0 else 1.0))
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
            _contact(
                "neet.awareness",
                "neet",
                at(day, rng.randint(10, 18), rng.randrange(60)),
                ctx.staff["neet_worker"],
                attrs,
                headcount=size,
                themes=draw_themes(rng, NEET_THEMES, 0.2),
                language=NEET_LANGUAGE.draw(rng),
                gender=gender,
                age_band=age,
                note=rng.choice(NOTES["neet"]) if rng.random() < 0.1 else None,
                modality="field_awareness",
                channel="field",
            )
        )
    return out


NEET_EDUCATION = Choice({"isced_0_2": 58, "isced_3_4": 30, "foreign_unrecognised": 5, "unknown": 7})
NEET_LABOUR = Choice({"unemployed": 48, "inactive": 44, "long_term_unemployed": 3, "unknown": 5})


def neet_advice(ctx: Context, n: int, case_days: Sequence[tuple[int, date]]) -> list[Rec]:
    """Individual advice; the first ones are those of the young people followed under a case code."""
    rng = ctx.rng("neet.advice")
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
        rec = _contact(
            "neet.advice",
            "neet",
            cal.moment(rng, day),
            ctx.staff["neet_worker"],
            attrs,
            site="advice" if ch == "walk_in" else None,
            channel=ch,
            themes=draw_themes(rng, NEET_THEMES),
            language=NEET_LANGUAGE.draw(rng),
            gender=NEET_GENDER.draw(rng),
            age_band=NEET_AGE.draw(rng),
            education=NEET_EDUCATION.draw(rng),
            labour_status=NEET_LABOUR.draw(rng),
            note=rng.choice(NOTES["neet"]) if rng.random() < 0.25 else None,
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


def neet_groups(ctx: Context, n: int, participants: int) -> list[Rec]:
    rng = ctx.rng("neet.group")
    cal = ctx.calendar
    days = cal.days(only=lambda d: d.weekday() in (1, 2, 3))
    partner = Choice({"amo": 35, "youth_centre": 25, "mission_locale": 20, "neighbourhood_centre": 15, "none": 5})
    sizes = _spread(rng, participants, [1.0] * n, jitter=0.3)
    out = []
    for day, came in zip(sorted(days.draw_many(rng, n)), sizes):
        workshop, title, themes = rng.choice(NEET_GROUPS)
        p = partner.draw(rng)
        out.append(
            _activity(
                "neet.group",
                "neet",
                at(day, 14, 0),
                ctx.staff["neet_worker"],
                ctx.partners["amo"] if p == "amo" else None,
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


# ------------------------------------------------------------------------------------------------
# Prisons, disability, Formtruck, Ukrainian


def prisons(ctx: Context, n_individual: int, n_groups: int, group_people: int, case_days: Sequence[tuple[int, date]]) -> list[Rec]:
    rng = ctx.rng("prisons")
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
    sizes = _spread(rng, group_people, [1.0] * n_groups, jitter=0.2)
    sessions = [("individual", case_id, day, 1) for case_id, day in planned]
    sessions += [("group", None, day, max(1, size)) for day, size in zip(days.draw_many(rng, n_groups), sizes)]
    for session, case_id, day, headcount in sessions:
        where = prison.draw(rng)
        women = where == "berkendael"
        rec = _contact(
            "prisons.session",
            "prisons",
            at(day, *rng.choice(((9, 30), (13, 30)))),
            ctx.staff["counsellor"],
            {"prison": where, "session": session},
            headcount=headcount,
            themes=draw_themes(rng, themes, 0.25),
            language=language.draw(rng),
            gender=("woman" if women else "man") if session == "individual" else ("woman" if women else "unknown"),
            age_band=age.draw(rng) if session == "individual" else "unknown",
            note=rng.choice(NOTES["prisons"]) if session == "individual" and rng.random() < 0.3 else None,
            modality="individual_advice" if session == "individual" else "group_activity",
            channel="field",
        )
        rec.extra["case_id"] = case_id
        out.append(rec)
    return out


ADAPTATIONS = ("easy_read", "companion", "accessible_room", "adapted_time", "sign_language")
#: (event, month, share of the events' people, share of professionals)
DISABILITY_EVENTS = (
    ("inclusive_employment", 6, 0.45, 0.35),
    ("transition_fair", 3, 0.33, 0.25),
    ("info_session", 10, 0.11, 0.5),
    ("info_session", 2, 0.11, 0.5),
)


def disability(ctx: Context, n_individual: int, n_events: int) -> list[Rec]:
    rng = ctx.rng("disability")
    cal = ctx.calendar
    staff = ctx.staff["counsellor"]
    out = []
    channel = Choice({"walk_in": 70, "phone": 18, "email": 12})
    for day in sorted(cal.days().draw_many(rng, n_individual)):
        professional = rng.random() < 0.15
        attrs: dict[str, Any] = {"public": "professional" if professional else "target", "event": "none"}
        if not professional and rng.random() < 0.5:
            attrs["adaptations"] = sorted(rng.sample(ADAPTATIONS[:4], rng.randint(1, 2)))
        out.append(
            _contact(
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
                age_band=Choice({"18_24": 30, "25_29": 20, "30_49": 38, "50_54": 6, "55_64": 4, "unknown": 2}).draw(rng),
                note=rng.choice(NOTES["disability"]) if rng.random() < 0.3 else None,
            )
        )
    events = DISABILITY_EVENTS if n_events >= 20 else DISABILITY_EVENTS[:1]
    sizes = _spread(rng, n_events, [e[2] for e in events], jitter=0.1)
    for (event, month, _, professionals), size in zip(events, sizes):
        if size <= 0:
            continue
        day = cal.days(only=lambda d, m=month: d.month == m and d.weekday() in (1, 2, 3)).draw(rng)
        pros = min(size - 1, int(round(size * professionals))) if size > 1 else 0
        adaptations = ["accessible_room", "sign_language"] if event != "info_session" else ["accessible_room", "easy_read"]
        for public, people in (("target", size - pros), ("professional", pros)):
            if people <= 0:
                continue
            for theme, count in zip(("work", "learn"), _spread(rng, people, [0.6, 0.4], jitter=0.1)):
                if count <= 0:
                    continue
                out.append(
                    _contact(
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


FORMTRUCK_THEMES = Choice({"learn": 42, "work": 36, "choose": 17, "self_employment": 3, "move": 2})
FORMTRUCK_LANGUAGE = Choice({"fr": 68, "nl": 8, "en": 7, "other": 17})


def formtruck(ctx: Context, n: int) -> list[Rec]:
    """Tallies by theme and language at each stop, at the end of the morning and of the afternoon."""
    rng = ctx.rng("formtruck")
    cal = ctx.calendar
    season = [
        d
        for d in cal.open_days
        if date(ctx.year, 3, 11) <= d <= date(ctx.year, 10, 31) and d.weekday() in (1, 2, 3) and not date(ctx.year, 7, 15) <= d <= date(ctx.year, 8, 15)
    ]
    k = max(2, min(len(season), int(round(len(season) * min(1.0, ctx.scale * 1.2)))))
    truck_days = sorted(rng.sample(season, k))
    stops = list(TRUCK_STOPS)
    per_day = Tally(Choice([(d, 0.7 + 0.6 * rng.random()) for d in truck_days]).draw_many(rng, n))
    out = []
    for i, day in enumerate(truck_days):
        stop = stops[i % len(stops)]
        commune, place = TRUCK_STOPS[stop]
        cells = Tally((rng.random() < 0.45, FORMTRUCK_THEMES.draw(rng), FORMTRUCK_LANGUAGE.draw(rng)) for _ in range(per_day[day]))
        for (morning, theme, language), count in sorted(cells.items()):
            out.append(
                _contact(
                    "formtruck.contact",
                    "formtruck",
                    at(day, 12, 30) if morning else at(day, 16, 30),
                    ctx.staff["formtruck_adviser"],
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


UKRAINIAN_QUESTIONS = Choice({"temporary_protection": 14, "diploma_recognition": 20, "language_courses": 21, "work_permit": 10, "job_search": 21, "training": 10, "other": 4})
UKRAINIAN_THEME = {
    "temporary_protection": "work",
    "diploma_recognition": "learn",
    "language_courses": "learn",
    "work_permit": "work",
    "job_search": "work",
    "training": "learn",
    "other": "choose",
}


def ukrainian(ctx: Context, n: int) -> list[Rec]:
    rng = ctx.rng("ukrainian")
    cal = ctx.calendar
    channel = Choice({"walk_in": 50, "telegram": 35, "phone": 15})
    service_language = Choice({"uk": 66, "ru": 24, "en": 6, "fr": 3, "nl": 1})
    gender = Choice({"woman": 71, "man": 25, "unknown": 4})
    age = Choice({"under_18": 2, "18_24": 10, "25_29": 13, "30_49": 49, "50_54": 10, "55_64": 10, "65_plus": 3, "unknown": 3})
    education = Choice({"foreign_unrecognised": 55, "foreign_recognised": 10, "isced_3_4": 8, "isced_5_8": 7, "unknown": 20})
    labour = Choice({"unemployed": 45, "inactive": 20, "employed": 15, "in_education": 8, "unknown": 12})
    out = []
    for day in sorted(cal.days().draw_many(rng, n)):
        ch = channel.draw(rng)
        questions = sorted({UKRAINIAN_QUESTIONS.draw(rng) for _ in range(1 if rng.random() < 0.6 else 2)})
        when = at(day, rng.randint(8, 19), rng.randrange(60)) if ch == "telegram" else cal.moment(rng, day)
        out.append(
            _contact(
                "ukrainian.contact",
                "ukrainian",
                when,
                ctx.staff["counsellor"],
                {"service_language": service_language.draw(rng), "questions": questions},
                channel=ch,
                themes=sorted({UKRAINIAN_THEME[q] for q in questions}),
                gender=gender.draw(rng),
                age_band=age.draw(rng),
                education=education.draw(rng),
                labour_status=labour.draw(rng),
                note=rng.choice(NOTES["ukrainian"]) if rng.random() < 0.1 else None,
                modality="individual_advice",
                language="uk",
            )
        )
    return out


# ------------------------------------------------------------------------------------------------
# Cases and referrals


ESF_PROFILE = {
    "disability": Choice({"no": 85, "yes": 4, "declined": 4, "unknown": 7}),
    "third_country_national": Choice({"no": 70, "yes": 18, "declined": 4, "unknown": 8}),
    "foreign_background": Choice({"yes": 55, "no": 35, "declined": 5, "unknown": 5}),
    "minority": Choice({"no": 60, "yes": 10, "declined": 15, "unknown": 15}),
    "homeless": Choice({"no": 90, "yes": 3, "declined": 2, "unknown": 5}),
    "rural": Choice({"no": 98, "unknown": 2}),
}


def _pathway(rng: random.Random, steps: Sequence[tuple[str, int, int]], cal: Calendar, start: date, last: date) -> list[tuple[str, date]]:
    """Dated moves along ``steps`` (stage, min gap, max gap in days), stopping at ``last``."""
    moves = []
    day = start
    for stage, low, high in steps:
        day = cal.next_open(day + timedelta(days=rng.randint(low, high)))
        if day > last:
            break
        moves.append((stage, day))
    return moves


def neet_paths(rng: random.Random) -> list[tuple[str, int, int]]:
    if rng.random() < 0.08:
        return [("left", 10, 40)]
    steps = [("engaged", 5, 30)]
    r = rng.random()
    if r < 0.08:
        return steps + [("left", 20, 60)]
    steps.append(("guided", 10, 40) if rng.random() < 0.65 else ("referred", 10, 40))
    outcome = Choice({"in_training": 28, "in_education": 14, "in_employment": 16, "job_search": 14, None: 18, "left": 10}).draw(rng)
    if outcome is None:
        return steps
    steps.append((outcome, 20, 75))
    if outcome != "left" and rng.random() < 0.3:
        steps.append(("left", 30, 120))
    return steps


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


def open_cases(ctx: Context, session: Session, audience: str, n: int, staff: Staff) -> tuple[list[Case], list[tuple[int, date]], int]:
    """Open ``n`` cases with consent and move them along their workflow; returns the cases, the days of
    the individual advice that went with them, and the number of stage moves."""
    from tremplin.core.records import move_case, open_case, record_outcome

    rng = ctx.rng(f"cases.{audience}")
    cal = ctx.calendar
    last_entry = min(ctx.last_day, date(ctx.year, 11, 15))
    entries = sorted(cal.days(only=lambda d: d <= last_entry).draw_many(rng, n))
    cases: list[Case] = []
    advice_days: list[tuple[int, date]] = []
    moves = 0
    for entered in entries:
        if audience == "neet":
            person = dict(
                gender=NEET_GENDER.draw(rng),
                age_band=NEET_AGE.draw(rng),
                education=NEET_EDUCATION.draw(rng),
                labour_status=NEET_LABOUR.draw(rng),
            )
            steps = neet_paths(rng)
        else:
            person = dict(
                gender="man" if rng.random() < 0.9 else "woman",
                age_band=Choice({"18_24": 15, "25_29": 25, "30_49": 52, "50_54": 8}).draw(rng),
                education=Choice({"isced_0_2": 55, "isced_3_4": 30, "foreign_unrecognised": 8, "unknown": 7}).draw(rng),
                labour_status="inactive",
            )
            steps = prison_paths(rng)
        profile = {key: choice.draw(rng) for key, choice in ESF_PROFILE.items()}
        case = open_case(ctx.app, session, ctx.centre_id, audience, consent_on=entered, entered_on=entered, profile=profile, staff=staff, **person)
        advice_days.append((case.id, entered))
        for stage, day in _pathway(rng, steps, cal, entered, ctx.last_day):
            if stage.startswith("outcome:"):
                record_outcome(ctx.app, session, case, stage.split(":", 1)[1], day, staff=staff)
                continue
            move_case(ctx.app, session, case, stage, staff=staff, on=day)
            moves += 1
            if stage in ("engaged", "guided", "project", "preparing_release"):
                advice_days.append((case.id, day))
        cases.append(case)
    advice_days.sort(key=lambda x: (x[1], x[0]))
    return cases, advice_days, moves


#: (audience, to partner, from partner, theme, status, month issued, days to receive, days to complete)
REFERRALS = (
    ("neet", "bruxelles-formation", None, "learn", "completed", 3, 9, 30),
    ("neet", "actiris", None, "work", "received", 10, 6, None),
    ("neet", None, "amo", "choose", "completed", 5, 2, 12),
    ("general", "actiris", None, "work", "completed", 2, 5, 21),
    ("general", "vdab-brussel", None, "learn", "issued", 12, None, None),
    ("general", "bruxelles-formation", None, "learn", "expired", 6, None, None),
    ("prisons", "bruxelles-formation", "prison", "learn", "received", 9, 14, None),
    ("ukrainian", "actiris", None, "work", "issued", 12, None, None),
)
REFERRAL_NOTES = {
    "learn": "Inscription à une séance d'information sur les formations qualifiantes.",
    "work": "Inscription comme chercheur d'emploi et premier entretien.",
    "choose": "Premier rendez-vous d'orientation à la Cité des métiers.",
}


def referrals(ctx: Context, session: Session, cases: Mapping[str, Sequence[Case]], staff: Mapping[str, Staff]) -> int:
    from tremplin.core.records import issue_referral, set_referral_status

    rng = ctx.rng("referrals")
    cal = ctx.calendar
    written = 0
    for audience, to, frm, theme, status, month, received, completed in REFERRALS:
        issued_on = cal.days(only=lambda d, m=month: d.month == m and (m != 12 or d.day <= 20)).draw(rng)
        if issued_on > ctx.last_day:
            continue
        who = staff["neet_worker"] if audience == "neet" else staff["counsellor"]
        referral = issue_referral(
            ctx.app,
            session,
            ctx.centre_id,
            to_partner_id=ctx.partners.get(to) if to else None,
            from_partner_id=ctx.partners.get(frm) if frm else None,
            theme=theme,
            audience=audience,
            staff=who,
            note=REFERRAL_NOTES[theme],
        )
        issued_at = at(issued_on, 11, rng.randrange(60)).astimezone(timezone.utc)
        referral.issued_at = issued_at
        referral.expires_at = issued_at + timedelta(days=60)
        pool = cases.get(audience) or ()
        if pool:
            referral.case_id = rng.choice(pool).id
        session.flush()
        if status == "expired":
            set_referral_status(ctx.app, session, referral, "expired", staff=who, at=referral.expires_at)
        if received is not None:
            set_referral_status(ctx.app, session, referral, "received", staff=who, at=issued_at + timedelta(days=received))
        if completed is not None:
            set_referral_status(ctx.app, session, referral, "completed", staff=who, at=issued_at + timedelta(days=completed))
        written += 1
    return written


# ------------------------------------------------------------------------------------------------
# Checking records against their forms


class FormCheck:
    """Refuses a record its audience's intake form could not have produced.

    A form shows some core fields and fixes others; its attributes are validated strictly (required
    fields are required, unlike in an import). Checks are memoised: the demo has few distinct shapes.
    """

    ENVELOPE = {"centre", "audience", "occurred_at", "starts_at"}

    def __init__(self, app: App) -> None:
        self.forms = app.registry.forms
        self._shapes: set[tuple[str, frozenset[str]]] = set()
        self._attrs: set[tuple[str, str]] = set()

    def __call__(self, rec: Rec) -> None:
        form = self.forms[rec.form]
        raw = rec.raw
        if raw["audience"] != form.audience:
            raise ValueError(f"{rec.form}: audience {raw['audience']!r} is not the form's {form.audience!r}")
        shape = (rec.form, frozenset(raw))
        if shape not in self._shapes:
            allowed = self.ENVELOPE | set(form.core_fields) | set(form.fixed) | set(form.core_choices)
            extra = set(raw) - allowed
            if extra:
                raise ValueError(f"{rec.form} does not show {', '.join(sorted(extra))}")
            self._shapes.add(shape)
        for name, value in form.fixed.items():
            if raw.get(name) != value:
                raise ValueError(f"{rec.form} fixes {name}={value!r}, not {raw.get(name)!r}")
        for name, choices in form.core_choices.items():
            if name in raw and raw[name] not in choices:
                raise ValueError(f"{rec.form} offers {name} in {choices}, not {raw[name]!r}")
        key = (rec.form, repr(sorted(rec.attrs.items())))
        if key not in self._attrs:
            from tremplin.core.forms import validate_attributes

            validate_attributes(form.fields, rec.attrs, form.model)
            self._attrs.add(key)


# ------------------------------------------------------------------------------------------------
# Progress


class _Progress:
    """A rich progress bar, or nothing."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None

    def __enter__(self) -> "_Progress":
        if self.enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self.bar = Progress(SpinnerColumn(), TextColumn("{task.description:<32}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            self.bar.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.stop()

    def task(self, description: str, total: int) -> Any:
        return self.bar.add_task(description, total=total) if self.bar is not None else None

    def advance(self, task: Any, amount: int = 1) -> None:
        if self.bar is not None:
            self.bar.advance(task, amount)

    def counting(self, task: Any, items: Iterable[Any], every: int = 1000) -> Iterator[Any]:
        n = 0
        for item in items:
            yield item
            n += 1
            if n == every:
                self.advance(task, n)
                n = 0
        self.advance(task, n)


# ------------------------------------------------------------------------------------------------
# Setting up and resetting


def reset_database(conn: Connection) -> None:
    """Empty every table of the model, children first (works on SQLite and PostgreSQL)."""
    from tremplin.core.models import Base

    for table in reversed(Base.metadata.sorted_tables):
        conn.execute(table.delete())


def _setup_centre(session: Session, year: int) -> tuple[Centre, dict[str, int], int]:
    from sqlalchemy import select

    from tremplin.core.admin import ensure_centre, ensure_site
    from tremplin.core.models import Partner

    centre, _ = ensure_centre(session, CENTRE_CODE, CENTRE_NAME, timezone=TIMEZONE)
    for code, name, kind in SITES:
        ensure_site(session, centre, code, name, kind)
    partners: dict[str, int] = {}
    for code, name, kind in PARTNERS:
        if code == "prison" and year >= 2022:
            name = "Prison de Haren"
        partner = session.scalar(select(Partner).where(Partner.centre_id == centre.id, Partner.code == code))
        if partner is None:
            partner = Partner(centre_id=centre.id, code=code, name=name, kind=kind)
            session.add(partner)
            session.flush()
        partners[code] = partner.id
    return centre, partners, len(SITES)


def _setup_staff(app: App, session: Session, centre: Centre) -> tuple[dict[str, Staff], list[tuple[str, str | None, str]]]:
    from sqlalchemy import select

    from tremplin.core.access import ROLES
    from tremplin.core.admin import add_staff
    from tremplin.core.models import Staff

    accounts: dict[str, Staff] = {}
    logins: list[tuple[str, str | None, str]] = []
    for role, label in ROLES.items():
        existing = session.scalar(select(Staff).where(Staff.username == role))
        if existing is not None:
            accounts[role] = existing
            logins.append((role, None, label.get("en")))
            continue
        password = f"demo-{role}"
        accounts[role] = add_staff(
            app,
            session,
            role,
            password,
            roles=[role],
            audiences=None,
            display_name=f"Demo {label.get('en').lower()}",
            language="fr",
            centre_code=centre.code,
        )
        logins.append((role, password, label.get("en")))
    return accounts, logins


def _setup_closure(session: Session, centre: Centre, year: int) -> int:
    from sqlalchemy import select

    from tremplin.core.models import ClosurePeriod

    start, end = christmas_closure(year)
    found = session.scalar(select(ClosurePeriod).where(ClosurePeriod.centre_id == centre.id, ClosurePeriod.starts_on == start, ClosurePeriod.scope == "all"))
    if found is None:
        session.add(ClosurePeriod(centre_id=centre.id, starts_on=start, ends_on=end, scope="all", label=CLOSURE_LABEL))
        session.flush()
    return 1


# ------------------------------------------------------------------------------------------------
# The demo


def build_records(ctx: Context, neet_case_days: Sequence[tuple[int, date]] = (), prison_case_days: Sequence[tuple[int, date]] = ()) -> tuple[list[Rec], list[Rec]]:
    """Every contact and activity of the year, as entered on the audiences' forms, in time order."""
    s = ctx.scale
    rng = ctx.rng("plan")
    n = {key: _scaled(rng, target, s) for key, target in PLAN.items()}
    # The totals are the report's; the general public is what the specific audiences leave of them.
    specific_advice = n["ukrainian"] + n["formtruck"] + n["prisons.individual"] + n["neet.advice"] + n["disability.individual"]
    general_advice_n = max(1, n["advice"] - specific_advice)
    remote = max(1, int(round(general_advice_n * REMOTE_SHARE)))
    general_activities_n = max(1, n["activities"] - n["schools.visits"] - n["neet.groups"] - n["fairs"])
    general_participants = max(general_activities_n, n["participants"] - n["schools.pupils"] - n["neet.group_participants"] - n["fairs.participants"])

    contacts: list[Rec] = []
    contacts += general_advice(ctx, general_advice_n - remote, remote)
    contacts += multimedia(ctx, n["multimedia"])
    contacts += neet_awareness(ctx, n["neet.awareness"])
    contacts += neet_advice(ctx, n["neet.advice"], neet_case_days)
    contacts += prisons(ctx, n["prisons.individual"], n["prisons.group_sessions"], n["prisons.group_people"], prison_case_days)
    contacts += disability(ctx, n["disability.individual"], n["disability.events"])
    contacts += formtruck(ctx, n["formtruck"])
    contacts += ukrainian(ctx, n["ukrainian"])

    activities: list[Rec] = []
    activities += general_activities(ctx, general_activities_n, general_participants)
    activities += fairs(ctx, n["fairs"], n["fairs.participants"])
    activities += schools(ctx, n["schools.visits"], n["schools.pupils"])
    activities += neet_groups(ctx, n["neet.groups"], n["neet.group_participants"])

    # Python's sort is stable: records of the same minute keep their stream's order.
    contacts.sort(key=lambda r: r.when)
    activities.sort(key=lambda r: r.when)
    return contacts, activities


def generate(app: App, year: int, scale: float = 1.0, seed: int = 2019, reset: bool = True, progress: bool = False) -> DemoSummary:
    """Fill the database with a year of synthetic activity of the Brussels centre; see the module doc."""
    from tremplin.core.bulk import insert_records
    from tremplin.core.validation import Cleaner, Lookup

    if not 1900 < year < 2200:
        raise ValueError(f"{year} is not a plausible year")
    if not 0 < scale <= 100:
        raise ValueError("the scale must be above 0 and at most 100")
    started = time.perf_counter()
    summary = DemoSummary(year=year, scale=scale, seed=seed)
    today = date.today()
    last_day = min(date(year, 12, 31), today) if year <= today.year else date(year, 12, 31)
    last_day = max(last_day, date(year, 1, 31))

    with _Progress(progress) as bar, app.transaction() as session:
        setup = bar.task("Centre, staff, cases, referrals", 5)
        conn = session.connection()
        if reset:
            reset_database(conn)
        bar.advance(setup)
        centre, partners, n_sites = _setup_centre(session, year)
        staff, summary.logins = _setup_staff(app, session, centre)
        summary.written.update(sites=n_sites, partners=len(partners), staff=len(summary.logins), closure_periods=_setup_closure(session, centre, year))
        bar.advance(setup)
        ctx = Context(app, year, scale, seed, Calendar(year), centre.id, {r: s.id for r, s in staff.items()}, partners, last_day)

        neet_cases, neet_days, neet_moves = open_cases(ctx, session, "neet", max(3, int(round(PLAN["neet.cases"] * scale))), staff["neet_worker"])
        bar.advance(setup)
        prison_cases, prison_days, prison_moves = open_cases(ctx, session, "prisons", max(2, int(round(PLAN["prisons.cases"] * scale))), staff["counsellor"])
        bar.advance(setup)
        summary.written["cases"] = len(neet_cases) + len(prison_cases)
        summary.written["case_moves"] = neet_moves + prison_moves
        summary.written["referrals"] = referrals(ctx, session, {"neet": neet_cases, "prisons": prison_cases}, staff)
        bar.advance(setup)

        contacts, activities = build_records(ctx, neet_days, prison_days)
        contacts = [r for r in contacts if r.when.date() <= last_day]
        activities = [r for r in activities if r.when.date() <= last_day]
        check = FormCheck(app)
        cleaner = Cleaner(app, Lookup.load(app, session))

        def cleaned(records: list[Rec], kind: str) -> Iterator[dict[str, Any]]:
            clean = cleaner.contact if kind == "contacts" else cleaner.activity
            for rec in records:
                check(rec)
                row = clean(rec.raw, rec.attrs)
                row.update(rec.extra)
                yield row

        task = bar.task("Contacts", len(contacts))
        summary.written["contacts"] = insert_records(app, conn, "contacts", bar.counting(task, cleaned(contacts, "contacts")))
        task = bar.task("Group activities", len(activities))
        summary.written["activities"] = insert_records(app, conn, "activities", bar.counting(task, cleaned(activities, "activities")))
        summary.written["headcount"] = sum(r.raw.get("headcount", 1) for r in contacts)
        summary.written["participants"] = sum(r.raw.get("participants") or 0 for r in activities)

    summary.seconds = time.perf_counter() - started
    return summary

"""A known year (and a bit of the year before) of contacts, activities, cases, closures and online figures.

``build_year`` writes the records through ``tremplin.core.bulk`` (most of them) and ``tremplin.core.records`` (a few, on
the per-record path) and returns them as plain dicts, so that tests can work out every figure of a
report on their own, from the records, without the counters or the roll-up.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tremplin.core.admin import ensure_centre
from tremplin.core.app import App
from tremplin.core.bulk import insert_records
from tremplin.core.models import ClosurePeriod, OnlineMetric
from tremplin.core.records import log_activity, log_contact, open_case

YEAR = 2019
THEMES = ["choose", "learn", "work", "move", "self_employment"]
LANGS = ["fr", "nl", "en", "uk", "other"]
GENDERS = ["woman", "man", "non_binary", "unknown"]
AGES = ["under_18", "18_24", "25_29", "30_49", "50_54", "55_64", "65_plus", "unknown"]
CHANNELS = ["walk_in", "phone", "video", "email", "messenger", "field", "event"]


@dataclass
class Year:
    centre_ids: dict[str, int]
    contacts: list[dict[str, Any]] = field(default_factory=list)
    activities: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    closures: list[dict[str, Any]] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)


def _moment(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _day(rnd: random.Random, year: int) -> date:
    return date(year, 1, 1) + timedelta(days=rnd.randrange(365))


def _contact(rnd: random.Random, centre_id: int, day: date) -> dict[str, Any]:
    audience = rnd.choice(["general"] * 5 + ["neet", "prisons", "disability", "formtruck", "ukrainian"])
    modality = rnd.choice(["individual_advice", "remote_advice", "multimedia", "reception", "field_awareness"])
    channel = rnd.choice(CHANNELS)
    attributes: dict[str, Any] = {}
    language = rnd.choice(LANGS)
    if audience == "prisons":
        attributes = {"prison": "haren", "session": rnd.choice(["individual", "group"])}
        channel = "field"
    elif audience == "disability":
        attributes = {"public": rnd.choice(["target", "professional"])}
    elif audience == "formtruck":
        attributes = {"commune": "ixelles"}
        modality, channel = "individual_advice", "field"
    elif audience == "ukrainian":
        attributes = {"service_language": "uk"}
        modality, channel, language = "individual_advice", rnd.choice(["walk_in", "phone", "telegram"]), "uk"
    elif audience == "neet":
        attributes = {"place": "street"}
    headcount = rnd.choice([1, 1, 1, 1, 2, 3, 7])
    return {
        "centre_id": centre_id,
        "site_id": None,
        "occurred_at": _moment(day),
        "day": day,
        "audience": audience,
        "modality": modality,
        "channel": channel,
        "themes": sorted(rnd.sample(THEMES, rnd.choice([0, 1, 1, 2]))),
        "language": language,
        "headcount": headcount,
        "gender": rnd.choice(GENDERS),
        "age_band": rnd.choice(AGES),
        "education": "unknown",
        "labour_status": "unknown",
        "attributes": attributes,
        "note": "",
    }


def _activity(rnd: random.Random, centre_id: int, day: date) -> dict[str, Any]:
    audience = rnd.choice(["general", "general", "schools", "neet", "disability", "prisons"])
    fmt = rnd.choice(["face_to_face", "face_to_face", "online"])
    workshop = rnd.choice(["info_session", "workshop", "fair", "thematic_day"])
    attributes: dict[str, Any] = {}
    if audience == "schools":
        workshop, fmt = rnd.choice(["explorama", "inforizon", "pass_avenir"]), "face_to_face"
        attributes = {
            "school": "Athénée",
            "education_type": "general",
            "year": "2",
            "place": rnd.choice(["at_centre", "at_school"]),
        }
    participants = rnd.choice([None, 0, 3, 4, 5, 12, 18, 25, 60])
    return {
        "centre_id": centre_id,
        "site_id": None,
        "starts_at": _moment(day, 14),
        "day": day,
        "audience": audience,
        "title": "Atelier",
        "workshop": workshop,
        "format": fmt,
        "capacity": 30,
        "registered": rnd.choice([None, 10, 20]),
        "participants": participants,
        "language": rnd.choice(LANGS),
        "themes": sorted(rnd.sample(THEMES, rnd.choice([0, 1, 2]))),
        "attributes": attributes,
    }


def build_year(
    app: App,
    seed: int = 7,
    contacts: int = 400,
    activities: int = 60,
    centres: tuple[str, ...] = ("bxl",),
    year: int = YEAR,
    previous: int = 80,
) -> Year:
    """Write a known year for ``centres`` and return its records as dicts (``Year``)."""
    rnd = random.Random(seed)
    ids: dict[str, int] = {}
    with app.transaction() as session:
        for code in centres:
            c, _ = ensure_centre(session, code, f"Cité des métiers {code}")
            ids[code] = c.id
    y = Year(ids)
    codes = list(centres)
    for n, yr in ((contacts, year), (previous, year - 1)):
        for _ in range(n):
            y.contacts.append(_contact(rnd, ids[rnd.choice(codes)], _day(rnd, yr)))
    for n, yr in ((activities, year), (previous // 8, year - 1)):
        for _ in range(n):
            y.activities.append(_activity(rnd, ids[rnd.choice(codes)], _day(rnd, yr)))
    with app.db.engine.begin() as conn:
        insert_records(app, conn, "contacts", [dict(c) for c in y.contacts])
        insert_records(app, conn, "activities", [dict(a) for a in y.activities])

    # A few on the per-record path (web forms, the API): the flush listener keeps the roll-up exact.
    with app.transaction() as session:
        first = codes[0]
        c = log_contact(
            app,
            session,
            {
                "centre": first,
                "occurred_at": _moment(date(year, 4, 2)),
                "audience": "general",
                "modality": "remote_advice",
                "channel": "phone",
                "themes": "work;learn",
                "language": "nl",
                "gender": "woman",
                "age_band": "25_29",
            },
        )
        y.contacts.append(_row_of(c))
        a = log_activity(
            app,
            session,
            {
                "centre": first,
                "starts_at": _moment(date(year, 10, 8), 9),
                "audience": "schools",
                "workshop": "explorama",
                "participants": 22,
                "language": "fr",
                "themes": "choose",
            },
            {"school": "Lycée", "education_type": "vocational", "year": "3", "place": "at_school"},
        )
        y.activities.append(_activity_row_of(a))
        for i, (aud, day, gender) in enumerate(
            [
                ("neet", date(year, 2, 3), "woman"),
                ("neet", date(year, 5, 9), "man"),
                ("neet", date(year, 11, 20), "non_binary"),
                ("prisons", date(year, 7, 1), "man"),
                ("neet", date(year - 1, 6, 1), "woman"),
            ]
        ):
            k = open_case(
                app, session, ids[codes[i % len(codes)]], aud, consent_on=day, gender=gender, age_band="18_24"
            )
            y.cases.append(
                {"centre_id": k.centre_id, "audience": aud, "day": day, "gender": gender, "age_band": "18_24"}
            )
        closures = [
            (date(year, 3, 16), date(year, 6, 14), "multimedia", "Lockdown"),
            (date(year, 11, 1), date(year, 12, 31), "all", "Second lockdown"),
            (date(year - 1, 12, 20), date(year, 1, 3), "all", "Winter break"),
            (date(year - 1, 5, 1), date(year - 1, 5, 31), "all", "Works"),
        ]
        for s, e, scope, label in closures:
            session.add(ClosurePeriod(centre_id=ids[first], starts_on=s, ends_on=e, scope=scope, label=label))
            y.closures.append({"centre_id": ids[first], "start": s, "end": e, "scope": scope, "label": label})
        metrics = [
            (date(year, 3, 1), "instagram", "followers", 120),
            (date(year, 12, 1), "instagram", "followers", 387),
            (date(year, 12, 31), "website", "page_views", 288483),
            (date(year - 1, 12, 1), "instagram", "followers", 50),
        ]
        for day, source, metric, value in metrics:
            session.add(OnlineMetric(centre_id=ids[first], day=day, source=source, metric=metric, value=value))
            y.metrics.append({"centre_id": ids[first], "day": day, "source": source, "metric": metric, "value": value})
    return y


def _row_of(c: Any) -> dict[str, Any]:
    return {
        k: getattr(c, k)
        for k in (
            "centre_id",
            "day",
            "audience",
            "modality",
            "channel",
            "themes",
            "language",
            "headcount",
            "gender",
            "age_band",
            "attributes",
        )
    }


def _activity_row_of(a: Any) -> dict[str, Any]:
    return {
        k: getattr(a, k)
        for k in (
            "centre_id",
            "day",
            "audience",
            "workshop",
            "format",
            "participants",
            "registered",
            "language",
            "themes",
            "attributes",
        )
    }


# ------------------------------------------------------------------------------------------------
# Independent arithmetic: what each counter means, written out again from the records


def people(c: dict[str, Any]) -> int:
    return int(c["headcount"])


def parts(a: dict[str, Any]) -> int:
    return int(a["participants"] or 0)


def counter_value(y: Year, key: str, keep: Any) -> int:
    """``key``'s value over the records ``keep(record)`` accepts, computed from the records alone."""
    C = [c for c in y.contacts if keep(c)]
    A = [a for a in y.activities if keep(a)]
    K = [k for k in y.cases if keep(k)]
    aud = lambda rows, name: [r for r in rows if r["audience"] == name]
    advice = ("individual_advice", "remote_advice")
    formulas: dict[str, Any] = {
        "contacts.total": lambda: sum(map(people, C)) + sum(map(parts, A)),
        "contacts.records": lambda: len(C),
        "individual_advice.contacts": lambda: sum(people(c) for c in C if c["modality"] in advice),
        "individual_advice.remote": lambda: sum(people(c) for c in C if c["modality"] == "remote_advice"),
        "group_activities.count": lambda: len(A),
        "group_activities.face_to_face": lambda: sum(1 for a in A if a["format"] == "face_to_face"),
        "group_activities.online": lambda: sum(1 for a in A if a["format"] == "online"),
        "group_activities.participants": lambda: sum(map(parts, A)),
        "group_activities.registered": lambda: sum(int(a["registered"] or 0) for a in A),
        "multimedia.entries": lambda: sum(people(c) for c in C if c["modality"] == "multimedia"),
        "reception.contacts": lambda: sum(people(c) for c in C if c["modality"] == "reception"),
        "field_awareness.contacts": lambda: sum(people(c) for c in C if c["modality"] == "field_awareness"),
        "events.contacts": lambda: (
            sum(parts(a) for a in A if a["workshop"] == "fair") + sum(people(c) for c in C if c["channel"] == "event")
        ),
        "general.reached": lambda: sum(map(people, aud(C, "general"))) + sum(map(parts, aud(A, "general"))),
        "cases.opened": lambda: len(K),
        "neet.reached": lambda: sum(map(people, aud(C, "neet"))) + sum(map(parts, aud(A, "neet"))),
        "neet.awareness": lambda: sum(people(c) for c in aud(C, "neet") if c["modality"] == "field_awareness"),
        "neet.individual_advice": lambda: sum(people(c) for c in aud(C, "neet") if c["modality"] in advice),
        "neet.group_activities": lambda: len(aud(A, "neet")),
        "neet.group_participants": lambda: sum(map(parts, aud(A, "neet"))),
        "neet.cases": lambda: len(aud(K, "neet")),
        "schools.visits": lambda: len(aud(A, "schools")),
        "schools.pupils": lambda: sum(map(parts, aud(A, "schools"))),
        "schools.at_school": lambda: sum(1 for a in aud(A, "schools") if a["attributes"].get("place") == "at_school"),
        "schools.at_centre": lambda: sum(1 for a in aud(A, "schools") if a["attributes"].get("place") == "at_centre"),
        "schools.pupils_at_centre": lambda: sum(
            parts(a) for a in aud(A, "schools") if a["attributes"].get("place") == "at_centre"
        ),
        "schools.pupils_at_school": lambda: sum(
            parts(a) for a in aud(A, "schools") if a["attributes"].get("place") == "at_school"
        ),
        "schools.pupils_booked": lambda: sum(a.get("registered") or 0 for a in aud(A, "schools")),
        # Bookings are counted from the schools plugin's own table: this year of records has none.
        "schools.cancellations": lambda: 0,
        "schools.pupils_cancelled": lambda: 0,
        "schools.no_shows": lambda: 0,
        "schools.pupils_no_show": lambda: 0,
        "prisons.reached": lambda: sum(map(people, aud(C, "prisons"))) + sum(map(parts, aud(A, "prisons"))),
        "prisons.group_sessions": lambda: sum(
            1 for c in aud(C, "prisons") if c["attributes"].get("session") == "group"
        ),
        "prisons.cases": lambda: len(aud(K, "prisons")),
        "disability.reached": lambda: sum(map(people, aud(C, "disability"))) + sum(map(parts, aud(A, "disability"))),
        "disability.public": lambda: sum(
            people(c) for c in aud(C, "disability") if c["attributes"].get("public") == "target"
        ),
        "disability.professionals": lambda: sum(
            people(c) for c in aud(C, "disability") if c["attributes"].get("public") == "professional"
        ),
        "formtruck.users": lambda: sum(map(people, aud(C, "formtruck"))),
        "ukrainian.contacts": lambda: sum(map(people, aud(C, "ukrainian"))),
        "ukrainian.telegram": lambda: sum(people(c) for c in aud(C, "ukrainian") if c["channel"] == "telegram"),
        "ukrainian.bot_threads": lambda: sum(
            people(c)
            for c in aud(C, "ukrainian")
            if c["channel"] == "telegram" and c["attributes"].get("thread") in ("answered", "referred")
        ),
        "ukrainian.bot_referred": lambda: sum(
            people(c)
            for c in aud(C, "ukrainian")
            if c["channel"] == "telegram" and c["attributes"].get("thread") == "referred"
        ),
        "ukrainian.bot_referrals": lambda: sum(
            people(c)
            for c in aud(C, "ukrainian")
            if c["channel"] == "telegram" and c["attributes"].get("referral") in ("desk", "inbox")
        ),
        # Satisfaction answers are counted from the survey's own table: this year of records has none.
        "ukrainian.bot_satisfaction": lambda: 0,
        "ukrainian.bot_satisfied": lambda: 0,
        "neet.bot_satisfaction": lambda: 0,
        # The weekly challenge's subscriptions are counted from the plugin's own table: none here.
        "neet.challenge_subscribed": lambda: 0,
        "neet.challenge_ended": lambda: 0,
        "neet.bot_satisfied": lambda: 0,
    }
    return int(formulas[key]())


def contacts_total_by(y: Year, dim: str, keep: Any) -> dict[str, int]:
    """``contacts.total`` split by a dimension, from the records: contacts by their own value, group
    participants as the roll-up sees activities (modality group_activity, channel video when online,
    gender and age band unknown, every theme)."""
    out: dict[str, int] = defaultdict(int)
    for c in y.contacts:
        if not keep(c):
            continue
        values = (c["themes"] or ["unknown"]) if dim == "theme" else [c[dim]]
        for v in values:
            out[v] += people(c)
    for a in y.activities:
        if not keep(a) or not parts(a):
            continue
        if dim == "modality":
            values = ["group_activity"]
        elif dim == "channel":
            values = ["video" if a["format"] == "online" else "walk_in"]
        elif dim in ("gender", "age_band"):
            values = ["unknown"]
        elif dim == "theme":
            values = a["themes"] or ["unknown"]
        else:
            values = [a[dim]]
        for v in values:
            out[v] += parts(a)
    return dict(out)


def in_period(start: date, end: date, centre_ids: set[int] | None = None) -> Any:
    return lambda r: start <= r["day"] <= end and (centre_ids is None or r["centre_id"] in centre_ids)

"""Bad input through the records service: a clear error naming the field, and nothing changed in the database."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from tremplin.core import rollup
from tremplin.core.app import App
from tremplin.core.models import Activity, AuditEvent, Case, Contact, CounterValue, Referral
from tremplin.core.records import MAX_PERSONAL_SHARE, log_activity, log_contact, record_participants, update_contact
from tremplin.core.validation import RecordError

GOOD = {
    "centre": "bxl",
    "site": "advice",
    "occurred_at": "2024-03-12T10:30",
    "audience": "general",
    "modality": "individual_advice",
    "channel": "walk_in",
    "themes": "work;learn",
    "language": "fr",
    "headcount": 1,
    "note": "Cherche une formation en soudure; 3 ans d'expérience, rappel prévu le 19/03/2024 à 14:30.",
}


def state(app: App) -> dict[str, Any]:
    """Everything a refused record could have touched."""
    with app.session() as session:
        counts = {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Contact, Activity, Referral, Case, AuditEvent, CounterValue)
        }
        return {
            "counts": counts,
            "rollup": rollup.snapshot(session.connection()),
            "notes": sorted(session.scalars(select(Contact.note))),
        }


@pytest.fixture
def baseline(app: App, centre: int) -> dict[str, Any]:
    """One good contact and one activity already stored: refused records must leave them as they are."""
    with app.transaction() as session:
        contact = log_contact(app, session, GOOD, {"question": "training_offer"})
        log_activity(
            app, session, {"centre": "bxl", "starts_at": "2024-03-12T14:00", "audience": "general", "participants": 12}
        )
        assert contact.note == GOOD["note"]
        assert contact.themes == ["learn", "work"] and contact.attributes == {"question": "training_offer"}
    before = state(app)
    assert before["counts"]["contacts"] == 1 and before["counts"]["counter_values"] > 0
    return before


MOSTLY_PERSONAL = (
    "Fatima El Amrani, 0470 12 34 56, fatima.elamrani@gmail.com, rue de la Loi 16, 1000 Bruxelles, née le 03/04/1990"
)

BAD_CONTACTS = [
    ({"audience": "nobody"}, None, "audience", "'nobody' is not a known audience; use one of: general, neet, schools"),
    ({"audience": ""}, None, "audience", "is required"),
    (
        {"themes": "work;astrology"},
        None,
        "themes",
        "'astrology' is not a theme; use ;-separated codes from: choose, learn, work",
    ),
    ({"themes": ["work", "  ", "Work"]}, None, "themes", "'Work' is not a theme"),
    ({"headcount": -3}, None, "headcount", "-3 is below 1"),
    ({"headcount": "-3"}, None, "headcount", "-3 is below 1"),
    ({"headcount": "three"}, None, "headcount", "'three' is not a whole number"),
    ({"headcount": 2.5}, None, "headcount", "'2.5' is not a whole number"),
    ({"headcount": 100_001}, None, "headcount", "100001 is above 100000"),
    ({"occurred_at": "31/12/2024"}, None, "occurred_at", "'31/12/2024' is not an ISO 8601 date or timestamp"),
    ({"occurred_at": "2024-02-30T10:00"}, None, "occurred_at", "is not an ISO 8601 date or timestamp"),
    ({"occurred_at": ""}, None, "occurred_at", "is empty"),
    (
        {"note": MOSTLY_PERSONAL},
        None,
        "note",
        "is mostly personal data (address, birth date, email, name, phone): describe the situation, not the person",
    ),
    ({"centre": "gent"}, None, "centre", "unknown centre code 'gent'"),
    ({"site": "roof"}, None, "site", "unknown site code 'roof' in centre 'bxl'"),
    ({"modality": "telepathy"}, None, "modality", "'telepathy' is not a modality; use one of: individual_advice"),
    ({"modality": None}, None, "modality", "is required"),
    ({"channel": "pigeon"}, None, "channel", "'pigeon' is not a channel"),
    ({"language": "de"}, None, "language", "'de' is not a language; use one of: fr, nl, en, uk, other"),
    ({"gender": "f"}, None, "gender", "'f' is not a gender"),
    ({"age_band": "20"}, None, "age_band", "'20' is not a age band"),
    ({}, {"question": "astrology"}, "attr.question", "'astrology' is not one of: orientation"),
    ({}, {"first_name": "Fatima"}, "attr.first_name", "is not a field of this audience"),
]


@pytest.mark.parametrize(
    ("change", "attributes", "field", "reason"), BAD_CONTACTS, ids=[f"{c[2]}-{i}" for i, c in enumerate(BAD_CONTACTS)]
)
def test_bad_contact_is_refused_and_changes_nothing(
    app: App, baseline: dict[str, Any], change: dict[str, Any], attributes: Any, field: str, reason: str
) -> None:
    with pytest.raises(RecordError) as caught:
        with app.transaction() as session:
            log_contact(app, session, {**GOOD, **change}, attributes)
    errors = dict(caught.value.errors)
    assert list(errors) == [field], errors
    assert reason in errors[field], errors[field]
    assert str(caught.value).startswith(f"{field}: ")
    assert state(app) == baseline


def test_every_problem_is_listed_at_once(app: App, baseline: dict[str, Any]) -> None:
    bad = {
        **GOOD,
        "audience": "nobody",
        "themes": "astrology",
        "headcount": -1,
        "occurred_at": "yesterday",
        "note": MOSTLY_PERSONAL,
    }
    with pytest.raises(RecordError) as caught:
        with app.transaction() as session:
            log_contact(app, session, bad)
    assert [f for f, _ in caught.value.errors] == ["occurred_at", "audience", "themes", "headcount", "note"]
    assert state(app) == baseline


def test_a_note_with_some_personal_data_is_stored_scrubbed(app: App, baseline: dict[str, Any]) -> None:
    note = (
        "Rappeler Mme Dupont au 0470 12 34 56 pour l'atelier CV du 19/03/2024 à 14:30; "
        "elle a 2 enfants et cherche un mi-temps."
    )
    with app.transaction() as session:
        contact = log_contact(app, session, {**GOOD, "note": note})
        contact_id = contact.id
    with app.db.engine.connect() as conn:
        from sqlalchemy import text

        stored = conn.execute(text("SELECT note FROM contacts WHERE id = :id"), {"id": contact_id}).scalar_one()
    assert stored == (
        "Rappeler Mme [name] au [phone] pour l'atelier CV du 19/03/2024 à 14:30; elle a 2 enfants et cherche un "
        "mi-temps."
    )
    assert app.scrub(note).personal_share < MAX_PERSONAL_SHARE < app.scrub(MOSTLY_PERSONAL).personal_share


def test_bad_edit_leaves_the_contact_as_it_was(app: App, baseline: dict[str, Any]) -> None:
    for change in ({"audience": "nobody"}, {"headcount": 0.5}, {"note": MOSTLY_PERSONAL}, {"themes": "nope"}):
        with pytest.raises(RecordError):
            with app.transaction() as session:
                contact = session.scalars(select(Contact)).one()
                update_contact(app, session, contact, {**GOOD, **change})
        assert state(app) == baseline
    with app.session() as session:
        contact = session.scalars(select(Contact)).one()
        assert (contact.audience, contact.headcount, contact.note) == ("general", 1, GOOD["note"])


BAD_ACTIVITIES = [
    ({"participants": -2}, "participants", "-2 is below 0"),
    ({"registered": "many"}, "registered", "'many' is not a whole number"),
    ({"format": "hybrid"}, "format", "'hybrid' is not a format"),
    ({"starts_at": "12/03/2024 14:00"}, "starts_at", "is not an ISO 8601 date or timestamp"),
    ({"workshop": "escape game!"}, "workshop", "is not a workshop code"),
    ({"audience": "vip"}, "audience", "'vip' is not a known audience"),
]


@pytest.mark.parametrize(("change", "field", "reason"), BAD_ACTIVITIES, ids=[c[1] for c in BAD_ACTIVITIES])
def test_bad_activity_is_refused_and_changes_nothing(
    app: App, baseline: dict[str, Any], change: dict[str, Any], field: str, reason: str
) -> None:
    with pytest.raises(RecordError) as caught:
        with app.transaction() as session:
            log_activity(
                app, session, {"centre": "bxl", "starts_at": "2024-03-12T14:00", "audience": "general", **change}
            )
    errors = dict(caught.value.errors)
    assert list(errors) == [field] and reason in errors[field], errors
    assert state(app) == baseline


def test_negative_participants_are_refused(app: App, baseline: dict[str, Any]) -> None:
    with pytest.raises(RecordError, match="participants: -1 is below 0"):
        with app.transaction() as session:
            record_participants(app, session, session.scalars(select(Activity)).one(), -1)
    assert state(app) == baseline


# -- forms named by the writer ------------------------------------------------------------------


def test_named_form_applies_fixed_values_choices_and_required_fields(app, centre):
    from tremplin.core import records
    from tremplin.core.models import Contact
    from tremplin.core.validation import RecordError

    with app.transaction() as session:
        contact = records.log_contact(
            app,
            session,
            {"centre": "bxl", "occurred_at": "2025-03-04T10:00", "modality": "multimedia", "headcount": 2},
            {"commune": "ixelles"},
            form="formtruck.contact",
        )
        # The form fixes the audience, the modality and the channel whatever the caller sent.
        assert (contact.audience, contact.modality, contact.channel) == ("formtruck", "individual_advice", "field")

    with pytest.raises(RecordError) as refused:
        with app.transaction() as session:
            records.log_contact(
                app,
                session,
                {"centre": "bxl", "occurred_at": "2025-03-04T10:00", "modality": "multimedia"},
                {},
                form="prisons.session",
            )
    fields = dict(refused.value.errors)
    assert "modality" in fields and "not offered on this form" in fields["modality"]
    assert fields["attr.prison"] == "is required" and fields["attr.session"] == "is required"

    with pytest.raises(RecordError) as unknown:
        with app.transaction() as session:
            records.log_contact(
                app, session, {"centre": "bxl", "occurred_at": "2025-03-04T10:00"}, {}, form="schools.visit"
            )
    assert "records an activity" in dict(unknown.value.errors)["form"]

    with app.session() as session:
        assert session.query(Contact).count() == 1


def test_zero_headcount_is_refused_and_blank_means_one(app, centre):
    from tremplin.core import records
    from tremplin.core.validation import RecordError

    base = {"centre": "bxl", "occurred_at": "2025-03-04T10:00", "audience": "general", "modality": "reception"}
    for zero in (0, "0"):
        with pytest.raises(RecordError) as refused:
            with app.transaction() as session:
                records.log_contact(app, session, {**base, "headcount": zero})
        assert dict(refused.value.errors)["headcount"] == "0 is below 1"
    with app.transaction() as session:
        assert records.log_contact(app, session, {**base, "headcount": ""}).headcount == 1
        # No language given is "unknown", not "other".
        assert records.log_contact(app, session, base).language == "unknown"


def test_free_text_attributes_are_scrubbed(app, centre):
    from tremplin.core import records

    with app.transaction() as session:
        contact = records.log_contact(
            app,
            session,
            {"centre": "bxl", "occurred_at": "2025-03-04T10:00", "headcount": 1},
            {"commune": "ixelles", "place": "Place Flagey, asked to call 0470 12 34 56"},
            form="formtruck.contact",
        )
    assert "0470" not in contact.attributes["place"]
    assert contact.attributes["place"].startswith("Place Flagey")


def test_codes_that_are_not_text_are_refused_by_name(app, centre):
    from tremplin.core import records
    from tremplin.core.validation import RecordError

    with pytest.raises(RecordError) as refused:
        with app.transaction() as session:
            records.log_contact(
                app,
                session,
                {
                    "centre": "bxl",
                    "occurred_at": "2025-03-04T10:00",
                    "audience": "general",
                    "modality": ["reception"],
                    "gender": {"x": 1},
                },
            )
    fields = dict(refused.value.errors)
    assert "modality" in fields and "gender" in fields


def test_a_record_alone_reads_only_its_codes_and_finds_what_every_code_would(app: App, centre: int) -> None:
    """``Lookup.load_for`` reads the centre and site one record names; for that record it answers as the
    lookup of every code does, known, unknown or padded with spaces."""
    from tremplin.core.admin import ensure_centre, ensure_site
    from tremplin.core.models import Centre
    from tremplin.core.validation import Lookup

    with app.transaction() as session:
        other, _ = ensure_centre(session, "lge", "Liège")
        ensure_site(session, other, "truck-flagey", "Flagey à Liège", "formtruck_stop")
    with app.session() as session:
        every = Lookup.load(app, session)
        code = session.get(Centre, centre).code
        for values in (
            {"centre": code, "site": "truck-flagey"},
            {"centre": f"  {code} ", "site": " truck-flagey"},
            {"centre": "lge", "site": "truck-flagey"},
            {"centre": code, "site": "nowhere"},
            {"centre": "nowhere", "site": "truck-flagey"},
            {"centre": code},
            {"site": "truck-flagey"},
            {"centre": None, "site": None},
        ):
            alone = Lookup.load_for(app, session, values)
            named = str(values.get("centre") or "").strip()
            centre_id = every.centres.get(named)
            assert alone.centres.get(named) == centre_id, values
            site = str(values.get("site") or "").strip()
            assert alone.sites.get((centre_id, site)) == every.sites.get((centre_id, site)), values
            if centre_id is not None:
                assert alone.timezones[centre_id] == every.timezones[centre_id]
            assert len(alone.centres) <= 1 and len(alone.sites) <= 1, "only what the record names is read"

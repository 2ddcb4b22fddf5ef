"""Schools: the class-visit form (an activity form) and the visits and pupils it counts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import make_app
from tests.core.plugin_kit import CORE_ONLY, activity, assert_rollup_exact, contact, make_centre, refused_fields, totals
from tremplin.core.app import App
from tremplin.core.records import record_participants
from tremplin.core.validation import RecordError

COUNTERS = ("schools.visits", "schools.pupils", "schools.at_school")
VISIT = {"school": "Athénée Royal d'Etterbeek", "education_type": "general", "year": "5", "place": "at_centre"}


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    application = make_app(db_url, plugins=CORE_ONLY + ["tremplin.plugins.schools"])
    make_centre(application)
    yield application
    application.close()


def test_only_core_and_schools(app: App) -> None:
    assert app.registry.audiences.keys() == ["general", "schools"]
    (form,) = app.registry.forms_of("schools")
    assert form.key == "schools.visit" and form.record == "activity"
    assert app.registry.forms_of("schools", "contact") == []
    assert "schools" not in app.registry.workflows


def test_visit_form(app: App) -> None:
    form = app.registry.forms["schools.visit"]
    assert form.model(**VISIT).year == "5"
    with pytest.raises(Exception, match="school"):
        form.model(**{k: v for k, v in VISIT.items() if k != "school"})
    with app.transaction() as session:
        a = activity(app, session, "schools", "2024-10-08T09:00", VISIT, workshop="explorama", participants=21)
        assert a.attributes == VISIT
    for bad, field, reason in (
        ({"year": "8"}, "attr.year", "'8' is not one of: 1, 2, 3, 4, 5, 6, 7"),
        ({"place": "online"}, "attr.place", "'online' is not one of: at_centre, at_school"),
        ({"education_type": "university"}, "attr.education_type", "'university' is not one of"),
        ({"school": "x" * 121}, "attr.school", "at most 120 characters"),
        ({"pupil_name": "Lina"}, "attr.pupil_name", "is not a field of this audience"),
    ):
        with pytest.raises(RecordError) as caught:
            with app.transaction() as session:
                activity(app, session, "schools", "2024-10-08T09:00", {**VISIT, **bad}, participants=20)
        errors = refused_fields(caught)
        assert list(errors) == [field] and reason in errors[field], errors
    # Schools have no contact form: a contact's attributes are not fields of the audience.
    with pytest.raises(RecordError) as caught:
        with app.transaction() as session:
            contact(app, session, "schools", "2024-10-08T09:00", {"school": "Athénée"}, modality="reception")
    assert refused_fields(caught) == {"attr.school": "is not a field of this audience"}
    assert totals(app, COUNTERS) == {"schools.visits": 1, "schools.pupils": 21, "schools.at_school": 0}


def test_counters_move_by_exact_amounts(app: App) -> None:
    with app.transaction() as session:
        activity(app, session, "schools", "2024-10-08T09:00", VISIT, workshop="explorama", participants=22)
        activity(
            app,
            session,
            "schools",
            "2024-10-15T09:00",
            {**VISIT, "place": "at_school"},
            workshop="inforizon",
            participants=18,
        )
        pending = activity(
            app,
            session,
            "schools",
            "2024-11-05T13:00",
            {**VISIT, "place": "at_school", "year": "6"},
            workshop="pass_avenir",
            registered=26,
        )
        activity(app, session, "general", "2024-11-05T13:00", workshop="fair", participants=40)
    expected = {"schools.visits": 3, "schools.pupils": 40, "schools.at_school": 2}
    assert totals(app, COUNTERS) == expected
    with app.transaction() as session:
        record_participants(app, session, session.merge(pending), 25)
    figures = totals(
        app, COUNTERS + ("group_activities.count", "group_activities.participants", "contacts.total", "events.contacts")
    )
    assert figures == {
        "schools.visits": 3,
        "schools.pupils": 65,
        "schools.at_school": 2,
        "group_activities.count": 4,
        "group_activities.participants": 105,
        "contacts.total": 105,
        "events.contacts": 40,
    }
    with app.transaction() as session:
        record_participants(app, session, session.merge(pending), 24)  # corrected headcount
    assert totals(app, ("schools.pupils",)) == {"schools.pupils": 64}
    assert_rollup_exact(app)

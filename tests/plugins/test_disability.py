"""People with disabilities and the professionals of the sector: one form, three counters."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import make_app
from tests.core.plugin_kit import CORE_ONLY, activity, assert_rollup_exact, contact, make_centre, refused_fields, totals
from tremplin.core.app import App
from tremplin.core.validation import RecordError

COUNTERS = ("disability.reached", "disability.public", "disability.professionals")


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    application = make_app(db_url, plugins=CORE_ONLY + ["tremplin.plugins.disability"])
    make_centre(application)
    yield application
    application.close()


def test_only_core_and_disability(app: App) -> None:
    assert app.registry.audiences.keys() == ["general", "disability"]
    assert [f.key for f in app.registry.forms_of("disability")] == ["disability.contact"]


def test_contact_form(app: App) -> None:
    form = app.registry.forms["disability.contact"]
    assert form.model(public="target", adaptations=["sign_language"]).adaptations == ["sign_language"]
    with pytest.raises(Exception, match="public"):
        form.model(event="transition_fair")
    with app.transaction() as session:
        c = contact(
            app,
            session,
            "disability",
            "2024-04-04T10:00",
            {"public": "target", "adaptations": "sign_language;easy_read"},
            modality="individual_advice",
        )
        assert c.attributes == {
            "public": "target",
            "adaptations": ["sign_language", "easy_read"],
        }  # as a CSV cell gives it
    for bad, field in (
        ({"public": "family"}, "attr.public"),
        ({"public": "target", "adaptations": ["telepathy"]}, "attr.adaptations"),
        ({"public": "target", "event": "party"}, "attr.event"),
        ({"public": "target", "diagnosis": "autism"}, "attr.diagnosis"),
    ):
        with pytest.raises(RecordError) as caught:
            with app.transaction() as session:
                contact(app, session, "disability", "2024-04-04T10:00", bad, modality="individual_advice")
        assert list(refused_fields(caught)) == [field]
    assert totals(app, COUNTERS) == {"disability.reached": 1, "disability.public": 1, "disability.professionals": 0}


def test_counters_move_by_exact_amounts(app: App) -> None:
    with app.transaction() as session:
        contact(
            app,
            session,
            "disability",
            "2024-04-04T10:00",
            {"public": "target", "adaptations": ["sign_language"]},
            modality="individual_advice",
        )
        contact(
            app,
            session,
            "disability",
            "2024-04-18T10:00",
            {"public": "professional", "event": "transition_fair"},
            modality="reception",
            channel="event",
            headcount=12,
        )
        contact(
            app,
            session,
            "disability",
            "2024-04-18T11:00",
            {"public": "target", "event": "transition_fair"},
            modality="reception",
            channel="event",
            headcount=3,
        )
        contact(app, session, "disability", "2024-05-02T10:00", modality="reception", headcount=2)  # who: unknown
        activity(app, session, "disability", "2024-05-20T14:00", participants=15, workshop="info_session")
    assert totals(app, COUNTERS + ("contacts.total", "events.contacts")) == {
        "disability.reached": 1 + 12 + 3 + 2 + 15,
        "disability.public": 4,
        "disability.professionals": 12,
        "contacts.total": 33,
        "events.contacts": 15,
    }
    assert totals(app, ("disability.public",), dim="modality") == {
        ("disability.public", "individual_advice"): 1,
        ("disability.public", "reception"): 3,
    }
    assert_rollup_exact(app)

"""The Formtruck: tally contacts by commune, counted as people advised at the truck."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tremplin.core.app import App
from tremplin.core.validation import RecordError
from tests.conftest import make_app
from tests.core.plugin_kit import CORE_ONLY, assert_rollup_exact, contact, make_centre, refused_fields, totals


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    application = make_app(db_url, plugins=CORE_ONLY + ["tremplin.plugins.formtruck"])
    make_centre(application)
    yield application
    application.close()


def test_only_core_and_formtruck(app: App) -> None:
    assert app.registry.audiences.keys() == ["general", "formtruck"]
    (form,) = app.registry.forms_of("formtruck")
    assert form.tally and form.fixed == {"modality": "individual_advice", "channel": "field"}
    assert len(form.field("commune").choices) == 20  # type: ignore[union-attr]


def test_contact_form(app: App) -> None:
    form = app.registry.forms["formtruck.contact"]
    assert form.model(commune="molenbeek").commune == "molenbeek"
    with pytest.raises(Exception, match="commune"):
        form.model(place="Place communale")
    with app.transaction() as session:
        c = contact(app, session, "formtruck", "2024-07-03T15:00", {"commune": "molenbeek", "place": "Place communale"}, modality="individual_advice", channel="field")
        assert c.attributes == {"commune": "molenbeek", "place": "Place communale"}
    for bad, field, reason in (
        ({"commune": "paris"}, "attr.commune", "'paris' is not one of: anderlecht"),
        ({"commune": "ixelles", "place": "p" * 81}, "attr.place", "at most 80 characters"),
        ({"commune": "ixelles", "visitors": 3}, "attr.visitors", "is not a field of this audience"),
    ):
        with pytest.raises(RecordError) as caught:
            with app.transaction() as session:
                contact(app, session, "formtruck", "2024-07-03T15:00", bad, modality="individual_advice", channel="field")
        errors = refused_fields(caught)
        assert list(errors) == [field] and reason in errors[field]
    assert totals(app, ("formtruck.users",)) == {"formtruck.users": 1}


def test_counters_move_by_exact_amounts(app: App) -> None:
    with app.transaction() as session:
        contact(app, session, "formtruck", "2024-07-03T15:00", {"commune": "anderlecht"}, modality="individual_advice", channel="field", headcount=4, themes="work")
        contact(app, session, "formtruck", "2024-07-03T16:00", {"commune": "ixelles", "place": "Place Flagey"}, modality="individual_advice", channel="field", themes="learn;work")
        contact(app, session, "formtruck", "2024-07-10T15:00", {"commune": "outside_brussels"}, modality="individual_advice", channel="field", headcount=6)
        contact(app, session, "general", "2024-07-10T15:00", modality="multimedia", headcount=9)
    assert totals(app, ("formtruck.users", "contacts.total", "individual_advice.contacts", "multimedia.entries")) == {
        "formtruck.users": 11,
        "contacts.total": 20,
        "individual_advice.contacts": 11,
        "multimedia.entries": 9,
    }
    # A contact with two themes counts in both theme rows, once in the total.
    assert totals(app, ("formtruck.users",), dim="theme") == {
        ("formtruck.users", "work"): 5,
        ("formtruck.users", "learn"): 1,
        ("formtruck.users", "unknown"): 6,
    }
    assert_rollup_exact(app)

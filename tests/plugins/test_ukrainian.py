"""The Ukrainian-language service: its contact form and the contacts it counts, by channel."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import make_app
from tests.core.plugin_kit import CORE_ONLY, assert_rollup_exact, contact, make_centre, refused_fields, totals
from tremplin.core.app import App
from tremplin.core.validation import RecordError

COUNTERS = ("ukrainian.contacts", "ukrainian.telegram")


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    application = make_app(db_url, plugins=CORE_ONLY + ["tremplin.plugins.ukrainian"])
    make_centre(application)
    yield application
    application.close()


def test_only_core_and_ukrainian(app: App) -> None:
    assert app.registry.audiences.keys() == ["general", "ukrainian"]
    form, bot_form = app.registry.forms_of("ukrainian")
    assert bot_form.key == "ukrainian.telegram" and bot_form.fixed["channel"] == "telegram"
    assert form.fixed == {"modality": "individual_advice", "language": "uk"}
    assert form.core_choices["channel"] == ("walk_in", "phone", "telegram")


def test_contact_form(app: App) -> None:
    form = app.registry.forms["ukrainian.contact"]
    assert form.model(service_language="uk", questions=["work_permit"]).questions == ["work_permit"]
    with pytest.raises(Exception, match="service_language"):
        form.model(questions=["work_permit"])
    with app.transaction() as session:
        c = contact(
            app,
            session,
            "ukrainian",
            "2024-03-01T10:00",
            {"service_language": "ru", "questions": ["temporary_protection", "work_permit"]},
            modality="individual_advice",
            language="uk",
        )
        assert c.attributes == {"service_language": "ru", "questions": ["temporary_protection", "work_permit"]}
    for bad, field in (
        ({"service_language": "de"}, "attr.service_language"),
        ({"service_language": "uk", "questions": ["visa"]}, "attr.questions"),
        ({"service_language": "uk", "questions": "job_search;asylum"}, "attr.questions"),
        ({"service_language": "uk", "passport_number": "FX123456"}, "attr.passport_number"),
    ):
        with pytest.raises(RecordError) as caught:
            with app.transaction() as session:
                contact(app, session, "ukrainian", "2024-03-01T10:00", bad, modality="individual_advice", language="uk")
        assert list(refused_fields(caught)) == [field]
    assert totals(app, COUNTERS) == {"ukrainian.contacts": 1, "ukrainian.telegram": 0}


def test_counters_move_by_exact_amounts(app: App) -> None:
    common = {"modality": "individual_advice", "language": "uk"}
    with app.transaction() as session:
        contact(app, session, "ukrainian", "2024-03-01T10:00", {"service_language": "uk"}, channel="walk_in", **common)
        contact(
            app,
            session,
            "ukrainian",
            "2024-03-01T11:00",
            {"service_language": "ru", "questions": ["work_permit"]},
            channel="phone",
            **common,
        )
        contact(app, session, "ukrainian", "2024-03-02T20:00", {"service_language": "uk"}, channel="telegram", **common)
        contact(
            app,
            session,
            "ukrainian",
            "2024-03-03T21:00",
            {"service_language": "uk"},
            channel="telegram",
            headcount=2,
            **common,
        )
        contact(
            app, session, "general", "2024-03-03T21:00", channel="telegram", modality="remote_advice", language="uk"
        )
    assert totals(app, COUNTERS + ("contacts.total", "individual_advice.contacts", "individual_advice.remote")) == {
        "ukrainian.contacts": 5,
        "ukrainian.telegram": 3,
        "contacts.total": 6,
        "individual_advice.contacts": 6,
        "individual_advice.remote": 1,
    }
    assert totals(app, ("ukrainian.contacts",), dim="channel") == {
        ("ukrainian.contacts", "walk_in"): 1,
        ("ukrainian.contacts", "phone"): 1,
        ("ukrainian.contacts", "telegram"): 3,
    }
    assert totals(app, ("ukrainian.contacts",), dim="language") == {("ukrainian.contacts", "uk"): 5}
    assert_rollup_exact(app)

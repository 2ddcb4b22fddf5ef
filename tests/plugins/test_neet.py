"""Touch'N'Go (NEET): its forms, its counters and its case workflow, with only the core and this plugin."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests.conftest import make_app
from tests.core.plugin_kit import CORE_ONLY, activity, assert_rollup_exact, contact, make_centre, refused_fields, totals
from tremplin.core.app import App
from tremplin.core.models import Case, CaseOutcome, CaseStageEvent, Staff
from tremplin.core.records import WorkflowError, move_case, open_case, record_outcome, record_participants, reenter_case
from tremplin.core.validation import RecordError

COUNTERS = (
    "neet.reached",
    "neet.awareness",
    "neet.individual_advice",
    "neet.group_activities",
    "neet.group_participants",
    "neet.cases",
)


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    application = make_app(db_url, plugins=CORE_ONLY + ["tremplin.plugins.neet"])
    application.centre_id = make_centre(application)  # type: ignore[attr-defined]
    yield application
    application.close()


def test_only_core_and_neet(app: App) -> None:
    assert app.registry.audiences.keys() == ["general", "neet"]
    assert [f.key for f in app.registry.forms_of("neet")] == ["neet.awareness", "neet.advice", "neet.group"]
    assert set(COUNTERS) <= set(app.registry.counters.keys())
    assert "schools.visits" not in app.registry.counters
    with pytest.raises(RecordError) as caught:
        with app.transaction() as session:
            contact(app, session, "schools", "2024-03-12T10:00")
    assert "audience" in refused_fields(caught)


def test_forms_validate_attributes(app: App) -> None:
    awareness = app.registry.forms["neet.awareness"]
    assert awareness.model(place="street", partner="amo").place == "street"
    with pytest.raises(Exception, match="place"):
        awareness.model(partner="amo")  # the web form requires where the encounter took place
    with app.transaction() as session:
        c = contact(
            app,
            session,
            "neet",
            "2024-03-12T10:00",
            {"place": "youth_centre", "partner": "amo"},
            modality="field_awareness",
            headcount=4,
        )
        a = activity(
            app, session, "neet", "2024-03-12T14:00", {"partner": "cpas"}, workshop="escape_game", participants=10
        )
        assert c.attributes == {"place": "youth_centre", "partner": "amo"}
        assert a.attributes == {"partner": "cpas"}
    cases = [
        ({"place": "moon"}, "attr.place", "'moon' is not one of: street, youth_centre"),
        ({"partner": "police"}, "attr.partner", "'police' is not one of: none, amo"),
        ({"first_name": "Yanis"}, "attr.first_name", "is not a field of this audience"),
    ]
    for attributes, field, reason in cases:
        with pytest.raises(RecordError) as caught:
            with app.transaction() as session:
                contact(app, session, "neet", "2024-03-12T10:00", attributes, modality="field_awareness")
        assert field in refused_fields(caught), caught.value
        assert reason in refused_fields(caught)[field]
    # The group form is an activity form: a contact attribute is not one of its fields.
    with pytest.raises(RecordError) as caught:
        with app.transaction() as session:
            activity(app, session, "neet", "2024-03-12T14:00", {"place": "street"})
    assert refused_fields(caught) == {"attr.place": "is not a field of this audience"}
    assert totals(app, COUNTERS)["neet.reached"] == 14  # the refused records changed nothing


def test_counters_move_by_exact_amounts(app: App) -> None:
    assert totals(app, COUNTERS) == dict.fromkeys(COUNTERS, 0)
    with app.transaction() as session:
        contact(
            app,
            session,
            "neet",
            "2024-02-01T15:00",
            {"place": "street"},
            modality="field_awareness",
            channel="field",
            headcount=5,
        )
        contact(
            app,
            session,
            "neet",
            "2024-02-03T15:00",
            {"place": "youth_centre", "partner": "amo"},
            modality="field_awareness",
            headcount=3,
        )
        contact(app, session, "neet", "2024-02-05T10:00", modality="individual_advice", themes="work;learn")
        contact(app, session, "neet", "2024-02-06T10:00", modality="remote_advice", channel="phone")
        contact(app, session, "general", "2024-02-06T11:00", modality="individual_advice", headcount=2)
        escape = activity(
            app, session, "neet", "2024-02-10T14:00", workshop="escape_game", participants=12, registered=15
        )
        career = activity(app, session, "neet", "2024-03-10T14:00", workshop="career_game", registered=8)
        contact(app, session, "neet", "2023-12-31T10:00", modality="field_awareness", headcount=50)  # another year
        for _ in range(2):
            open_case(app, session, app.centre_id, "neet", consent_on=date(2024, 2, 5))  # type: ignore[attr-defined]
        assert escape.participants == 12
    assert totals(app, COUNTERS) == {
        "neet.reached": 5 + 3 + 1 + 1 + 12,
        "neet.awareness": 8,
        "neet.individual_advice": 2,
        "neet.group_activities": 2,
        "neet.group_participants": 12,
        "neet.cases": 2,
    }
    with app.transaction() as session:
        record_participants(app, session, session.merge(career), 9)
    figures = totals(
        app,
        COUNTERS
        + (
            "contacts.total",
            "individual_advice.contacts",
            "field_awareness.contacts",
            "general.reached",
            "group_activities.registered",
            "cases.opened",
        ),
    )
    assert figures == {
        "neet.reached": 31,
        "neet.awareness": 8,
        "neet.individual_advice": 2,
        "neet.group_activities": 2,
        "neet.group_participants": 21,
        "neet.cases": 2,
        "contacts.total": 33,
        "individual_advice.contacts": 4,
        "field_awareness.contacts": 8,
        "general.reached": 2,
        "group_activities.registered": 23,
        "cases.opened": 2,
    }
    assert totals(app, ("neet.awareness",), year=2023) == {"neet.awareness": 50}
    assert totals(app, ("neet.reached",), dim="theme") == {
        ("neet.reached", "work"): 1,
        ("neet.reached", "learn"): 1,
        ("neet.reached", "unknown"): 30,
    }
    assert totals(app, ("neet.reached",), dim="channel")[("neet.reached", "phone")] == 1
    assert_rollup_exact(app)


@pytest.fixture
def worker(app: App) -> int:
    with app.transaction() as session:
        staff = Staff(username="yasmina", roles=["neet_worker"], audiences=["neet"])
        session.add(staff)
        session.flush()
        return staff.id


def test_workflow_moves(app: App, worker: int) -> None:
    with app.transaction() as session:
        staff = session.get(Staff, worker)
        case = open_case(
            app,
            session,
            app.centre_id,
            "neet",
            consent_on=date(2024, 1, 15),
            staff=staff,
            gender="woman",
            age_band="18_24",
            profile={"homeless": "declined"},
        )  # type: ignore[attr-defined]
        code = case.code
        assert code.startswith("NEET-") and case.stage == "identified"
        with pytest.raises(
            WorkflowError, match="a case at 'identified' cannot move to 'guided'; allowed: engaged, left"
        ):
            move_case(app, session, case, "guided", staff=staff)
        move_case(app, session, case, "engaged", staff=staff, on=date(2024, 1, 22))
        move_case(app, session, case, "guided", staff=staff, on=date(2024, 2, 1))
        with pytest.raises(WorkflowError, match="cannot move to 'identified'"):
            move_case(app, session, case, "identified", staff=staff)
        move_case(app, session, case, "in_training", staff=staff, on=date(2024, 3, 4))
        move_case(app, session, case, "in_employment", staff=None, on=date(2024, 9, 2))
        record_outcome(app, session, case, "qualification", date(2024, 6, 28), staff=staff)
        with pytest.raises(RecordError, match="'promoted' is not an outcome of neet"):
            record_outcome(app, session, case, "promoted", date(2024, 6, 28))
        assert case.left_on is None
        move_case(app, session, case, "left", staff=staff, on=date(2024, 12, 20))
        with pytest.raises(WorkflowError, match=r"allowed: none \(the case has left\)"):
            move_case(app, session, case, "job_search", staff=staff)

    with app.session() as session:
        case = session.scalars(select(Case).where(Case.code == code)).one()
        assert case.stage == "left"
        assert case.left_on == date(2024, 12, 20) and case.closed_at is not None
        assert [(o.kind, o.occurred_on) for o in case.outcomes] == [
            ("in_training", date(2024, 3, 4)),
            ("qualification", date(2024, 6, 28)),
            ("in_employment", date(2024, 9, 2)),
        ]
        assert all(o.staff_id == worker for o in case.outcomes if o.kind != "in_employment")
        history = [(e.from_stage, e.to_stage, e.staff_id, e.at) for e in case.history]
        noon = lambda d: datetime(d.year, d.month, d.day, 12, tzinfo=UTC)  # noqa: E731
        assert history == [
            (None, "identified", worker, noon(date(2024, 1, 15))),
            ("identified", "engaged", worker, noon(date(2024, 1, 22))),
            ("engaged", "guided", worker, noon(date(2024, 2, 1))),
            ("guided", "in_training", worker, noon(date(2024, 3, 4))),
            ("in_training", "in_employment", None, noon(date(2024, 9, 2))),
            ("in_employment", "left", worker, noon(date(2024, 12, 20))),
        ]
        assert case.profile == {"homeless": "declined"} and case.gender == "woman"

    # The person comes back: same case, from the first stage, no longer left.
    with app.transaction() as session:
        case = session.scalars(select(Case).where(Case.code == code)).one()
        reenter_case(app, session, case, on=date(2025, 2, 3))
        assert case.stage == "identified" and case.left_on is None and case.closed_at is None
        with pytest.raises(WorkflowError, match="has not left"):
            reenter_case(app, session, case, on=date(2025, 2, 4))
    with app.session() as session:
        assert session.query(CaseStageEvent).count() == 7
        assert session.query(CaseOutcome).count() == 3


def test_case_opening_is_validated(app: App) -> None:
    with pytest.raises(RecordError) as caught:
        with app.transaction() as session:
            open_case(
                app,
                session,
                app.centre_id,
                "neet",
                consent_on=date(2024, 1, 1),
                gender="female",
                profile={"religion": "yes", "homeless": "maybe"},
            )  # type: ignore[attr-defined]
    errors = refused_fields(caught)
    assert set(errors) == {"gender", "profile.religion", "profile.homeless"}
    with pytest.raises(RecordError, match="the audience 'general' has no case workflow"):
        with app.transaction() as session:
            open_case(app, session, app.centre_id, "general", consent_on=date(2024, 1, 1))  # type: ignore[attr-defined]
    assert totals(app, ("neet.cases",)) == {"neet.cases": 0}

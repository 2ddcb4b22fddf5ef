"""Prison reintegration: its session form, its counters and its forward-only pathway."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import select

from tests.conftest import make_app
from tests.core.plugin_kit import CORE_ONLY, activity, assert_rollup_exact, contact, make_centre, refused_fields, totals
from tremplin.core.app import App
from tremplin.core.models import Case, Staff
from tremplin.core.records import WorkflowError, move_case, open_case
from tremplin.core.validation import RecordError

COUNTERS = ("prisons.reached", "prisons.group_sessions", "prisons.cases")


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    application = make_app(db_url, plugins=CORE_ONLY + ["tremplin.plugins.prisons"])
    application.centre_id = make_centre(application)  # type: ignore[attr-defined]
    yield application
    application.close()


def test_only_core_and_prisons(app: App) -> None:
    assert app.registry.audiences.keys() == ["general", "prisons"]
    assert app.registry.audiences["prisons"].case_prefix == "PRI"
    assert [f.key for f in app.registry.forms_of("prisons")] == ["prisons.session"]
    assert list(app.registry.workflows.keys()) == ["prisons"]


def test_session_form(app: App) -> None:
    form = app.registry.forms["prisons.session"]
    assert form.fixed == {"channel": "field"}
    assert form.model(prison="haren", session="group").session == "group"
    for missing in ("prison", "session"):
        with pytest.raises(Exception, match=missing):
            form.model(**{k: v for k, v in {"prison": "haren", "session": "group"}.items() if k != missing})
    with app.transaction() as session:
        c = contact(
            app,
            session,
            "prisons",
            "2024-05-02T10:00",
            {"prison": "saint_gilles", "session": "individual"},
            modality="individual_advice",
            channel="field",
        )
        assert c.attributes == {"prison": "saint_gilles", "session": "individual"}
    for attributes, field in (
        ({"prison": "alcatraz", "session": "group"}, "attr.prison"),
        ({"prison": "haren", "session": "solo"}, "attr.session"),
        ({"prison": "haren", "inmate_number": "12345"}, "attr.inmate_number"),
    ):
        with pytest.raises(RecordError) as caught:
            with app.transaction() as session:
                contact(app, session, "prisons", "2024-05-02T10:00", attributes, modality="individual_advice")
        assert list(refused_fields(caught)) == [field]
    assert totals(app, COUNTERS)["prisons.reached"] == 1


def test_counters_move_by_exact_amounts(app: App) -> None:
    with app.transaction() as session:
        contact(
            app,
            session,
            "prisons",
            "2024-05-02T10:00",
            {"prison": "haren", "session": "individual"},
            modality="individual_advice",
            channel="field",
        )
        contact(
            app,
            session,
            "prisons",
            "2024-05-03T10:00",
            {"prison": "saint_gilles", "session": "group"},
            modality="group_activity",
            channel="field",
            headcount=7,
        )
        contact(
            app,
            session,
            "prisons",
            "2024-06-03T10:00",
            {"prison": "berkendael", "session": "group"},
            modality="group_activity",
            channel="field",
            headcount=5,
        )
        activity(app, session, "prisons", "2024-06-10T09:30", participants=6, title="Atelier CV")
        contact(app, session, "general", "2024-06-10T09:30", modality="reception", headcount=3)
        open_case(app, session, app.centre_id, "prisons", consent_on=date(2024, 5, 2))  # type: ignore[attr-defined]
    assert totals(app, COUNTERS + ("contacts.total", "general.reached", "cases.opened")) == {
        "prisons.reached": 1 + 7 + 5 + 6,
        "prisons.group_sessions": 2,
        "prisons.cases": 1,
        "contacts.total": 22,
        "general.reached": 3,
        "cases.opened": 1,
    }
    assert totals(app, ("prisons.reached",), dim="channel") == {
        ("prisons.reached", "field"): 13,
        ("prisons.reached", "walk_in"): 6,
    }
    assert_rollup_exact(app)


def test_pathway_moves(app: App) -> None:
    with app.transaction() as session:
        staff = Staff(username="counsellor1", roles=["counsellor"], audiences=["prisons"])
        session.add(staff)
        session.flush()
        staff_id = staff.id
        case = open_case(app, session, app.centre_id, "prisons", consent_on=date(2024, 3, 1), staff=staff)  # type: ignore[attr-defined]
        code = case.code
        assert code.startswith("PRI-") and case.stage == "intake"
        move_case(app, session, case, "project", staff=staff, on=date(2024, 3, 15))
        with pytest.raises(WorkflowError, match="a case at 'project' cannot move to 'intake'"):
            move_case(app, session, case, "intake", staff=staff)  # forward only
        move_case(app, session, case, "released", staff=staff, on=date(2024, 6, 1))  # may skip a stage
        with pytest.raises(WorkflowError, match="cannot move to 'preparing_release'"):
            move_case(app, session, case, "preparing_release", staff=staff)
        move_case(app, session, case, "in_training", staff=staff, on=date(2024, 7, 1))
        move_case(app, session, case, "in_employment", staff=staff, on=date(2024, 11, 4))
        assert case.left_on is None
        move_case(app, session, case, "left", staff=staff, on=date(2025, 1, 10))
        with pytest.raises(WorkflowError, match="none"):
            move_case(app, session, case, "in_employment", staff=staff)
        # A case may leave from any stage.
        other = open_case(app, session, app.centre_id, "prisons", consent_on=date(2024, 4, 1))  # type: ignore[attr-defined]
        move_case(app, session, other, "left", on=date(2024, 4, 20))
        assert other.left_on == date(2024, 4, 20) and other.outcomes == []
    with app.session() as session:
        case = session.scalars(select(Case).where(Case.code == code)).one()
        assert [(o.kind, o.occurred_on, o.staff_id) for o in case.outcomes] == [
            ("in_training", date(2024, 7, 1), staff_id),
            ("in_employment", date(2024, 11, 4), staff_id),
        ]
        assert case.left_on == date(2025, 1, 10) and case.closed_at is not None
        assert [(e.from_stage, e.to_stage) for e in case.history] == [
            (None, "intake"),
            ("intake", "project"),
            ("project", "released"),
            ("released", "in_training"),
            ("in_training", "in_employment"),
            ("in_employment", "left"),
        ]
        assert all(e.staff_id == staff_id for e in case.history)
        assert [e.at.date() for e in case.history] == [
            date(2024, 3, 1),
            date(2024, 3, 15),
            date(2024, 6, 1),
            date(2024, 7, 1),
            date(2024, 11, 4),
            date(2025, 1, 10),
        ]
    assert totals(app, ("prisons.cases",)) == {"prisons.cases": 2}

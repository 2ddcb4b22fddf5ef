"""The Formtruck: tally contacts by commune, counted as people advised at the truck."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import make_app
from tests.core.plugin_kit import CORE_ONLY, assert_rollup_exact, contact, make_centre, refused_fields, totals
from tremplin.core.app import App
from tremplin.core.validation import RecordError
from tremplin.plugins.formtruck import COMMUNES


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
        c = contact(
            app,
            session,
            "formtruck",
            "2024-07-03T15:00",
            {"commune": "molenbeek", "place": "Place communale"},
            modality="individual_advice",
            channel="field",
        )
        assert c.attributes == {"commune": "molenbeek", "place": "Place communale"}
    for bad, field, reason in (
        ({"commune": "paris"}, "attr.commune", "'paris' is not one of: anderlecht"),
        ({"commune": "ixelles", "place": "p" * 81}, "attr.place", "at most 80 characters"),
        ({"commune": "ixelles", "visitors": 3}, "attr.visitors", "is not a field of this audience"),
    ):
        with pytest.raises(RecordError) as caught:
            with app.transaction() as session:
                contact(
                    app, session, "formtruck", "2024-07-03T15:00", bad, modality="individual_advice", channel="field"
                )
        errors = refused_fields(caught)
        assert list(errors) == [field] and reason in errors[field]
    assert totals(app, ("formtruck.users",)) == {"formtruck.users": 1}


def test_counters_move_by_exact_amounts(app: App) -> None:
    with app.transaction() as session:
        contact(
            app,
            session,
            "formtruck",
            "2024-07-03T15:00",
            {"commune": "anderlecht"},
            modality="individual_advice",
            channel="field",
            headcount=4,
            themes="work",
        )
        contact(
            app,
            session,
            "formtruck",
            "2024-07-03T16:00",
            {"commune": "ixelles", "place": "Place Flagey"},
            modality="individual_advice",
            channel="field",
            themes="learn;work",
        )
        contact(
            app,
            session,
            "formtruck",
            "2024-07-10T15:00",
            {"commune": "outside_brussels"},
            modality="individual_advice",
            channel="field",
            headcount=6,
        )
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


@pytest.fixture
def reporting_app(db_url: str) -> Iterator[App]:
    """Core, its report sections and the Formtruck."""
    application = make_app(db_url, plugins=CORE_ONLY + ["tremplin.core.builtins.reports", "tremplin.plugins.formtruck"])
    yield application
    application.close()


def test_audience_report_has_a_table_by_stop_and_by_commune(reporting_app: App) -> None:
    """ "Formtruck contacts by stop" is a figure of the Formtruck's report, labelled, with disclosure control."""
    from datetime import date

    from tremplin.core.admin import ensure_centre, ensure_site
    from tremplin.core.reports.build import audience_report
    from tremplin.core.reports.render import to_dict

    with reporting_app.transaction() as session:
        centre, _ = ensure_centre(session, "bxl", "Cité des métiers de Bruxelles")
        ensure_site(session, centre, "flagey", "Place Flagey", "formtruck_stop")
        ensure_site(session, centre, "liedts", "Place Liedts", "formtruck_stop")
        ensure_site(session, centre, "advice", "Advice area", "advice")  # no Formtruck contact there: no row
    with reporting_app.transaction() as session:
        for site, commune, headcount in (
            ("flagey", "ixelles", 9),
            ("flagey", "ixelles", 3),
            ("liedts", "schaerbeek", 2),
            ("", "ixelles", 6),
        ):
            contact(
                reporting_app,
                session,
                "formtruck",
                "2024-07-03T15:00",
                {"commune": commune},
                modality="individual_advice",
                channel="field",
                headcount=headcount,
                site=site,
            )
    assert_rollup_exact(reporting_app)

    def sections(published: bool, language: str) -> dict[str, dict]:
        with reporting_app.session() as session:
            report = audience_report(
                reporting_app,
                session,
                "formtruck",
                date(2024, 1, 1),
                date(2024, 12, 31),
                published=published,
                language=language,
            )
        return {s["key"]: s for s in to_dict(report)["sections"]}

    exact = sections(False, "nl")
    stop = exact["formtruck.stop"]
    assert stop["kind"] == "breakdown" and stop["counter"] == "formtruck.users" and stop["dim"] == "formtruck.stop"
    assert stop["dim_label"] == "Halte" and stop["title"] == "Per halte" and stop["additive"] is True
    assert [(r["key"], r["label"], r["value"]) for r in stop["rows"]] == [
        ("flagey", "Place Flagey", 12),
        ("liedts", "Place Liedts", 2),
        ("unknown", "Onbekend", 6),
    ]
    assert stop["total"]["value"] == 20
    commune = exact["formtruck.commune"]
    # Every commune is a row, in the plugin's order, as every code of a core dimension is.
    assert [r["key"] for r in commune["rows"]] == list(COMMUNES)
    assert {(r["key"], r["label"], r["value"]) for r in commune["rows"] if r["value"]} == {
        ("ixelles", "Elsene", 18),
        ("schaerbeek", "Schaarbeek", 2),
    }
    # Published: the stop with 2 people is a small count, and one that would give it away by subtraction is hidden.
    published = sections(True, "fr")["formtruck.stop"]
    shown = {r["key"]: r["value"] for r in published["rows"]}
    assert shown["liedts"] == "<5" and published["total"]["value"] == 20
    assert sum(1 for v in shown.values() if v == "x") >= 1

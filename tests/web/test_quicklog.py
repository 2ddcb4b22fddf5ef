"""Quick logging: every audience's intake form as a page, two-tap logging, tallies, undo, validation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from markupsafe import escape as _escape
from sqlalchemy import func, select

from tests.web.conftest import Web, csrf_of, form_values
from tremplin.core import rollup
from tremplin.core.forms import Form
from tremplin.core.models import Activity, Contact
from tremplin.core.web import formkit

HX = {"HX-Request": "true"}


def escape(text: str) -> str:
    """``text`` as the templates write it into a page."""
    return str(_escape(text))


def as_data(pairs: list[tuple[str, str]], **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    out = {
        k: v if len(v) > 1 or k in ("themes",) or k.startswith("attr.") and len(v) > 1 else v[0]
        for k, v in data.items()
    }
    out.update(changes)
    return out


def valid_post(form: Form) -> dict[str, Any]:
    """A valid filling of ``form``, built from its declaration only (as the page is)."""
    sites = [("reception", "Reception", "reception"), ("truck-flagey", "Truck", "formtruck_stop")]
    offered = [(code, name) for code, name, kind in sites if not form.site_kinds or kind in form.site_kinds]
    ctx = formkit.FormContext(lang="en", gettext=lambda m, **k: m, sites=offered)
    data: dict[str, Any] = {}
    for name in formkit.shown_core_fields(form):
        if name in ("occurred_at", "starts_at"):
            data[name] = datetime.now().strftime("%Y-%m-%dT%H:%M")
        elif name == "themes":
            data[name] = ["work", "learn"]
        elif name == "headcount":
            data[name] = "2"
        elif name in ("capacity", "registered", "participants"):
            data[name] = {"capacity": "25", "registered": "20", "participants": "18"}[name]
        elif name == "note":
            data[name] = "Came back with a friend"
        elif name == "title":
            data[name] = "Class of 5B"
        else:
            data[name] = formkit.core_choices(form, name, ctx)[0].code
    for f in form.fields:
        key = f"attr.{f.name}"
        if f.kind == "choice":
            data[key] = next(iter(f.choices))
        elif f.kind == "multichoice":
            data[key] = [next(iter(f.choices))]
        elif f.kind == "int":
            data[key] = str(f.min or 1)
        elif f.kind == "bool":
            data[key] = "1"
        else:
            data[key] = "Athénée Royal"
    return data


def test_every_form_of_every_audience_logs_its_record(web: Web) -> None:
    app = web.app
    client = web.client("admin")
    forms = app.registry.forms.values()
    assert {f.audience for f in forms} >= {
        "general",
        "neet",
        "schools",
        "prisons",
        "disability",
        "formtruck",
        "ukrainian",
    }
    for form in forms:
        page = client.get(f"/log/{form.key}")
        assert page.status_code == 200, form.key
        assert escape(form.title.get("fr")) in page.text
        for f in form.fields:
            assert escape(f.label.get("fr")) in page.text, f"{form.key}: the label of {f.name} comes from the plugin"
        for name in form.fixed:
            assert f'name="{name}"' not in page.text, f"{form.key}: fixed {name} is not asked"
        data = valid_post(form)
        response = client.post(f"/log/{form.key}", data={**data, "csrf_token": csrf_of(page.text)})
        assert response.status_code == 303, (form.key, response.status_code, response.text[-3000:])
        model = Activity if form.record == "activity" else Contact
        with app.session() as session:
            record = session.scalars(select(model).order_by(model.id.desc())).first()
            assert record is not None and record.audience == form.audience, form.key
            assert record.staff_id == web.staff["admin"]
            for name, value in form.fixed.items():
                assert getattr(record, name) == value, (form.key, name)
            for f in form.fields:
                expected = data[f"attr.{f.name}"]
                stored = record.attributes.get(f.name)
                if f.kind == "int":
                    expected = int(expected)
                elif f.kind == "bool":
                    expected = True
                assert stored == expected, (form.key, f.name, stored, expected)
            if form.record == "contact" and "headcount" in formkit.shown_core_fields(form):
                assert record.headcount == 2
            if "themes" in formkit.shown_core_fields(form):
                assert record.themes == ["learn", "work"]


def test_a_page_per_audience_and_a_list_of_forms(web: Web) -> None:
    truck = web.client("formtruck_adviser")
    index = truck.get("/log").text
    assert "/log/formtruck.contact" in index and "/log/neet.awareness" not in index
    page = truck.get("/log/formtruck")
    assert page.status_code == 200 and "Contact au Formtruck" in page.text, "an audience with one form opens it"
    assert truck.get("/log/neet.awareness").status_code == 403
    assert truck.get("/log/no-such-form").status_code == 404
    neet = web.client("neet_worker")
    assert neet.get("/log/neet").status_code == 303, "an audience with several forms lists them"


def test_two_taps_site_and_channel_remembered(web: Web) -> None:
    client = web.client("counsellor")
    page = client.get("/log/general.advice")
    # The profile is answered, "unknown" included: a detailed form assumes nothing.
    answers = {
        "themes": ["learn"],
        "language": "fr",
        "gender": "unknown",
        "age_band": "unknown",
        "education": "unknown",
        "labour_status": "unknown",
    }
    data = as_data(form_values(page.text, "log-form"), site="advice", channel="phone", **answers)
    assert client.post("/log/general.advice", data=data).status_code == 303
    # The next time, the site and the channel are already chosen: one tap on a theme and one on "log".
    page = client.get("/log/general.advice")
    defaults = as_data(form_values(page.text, "log-form"))
    assert defaults["site"] == "advice" and defaults["channel"] == "phone"
    assert "gender" not in defaults, "the profile is not pre-filled"
    response = client.post("/log/general.advice", data={**defaults, **answers, "themes": ["work"]})
    assert response.status_code == 303
    with web.app.session() as session:
        last = session.scalars(select(Contact).order_by(Contact.id.desc())).first()
        assert last.channel == "phone" and last.themes == ["work"] and last.modality == "individual_advice"
        assert last.day == date.today()


def test_validation_errors_next_to_the_field_in_the_users_language_keeping_what_was_typed(web: Web) -> None:
    client = web.client("formtruck_adviser")
    page = client.get("/log/formtruck.contact")
    data = {
        **as_data(form_values(page.text, "log-form")),
        "headcount": "douze",
        "attr.place": "Place Flagey",
        "themes": ["work"],
    }
    data.pop("attr.commune", None)
    response = client.post("/log/formtruck.contact", data=data)
    assert response.status_code == 422
    html = response.text
    assert 'id="f-attr-commune-error"' in html and "Ce champ est obligatoire." in html
    assert 'aria-describedby="f-attr-commune-help f-attr-commune-error"' in html
    assert 'id="f-headcount-error" data-rule="number">Entrez un nombre entier.' in html
    assert 'value="douze"' in html and 'value="Place Flagey"' in html, "what was typed is kept"
    assert 'id="f-themes-work" name="themes" value="work" checked' in html
    with web.app.session() as session:
        assert session.scalar(select(func.count(Contact.id))) == 0

    client.get("/lang/uk")
    response = client.post("/log/formtruck.contact", data={**data, "csrf_token": csrf_of(page.text)})
    assert (
        response.status_code == 422 and escape("Це поле обов'язкове.") in response.text and 'lang="uk"' in response.text
    )
    client.get("/lang/nl")
    response = client.post("/log/formtruck.contact", data={**data, "headcount": "0", "attr.commune": "atlantis"})
    assert "Kies een van de opties." in response.text
    assert "Vul een geheel getal in van 1 tot 100000." in response.text


def test_tallies_one_tap_per_theme(web: Web) -> None:
    client = web.client("formtruck_adviser")
    page = client.get("/log/formtruck.contact")
    assert 'id="tally-work"' in page.text
    setup = {
        "csrf_token": csrf_of(page.text),
        "site": "truck-flagey",
        "attr.commune": "ixelles",
        "form": "formtruck.contact",
    }
    first = client.post("/log/formtruck.contact/tally", data={**setup, "theme": "work"}, headers=HX)
    assert first.status_code == 200 and first.text.lstrip().startswith('<section id="tally"')
    assert '<span class="label">Travailler</span> <span class="count">1</span>' in first.text
    second = client.post("/log/formtruck.contact/tally", data={**setup, "theme": "work"}, headers=HX)
    assert '<span class="count">2</span>' in second.text
    client.post("/log/formtruck.contact/tally", data={**setup, "theme": "move"}, headers=HX)
    with web.app.session() as session:
        rows = session.scalars(select(Contact).order_by(Contact.id)).all()
        assert [(c.themes, c.headcount, c.channel, c.modality, c.attributes) for c in rows] == [
            (["work"], 1, "field", "individual_advice", {"commune": "ixelles"}),
            (["work"], 1, "field", "individual_advice", {"commune": "ixelles"}),
            (["move"], 1, "field", "individual_advice", {"commune": "ixelles"}),
        ]
        assert rollup.totals(session, ["formtruck.users"], date.today(), date.today())["formtruck.users"] == 3
    # The page remembers the stop and the commune for the next visit.
    page = client.get("/log/formtruck.contact")
    defaults = as_data(form_values(page.text, "log-form"))
    assert defaults["site"] == "truck-flagey" and defaults["attr.commune"] == "ixelles"
    # A tally without its required answers says so, in the panel.
    fresh = web.client("admin")
    page = fresh.get("/log/formtruck.contact")
    refused = fresh.post(
        "/log/formtruck.contact/tally", data={"csrf_token": csrf_of(page.text), "theme": "work"}, headers=HX
    )
    assert refused.status_code == 422 and "Commune" in refused.text and 'role="alert"' in refused.text
    # Without JavaScript, the same buttons post the whole form and come back to the page.
    plain = client.post("/log/formtruck.contact/tally", data={**setup, "theme": "learn"})
    assert plain.status_code == 303 and plain.headers["location"] == "/log/formtruck.contact"
    assert (
        client.post("/log/formtruck.contact/tally", data={**setup, "theme": "astrology"}, headers=HX).status_code == 422
    )
    assert client.post("/log/general.advice/tally", data={**setup, "theme": "work"}).status_code in (403, 404)


def _log_one(web: Web, username: str) -> tuple[Any, int]:
    client = web.client(username)
    page = client.get("/log/general.multimedia")
    response = client.post(
        "/log/general.multimedia", data={**as_data(form_values(page.text, "log-form")), "themes": ["learn"]}
    )
    assert response.status_code == 303
    with web.app.session() as session:
        return client, session.scalars(select(Contact.id).order_by(Contact.id.desc())).first()


def test_the_last_entry_can_be_undone_for_five_minutes(web: Web) -> None:
    client, contact_id = _log_one(web, "reception")
    page = client.get("/log/general.multimedia")
    assert f'value="contact:{contact_id}"' in page.text, "the page offers to undo the last entry"
    with web.app.session() as session:
        assert rollup.totals(session, ["multimedia.entries"], date.today(), date.today())["multimedia.entries"] == 1
    response = client.post(
        "/log/undo",
        data={"csrf_token": csrf_of(page.text), "undo": f"contact:{contact_id}", "next": "/log/general.multimedia"},
    )
    assert response.status_code == 303 and response.headers["location"] == "/log/general.multimedia"
    with web.app.session() as session:
        assert session.get(Contact, contact_id) is None
        assert rollup.totals(session, ["multimedia.entries"], date.today(), date.today())["multimedia.entries"] == 0, (
            "the roll-up follows"
        )
    assert "Annulé" in client.get("/log/general.multimedia").text


def test_undo_is_refused_after_five_minutes_and_for_someone_elses_entry(web: Web) -> None:
    client, contact_id = _log_one(web, "reception")
    other = web.client("counsellor")
    page = other.get("/log")
    assert (
        other.post("/log/undo", data={"csrf_token": csrf_of(page.text), "undo": f"contact:{contact_id}"}).status_code
        == 409
    )
    with web.app.transaction() as session:
        session.get(Contact, contact_id).created_at = datetime.now(UTC) - timedelta(minutes=5, seconds=1)
    page = client.get("/log/general.multimedia")
    assert f'value="contact:{contact_id}"' not in page.text, "no undo offered after five minutes"
    refused = client.post("/log/undo", data={"csrf_token": csrf_of(page.text), "undo": f"contact:{contact_id}"})
    assert refused.status_code == 409 and "cinq minutes" in refused.text
    with web.app.session() as session:
        assert session.get(Contact, contact_id) is not None
    assert client.post("/log/undo", data={"csrf_token": csrf_of(page.text), "undo": "case:1"}).status_code == 409
    assert (
        client.post(
            "/log/undo", data={"csrf_token": csrf_of(page.text), "undo": "contact:99999999999999999999"}
        ).status_code
        == 409
    )


def test_undo_a_tally_in_place(web: Web) -> None:
    client = web.client("formtruck_adviser")
    page = client.get("/log/formtruck.contact")
    setup = {"csrf_token": csrf_of(page.text), "attr.commune": "jette", "form": "formtruck.contact"}
    tallied = client.post("/log/formtruck.contact/tally", data={**setup, "theme": "choose"}, headers=HX)
    with web.app.session() as session:
        contact_id = session.scalars(select(Contact.id)).one()
    assert f'value="contact:{contact_id}"' in tallied.text
    undone = client.post("/log/undo", data={**setup, "undo": f"contact:{contact_id}"}, headers=HX)
    assert (
        undone.status_code == 200 and '<span class="label">Choisir</span> <span class="count">0</span>' in undone.text
    )


@pytest.mark.parametrize("username", ["schools_coordinator"])
def test_an_activity_form_creates_an_activity_then_edit_and_headcount(web: Web, username: str) -> None:
    client = web.client(username)
    page = client.get("/log/schools.visit")
    data = {
        **as_data(form_values(page.text, "log-form")),
        "workshop": "explorama",
        "registered": "24",
        "attr.school": "Athénée Royal",
        "attr.education_type": "general",
        "attr.year": "5",
        "attr.place": "at_centre",
    }
    assert client.post("/log/schools.visit", data=data).status_code == 303
    with web.app.session() as session:
        activity = session.scalars(select(Activity)).one()
        assert activity.audience == "schools" and activity.participants is None and activity.format == "face_to_face"
        activity_id = activity.id
    listed = client.get("/activities")
    assert f"/activities/{activity_id}" in listed.text
    detail = client.get(f"/activities/{activity_id}")
    assert detail.status_code == 200
    edit = as_data(form_values(detail.text, "activity-form"), registered="25", **{"attr.school": "Lycée Jacqmain"})
    assert client.post(f"/activities/{activity_id}", data=edit).status_code == 303
    bad = client.post(
        f"/activities/{activity_id}/participants", data={"csrf_token": csrf_of(detail.text), "participants": "-3"}
    )
    assert bad.status_code == 422 and "participants-only-error" in bad.text
    assert (
        client.post(
            f"/activities/{activity_id}/participants", data={"csrf_token": csrf_of(detail.text), "participants": "22"}
        ).status_code
        == 303
    )
    with web.app.session() as session:
        activity = session.get(Activity, activity_id)
        assert (activity.attributes["school"], activity.registered, activity.participants) == ("Lycée Jacqmain", 25, 22)
        year = date.today().year
        figures = rollup.totals(session, ["schools.pupils", "schools.visits"], date(year, 1, 1), date(year, 12, 31))
        assert figures == {"schools.pupils": 22, "schools.visits": 1}
    # Another audience's activity is not this account's business.
    assert web.client("neet_worker").get(f"/activities/{activity_id}").status_code == 404, "answered as missing"


def test_a_network_account_chooses_the_centre(web: Web) -> None:
    from tremplin.core.admin import ensure_centre, ensure_site

    with web.app.transaction() as session:
        lux, _ = ensure_centre(session, "lux", "Cité des métiers du Luxembourg", timezone="Europe/Luxembourg")
        ensure_site(session, lux, "accueil", "Accueil Luxembourg", "reception")
    web.add_account("network", ["admin"], audiences=["*"], centre=False)
    client = web.client("network")
    page = client.get("/log/general.multimedia")
    assert 'name="centre"' in page.text and 'value="lux"' in page.text
    data = {**as_data(form_values(page.text, "log-form")), "centre": "lux", "themes": ["move"]}
    data.pop("site", None)
    assert client.post("/log/general.multimedia", data=data).status_code == 303
    with web.app.session() as session:
        contact = session.scalars(select(Contact)).one()
        assert contact.centre_id == lux.id
    assert 'value="lux" selected' in client.get("/log/general.multimedia").text, "the centre is remembered"
    refused = client.post("/log/general.multimedia", data={**data, "centre": "atlantis"})
    assert refused.status_code == 422

"""The satisfaction survey over real HTTP: a one-time link answered once, in the visitor's language,
nothing half-written on a bad answer; the desk tablet for reception accounts only; the annual report's
section in the shape the centre publishes (94.1% satisfied...), hidden where counts are small."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.web.conftest import Web, csrf_of
from tremplin.core.app import App
from tremplin.core.models import SurveyAnswer, SurveyLink

ANSWER = {"satisfaction": "very_satisfied", "would_recommend": "yes", "first_visit": "no"}


def link(app: App, centre: int, service: str = "general", days: int = 30) -> str:
    from tremplin.core.surveys import new_link

    with app.transaction() as session:
        return new_link(session, service, centre_id=centre, valid_days=days).code


def answers(app: App) -> int:
    with app.session() as session:
        return int(session.scalar(select(func.count(SurveyAnswer.id))) or 0)


def test_a_link_is_answered_once_in_the_visitors_language(web: Web, app: App, centre: int) -> None:
    code = link(app, centre)
    visitor = web.anonymous(**{"accept-language": "nl-BE,nl;q=0.9"})
    page = visitor.get(f"/survey/{code}")
    assert page.status_code == 200 and "Hoe tevreden bent u over uw bezoek?" in page.text
    csrf = csrf_of(page.text)

    # An unanswered question: told which, in Dutch, and nothing written.
    partial = visitor.post(f"/survey/{code}", data={"csrf_token": csrf, "satisfaction": "satisfied"})
    assert partial.status_code == 422 and "Kies één antwoord." in partial.text and answers(app) == 0
    with app.session() as session:
        assert session.scalar(select(SurveyLink.answered_at).where(SurveyLink.code == code)) is None

    done = visitor.post(f"/survey/{code}", data={"csrf_token": csrf, **ANSWER})
    assert done.status_code == 200 and "Dank u!" in done.text
    again = visitor.post(f"/survey/{code}", data={"csrf_token": csrf, **ANSWER})
    assert again.status_code == 409 and "Deze enquête werd al beantwoord." in again.text
    assert visitor.get(f"/survey/{code}").status_code == 409
    assert answers(app) == 1
    with app.session() as session:
        answer = session.scalars(select(SurveyAnswer)).one()
    assert (answer.service, answer.channel, answer.language, answer.satisfaction) == (
        "general",
        "email",
        "nl",
        "very_satisfied",
    )
    assert (answer.would_recommend, answer.first_visit) == (True, False)
    # The answer keeps nothing that leads back to the link.
    assert code not in json.dumps({c.name: str(getattr(answer, c.name)) for c in SurveyAnswer.__table__.columns})


def test_unknown_and_expired_links_and_the_qr_code(web: Web, app: App, centre: int) -> None:
    visitor = web.anonymous(**{"accept-language": "uk"})
    unknown = visitor.get("/survey/NOSUCHCODE")
    assert unknown.status_code == 404 and "Такого посилання на опитування немає." in unknown.text
    old = link(app, centre)
    with app.transaction() as session:
        session.scalars(select(SurveyLink).where(SurveyLink.code == old)).one().expires_at = datetime.now(
            UTC
        ) - timedelta(minutes=1)
    assert visitor.get(f"/survey/{old}").status_code == 410
    fresh = link(app, centre)
    qr = visitor.get(f"/survey/{fresh}/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/svg+xml" and b"<svg" in qr.content


def test_the_desk_tablet_is_for_reception_accounts(web: Web, app: App) -> None:
    assert web.anonymous().get("/surveys/desk", follow_redirects=False).status_code in (302, 303, 401)
    web.add_account("desk-one", ["reception"])
    tablet = web.client("desk-one")
    # The menu leads there, in the account's language.
    home = tablet.get("/", follow_redirects=True).text
    assert '<a href="/surveys/desk" id="nav-surveys/desk">Tablette d' in home
    page = tablet.get("/surveys/desk?service=general")
    assert page.status_code == 200 and 'src="/survey/' in page.text
    code = page.text.split('action="/survey/')[1].split('"')[0]
    done = tablet.post(
        f"/survey/{code}", data={"csrf_token": csrf_of(page.text), **ANSWER, "next": "/surveys/desk?service=general"}
    )
    assert done.status_code == 200 and 'href="/surveys/desk?service=general"' in done.text
    assert tablet.get("/surveys/desk?service=nonsense").status_code == 404
    with app.session() as session:
        assert session.scalars(select(SurveyAnswer.channel)).all() == ["desk"]


def test_the_tablet_is_in_the_menu_of_the_roles_with_the_desk_capability(monkeypatch: pytest.MonkeyPatch) -> None:
    """``desk`` is declared with the roles: the core's desk roles have it, a programme lead does not, and a
    plugin's own role may carry it."""
    from types import SimpleNamespace

    from tests.conftest import make_app
    from tests.core.plugin_kit import fake_plugin
    from tremplin.core.i18n import T
    from tremplin.core.pages import menu_items
    from tremplin.core.plugins import BUILTIN_PLUGINS
    from tremplin.core.registry import Role

    kiosk = fake_plugin(
        monkeypatch,
        "kiosk_plugin",
        register_roles=lambda app: [Role("kiosk", T("Kiosk"), ("log", "desk"), ("general",))],
    )
    app = make_app("sqlite://", plugins=[*BUILTIN_PLUGINS, kiosk])
    try:

        def paths(role: str) -> list[str]:
            staff = SimpleNamespace(roles=[role], audiences=["*"], may_see=lambda audience: True)
            return [item.path for item in menu_items(app, staff)]

        assert app.registry.roles_with("desk") == ("admin", "counsellor", "reception", "kiosk")
        for role in ("reception", "counsellor", "kiosk"):
            assert "/surveys/desk" in paths(role), role
        assert "/surveys/desk" not in paths("programme_lead")
    finally:
        app.close()


def test_the_annual_report_publishes_the_surveys_shape(app: App, centre: int) -> None:
    from tremplin.core.reports.build import annual_report
    from tremplin.core.reports.render import render_bytes
    from tremplin.core.surveys import record_survey_answer

    day = date(2025, 3, 14)
    # 17 answers: 16 satisfied (94.1%), 16 would recommend, 9 first visits (52.9%); 3 about the schools.
    with app.transaction() as session:
        for n in range(17):
            record_survey_answer(
                app,
                session,
                {
                    "satisfaction": "dissatisfied" if n == 0 else ("very_satisfied" if n % 2 else "satisfied"),
                    "would_recommend": "no" if n == 1 else "yes",
                    "first_visit": "yes" if n < 9 else "no",
                },
                language="fr",
                service="schools" if n >= 14 else "general",
                channel="desk",
                centre_id=centre,
                today=day,
            )
    with app.session() as session:
        exact = json.loads(render_bytes(annual_report(app, session, 2025), "json"))
        published = json.loads(render_bytes(annual_report(app, session, 2025, published=True), "json"))

    def section(report: dict) -> dict:
        return {
            row["key"]: row for row in next(s for s in report["sections"] if s["key"] == "surveys.satisfaction")["rows"]
        }

    rows = section(exact)
    assert rows["answers"]["count"] == 17
    assert (rows["satisfied"]["count"], rows["satisfied"]["share"]) == (16, 94.1)
    assert (rows["would_recommend"]["count"], rows["would_recommend"]["share"]) == (16, 94.1)
    assert (rows["first_visit"]["count"], rows["first_visit"]["share"]) == (9, 52.9)
    assert rows["service:schools"]["count"] == 3 and rows["service:general"]["count"] == 14
    public = section(published)
    # Published: the share of satisfied would reveal the one dissatisfied answer; the schools' 3 answers
    # are a small count.
    assert public["answers"]["count"] == 17 and public["first_visit"]["share"] == 52.9
    assert public["satisfied"]["share"] != 94.1 and public["service:schools"]["count"] != 3
    with app.session() as session:
        assert annual_report(app, session, 2024).sections == [] or all(
            s.key != "surveys.satisfaction" for s in annual_report(app, session, 2024).sections
        )


@pytest.mark.parametrize("wrong", [{}, {"satisfaction": "ecstatic"}, {**ANSWER, "first_visit": "maybe"}])
def test_record_survey_answer_refuses_and_writes_nothing(app: App, centre: int, wrong: dict) -> None:
    from tremplin.core.surveys import SurveyError, record_survey_answer

    code = link(app, centre)
    with pytest.raises(SurveyError) as refused, app.transaction() as session:
        record_survey_answer(app, session, wrong, language="fr", code=code)
    assert refused.value.reason == "invalid" and refused.value.fields
    assert answers(app) == 0
    with app.transaction() as session:  # the bot's way in: an authenticated channel, a service
        record_survey_answer(app, session, ANSWER, language="uk", service="ukrainian", channel="bot", centre_id=centre)
    assert answers(app) == 1

"""Report pages and downloads in the web app: exact for programme leads, published for everyone else."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from tests.reports.data import YEAR, build_year, counter_value, in_period
from tests.web.conftest import Web
from tremplin.core.app import App
from tremplin.core.models import AuditEvent

pytest.importorskip("fastapi")


@pytest.fixture
def web(app: App, centre: int) -> Iterator[Web]:
    helper = Web(app, centre)
    helper.add_role_accounts()
    yield helper
    helper.close()


def test_programme_lead_reads_and_downloads_exact_figures(web: Web) -> None:
    y = build_year(web.app)
    lead = web.client("programme_lead")
    index = lead.get("/reports")
    assert index.status_code == 200
    assert 'id="form-annual"' in index.text and 'id="form-esf"' in index.text
    page = lead.get("/reports/view", params={"kind": "annual", "year": YEAR, "language": "en"})
    assert page.status_code == 200, page.text[:500]
    total = counter_value(
        y,
        "contacts.total",
        in_period(__import__("datetime").date(YEAR, 1, 1), __import__("datetime").date(YEAR, 12, 31)),
    )
    assert f"{total:,}" in page.text
    assert 'href="/reports/report.css"' in page.text and "<style" not in page.text.split("<main", 1)[1]
    assert "/reports/download?" in page.text and "format=pdf" in page.text
    for fmt, media in (
        ("pdf", "application/pdf"),
        ("xlsx", "spreadsheetml"),
        ("csv", "text/csv"),
        ("json", "application/json"),
        ("html", "text/html"),
    ):
        r = lead.get("/reports/download", params={"kind": "annual", "year": YEAR, "language": "en", "format": fmt})
        assert r.status_code == 200 and media in r.headers["content-type"], (fmt, r.status_code, r.text[:300])
        assert r.headers["content-disposition"].startswith("attachment;")
    doc = json.loads(lead.get("/reports/download", params={"kind": "annual", "year": YEAR, "format": "json"}).text)
    assert doc["published"] is False
    assert next(f for f in doc["sections"][0]["figures"] if f["key"] == "contacts.total")["value"] == total
    published = json.loads(
        lead.get("/reports/download", params={"kind": "annual", "year": YEAR, "format": "json", "published": "1"}).text
    )
    assert published["published"] is True
    with web.app.session() as session:
        events = list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == "report.export").order_by(AuditEvent.id))
        )
    assert len(events) == 7
    assert {e.actor for e in events} == {"programme_lead"} and all(
        e.staff_id == web.staff["programme_lead"] for e in events
    )
    assert (
        events[0].details["via"] == "web"
        and events[0].details["format"] == "pdf"
        and events[-1].details["published"] is True
    )


def test_other_roles_get_published_figures_of_their_audiences(web: Web) -> None:
    build_year(web.app)
    counsellor = web.client("counsellor")  # general, ukrainian, disability, prisons
    r = counsellor.get("/reports/download", params={"kind": "annual", "year": YEAR, "format": "json"})
    assert r.status_code == 200
    doc = json.loads(r.text)
    assert doc["published"] is True
    keys = [s["key"] for s in doc["sections"]]
    assert "overview" not in keys  # centre-wide figures mix audiences the account does not see
    assert "audiences.prisons" in keys and "neet.touchngo" not in keys and "audiences.schools" not in keys
    index = counsellor.get("/reports")
    assert 'id="form-annual"' not in index.text and 'id="form-audience"' in index.text
    schools = web.client("schools_coordinator")
    assert (
        schools.get("/reports/view", params={"kind": "audience", "audience": "neet", "year": YEAR}).status_code == 403
    )
    page = schools.get("/reports/view", params={"kind": "audience", "audience": "schools", "year": YEAR})
    assert page.status_code == 200
    xlsx = schools.get(
        "/reports/download", params={"kind": "audience", "audience": "schools", "year": YEAR, "format": "xlsx"}
    )
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    cells = [c for r in sheet.iter_rows(values_only=True) for c in r if c]
    assert any(str(c).startswith("Chiffres publiés") for c in cells)  # the account's language: French


def test_refusals(web: Web) -> None:
    anonymous = web.anonymous()
    for path in ("/reports", "/reports/view", "/reports/download", "/reports/report.css"):
        r = anonymous.get(path)
        assert r.status_code in (303, 307, 401), (path, r.status_code)
    lead = web.client("programme_lead")
    assert lead.get("/reports/view", params={"kind": "nothing"}).status_code == 404
    assert lead.get("/reports/download", params={"kind": "annual", "format": "doc"}).status_code == 400
    assert lead.get("/reports/view", params={"kind": "monthly", "month": "2025-13"}).status_code == 400
    assert lead.get("/reports/view", params={"kind": "annual", "centre": "elsewhere"}).status_code in (400, 403)
    css = lead.get("/reports/report.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")

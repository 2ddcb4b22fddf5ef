"""The schools figures where people read them: the coordinator's bookings by school year and their exports,
the dashboard (cancellations and no-shows beside the visits) and the schools report's school-year
breakdowns. Through HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from tests.plugins.schools_kit import book, read_bookings, slot, workshop
from tests.web.conftest import Web, web  # noqa: F401  (the web fixture)
from tremplin.plugins.schools import booking as bk
from tremplin.plugins.schools.export import academic_year
from tremplin.plugins.schools.models import SchoolBooking


def _season(web: Web) -> dict[str, int]:
    """Bookings of this school year: held, did not come, cancelled, waiting, to come; years 3 and 4. The
    visits held or missed were the days before (pupils are entered once a visit has begun), booked before."""
    app = web.app
    wid = workshop(app, web.centre_id)
    before = datetime.now(UTC) - timedelta(days=30)
    ids = {
        "held": book(app, slot(app, web.centre_id, wid, days=-2), before, pupils=20, school_year="3")[0],
        "absent": book(app, slot(app, web.centre_id, wid, days=-1), before, pupils=18, school_year="3")[0],
        "cancelled": book(app, slot(app, web.centre_id, wid, days=4), pupils=15, school_year="4")[0],
        "coming": book(app, slot(app, web.centre_id, wid, days=5), pupils=22, school_year="4")[0],
    }
    full = slot(app, web.centre_id, wid, days=6)
    ids["first"] = book(app, full, pupils=12, school_year="2")[0]
    ids["waiting"], status = book(app, full, pupils=10, school_year="4")
    assert status == "waitlisted"
    with app.transaction() as session:
        bk.record_attendance(app, session, session.get(SchoolBooking, ids["held"]), 19)
        bk.record_attendance(app, session, session.get(SchoolBooking, ids["absent"]), 0)
        bk.cancel(app, session, session.get(SchoolBooking, ids["cancelled"]), actor="school")
    return ids


def _cells(html: str, row: str) -> list[str]:
    found = re.search(rf'<tr id="{row}">(.*?)</tr>', html, re.DOTALL)
    assert found, row
    cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", found.group(1), re.DOTALL)
    return [re.sub(r"<[^>]+>|\s", "", cell) for cell in cells]


def test_bookings_by_school_year_and_their_exports(web: Web) -> None:
    ids = _season(web)
    coordinator = web.client("schools_coordinator")
    page = coordinator.get("/schools/years")
    assert page.status_code == 200 and "Réservations par année d&#39;études" in page.text
    # School year, bookings, to come, waiting, held, did not come, cancelled, pupils booked, pupils who came.
    assert _cells(page.text, "year-3")[:9] == ["3", "2", "0", "0", "1", "1", "0", "38", "19"]
    assert _cells(page.text, "year-4")[:9] == ["4", "3", "1", "1", "0", "0", "1", "47", "0"]
    assert _cells(page.text, "year-2")[:9] == ["2", "1", "1", "0", "0", "0", "0", "12", "0"]
    assert _cells(page.text, "year-all")[:9] == ["Total", "6", "2", "1", "1", "1", "1", "97", "19"]
    assert _cells(page.text, "year-1")[1] == "0"

    start, end = academic_year(date.today() - timedelta(days=2))
    if academic_year(date.today() + timedelta(days=6)) == (start, end):
        one_year = coordinator.get(f"/schools/export?from={start}&to={end}&year=4")
        rows = read_bookings(one_year)
        assert sorted(int(r["reference"]) for r in rows) == sorted([ids["cancelled"], ids["coming"], ids["waiting"]])
        assert {r["school_year"] for r in rows} == {"4e année"} and "attachment" in one_year.headers[
            "content-disposition"
        ]
        assert "-year-4-" in one_year.headers["content-disposition"]
        everything = read_bookings(coordinator.get(f"/schools/export?from={start}&to={end}"))
        assert len(everything) == 6
    xlsx = coordinator.get(f"/schools/export?from={start}&to={end}&year=3&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    # The previous school year has none of them.
    earlier = coordinator.get(f"/schools/years?day={(start - timedelta(days=1)).isoformat()}")
    assert _cells(earlier.text, "year-all")[1] == "0"

    # Granted through the roles: programme leads follow the bookings (their menu leads there), a counsellor
    # does not.
    for role, shown in (
        ("schools_coordinator", True),
        ("programme_lead", True),
        ("admin", True),
        ("counsellor", False),
    ):
        nav = re.search(r'<nav class="main".*?</nav>', web.client(role).get("/dashboard").text, re.S)
        assert nav is not None and ('href="/schools"' in nav.group(0)) == shown, role
    assert web.client("programme_lead").get("/schools/years").status_code == 200
    assert web.client("counsellor").get("/schools/years").status_code == 403
    assert web.api("programme_lead").get("/api/v1/bookings").status_code == 200
    assert web.api("counsellor").get("/api/v1/bookings").status_code == 403
    offer = web.api("programme_lead").post("/api/v1/workshops", json={})
    assert offer.status_code == 403, "the offer stays the coordinator's"


def test_the_dashboard_and_the_schools_report_show_cancellations_no_shows_and_school_years(web: Web) -> None:
    from tremplin.core.reports.build import audience_report
    from tremplin.core.reports.render import to_dict

    _season(web)
    day = date.today() - timedelta(days=1)
    dashboard = web.client("schools_coordinator").get(f"/dashboard?on={day.isoformat()}")
    assert dashboard.status_code == 200
    for label in ("Réservations annulées", "Classes absentes", "Visites d&#39;écoles"):
        assert label in dashboard.text, label
    with web.app.session() as session:
        first, last = academic_year(date.today())
        doc = to_dict(audience_report(web.app, session, "schools", first, last, language="fr"))
    sections = {s["key"]: s for s in doc["sections"]}
    figures = {f["key"]: f["value"] for f in sections["figures.schools"]["figures"]}
    assert (figures["schools.cancellations"], figures["schools.no_shows"], figures["schools.visits"]) == (1, 1, 1)
    assert (figures["schools.pupils_cancelled"], figures["schools.pupils_no_show"]) == (15, 18)

    def by_year(key: str) -> dict[str, int]:
        return {row["key"]: row["value"] for row in sections[key]["rows"] if row["value"]}

    assert by_year("schools.year") == {"3": 19}
    assert by_year("schools.year.visits") == {"3": 1}
    assert by_year("schools.year.pupils_at_centre") == {"3": 19}
    assert by_year("schools.year.cancellations") == {"4": 1}
    assert by_year("schools.year.no_shows") == {"3": 1}
    assert sections["schools.year.no_shows"]["title"] == "Classes absentes par année d'études"

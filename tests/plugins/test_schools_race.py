"""Never overbooked: 50 real concurrent HTTP requests for a slot's last place, through the public
page and through the API, against uvicorn on 127.0.0.1, on SQLite and PostgreSQL. Exactly one is
confirmed; the 49 others are on the waiting list; the slot holds what it may and no more."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select

from tests.plugins.schools_kit import Served, book, class_form, form_of, slot, workshop
from tremplin.core.app import App
from tremplin.core.models import Staff
from tremplin.plugins.schools.models import SchoolBooking, SchoolSlot

RACERS = 50


@pytest.fixture
def served(app: App, centre: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    monkeypatch.setenv("TREMPLIN_SCHOOLS_MIN_FORM_SECONDS", "0")
    server = Served(app)
    yield server
    server.stop()


def _last_place(app: App, centre: int) -> int:
    """A slot for two classes, one already booked."""
    wid = workshop(app, centre)
    sid = slot(app, centre, wid, classes=2, pupils=50)
    book(app, sid, pupils=20)
    return sid


def _outcome(app: App, sid: int) -> tuple[dict[str, int], tuple[int, int]]:
    with app.session() as session:
        statuses = dict(
            session.execute(
                select(SchoolBooking.status, func.count())
                .where(SchoolBooking.slot_id == sid)
                .group_by(SchoolBooking.status)
            ).all()
        )
        s = session.get(SchoolSlot, sid)
        return statuses, (s.booked_classes, s.booked_pupils)


def test_fifty_schools_race_for_the_last_place_on_the_public_page(app: App, centre: int, served: Served) -> None:
    sid = _last_place(app, centre)

    async def race() -> list[int]:
        limits = httpx.Limits(max_connections=RACERS)
        clients = [
            httpx.AsyncClient(base_url=served.url, limits=limits, timeout=60, headers={"accept-language": "fr-BE"})
            for _ in range(RACERS)
        ]
        try:
            pages = await asyncio.gather(*(c.get(f"/book/s/{sid}") for c in clients))
            assert all(p.status_code == 200 for p in pages)
            forms = [{**form_of(p.text), **class_form(pupils=20 + i % 5)} for i, p in enumerate(pages)]
            # Every form is filled; then all are sent at once.
            answers = await asyncio.gather(*(c.post(f"/book/s/{sid}", data=f) for c, f in zip(clients, forms)))
            return [a.status_code for a in answers]
        finally:
            await asyncio.gather(*(c.aclose() for c in clients))

    codes = asyncio.run(race())
    assert codes == [303] * RACERS
    statuses, held = _outcome(app, sid)
    assert statuses == {"confirmed": 1 + 1, "waitlisted": RACERS - 1}, (
        "the booking made before the race, and exactly one racer"
    )
    assert held[0] == 2 and held[1] <= 50


def test_fifty_clients_race_for_the_last_place_through_the_api(app: App, centre: int, served: Served) -> None:
    from tests.web.conftest import password_hash
    from tremplin.core.web.security import issue_api_token

    sid = _last_place(app, centre)
    with app.transaction() as session:
        staff = Staff(
            username="board",
            display_name="School board",
            password_hash=password_hash("x"),
            roles=["schools_coordinator"],
            audiences=["schools"],
            centre_id=centre,
        )
        session.add(staff)
        session.flush()
        token = issue_api_token(session, staff)
    body = {
        "slot_id": sid,
        "school_name": "Institut Saint-Luc",
        "teacher_name": "Mme Ana Costa",
        "teacher_email": "a.costa@saint-luc.be",
        "school_year": "4",
        "education_type": "vocational",
        "pupils": 18,
        "adults": 1,
        "language": "nl",
        "teacher_language": "nl",
    }

    async def race() -> list[httpx.Response]:
        async with httpx.AsyncClient(
            base_url=served.url,
            timeout=60,
            limits=httpx.Limits(max_connections=RACERS),
            headers={"authorization": f"Bearer {token}"},
        ) as client:
            return await asyncio.gather(
                *(
                    client.post("/api/v1/bookings", json={**body, "idempotency_key": secrets.token_urlsafe(12)})
                    for _ in range(RACERS)
                )
            )

    answers = asyncio.run(race())
    assert [a.status_code for a in answers] == [201] * RACERS
    assert sorted(a.json()["status"] for a in answers) == ["confirmed"] + ["waitlisted"] * (RACERS - 1)
    statuses, held = _outcome(app, sid)
    assert statuses == {"confirmed": 2, "waitlisted": RACERS - 1} and held == (2, 38)
    # The same request sent again (a retry after a lost answer) books nothing more.
    again = httpx.post(
        f"{served.url}/api/v1/bookings",
        json={**body, "idempotency_key": "same-key-twice"},
        headers={"authorization": f"Bearer {token}"},
    )
    twice = httpx.post(
        f"{served.url}/api/v1/bookings",
        json={**body, "idempotency_key": "same-key-twice"},
        headers={"authorization": f"Bearer {token}"},
    )
    assert again.json()["id"] == twice.json()["id"]
    assert _outcome(app, sid)[0]["waitlisted"] == RACERS

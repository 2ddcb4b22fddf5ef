"""Helpers for the schools tests: a workshop, its slots, a class's booking request."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from typing import Any

from tremplin.core.app import App
from tremplin.plugins.schools import booking as bk

WORKSHOP = {
    "code": "explorama",
    "name_en": "Explorama",
    "name_fr": "Explorama",
    "name_nl": "Explorama",
    "name_uk": "Explorama",
    "description_fr": "Découvrir les métiers en jouant.",
    "languages": ["fr", "nl"],
    "school_years": ["2", "3", "4"],
    "min_pupils": 5,
    "max_pupils": 30,
    "duration_minutes": 120,
    "place": "at_centre",
}


def workshop(app: App, centre_id: int, **values: Any) -> int:
    with app.transaction() as session:
        return bk.save_workshop(session, centre_id, {**WORKSHOP, **values}).id


def slot(
    app: App,
    centre_id: int,
    workshop_id: int,
    days: int = 10,
    classes: int = 1,
    pupils: int = 25,
    at_school: bool = False,
    start: time = time(9, 30),
) -> int:
    """A slot ``days`` from today; a negative ``days`` gives a visit already held, opened back then."""
    day = date.today() + timedelta(days=days)
    with app.transaction() as session:
        spec = bk.SlotSpec(
            workshop_id,
            day,
            start,
            room="" if at_school else "Salle Explorama",
            at_school=at_school,
            capacity_classes=classes,
            capacity_pupils=pupils,
            languages=("fr", "nl"),
        )
        return bk.open_slot(app, session, centre_id, spec, today=day if days < 0 else None).id


def request(slot_id: int, **values: Any) -> bk.BookingRequest:
    base: dict[str, Any] = {
        "slot_id": slot_id,
        "school_id": None,
        "new_school": "Athénée Royal d'Ixelles",
        "teacher_name": "Mme Claire Dupont",
        "teacher_email": "c.dupont@ar-ixelles.be",
        "school_year": "3",
        "education_type": "general",
        "pupils": 20,
        "adults": 2,
        "language": "fr",
        "teacher_language": "fr",
        "idempotency_key": secrets.token_urlsafe(12),
    }
    base.update(values)
    return bk.BookingRequest(**base)


def book(app: App, slot_id: int, now: datetime | None = None, **values: Any) -> tuple[int, str]:
    """Book a class; ``now`` (default: now) is when the request came, before the slot begins."""
    with app.transaction() as session:
        booking = bk.book(app, session, request(slot_id, **values), now=now)
        return booking.id, booking.status


# ------------------------------------------------------------------------------------------------
# The real server, for races


class Served:
    """The web app served by uvicorn on a free 127.0.0.1 port, in a thread."""

    def __init__(self, app: App) -> None:
        import socket
        import threading
        import time as clock

        import uvicorn

        from tremplin.core.web.app import create_web_app

        self.web = create_web_app(app)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(256)
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(self.web, host="127.0.0.1", log_level="warning", access_log=False, backlog=256)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = clock.monotonic() + 30
        while not self.server.started:
            if clock.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            clock.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


FORM_FIELDS = ("csrf_token", "token", "started")


def form_of(html: str) -> dict[str, str]:
    """The hidden fields of the booking form (CSRF token, idempotency token, signed time stamp)."""
    import re

    out = {}
    for name in FORM_FIELDS:
        match = re.search(rf'name="{name}" value="([^"]+)"', html)
        assert match, f"the booking form carries {name}"
        out[name] = match.group(1)
    return out


def class_form(**values: Any) -> dict[str, str]:
    base = {
        "school": "new",
        "new_school": "Lycée Émile Max",
        "teacher_name": "M. Karim Benali",
        "teacher_email": "k.benali@lycee-max.be",
        "school_year": "3",
        "education_type": "technical_transition",
        "pupils": "20",
        "adults": "2",
        "language": "fr",
    }
    base.update({k: str(v) for k, v in values.items()})
    return base


def read_bookings(response: Any, lang: str = "fr") -> list[dict[str, str]]:
    """The rows of a ``/schools/export`` CSV by column key: its headings must be the words of ``lang``, the file
    UTF-8 with a byte-order mark, separated as Excel set up for ``lang`` expects."""
    import csv
    import io

    from tremplin.plugins.schools.export import COLUMNS, headings

    assert response.status_code == 200, response.text[:300]
    assert response.content.startswith("\ufeff".encode()), "UTF-8 with a byte-order mark, for Excel"
    text = response.content.decode("utf-8-sig")
    found = list(csv.reader(io.StringIO(text), delimiter="," if lang == "en" else ";"))
    assert found[0] == headings(lang), found[0]
    return [dict(zip(COLUMNS, row, strict=True)) for row in found[1:]]

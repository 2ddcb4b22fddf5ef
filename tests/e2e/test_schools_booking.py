"""A teacher books a class visit in a real browser (Debian's Chromium), in French on a desktop and in
Dutch on a 360 px phone: picks a workshop, books the last places of a slot, receives the confirmation
on a loopback SMTP server (aiosmtpd), opens its .ics, cancels through its link, and the class on the
waiting list is promoted and told. Screenshots of every page at the journey's width."""

from __future__ import annotations

import email
import os
import re
import socket
import time
from collections.abc import Iterator
from datetime import date, timedelta
from datetime import time as clock
from email import policy
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

from .conftest import (
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    Console,
    login,
    start_server,
    visible_text,
)

pytestmark = pytest.mark.slow
aiosmtpd = pytest.importorskip("aiosmtpd.controller", reason="the booking journey needs aiosmtpd")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.content
        self.messages.append(email.message_from_bytes(content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"

    def wait_for(self, to: str, subject: re.Pattern[str], timeout: float = 15) -> email.message.EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages:
                if message["To"] == to and subject.search(str(message["Subject"])):
                    return message
            time.sleep(0.1)
        raise AssertionError(
            f"no e-mail to {to} matching {subject.pattern}; "
            f"received: {[(m['To'], str(m['Subject'])) for m in self.messages]}"
        )


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def schools_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A served app with SMTP on loopback, a workshop and a slot whose last class place is free."""
    from tremplin.core.admin import add_staff, ensure_centre
    from tremplin.core.app import create_app
    from tremplin.core.migrate import upgrade
    from tremplin.core.settings import Settings
    from tremplin.plugins.schools import booking as bk

    inbox = Inbox()
    smtp = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=_port())
    smtp.start()
    os.environ["TREMPLIN_SCHOOLS_MIN_FORM_SECONDS"] = "1"
    path = tmp_path_factory.mktemp("schools-e2e") / "tremplin.db"
    settings = Settings(
        database_url=f"sqlite:///{path}",
        load_entrypoints=False,
        secret_key="e2e-schools",
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_security="none",
        mail_from="Cité des métiers <ecoles@citedesmetiers.example>",
    )
    app = create_app(settings)
    upgrade(app)
    server = start_server(app, path)
    app.settings = settings.with_(public_base_url=server.url)
    with app.transaction() as session:
        centre, _ = ensure_centre(session, "bxl", "Cité des métiers de Bruxelles")
        add_staff(
            app,
            session,
            "schools_coordinator",
            "tremplin-demo-schools_coordinator",
            roles=["schools_coordinator"],
            display_name="Coordination écoles",
            language="fr",
            centre_code="bxl",
        )
        workshop = bk.save_workshop(
            session,
            centre.id,
            {
                "code": "explorama",
                "name_en": "Explorama",
                "name_fr": "Explorama",
                "name_nl": "Explorama",
                "name_uk": "Explorama",
                "description_fr": "Les élèves découvrent les métiers en jouant, en petits groupes.",
                "description_nl": "Leerlingen ontdekken beroepen al spelend, in kleine groepjes.",
                "languages": ["fr", "nl"],
                "school_years": ["2", "3", "4"],
                "min_pupils": 5,
                "max_pupils": 30,
                "duration_minutes": 120,
                "place": "at_centre",
            },
        )
        centre_id, workshop_id = centre.id, workshop.id
    yield {"app": app, "server": server, "inbox": inbox, "centre_id": centre_id, "workshop_id": workshop_id}
    server.server.should_exit = True
    server.thread.join(timeout=10)
    smtp.stop()
    app.close()
    os.environ.pop("TREMPLIN_SCHOOLS_MIN_FORM_SECONDS", None)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


SHOTS = Path(os.environ.get("TREMPLIN_SCREENSHOT_DIR", "")) if os.environ.get("TREMPLIN_SCREENSHOT_DIR") else None


def shot(page: Any, name: str, tmp_path: Path) -> None:
    folder = SHOTS or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide: it scrolls sideways"


WORDS = {
    "fr": {
        "choose": "Afficher les dates qui conviennent",
        "book": "Réserver",
        "cancel": "Annuler la réservation",
        "booked": "Réservé",
        "waiting": "liste d'attente",
        "confirmed": re.compile(r"^Confirmé"),
        "cancelled": re.compile(r"^Annulé"),
        "new_school": "Ou le nom de votre école",
        "edu": "Technique de transition",
    },
    "nl": {
        "choose": "Toon de datums die passen",
        "book": "Boeken",
        "cancel": "De boeking annuleren",
        "booked": "Geboekt",
        "waiting": "wachtlijst",
        "confirmed": re.compile(r"^Bevestigd"),
        "cancelled": re.compile(r"^Geannuleerd"),
        "new_school": "Of de naam van uw school",
        "edu": "Technisch (doorstroom)",
    },
}


def fill_and_book(page: Any, words: dict[str, Any], school: str, name: str, address: str, pupils: int) -> None:
    page.get_by_label(words["new_school"]).fill(school)
    page.locator("#school").select_option("new")
    page.locator("#teacher_name").fill(name)
    page.locator("#teacher_email").fill(address)
    page.locator("#education_type").select_option(label=words["edu"])
    page.locator("#pupils").fill(str(pupils))
    page.locator("#adults").fill("2")
    page.wait_for_timeout(1100)  # the time a person takes to read the form: quicker is a bot's
    with page.expect_navigation():
        page.get_by_role("button", name=words["book"], exact=True).click()


@pytest.mark.parametrize(("lang", "phone"), [("fr", False), ("nl", True)], ids=["french-desktop", "dutch-phone"])
def test_book_the_last_places_receive_the_invitation_cancel_and_promote(
    schools_site: dict[str, Any], chromium: Any, axe: Any, tmp_path: Path, lang: str, phone: bool
) -> None:
    from tremplin.plugins.schools import booking as bk
    from tremplin.plugins.schools.models import SchoolBooking, SchoolSlot

    app, server, inbox = schools_site["app"], schools_site["server"], schools_site["inbox"]
    words = WORDS[lang]
    width = 360 if phone else 1280
    day = date.today() + timedelta(days=9 if lang == "fr" else 16)
    with app.transaction() as session:  # two classes; one is booked already: the journey takes the last place
        s = bk.open_slot(
            app,
            session,
            schools_site["centre_id"],
            bk.SlotSpec(
                schools_site["workshop_id"],
                day,
                clock(9, 30),
                room="Salle Explorama",
                capacity_classes=2,
                capacity_pupils=50,
                languages=("fr", "nl"),
            ),
        )
        slot_id = s.id
        bk.book(
            app,
            session,
            bk.BookingRequest(
                slot_id,
                None,
                "Institut Sainte-Marie",
                "M. Paul Lenoir",
                "p.lenoir@ism.example",
                "3",
                "general",
                22,
                1,
                lang,
            ),
        )

    def new_page() -> Any:
        context = chromium.new_context(base_url=server.url, locale=f"{lang}-BE", **(PHONE if phone else DESKTOP))
        context.set_default_timeout(15_000)
        context.route(lambda url: not url.startswith(server.url), lambda route: route.abort())
        page = context.new_page()
        page.console = Console()  # type: ignore[attr-defined]
        page.console.attach(page)  # type: ignore[attr-defined]
        return page

    teacher = new_page()
    teacher.goto("/book")
    shot(teacher, f"{lang}-{width}-1-workshops", tmp_path)
    axe(teacher, "workshops")
    with teacher.expect_navigation():
        teacher.get_by_role("link", name=re.compile("Explorama")).first.click()
    teacher.locator("#year").select_option("3")
    teacher.locator("#pupils").fill("24")
    month = day.isoformat()[:7]
    with teacher.expect_navigation():
        teacher.get_by_role("button", name=words["choose"]).click()
    if f"month={month}" not in teacher.url and teacher.locator(f"#slot-{slot_id}").count() == 0:
        with teacher.expect_navigation():
            teacher.locator("#next-month").click()
    no_sideways_scroll(teacher)
    shot(teacher, f"{lang}-{width}-2-calendar", tmp_path)
    axe(teacher, "calendar")
    with teacher.expect_navigation():
        teacher.locator(f"#slot-{slot_id}").click()
    no_sideways_scroll(teacher)
    shot(teacher, f"{lang}-{width}-3-form", tmp_path)
    axe(teacher, "form")
    mine = f"anna.{lang}@school.example"
    fill_and_book(teacher, words, "Athénée Royal d'Ixelles", "Mme Anna Peeters", mine, 24)
    assert words["booked"] in visible_text(teacher)
    shot(teacher, f"{lang}-{width}-4-booked", tmp_path)
    axe(teacher, "booked")

    # A second class wants the same slot: it is full now, so the class waits.
    other = new_page()
    other.goto(f"/book/s/{slot_id}?year=3&pupils=20")
    theirs = f"tom.{lang}@school.example"
    fill_and_book(other, words, "Lycée Émile Max", "M. Tom Janssens", theirs, 20)
    assert words["waiting"] in visible_text(other).lower()
    waiting_page = other.url
    shot(other, f"{lang}-{width}-5-waiting", tmp_path)
    with app.session() as session:
        s = session.get(SchoolSlot, slot_id)
        assert (s.booked_classes, s.booked_pupils) == (2, 46), "never more than the slot holds"

    # The confirmation arrives, in the teacher's language, with its invitation.
    confirmation = inbox.wait_for(mine, words["confirmed"])
    (invite,) = [p for p in confirmation.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(
        invite.get_content() if isinstance(invite.get_content(), (bytes, str)) else invite.get_payload(decode=True)
    )
    (event,) = calendar.walk("VEVENT")
    assert calendar["method"] == "REQUEST" and int(event["sequence"]) == 0
    with app.session() as session:
        starts = session.get(SchoolSlot, slot_id).starts_at
    assert event.decoded("dtstart") == starts
    text = confirmation.get_body(("plain",)).get_content()
    link = re.search(r"(http://127\.0\.0\.1:\d+/book/cancel\?t=\S+)", text)
    assert link, text

    # A tampered link is refused; the real one cancels.
    teacher.goto(link.group(1)[:-3] + "abc")
    assert teacher.locator("#outcome").count() == 1 and teacher.locator("#cancel-submit").count() == 0
    teacher.goto(link.group(1))
    shot(teacher, f"{lang}-{width}-6-cancel", tmp_path)
    axe(teacher, "cancel")
    with teacher.expect_navigation():
        teacher.get_by_role("button", name=words["cancel"]).click()
    shot(teacher, f"{lang}-{width}-7-cancelled", tmp_path)
    cancellation = inbox.wait_for(mine, words["cancelled"])
    (cancel_invite,) = [p for p in cancellation.iter_attachments() if p.get_content_type() == "text/calendar"]
    cancelled_cal = Calendar.from_ical(cancel_invite.get_payload(decode=True))
    (cancelled_event,) = cancelled_cal.walk("VEVENT")
    assert (
        cancelled_cal["method"] == "CANCEL"
        and int(cancelled_event["sequence"]) == 1
        and str(cancelled_event["uid"]) == str(event["uid"])
    )

    # The class on the waiting list is promoted, told by e-mail, and its page says it is booked.
    promoted = inbox.wait_for(theirs, words["confirmed"])
    assert words["waiting"] in promoted.get_body(("plain",)).get_content().lower()
    other.goto(waiting_page)
    assert words["booked"] in visible_text(other)
    with app.session() as session:
        statuses = sorted(b.status for b in session.query(SchoolBooking).filter(SchoolBooking.slot_id == slot_id))
    assert statuses == ["cancelled", "confirmed", "confirmed"]

    # The coordinator sees the slot's capacity and the bookings, at the same width.
    coordinator = new_page()
    login(coordinator, "schools_coordinator")
    coordinator.goto(f"/schools?day={day.isoformat()}")
    assert "Lycée Émile Max" in visible_text(coordinator)
    no_sideways_scroll(coordinator)
    shot(coordinator, f"{lang}-{width}-8-coordinator", tmp_path)
    axe(coordinator, "coordinator calendar")
    with coordinator.expect_navigation():
        coordinator.get_by_role("link", name="Lycée Émile Max (20)").click()
    no_sideways_scroll(coordinator)
    shot(coordinator, f"{lang}-{width}-9-booking", tmp_path)
    axe(coordinator, "booking")
    coordinator.goto("/schools/offer")
    shot(coordinator, f"{lang}-{width}-10-offer", tmp_path)
    no_sideways_scroll(coordinator)
    axe(coordinator, "offer")
    for page in (teacher, other, coordinator):
        assert not page.console.server_errors, page.console.server_errors  # type: ignore[attr-defined]
        page.context.close()

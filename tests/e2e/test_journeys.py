"""Journeys through the web app in a real browser, as the people who use it would take them.

Each journey finds its way by what a person sees (labels, button and link names), then checks the
database behind the page. The interface speaks French by default (the accounts are French-speaking),
so names are matched in French, with English as a fallback where the word is shared.
"""

from __future__ import annotations

import re
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tremplin.core.anonymity import ALPHABET, format_token, normalise_token
from tremplin.core.models import Case, CaseStageEvent, Contact, Referral

from .conftest import login, logout, visible_text

pytestmark = pytest.mark.slow

TOKEN_RE = re.compile(r"\b[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}\b")
CYRILLIC = re.compile(r"[\u0400-\u04FF]{3,}")


def go_to(page: Any, name: re.Pattern[str], fallback: str) -> None:
    """Follow a link named ``name`` from the page (as a person would); else open ``fallback``."""
    link = page.get_by_role("link", name=name)
    if link.count():
        with page.expect_navigation():
            link.first.click()
    else:
        page.goto(fallback)
    assert page.url != "about:blank"


def submit(page: Any, name: re.Pattern[str]) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).first.click()


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"the page is {width} px wide on a {viewport} px screen: it scrolls sideways"


# ------------------------------------------------------------------------------------------------


def test_log_in_and_see_the_dashboard(new_page: Any, axe: Any, tmp_path: Path) -> None:
    page = new_page()
    page.goto("/")
    assert "/login" in page.url, "a visitor without a session is sent to the login page"
    axe(page, "login")

    # A wrong password is refused, says so, and keeps the username typed.
    page.locator("input[name=username]").fill("programme_lead")
    page.locator("input[name=password]").fill("not-the-password")
    page.locator("input[name=password]").press("Enter")
    page.wait_for_load_state()
    assert "/login" in page.url
    assert page.locator("input[name=username]").input_value() == "programme_lead"
    assert page.get_by_role("alert").count() or re.search(
        r"incorrect|invalide|wrong|erron", visible_text(page), re.I
    ), "a refused login says so"

    login(page, "programme_lead")
    go_to(page, re.compile(r"tableau de bord|dashboard", re.I), "/dashboard")
    text = visible_text(page)
    assert re.search(r"\d", text), "the dashboard shows figures"
    assert page.locator("svg").count() >= 1, "the dashboard draws its charts as SVG"
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    print(f"dashboard screenshot: {tmp_path / 'dashboard.png'}")
    axe(page, "dashboard")


def test_quick_log_a_formtruck_contact_on_a_phone(
    new_page: Any, axe: Any, db: Any, live_server: Any, tmp_path: Path
) -> None:
    with db() as session:
        before = session.scalar(
            select(func.count(Contact.id)).where(
                Contact.audience == "formtruck", Contact.staff_id == live_server.seeded["staff"]["formtruck_adviser"]
            )
        )

    page = new_page(phone=True)
    login(page, "formtruck_adviser")
    go_to(page, re.compile(r"formtruck", re.I), "/log/formtruck.contact")
    no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / "quick-log-phone-first-screen.png"))

    # The form remembers the stop and the commune; the adviser sets them once.
    site = page.get_by_label(re.compile(r"^(site|lieu d'accueil|arrêt)", re.I))
    if site.count() and site.first.evaluate("e => e.tagName") == "SELECT":
        site.first.select_option("truck-flagey") if site.first.locator("option[value='truck-flagey']").count() else None
    commune = page.get_by_label(re.compile(r"^commune", re.I)).first
    commune.select_option("ixelles")

    # One tap on the "Travailler" (work) tally: its figure goes up by one.
    tally = page.get_by_role("button", name=re.compile(r"travailler", re.I)).first
    tally.scroll_into_view_if_needed()
    box = tally.bounding_box()
    assert box and box["height"] >= 44 and box["width"] >= 44, (
        f"a tally is a large touch target (44 px at least): {box}"
    )
    figure_before = _tally_figure(page, tally)
    tally.tap()
    # The panel is redrawn in place (HTMX) or the page reloads: either way, read the figure again.
    deadline = time.monotonic() + 10
    while (figure := _tally_figure(page, tally)) != figure_before + 1 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert figure == figure_before + 1, f"the tally shows one more after a tap: {figure_before} then {figure}"
    page.screenshot(path=str(tmp_path / "quick-log-phone.png"), full_page=True)
    print(f"quick-log screenshots: {tmp_path / 'quick-log-phone-first-screen.png'}, {tmp_path / 'quick-log-phone.png'}")
    no_sideways_scroll(page)
    axe(page, "Formtruck quick log (phone)")

    with db() as session:
        contacts = session.scalars(
            select(Contact).where(
                Contact.audience == "formtruck", Contact.staff_id == live_server.seeded["staff"]["formtruck_adviser"]
            )
        ).all()
        assert len(contacts) == before + 1
        contact = contacts[-1]
        assert contact.themes == ["work"]
        assert contact.attributes.get("commune") == "ixelles"
        assert contact.channel == "field" and contact.modality == "individual_advice"
        assert contact.day == date.today()
        assert contact.site_id == live_server.seeded["sites"]["truck-flagey"]

    # A person can read the figure, too: every tally's label and figure lie inside its button, uncovered.
    problems = [p for b in tally.locator("xpath=..").get_by_role("button").all() if (p := _drawn_outside(b))]
    assert not problems, "on a 360 px phone, tally buttons do not show their figure:\n" + "\n".join(problems)


def _drawn_outside(button: Any) -> str:
    """Why a button's content cannot be read on screen (spills out, or hidden under something), or ``""``."""
    button.scroll_into_view_if_needed()
    return button.evaluate(
        """b => {
            const box = b.getBoundingClientRect(), out = [];
            const name = b.innerText.replace(/\\s+/g, ' ').trim();
            if (b.scrollWidth > b.clientWidth + 1)
                out.push(`its content is ${b.scrollWidth - b.clientWidth} px wider than the button`);
            for (const child of b.querySelectorAll('*')) {
                const r = child.getBoundingClientRect();
                if (!r.width || !r.height) continue;
                const what = `"${child.innerText.trim()}" (${child.className || child.tagName})`;
                const outside = r.left < box.left - 1 || r.right > box.right + 1
                    || r.top < box.top - 1 || r.bottom > box.bottom + 1;
                if (outside)
                    out.push(`${what} spills out of the button (button ${Math.round(box.left)}..`
                        + `${Math.round(box.right)} px, it ${Math.round(r.left)}..${Math.round(r.right)} px)`);
                const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                if (top && !b.contains(top)) {
                    const text = (top.innerText || '').replace(/\\s+/g, ' ').trim().slice(0, 30);
                    out.push(`${what} is covered by ${top.id ? '#' + top.id : top.tagName} "${text}"`);
                }
            }
            return out.length ? `${name}: ${out.join('; ')}` : '';
        }"""
    )


def _tally_figure(page: Any, tally: Any) -> int:
    """The figure a tally shows: the number in the button, else in the element it describes itself by."""
    numbers = re.findall(r"\d+", tally.inner_text())
    if numbers:
        return int(numbers[-1])
    described = tally.get_attribute("aria-describedby")
    if described:
        return int(re.findall(r"\d+", page.locator(f"#{described}").inner_text())[-1])
    raise AssertionError(f"the tally shows no figure: {tally.inner_text()!r}")


def test_issue_a_referral_and_confirm_it_on_the_public_page(new_page: Any, axe: Any, db: Any, live_server: Any) -> None:
    page = new_page()
    login(page, "counsellor")
    go_to(page, re.compile(r"orientations?|referrals?", re.I), "/referrals")
    go_to(page, re.compile(r"nouvelle orientation|émettre|new referral|issue", re.I), "/referrals/new")
    partner = page.get_by_label(re.compile(r"partenaire|partner", re.I))
    if partner.count():
        partner.first.select_option(label="Actiris")
    theme = page.get_by_label(re.compile(r"^thème|^theme", re.I))
    if theme.count():
        theme.first.select_option("work")
    submit(page, re.compile(r"émettre|créer|enregistrer|issue|create|save", re.I))

    shown = TOKEN_RE.search(visible_text(page))
    assert shown, f"the referral page shows the token large: {visible_text(page)[:400]}"
    token = shown.group(0)
    axe(page, "referral")
    with db() as session:
        referral = session.scalar(select(Referral).where(Referral.token == normalise_token(token)))
        assert referral is not None and referral.status == "issued"
        assert referral.staff_id == live_server.seeded["staff"]["counsellor"]
    logout(page)

    # A partner with no account opens the public page and types the token.
    page.goto("/r")
    axe(page, "public token page")
    field = page.get_by_label(re.compile(r"code|token|jeton", re.I)).first
    field.fill(_one_character_changed(token))
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        submit(page, re.compile(r"confirmer|valider|vérifier|confirm|check", re.I))
    assert 400 <= answer.value.status < 500, f"a mistyped token is answered {answer.value.status}"
    alert = page.get_by_role("alert")
    assert alert.count() and re.search(r"incorrect|mal tapé", alert.first.inner_text(), re.I), (
        f"a mistyped token is refused, and the page says why: {visible_text(page)[:400]}"
    )
    refused = visible_text(page)
    for secret in ("Actiris", "Counsellor", token, normalise_token(token)):
        assert secret not in refused, f"a refused token reveals nothing, but the page shows {secret!r}"
    with db() as session:
        assert session.scalar(select(Referral.status).where(Referral.token == normalise_token(token))) == "issued"

    field = page.get_by_label(re.compile(r"code|token|jeton", re.I)).first
    field.fill(token)
    submit(page, re.compile(r"confirmer|valider|vérifier|confirm|check", re.I))
    status = page.get_by_role("status").filter(
        has_text=re.compile(r"arrivée de la personne est confirmée|arrival is confirmed", re.I)
    )
    assert status.count() == 1, f"the right token is confirmed: {visible_text(page)[:400]}"
    assert not page.get_by_role("alert").count()
    confirmed = visible_text(page)
    for secret in ("Actiris", "Counsellor"):
        assert secret not in confirmed, f"the public page reveals nothing about the referral, but shows {secret!r}"
    axe(page, "public token page, confirmed")
    with db() as session:
        referral = session.scalar(select(Referral).where(Referral.token == normalise_token(token)))
        assert referral.status == "received" and referral.received_at is not None


def _one_character_changed(token: str) -> str:
    """The token with its fourth character replaced by the next one in the alphabet (a typing slip)."""
    raw = normalise_token(token)
    i = 3
    slipped = raw[:i] + ALPHABET[(ALPHABET.index(raw[i]) + 1) % len(ALPHABET)] + raw[i + 1 :]
    return format_token(slipped)


def test_neet_worker_opens_a_case_and_moves_it(new_page: Any, axe: Any, db: Any, live_server: Any) -> None:
    page = new_page()
    login(page, "neet_worker")
    go_to(page, re.compile(r"^(dossiers|cas|suivis|cases)$", re.I), "/cases")
    go_to(page, re.compile(r"nouveau|ouvrir|open|new", re.I), "/cases/new?audience=neet")
    consent = page.get_by_label(re.compile(r"consentement|consent", re.I)).first
    if consent.get_attribute("type") == "date":
        consent.fill(date.today().isoformat())
    else:
        consent.check()
    submit(page, re.compile(r"ouvrir|créer|enregistrer|open|create|save", re.I))

    code = re.search(r"\bNEET-[0-9A-Z]{7}\b", visible_text(page))
    assert code, f"the case page shows its code: {visible_text(page)[:400]}"
    code = code.group(0)
    with db() as session:
        case = session.scalar(select(Case).where(Case.code == code))
        assert case is not None and case.stage == "identified" and case.consent_on is not None

    # Move it one stage: identified -> engaged ("Accroché").
    stage = page.get_by_label(re.compile(r"étape|stage", re.I))
    if stage.count():
        stage.first.select_option("engaged")
        submit(page, re.compile(r"déplacer|passer|enregistrer|move|save", re.I))
    else:
        submit(page, re.compile(r"accroché", re.I))
    history = page.get_by_role("region", name=re.compile(r"historique|history", re.I))
    rows = [" | ".join(row.get_by_role("cell").all_inner_texts()) for row in history.get_by_role("row").all()[1:]]
    assert len(rows) == 2, f"the history has the opening and the move: {rows}"
    assert re.search(r"identifié.*\|.*accroché.*\|.*neet worker", rows[-1], re.I), (
        f"the history shows the move, and who made it: {rows[-1]}"
    )
    axe(page, "case")

    with db() as session:
        case = session.scalar(select(Case).where(Case.code == code))
        assert case.stage == "engaged"
        events = session.scalars(
            select(CaseStageEvent).where(CaseStageEvent.case_id == case.id).order_by(CaseStageEvent.id)
        ).all()
        assert [(e.from_stage, e.to_stage) for e in events] == [(None, "identified"), ("identified", "engaged")]
        assert events[-1].staff_id == live_server.seeded["staff"]["neet_worker"]


def test_switch_the_interface_to_ukrainian(new_page: Any, axe: Any, db: Any) -> None:
    page = new_page()
    login(page, "reception")
    assert page.locator("html").get_attribute("lang") == "fr"
    switch = page.get_by_label(re.compile(r"langue|language", re.I))
    if switch.count() and switch.first.evaluate("e => e.tagName") == "SELECT":
        with page.expect_navigation():
            switch.first.select_option("uk")
            if page.get_by_role("button", name=re.compile(r"ok|changer|change", re.I)).count():
                page.get_by_role("button", name=re.compile(r"ok|changer|change", re.I)).first.click()
    else:
        control = (
            page.get_by_role("link", name=re.compile(r"українська|укр|^uk$", re.I))
            .or_(page.get_by_role("button", name=re.compile(r"українська|укр|^uk$", re.I)))
            .first
        )
        with page.expect_navigation():
            control.click()
    assert page.locator("html").get_attribute("lang") == "uk"
    text = visible_text(page)
    assert CYRILLIC.search(text), f"the page speaks Ukrainian: {text[:300]}"
    assert re.search(r"Вийти", text), "the log-out control is in Ukrainian"
    axe(page, "a page in Ukrainian")

    # The choice sticks: the next page is Ukrainian too.
    page.reload()
    assert page.locator("html").get_attribute("lang") == "uk"


def test_the_formtruck_adviser_reads_the_year_by_stop_on_a_phone(
    new_page: Any, axe: Any, db: Any, live_server: Any
) -> None:
    """The Formtruck's own page, from its plugin folder: reached from the menu, styled by its own stylesheet."""
    from tremplin.core import rollup

    page = new_page(phone=True)
    login(page, "formtruck_adviser")
    go_to(page, re.compile(r"^(arrêts|stops)$", re.I), "/formtruck")
    assert page.url.endswith("/formtruck"), page.url
    assert page.get_by_role("heading", name=re.compile(r"par arrêt|by stop", re.I)).count() == 1
    shown = {
        row.get_attribute("data-code"): int(row.locator("td").get_attribute("data-value") or 0)
        for row in page.locator("#formtruck-by-stop tbody tr").all()
    }
    today = date.today()
    with db() as session:
        total = rollup.totals(session, ["formtruck.users"], today.replace(month=1, day=1), today)["formtruck.users"]
    assert total and sum(shown.values()) == total and shown.get("truck-flagey"), shown
    button = page.locator("#formtruck-log")
    assert button.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(230, 126, 34)", "its stylesheet applies"
    no_sideways_scroll(page)
    axe(page, "Formtruck stops (phone)")
    logout(page)

    login(page, "schools_coordinator")
    assert page.get_by_role("link", name=re.compile(r"^(arrêts|stops)$", re.I)).count() == 0
    answer = page.goto("/formtruck")
    assert answer is not None and answer.status == 403

"""Every page's header on a 360 px phone: one line of at most 64 px, the menu behind one button.

For each role, every page its main menu offers (and its account page), in Chromium at 360 × 740: the
header is at most 64 px tall, nothing scrolls sideways, the menu button opens the menu, whose links and
logout button are then visible and large enough to tap. At 1280 px the menu is laid out in the header as
before, with no button. axe checks a page of each role with its menu open. Screenshots at both widths are
kept in ``TREMPLIN_SCREENSHOTS`` (default ``/tmp/tremplin-field-screenshots``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LOGOUT_NAMES, ROLES, login

SHOTS = Path(os.environ.get("TREMPLIN_SCREENSHOTS", "/tmp/tremplin-field-screenshots"))


def nav_links(page: Any) -> list[str]:
    return page.eval_on_selector_all("header.top nav.main a", "els => els.map((a) => a.getAttribute('href'))")


def header_height(page: Any) -> float:
    box = page.locator("header.top").bounding_box()
    assert box, "no header"
    return float(box["height"])


def no_sideways_scroll(page: Any, what: str) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{what}: {width} px wide, it scrolls sideways"


@pytest.mark.parametrize("role", ROLES)
def test_every_page_has_a_compact_header_on_a_phone(new_page: Any, axe: Any, role: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    laptop = new_page()
    login(laptop, role)
    pages = [*nav_links(laptop), "/account"]
    assert len(pages) >= 2, pages
    # At 1280 px the menu sits in the header, with no button, on one line as before.
    assert laptop.locator("header.top details.menu > summary").is_hidden()
    assert all(laptop.locator(f"header.top nav.main a[href='{href}']").is_visible() for href in pages[:-1])
    assert laptop.get_by_role("button", name=LOGOUT_NAMES).is_visible()
    laptop.screenshot(path=str(SHOTS / f"header-{role}-1280.png"))

    phone = new_page(phone=True)
    login(phone, role)
    for index, path in enumerate(pages):
        phone.goto(path)
        what = f"{role} on {path}"
        assert header_height(phone) <= 64, f"{what}: the header is {header_height(phone)} px tall"
        no_sideways_scroll(phone, what)
        menu = phone.locator("header.top details.menu > summary")
        assert menu.is_visible(), f"{what}: no menu button"
        box = menu.bounding_box()
        assert box and box["height"] >= 44 and box["width"] >= 44, f"{what}: the menu button is small: {box}"
        assert phone.locator("header.top nav.main a").first.is_hidden(), f"{what}: the menu shows without a tap"
        if index == 0:
            phone.screenshot(path=str(SHOTS / f"header-{role}-360.png"))
            menu.tap()
            for href in pages[:-1]:
                link = phone.locator(f"header.top nav.main a[href='{href}']")
                assert link.is_visible(), f"{what}: {href} is not in the open menu"
                assert (link.bounding_box() or {}).get("height", 0) >= 44
            assert phone.get_by_role("button", name=LOGOUT_NAMES).is_visible()
            no_sideways_scroll(phone, f"{what}, menu open")
            phone.screenshot(path=str(SHOTS / f"header-{role}-360-menu.png"))
            axe(phone, f"{what} (phone, menu open)")
            # The open menu's links lead somewhere.
            with phone.expect_navigation():
                phone.locator(f"header.top nav.main a[href='{pages[-2]}']").tap()
            assert header_height(phone) <= 64
    axe(laptop, f"{role} (laptop)")


def test_the_login_page_header_on_a_phone(new_page: Any, axe: Any) -> None:
    page = new_page(phone=True)
    page.goto("/login")
    assert header_height(page) <= 64
    no_sideways_scroll(page, "login")
    page.screenshot(path=str(SHOTS / "header-login-360.png"))
    page.locator("header.top details.menu > summary").tap()
    assert page.locator("#lang-nl").is_visible()
    with page.expect_navigation():
        page.locator("#lang-nl").tap()
    assert page.locator("html").get_attribute("lang") == "nl"
    axe(page, "login (phone)")

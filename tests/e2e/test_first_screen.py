"""The first screens of a programme lead, in a real browser, on a phone (360 px) and a laptop (1280 × 800).

Nothing overflows sideways, no visible text is smaller than 11 px (chart text included, measured as
drawn: its font size times the SVG's scale), and on a laptop the dashboard's key figures, chart and
audiences fit the screen. Screenshots are kept in the test's temporary folder.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from .conftest import login

pytestmark = pytest.mark.slow

LAPTOP = {"width": 1280, "height": 800}

#: The smallest text drawn on the page: (size in px, the element's tag, its text), visible elements only.
SMALLEST_TEXT = """() => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.closest('.visually-hidden, title, desc, script, style')) continue;
    if (!el.getClientRects().length) continue;  // not rendered (closed <details>, display: none)
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    let size = parseFloat(style.fontSize);
    if (el instanceof SVGElement) {
      const ctm = el.getScreenCTM();
      if (ctm) size = size * Math.hypot(ctm.a, ctm.b);
    }
    out.push([Math.round(size * 10) / 10, el.tagName, el.textContent.trim().slice(0, 40)]);
  }
  out.sort((a, b) => a[0] - b[0]);
  return out.slice(0, 5);
}"""


def check_layout(page: Any, what: str) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"{what}: the page is {width} px wide on a {viewport} px screen: it scrolls sideways"
    smallest = page.evaluate(SMALLEST_TEXT)
    assert smallest, f"{what}: no text found"
    assert smallest[0][0] >= 11, f"{what}: text smaller than 11 px: {smallest}"


def open_as_lead(new_page: Any, phone: bool) -> Any:
    page = new_page(phone=phone)
    if not phone:
        page.set_viewport_size(LAPTOP)
    login(page, "programme_lead")
    return page


@pytest.mark.parametrize("phone", [True, False], ids=["360px", "1280px"])
def test_the_dashboard_fits_and_stays_legible(new_page: Any, axe: Any, tmp_path: Path, phone: bool) -> None:
    page = open_as_lead(new_page, phone)
    page.goto("/dashboard")
    shot = tmp_path / f"dashboard-{'360' if phone else '1280'}.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    check_layout(page, "dashboard")
    # Key figures, then the chart, then the audiences, each folded.
    figures = page.locator("#figures-centre")
    chart = page.locator("#chart-title")
    audiences = page.locator("details.audience")
    assert figures.count() == 1 and chart.count() == 1 and audiences.count() >= 3
    assert all(not audiences.nth(i).evaluate("d => d.open") for i in range(audiences.count()))
    assert figures.bounding_box()["y"] < page.locator("details.audience").first.bounding_box()["y"]
    if not phone:
        bottom = max(
            audiences.nth(i).bounding_box()["y"] + audiences.nth(i).bounding_box()["height"]
            for i in range(audiences.count())
        )
        assert bottom <= LAPTOP["height"], f"the audiences end at {bottom:.0f} px: below a laptop's screen"
        assert chart.bounding_box()["y"] < LAPTOP["height"] / 2
    # An audience opens to its compact table: this period, year to date, last year.
    audiences.first.locator("summary").click()
    assert audiences.first.locator("table td[data-period=month]").count() >= 1
    check_layout(page, "dashboard with an audience open")
    axe(page, "dashboard")


@pytest.mark.parametrize("phone", [True, False], ids=["360px", "1280px"])
def test_the_annual_report_page_does_not_scroll_sideways(new_page: Any, tmp_path: Path, phone: bool) -> None:
    page = open_as_lead(new_page, phone)
    page.goto(f"/reports/view?kind=annual&year={date.today().year - 1}")
    assert page.locator("article.report").count() == 1
    check_layout(page, "annual report")
    shot = tmp_path / f"report-{'360' if phone else '1280'}.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")

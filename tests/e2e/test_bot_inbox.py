"""A counsellor's answer makes the round trip: a question asked in Telegram, answered in the browser.

The real bot runs against the test Bot API server (``tests.bot_api``) on the served app's database;
the counsellor uses the inbox in Chromium: the menu's badge, the list, the thread, the answer, the close.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.bot_api import FakeBotAPI
from tests.bot_kit import Person, RunningBot
from tests.e2e.conftest import LiveServer, login, visible_text


@pytest.fixture
def fake_api() -> Iterator[FakeBotAPI]:
    server = FakeBotAPI().start()
    yield server
    server.stop()


def test_a_question_from_telegram_is_answered_in_the_browser(
    live_server: LiveServer, new_page: Callable[..., Any], fake_api: FakeBotAPI, axe: Any
) -> None:
    person = Person(fake_api, 990077, "en")
    with RunningBot(live_server.app, fake_api):
        person.say1("/start")
        person.say1("Diploma recognition")
        person.say("Which office?", replies=2)
        person.say1("Write to a counsellor here")
        assert person.say1("Is my nursing diploma recognised in Brussels?")["text"].startswith(
            "Your question is with our counsellors"
        )

        page = new_page(locale="en-GB")
        login(page, "counsellor")
        badge = page.locator("#badge-inbox")
        assert int(badge.inner_text()) >= 1
        page.locator("#nav-inbox").click()
        page.wait_for_url(re.compile(r"/inbox$"))
        axe(page, "inbox")
        page.get_by_role("link", name=re.compile("Learn|Se former|Leren")).first.click()
        page.wait_for_url(re.compile(r"/inbox/\d+$"))
        assert "nursing diploma" in visible_text(page)
        axe(page, "inbox thread")
        page.locator("#answer-text").fill("Yes: the French Community's equivalence service. Bring your diploma.")
        with page.expect_navigation():
            page.locator("#send-answer").click()
        [answer] = person.next_messages(1, timeout=30)
        assert answer["text"] == "💬 Counsellor:\nYes: the French Community's equivalence service. Bring your diploma."

        # The person answers back; the counsellor sees it after reloading, then closes with a referral code.
        assert person.say1("Thank you! Where is it?")["text"].startswith("Passed on to a counsellor")
        page.reload()
        assert "Where is it" in visible_text(page)
        page.locator("#outcome-referred").check()
        with page.expect_navigation():
            page.locator("#close-thread").click()
        assert re.search(r"[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}", visible_text(page))
        closing, question = person.next_messages(2, timeout=30)
        assert closing["text"].startswith("Your code:")
        # The thread over, the bot asks its one optional question, in the person's language.
        assert question["text"] == "How satisfied are you with this conversation? (optional)"

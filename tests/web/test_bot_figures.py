"""The bot's figures where the centre reads them: the dashboard and the Ukrainian and NEET audience reports.

What the bot counts is written the way the bot writes it (a conversation's contact, the code issued at
its end, a satisfaction answer through the survey's one way in) and read back from the pages and the
reports: referral codes issued in the chat, satisfaction answers and the satisfied among them.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from tests.web.conftest import Web
from tremplin.core import rollup
from tremplin.core.bot.satisfaction import record_answer
from tremplin.core.records import add_contact_attributes, log_contact
from tremplin.core.reports.build import audience_report
from tremplin.core.validation import RecordError
from tremplin.plugins.neet.bot import record_changes

FIGURE = re.compile(r'data-counter="([^"]+)" data-period="year" data-value="(\d+)"')


def conversation(web: Web, language: str, code: bool) -> None:
    app = web.app
    with app.transaction() as session:
        contact = log_contact(
            app,
            session,
            {
                "centre": "bxl",
                "occurred_at": datetime.now(UTC),
                "audience": "ukrainian",
                "modality": "remote_advice",
                "channel": "telegram",
                "themes": ["learn"],
                "language": "uk",
            },
            {"service_language": language, "questions": ["language_courses"]},
        )
        if code:
            add_contact_attributes(app, session, contact.id, {"referral": "desk"})


def figures_of(report: object) -> dict[str, int]:
    found: dict[str, int] = {}
    for section in getattr(report, "sections", []):
        for figure in getattr(section, "figures", []) or []:
            found[figure.key] = int(figure.value.value if hasattr(figure.value, "value") else figure.value)
    return found


def test_referral_codes_and_satisfaction_answers_in_the_dashboard_and_the_audience_reports(web: Web) -> None:
    app = web.app
    for language, code in (("uk", True), ("fr", True), ("en", False)):
        conversation(web, language, code)
    for language, answer in (("uk", "very_satisfied"), ("fr", "dissatisfied")):
        record_answer(app, "ukrainian", "learn", answer, language)
    record_answer(app, "neet", None, "satisfied", "nl")
    # The weekly challenge: three subscriptions, one unsubscribed in the bot, one ended by the weekly send.
    for language in ("fr", "nl", "en"):
        record_changes(app, "subscribed", language)
    record_changes(app, "unsubscribed", "nl")
    record_changes(app, "ended", "", 1)

    # The referral attribute passes the rules like any other: an unknown value is refused.
    with app.transaction() as session, pytest.raises(RecordError):
        conversation_id = log_contact(
            app,
            session,
            {
                "centre": "bxl",
                "occurred_at": datetime.now(UTC),
                "audience": "ukrainian",
                "modality": "remote_advice",
                "channel": "telegram",
                "themes": ["learn"],
                "language": "uk",
            },
            {"service_language": "uk"},
        ).id
        add_contact_attributes(app, session, conversation_id, {"referral": "somewhere"})

    page = web.client("admin").get("/dashboard")
    assert page.status_code == 200
    shown = {key: int(value) for key, value in FIGURE.findall(page.text)}
    assert shown["ukrainian.bot_referrals"] == 2
    assert (shown["ukrainian.bot_satisfaction"], shown["ukrainian.bot_satisfied"]) == (2, 1)
    assert (shown["neet.bot_satisfaction"], shown["neet.bot_satisfied"]) == (1, 1)
    # Conversations (four: the refused attribute left its contact), threads answered, challenge subscriptions.
    assert shown["ukrainian.telegram"] == 4 and shown["ukrainian.bot_threads"] == 0
    assert (shown["neet.challenge_subscribed"], shown["neet.challenge_ended"]) == (3, 2)
    # Labelled with what it counts, in the account's language, next to its figure.
    assert "Défi de la semaine" in page.text.split('data-counter="neet.challenge_subscribed"')[0][-400:]

    today = date.today()
    with app.session() as session:
        ukrainian = figures_of(audience_report(app, session, "ukrainian", today.replace(month=1, day=1), today))
        neet = figures_of(audience_report(app, session, "neet", today.replace(month=1, day=1), today))
    assert ukrainian["ukrainian.bot_referrals"] == 2
    assert (ukrainian["ukrainian.bot_satisfaction"], ukrainian["ukrainian.bot_satisfied"]) == (2, 1)
    assert (neet["neet.bot_satisfaction"], neet["neet.bot_satisfied"]) == (1, 1)
    assert (neet["neet.challenge_subscribed"], neet["neet.challenge_ended"]) == (3, 2)
    assert ukrainian["ukrainian.telegram"] == 4 and ukrainian["ukrainian.bot_threads"] == 0
    with app.session() as session:
        by_language = rollup.read(session, ["neet.challenge_subscribed"], today, today, None, dim="language")
    assert {k[1]: v for k, v in by_language.items()} == {"fr": 1, "nl": 1, "en": 1}

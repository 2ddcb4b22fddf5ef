"""The bot's figures where the centre reads them: the dashboard and the Ukrainian and NEET audience reports.

What the bot counts is written the way the bot writes it (a conversation's contact, the code issued at
its end, a satisfaction answer through the survey's one way in, a thread opened with a counsellor) and read
back from the pages and the reports: referral codes issued in the chat, satisfaction answers and the
satisfied among them, threads opened (whether answered yet or not).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from tests.web.conftest import Web
from tremplin.core import rollup
from tremplin.core.bot.models import BotThread, BotThreadMessage
from tremplin.core.bot.satisfaction import record_answer
from tremplin.core.bot.threads import answer as answer_thread
from tremplin.core.bot.threads import forget_chat, open_thread, purge_threads
from tremplin.core.models import Centre, Staff
from tremplin.core.records import add_contact_attributes, log_contact
from tremplin.core.reports.build import audience_report
from tremplin.core.validation import RecordError
from tremplin.plugins.neet.bot import record_changes


def today_plus(days: int) -> date:
    return date.fromordinal(date.today().toordinal() + days)


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


def ask_a_counsellor(web: Web, audience: str, theme: str, language: str, chat_id: int) -> int:
    """A thread opened the way the bot opens it; returns its id."""
    app = web.app
    with app.transaction() as session:
        centre_id = session.query(Centre.id).filter_by(code="bxl").scalar()
        return open_thread(
            app,
            session,
            centre_id=centre_id,
            audience=audience,
            theme=theme,
            language=language,
            chat_id=chat_id,
            text="Can someone help me?",
        ).id


def figures_of(report: object) -> dict[str, int]:
    found: dict[str, int] = {}
    for section in getattr(report, "sections", []):
        for figure in getattr(section, "figures", []) or []:
            found[figure.key] = int(figure.value.value if hasattr(figure.value, "value") else figure.value)
    return found


def test_referral_codes_satisfaction_answers_and_threads_opened_in_the_dashboard_and_the_audience_reports(
    web: Web,
) -> None:
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
    # Threads with a counsellor: three in Ukrainian (one answered, one forgotten at once), one for a NEET.
    answered = ask_a_counsellor(web, "ukrainian", "learn", "uk", 9001)
    ask_a_counsellor(web, "ukrainian", "work", "fr", 9002)
    ask_a_counsellor(web, "ukrainian", "learn", "uk", 9003)
    ask_a_counsellor(web, "neet", "work", "nl", 9004)
    with app.transaction() as session:
        counsellor = session.get(Staff, web.staff["admin"])
        answer_thread(app, session, session.get(BotThread, answered), counsellor, "Yes: come on Tuesday.")
        # Forgetting a chat or the retention flow un-counts nothing already counted.
        assert forget_chat(app, session, 9003) == 1
        purge_threads(app, session, today_plus(60))

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
    # Threads opened, answered or not: by audience, and all of them centre-wide.
    assert (shown["ukrainian.bot_threads_opened"], shown["neet.bot_threads_opened"]) == (3, 1)
    assert shown["bot.threads_opened"] == 4
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
    assert (ukrainian["ukrainian.bot_threads_opened"], neet["neet.bot_threads_opened"]) == (3, 1)
    assert ukrainian["ukrainian.telegram"] == 4 and ukrainian["ukrainian.bot_threads"] == 0
    with app.session() as session:
        by_language = rollup.read(session, ["neet.challenge_subscribed"], today, today, None, dim="language")
    assert {k[1]: v for k, v in by_language.items()} == {"fr": 1, "nl": 1, "en": 1}
    with app.session() as session:
        threads = {
            dim: {
                k[1]: v
                for k, v in rollup.read(
                    session, ["ukrainian.bot_threads_opened"], today_plus(-1), today_plus(1), None, dim=dim
                ).items()
            }
            for dim in ("language", "theme")
        }
    assert threads == {"language": {"uk": 2, "fr": 1}, "theme": {"learn": 2, "work": 1}}
    # Nothing of the forgotten chat remains but the bare thread the figure counts.
    with app.session() as session:
        forgotten = session.query(BotThread).filter(BotThread.outcome == "abandoned").all()
        assert forgotten and all(t.chat_key is None and t.sealed_chat is None for t in forgotten)
        assert (
            not session.query(BotThreadMessage).filter(BotThreadMessage.thread_id.in_([t.id for t in forgotten])).all()
        )

"""Touch'N'Go's weekly challenge in the bot: see it, subscribe, unsubscribe; the flow sends it once a week."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.bot_api import TOKEN, FakeBotAPI, database_dump
from tests.bot_kit import Person, RunningBot, labels
from tremplin.core import rollup
from tremplin.core.app import App
from tremplin.core.bot.models import BotSubscription, BotText
from tremplin.core.models import SurveyAnswer
from tremplin.plugins.neet.models import ChallengeChange

MONDAY = date(2026, 12, 7)


@pytest.fixture
def fake_api() -> Iterator[FakeBotAPI]:
    server = FakeBotAPI().start()
    yield server
    server.stop()


def test_subscribe_see_and_unsubscribe_with_buttons(app: App, centre: int, fake_api: FakeBotAPI) -> None:
    with app.transaction() as session:
        session.add(
            BotText(
                key="neet.challenge", language="fr", body="Passez une heure dans un atelier de la Cité des métiers."
            )
        )
    with RunningBot(app, fake_api):
        person = Person(fake_api, 661100, "fr")
        menu = person.say1("/challenge")
        assert labels(menu) == ["Le défi de la semaine", "Le recevoir chaque semaine"]
        seen, question = person.send("press", replies=2, data="neet:see", on=menu)
        assert seen["method"] == "editMessageText" and seen["text"].endswith(
            "Passez une heure dans un atelier de la Cité des métiers."
        )
        # The menu's first choice ends it: the one optional satisfaction question, in French.
        assert question["text"] == "Êtes-vous satisfait·e de cette conversation ? (facultatif)"
        assert labels(question)[0] == "Très satisfait·e" and labels(question)[-1] == "Passer"
        # Another button of the same menu: no second question.
        assert person.send("press", replies=1, data="neet:see", on=menu)[0]["method"] == "editMessageText"
        [thanks] = person.send(
            "press", data=question["reply_markup"]["inline_keyboard"][1][0]["callback_data"], on=question
        )
        assert thanks == {**thanks, "method": "editMessageText", "text": "Merci pour votre réponse !"}
        menu = person.say1("/challenge")
        done, _question = person.send("press", replies=2, data="neet:subscribe", on=menu)
        assert done["text"].startswith("C'est fait : vous recevrez le défi chaque semaine")
        menu = person.say1("/challenge")
        assert labels(menu)[1] == "Ne plus le recevoir"
        english = Person(fake_api, 661101, "en")
        english.send("press", replies=2, data="neet:subscribe", on=english.say1("/challenge"))
        with app.session() as session:
            assert session.scalar(select(BotSubscription.language).where(BotSubscription.language == "fr")) == "fr"
        assert "661100" not in database_dump(app)
        gone, _question = person.send("press", replies=2, data="neet:unsubscribe", on=menu)
        assert gone["text"] == "C'est fait : vous ne recevrez plus le défi."
    with app.session() as session:
        assert [s.language for s in session.scalars(select(BotSubscription))] == ["en"]
        answers = session.scalars(select(SurveyAnswer)).all()
    assert [(a.service, a.channel, a.language, a.satisfaction, a.theme, a.would_recommend) for a in answers] == [
        ("neet", "bot", "fr", "satisfied", None, None)
    ]
    # Counted: two subscriptions made (French, English), one ended, by language; nothing of the chats.
    today = datetime.now(ZoneInfo(app.settings.timezone)).date()
    with app.session() as session:
        made = rollup.read(session, ["neet.challenge_subscribed"], today, today, None, dim="language")
        ended = rollup.totals(session, ["neet.challenge_ended"], today, today, None)
    assert {k[1]: v for k, v in made.items()} == {"fr": 1, "en": 1}
    assert ended == {"neet.challenge_ended": 1}


def test_the_flow_sends_the_challenge_once_a_week_within_the_broadcast_limit(
    app: App, centre: int, fake_api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tremplin.core.bot.broadcast import subscribe
    from tremplin.plugins.neet.flows import challenge_broadcast

    chats = list(range(770000, 770050))
    for n, chat in enumerate(chats):
        subscribe(app, "neet.challenge", chat, ("uk", "fr", "nl", "en")[n % 4])
    fake_api.blocked.add(chats[3])  # blocked the bot: the subscription ends
    fake_api.fail("sendMessage", 429, retry_after=1)  # Telegram asks to wait once: the bot waits and goes on
    monkeypatch.setenv("TREMPLIN_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("TREMPLIN_TELEGRAM_BASE_URL", fake_api.base_url)
    # The flow opens its own app from the environment: it must hold the key the chats were sealed with, not
    # the one another test's `tremplin init` left in the key file.
    monkeypatch.setenv("TREMPLIN_SECRET_KEY", app.settings.secret_key)
    counts = challenge_broadcast.fn(database_url=app.db.url, day=MONDAY)
    assert counts == {"sent": 49, "ended": 1, "failed": 0}
    # The subscription the blocked bot ended is counted as ended, on the day of the send.
    with app.session() as session:
        assert session.scalars(select(ChallengeChange.change)).all() == ["ended"]
    sent = [m for m in fake_api.sent if m["method"] == "sendMessage"]
    assert sorted(m["chat_id"] for m in sent) == sorted(c for c in chats if c != chats[3])
    assert {m["text"].split("\n")[0] for m in sent} == {
        "🎯 Виклик тижня:",
        "🎯 Le défi de la semaine :",
        "🎯 De uitdaging van de week:",
        "🎯 This week's challenge:",
    }
    # Never more than 25 a second: 49 messages take at least ~1.9 s between the first and the last.
    times = sorted(m["at"] for m in sent)
    assert times[-1] - times[0] >= 48 / 25 - 0.05
    # Run again the same week: nobody gets it twice; the next week, everyone still subscribed does.
    assert challenge_broadcast.fn(database_url=app.db.url, day=MONDAY) == {"sent": 0, "ended": 0, "failed": 0}
    assert challenge_broadcast.fn(database_url=app.db.url, day=date(2026, 12, 14))["sent"] == 49

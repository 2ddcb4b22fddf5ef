"""Touch'N'Go in the bot: the weekly challenge (see it, subscribe, unsubscribe; the flow sends it once a week),
and a question to a Touch'N'Go worker, answered from the web inbox in the chat."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.bot_api import TOKEN, FakeBotAPI, database_dump
from tests.bot_kit import Person, RunningBot, labels
from tests.web.conftest import Web, csrf_of, post_form, web  # noqa: F401  (the web fixture)
from tremplin.core import rollup
from tremplin.core.app import App
from tremplin.core.bot.models import BotState, BotSubscription, BotText, BotThread
from tremplin.core.models import Contact, SurveyAnswer
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
        assert labels(menu) == [
            "Le défi de la semaine",
            "Le recevoir chaque semaine",
            "Écrire à un travailleur Touch'N'Go",
        ]
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


QUESTION = "Je ne sais pas quoi faire après l'école. Mon numéro : +32 470 12 34 56"


def threads(app: App) -> list[BotThread]:
    with app.session() as session:
        found = list(session.scalars(select(BotThread).order_by(BotThread.id)))
        for thread in found:
            _ = thread.messages  # loaded while the session is open
        return found


def test_a_question_to_a_worker_opens_a_neet_thread_answered_from_the_inbox(web: Web, fake_api: FakeBotAPI) -> None:
    app = web.app
    person = Person(fake_api, 661200, "fr")
    with RunningBot(app, fake_api):
        menu = person.say1("/challenge")
        assert labels(menu)[-1] == "Écrire à un travailleur Touch'N'Go"
        # The prompt replaces the menu; no satisfaction question yet: the conversation goes on.
        [prompt] = person.send("press", data="neet:write", on=menu)
        assert prompt["method"] == "editMessageText"
        assert prompt["text"].startswith("Écrivez votre question à un travailleur Touch'N'Go en un seul message.")
        assert "ni nom, ni numéro de téléphone, ni e-mail" in prompt["text"]
        # What the bot cannot read gets the core's answer, and the bot still waits for the question.
        [media] = person.send("photo")
        assert media["text"] == "Désolé, je ne lis que les messages écrits. Écrivez votre message, s'il vous plaît."
        assert threads(app) == []
        opened = person.say1(QUESTION)
        assert opened["text"].startswith("Votre question est transmise aux travailleurs Touch'N'Go.")
        assert "La réponse arrivera dans cette conversation." in opened["text"]
        [thread] = threads(app)
        assert (thread.audience, thread.language, thread.theme, thread.status) == ("neet", "fr", "choose", "open")
        # The question is stored scrubbed; the chat id only sealed.
        [message] = thread.messages
        assert "après l'école" in message.body and "470 12 34 56" not in message.body
        assert "661200" not in database_dump(app)

        # A Touch'N'Go worker sees it in the inbox and answers; another audience's counsellor does not see it.
        worker = web.client("neet_worker")
        inbox = worker.get("/inbox")
        assert inbox.status_code == 200
        assert [int(i) for i in re.findall(r'id="thread-(\d+)"', inbox.text)] == [thread.id]
        page = worker.get(f"/inbox/{thread.id}")
        assert "après l&#39;école" in page.text or "après l'école" in page.text
        web.add_account("olena", ["counsellor"], ["ukrainian"])
        assert 'id="thread-' not in web.client("olena", "tremplin-demo-olena").get("/inbox").text
        answered = worker.post(
            f"/inbox/{thread.id}/answer",
            data={"text": "Passez nous voir mercredi, on en parle ensemble.", "csrf_token": csrf_of(page.text)},
        )
        assert answered.status_code == 303
        [answer] = person.next_messages(1, timeout=30)
        assert answer["text"].endswith("Passez nous voir mercredi, on en parle ensemble.")
        # What the person writes next goes to the same thread, through the core's relay.
        assert person.say1("Merci, à mercredi")["text"] == "Transmis à un conseiller. La réponse arrivera ici."
        assert [m.body for m in threads(app)[0].messages][-1] == "Merci, à mercredi"
        # While the thread is open, the button says to write here rather than opening another.
        [already] = person.send("press", data="neet:write", on=person.say1("/challenge"))
        assert already["text"].startswith("Votre conversation avec un travailleur est toujours ouverte")
        # Closed by the worker: one remote-advice contact of the NEET audience, in French.
        closed = post_form(worker, f"/inbox/{thread.id}", f"/inbox/{thread.id}/close", {"outcome": "answered"})
        assert closed.status_code == 303
        _closing, question = person.next_messages(2, timeout=30)
        assert question["text"] == "Êtes-vous satisfait·e de cette conversation ? (facultatif)"
        # The thread is over: the button asks for a new question.
        [again] = person.send("press", data="neet:write", on=person.say1("/challenge"))
        assert again["text"].startswith("Écrivez votre question à un travailleur Touch'N'Go")
    with app.session() as session:
        [contact] = session.scalars(select(Contact)).all()
        assert (contact.audience, contact.modality, contact.channel, contact.language) == (
            "neet",
            "remote_advice",
            "telegram",
            "fr",
        )


#: language → (the button, the prompt's start, the confirmation's start)
WRITE_TEXTS = {
    "uk": (
        "Написати працівнику Touch'N'Go",
        "Напишіть ваше питання працівнику Touch'N'Go одним повідомленням. Не вказуйте ім'я, телефон чи e-mail",
        "Ваше питання передано працівникам Touch'N'Go. Відповідь прийде в цей чат.",
    ),
    "fr": (
        "Écrire à un travailleur Touch'N'Go",
        "Écrivez votre question à un travailleur Touch'N'Go en un seul message. N'indiquez ni nom",
        "Votre question est transmise aux travailleurs Touch'N'Go. La réponse arrivera dans cette conversation.",
    ),
    "nl": (
        "Schrijf een Touch'N'Go-medewerker",
        "Schrijf uw vraag aan een Touch'N'Go-medewerker in één bericht. Vermeld geen naam, telefoonnummer of e-mail",
        "Uw vraag is doorgegeven aan de Touch'N'Go-medewerkers. Het antwoord komt in dit gesprek.",
    ),
    "en": (
        "Write to a Touch'N'Go worker",
        "Write your question to a Touch'N'Go worker in one message. Do not give your name, phone number or e-mail",
        "Your question has been passed on to the Touch'N'Go workers. The answer will come in this chat.",
    ),
}


def test_the_question_to_a_worker_speaks_the_four_languages(app: App, centre: int, fake_api: FakeBotAPI) -> None:
    with RunningBot(app, fake_api):
        for n, (lang, (button, prompt, confirmation)) in enumerate(WRITE_TEXTS.items()):
            person = Person(fake_api, 661300 + n, lang)
            menu = person.say1("/challenge")
            assert labels(menu)[-1] == button, lang
            [asked] = person.send("press", data="neet:write", on=menu)
            assert asked["text"].startswith(prompt), (lang, asked["text"])
            assert person.say1("?")["text"].startswith(confirmation), lang
    assert [(t.audience, t.language) for t in threads(app)] == [
        ("neet", "uk"),
        ("neet", "fr"),
        ("neet", "nl"),
        ("neet", "en"),
    ]


def test_a_command_while_waiting_for_the_question_cancels_the_waiting(
    app: App, centre: int, fake_api: FakeBotAPI
) -> None:
    person = Person(fake_api, 661400, "en")
    with RunningBot(app, fake_api):
        person.send("press", data="neet:write", on=person.say1("/challenge"))
        assert (
            person.say1("/cancel")["text"] == "All right, the question was not sent. /challenge to go back to the menu."
        )
        # Not waiting any more: a text is the core's fallback, not a question.
        assert person.say1("Hello?")["text"].startswith("Here is what I can do:")
        # Another command while waiting does what it does, and the waiting is over too.
        person.send("press", data="neet:write", on=person.say1("/challenge"))
        assert "/challenge" in person.say1("/help")["text"]
        assert person.say1("Hello again")["text"].startswith("Here is what I can do:")
        person.send("press", data="neet:write", on=person.say1("/challenge"))
        assert person.say1("/challenge")["text"].startswith("Touch'N'Go: a challenge each week")
        assert person.say1("And now?")["text"].startswith("Here is what I can do:")
    assert threads(app) == []


def test_the_waiting_for_the_question_survives_a_restart(app: App, centre: int, fake_api: FakeBotAPI) -> None:
    person = Person(fake_api, 661500, "nl")
    with RunningBot(app, fake_api):
        [prompt] = person.send("press", data="neet:write", on=person.say1("/challenge"))
        assert prompt["text"].startswith("Schrijf uw vraag aan een Touch'N'Go-medewerker")
    # Kept in the person's stored data, not in the process.
    with app.session() as session:
        assert "user" in {k for (k,) in session.execute(select(BotState.kind))}
    with RunningBot(app, fake_api):
        # A new process: the next text is the question.
        opened = person.say1("Welke opleiding past bij mij?")
        assert opened["text"].startswith("Uw vraag is doorgegeven aan de Touch'N'Go-medewerkers.")
    [thread] = threads(app)
    assert (thread.audience, thread.language, thread.status) == ("neet", "nl", "open")
    assert thread.messages[0].body == "Welke opleiding past bij mij?"

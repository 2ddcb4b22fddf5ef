"""The core bot under real conditions: languages, privacy, what it cannot read, floods, Telegram's
errors and restarts. The real python-telegram-bot application runs against ``tests.bot_api``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from tests.bot_api import TOKEN, FakeBotAPI, database_dump, telegram_user
from tests.bot_kit import Person, RunningBot, labels
from tremplin.core.app import App
from tremplin.core.bot.models import BotChat, BotState

USER = 555000111


@pytest.fixture
def fake_api() -> Iterator[FakeBotAPI]:
    server = FakeBotAPI().start()
    yield server
    server.stop()


def test_language_is_proposed_from_telegram_and_changed_with_buttons(
    app: App, centre: int, fake_api: FakeBotAPI
) -> None:
    with RunningBot(app, fake_api):
        person = Person(fake_api, USER, "nl-BE")
        assert person.say1("/start")["text"].startswith("Welkom")
        menu = person.say1("/language")
        assert menu["text"] == "Kies uw taal:"
        assert labels(menu) == ["Українська", "Français", "Nederlands", "English"]
        edited, help_ = person.send("press", replies=2, data="lang:fr", on=menu)
        # The button's message is edited in place, the press is answered, and the bot goes on in French.
        assert (edited["method"], edited["message_id"], edited["text"]) == (
            "editMessageText",
            menu["message_id"],
            "Entendu, nous continuons en français.",
        )
        assert fake_api.callback_answers and "answerCallbackQuery" in fake_api.calls
        assert help_["text"].startswith("/start — poser une question")
        assert person.say1("/start")["text"].startswith("Bienvenue")
        assert person.say1("/privacy")["text"].startswith("Nous ne gardons")


def test_what_the_bot_cannot_read_gets_a_polite_answer_in_the_persons_language(
    app: App, centre: int, fake_api: FakeBotAPI
) -> None:
    with RunningBot(app, fake_api):
        person = Person(fake_api, USER, "fr")
        for kind in ("photo", "voice", "sticker", "document", "contact"):
            [answer] = person.send(kind)
            assert answer["text"].startswith("Désolé, je ne lis que les messages écrits"), kind
        [answer] = person.send("edit", text="correction")
        assert answer["text"].startswith("Je ne vois pas les messages modifiés")
        assert person.say1("x" * 1500)["text"].startswith("Ce message est trop long (plus de 1000 caractères)")
        english = Person(fake_api, USER + 1, "en")
        before = len(fake_api.sent)
        fake_api.send_text("/start", english.user, chat={"id": -100123, "type": "supergroup", "title": "Newcomers"})
        [group] = fake_api.wait_sent(-100123, 1, before)
        assert group["text"].startswith("I only answer in a private chat")
    # The shared contact's phone number went nowhere.
    assert "470123456" not in database_dump(app)


def test_a_flood_is_slowed_down_with_a_message(app: App, centre: int, fake_api: FakeBotAPI) -> None:
    app.settings = app.settings.with_(bot_rate_limit=5)
    with RunningBot(app, fake_api):
        person = Person(fake_api, USER, "en")
        before = len(fake_api.sent)
        for n in range(12):
            fake_api.send_text(f"hello {n}", person.user)
        got = fake_api.wait_sent(USER, 6, before, settle=0.5)
    # Five answers, then one message asking to slow down, then nothing more for the minute.
    assert len(got) == 6
    assert all(m["text"].startswith("Here is what I can do") for m in got[:5])
    assert got[5]["text"].startswith("You are sending many messages")


def test_the_flood_limit_holds_across_processes_sharing_the_database(app: App, centre: int) -> None:
    """Two bot applications (two web workers behind ``serve --bot-webhook``) answer one person, turn and
    turn about: each sees only half the messages, but the limit they keep in the database holds."""
    import time

    from tremplin.core.bot.models import BotFlood

    app.settings = app.settings.with_(bot_rate_limit=4)
    # The shared count is kept by minute of the clock: the seven messages must fall in the same one.
    left = 60 - time.time() % 60
    if left < 20:
        time.sleep(left + 0.1)
    first, second = FakeBotAPI().start(), FakeBotAPI().start()
    try:
        with RunningBot(app, first, shared_limit=True), RunningBot(app, second, shared_limit=True):
            got = []
            for n in range(7):
                fake = (first, second)[n % 2]
                before = len(fake.sent)
                fake.send_text(f"hello {n}", telegram_user(USER, "fr"))
                got.append([m["text"] for m in fake.wait_sent(USER, 1 if n < 5 else 0, before, settle=0.3)])
        # Four answers, the fifth message (the third of one process) told to slow down once, then silence.
        assert [texts[0].split(" ")[0] for texts in got[:4]] == ["Voici"] * 4
        assert len(got[4]) == 1 and got[4][0].startswith("Vous envoyez beaucoup de messages")
        assert got[5:] == [[], []]
        with app.session() as session:
            [row] = session.scalars(select(BotFlood)).all()
        # Counted under the chat's keyed hash, never its id.
        assert (row.count, row.told, len(row.chat_key)) == (7, True, 64)
        assert str(USER) not in database_dump(app)
    finally:
        first.stop()
        second.stop()


def test_a_webhook_worker_counts_floods_in_the_database(app: App) -> None:
    from tremplin.core.bot.app import FLOOD_KEY, build_application
    from tremplin.core.bot.limits import ChatRateLimit, SharedChatRateLimit

    url = "http://127.0.0.1:9/bot"
    # A poller is alone (Telegram hands updates to one getUpdates): its count stays in the process.
    polling = build_application(app, TOKEN, base_url=url)
    assert type(polling.bot_data[FLOOD_KEY]) is ChatRateLimit
    # The web workers of serve --bot-webhook share updates: their count is in the database.
    webhook = build_application(app, TOKEN, base_url=url, updater=False)
    assert isinstance(webhook.bot_data[FLOOD_KEY], SharedChatRateLimit)


def test_the_shared_count_starts_again_each_minute_and_tells_once(app: App) -> None:
    """The count's one statement, on either database: counted to the limit, refused past it with one
    telling, and back to one (not told) in the next minute, whatever was counted before."""
    from tremplin.core.bot.limits import SharedChatRateLimit

    limit = SharedChatRateLimit(app, per_minute=3)
    key, minute = "k" * 64, 29_000_000
    assert [limit._count(key, minute) for _ in range(5)] == [(True, False)] * 3 + [(False, True), (False, False)]
    assert limit._count(key, minute + 1) == (True, False)
    assert [limit._count(key, minute + 1) for _ in range(3)] == [(True, False), (True, False), (False, True)]
    assert limit._count("j" * 64, minute + 1) == (True, False), "another chat has its own count"


def test_telegram_errors_are_retried_or_logged_and_never_stop_the_bot(
    app: App, centre: int, fake_api: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    with RunningBot(app, fake_api):
        person = Person(fake_api, USER, "en")
        # 429: the bot waits the retry_after Telegram asks for, then sends.
        fake_api.fail("sendMessage", 429, retry_after=1)
        assert person.say1("/privacy")["text"].startswith("We keep neither")
        assert fake_api.calls.count("sendMessage") >= 2
        # A server error the Bot API reports as a 502: tried again.
        fake_api.fail("sendMessage", 502, description="Bad Gateway")
        assert person.say1("/help")["text"].startswith("/start")
        # A person who blocked the bot: logged, and the bot goes on with the others.
        blocked = Person(fake_api, USER + 1, "en")
        fake_api.blocked.add(blocked.id)
        fake_api.send_text("/help", blocked.user)
        other = Person(fake_api, USER + 2, "uk")
        assert other.say1("/privacy")["text"].startswith("Ми не зберігаємо")
    assert not [m for m in fake_api.sent if m["chat_id"] == blocked.id]


def test_state_survives_a_restart_in_the_middle_of_a_conversation(app: App, centre: int, fake_api: FakeBotAPI) -> None:
    person = Person(fake_api, USER, "en")
    with RunningBot(app, fake_api):
        person.say1("/language")
        menu = [m for m in fake_api.sent if m["chat_id"] == USER][-1]
        person.send("press", replies=2, data="lang:nl", on=menu)
        person.say1("/start")
        person.say1("Leren")  # the theme: the bot now waits for the question
    with app.session() as session:
        kinds = sorted(k for (k,) in session.execute(select(BotState.kind)))
    assert kinds == ["conversation:ukrainian", "user"]
    with RunningBot(app, fake_api):
        # A new process: the conversation goes on where it was, in the language chosen before.
        answer, offer = person.say("Waar leer ik Nederlands?", replies=2)
    assert "VDAB" in answer["text"] and offer["text"] == "Wilt u met een adviseur praten?"
    # Neither the id nor the name is in the stored state: keys are sealed or hashed.
    dump = database_dump(app)
    for secret in (str(USER), "Oksana", "oksana_kv", "Kovalenkova"):
        assert secret not in dump


def test_forget_deletes_everything_tied_to_the_chat_and_says_so(app: App, centre: int, fake_api: FakeBotAPI) -> None:
    with RunningBot(app, fake_api):
        person = Person(fake_api, USER, "uk")
        other = Person(fake_api, USER + 1, "en")
        person.say1("/start")
        person.say1("Робота")
        other.say1("/start")
        forgotten = person.say1("/forget")
        assert forgotten["text"].startswith("Готово: усе, що було пов'язано з цим чатом, видалено")
        # The conversation in progress ended with it: a text now gets the fallback, not an answer.
        assert person.say1("Де шукати роботу?")["text"].startswith("Ось що я вмію")
    with app.session() as session:
        assert session.scalar(select(func.count()).select_from(BotChat)) == 1  # the other person's visit
        states = session.scalars(select(BotState)).all()
    from tremplin.core.bot.sealing import seal_for

    key = seal_for(app.settings).key(USER)
    assert all(s.chat_key != key for s in states)


def test_the_command_menu_is_given_to_telegram_in_every_language_as_help_lists_it(
    app: App, centre: int, fake_api: FakeBotAPI
) -> None:
    """At start the bot sets Telegram's command menu (what ``/`` offers) for each of its four languages,
    and a default one: the same commands as ``/help``, described in that language."""
    from tremplin.core.bot.app import plugin_commands
    from tremplin.core.bot.handlers import help_text

    with RunningBot(app, fake_api):
        Person(fake_api, 31, "fr").say("/help")
    assert set(fake_api.menus) == {"", "uk", "fr", "nl", "en"}
    for language in ("uk", "fr", "nl", "en"):
        lines = [f"/{c['command']} — {c['description']}" for c in fake_api.menus[language]]
        assert lines == help_text(plugin_commands(app), language).splitlines(), language
    assert fake_api.commands == fake_api.menus[""] == fake_api.menus["uk"]  # the bot's default language
    assert fake_api.menus["fr"][0] == {"command": "start", "description": "poser une question"}


def test_a_chat_is_first_seen_on_the_centres_day(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """At 23:30 UTC on 1 March it is already 2 March in Brussels: the chat is first seen on the 2nd."""
    from datetime import UTC, date, datetime

    from tremplin.core.bot import privacy

    class LateEvening(datetime):
        @classmethod
        def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
            return datetime(2026, 3, 1, 23, 30, tzinfo=UTC)

    monkeypatch.setattr(privacy, "datetime", LateEvening)
    privacy.note_visits(app, {"k" * 64: 2})
    with app.session() as session:
        chat = session.scalars(select(BotChat)).one()
    assert chat.first_seen_on == date(2026, 3, 2) and chat.conversations == 2

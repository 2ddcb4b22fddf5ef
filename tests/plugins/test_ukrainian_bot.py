"""The Ukrainian-language bot, end to end, against a fake Telegram Bot API server on 127.0.0.1.

The bot is the real python-telegram-bot ``Application`` that ``tremplin bot`` runs, pointed at the
fake server with ``base_url``: it calls ``getMe``, ``deleteWebhook`` and long-polls ``getUpdates``,
which feeds it the updates a test queues, and its ``sendMessage`` calls are recorded. Nothing leaves
the machine.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import JSON, String, Text, select

from tremplin.core.app import App
from tremplin.core.models import Base, Contact, Referral

TOKEN = "123456789:AAFakeTokenForTremplinTests_0123456789"
BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Tremplin", "username": "tremplin_test_bot", "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}

USER_ID = 718293645
USERNAME = "oksana_kv"
FIRST_NAME = "Oksana"
LAST_NAME = "Kovalenkova"
PHONE = "+32 470 12 34 56"
EMAIL = "oksana.kovalenkova@example.com"
QUESTION = f"Чи можу я працювати прибиральницею? Мій телефон {PHONE}, пошта {EMAIL}"


class FakeBotAPI:
    """Just enough of the Bot API: getMe, deleteWebhook, getUpdates (long polling), sendMessage."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.updates: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        self.calls: list[str] = []
        self._lock = threading.Lock()
        self._update_id = 100
        self._message_id = 1
        self.port = 0
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # -- the HTTP side --------------------------------------------------------------------------

    def asgi(self) -> Any:
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import JSONResponse
        from starlette.routing import Route

        async def endpoint(request: Request) -> JSONResponse:
            if request.path_params["token"] != self.token:
                return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401)
            method = request.path_params["method"]
            body = (await request.body()).decode()
            params = dict(parse_qsl(body)) if body else dict(request.query_params)
            self.calls.append(method)
            if method == "getUpdates":
                result: Any = await self._get_updates(params)
            elif method == "sendMessage":
                result = self._send_message(params)
            elif method == "getMe":
                result = BOT_USER
            else:  # deleteWebhook, setMyCommands...: accepted
                result = True
            return JSONResponse({"ok": True, "result": result})

        return Starlette(routes=[Route("/bot{token}/{method}", endpoint, methods=["GET", "POST"])])

    async def _get_updates(self, params: dict[str, str]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 2.0)
        while True:
            with self._lock:
                pending = [u for u in self.updates if u["update_id"] >= offset]
            if pending or time.monotonic() >= deadline:
                return pending[: int(params.get("limit") or 100)]
            await asyncio.sleep(0.02)

    def _send_message(self, params: dict[str, str]) -> dict[str, Any]:
        markup = json.loads(params["reply_markup"]) if params.get("reply_markup") else None
        with self._lock:
            self._message_id += 1
            message = {"message_id": self._message_id, "date": int(time.time()), "chat": {"id": int(params["chat_id"]), "type": "private"}, "from": BOT_USER, "text": params["text"]}
            self.sent.append({"chat_id": int(params["chat_id"]), "text": params["text"], "reply_markup": markup})
        return message

    def start(self) -> "FakeBotAPI":
        import uvicorn

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self._server = uvicorn.Server(uvicorn.Config(self.asgi(), log_level="warning", lifespan="off"))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the fake Bot API server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # -- the test side --------------------------------------------------------------------------

    def send_text(self, text: str, user: dict[str, Any]) -> None:
        """Queue a private message from ``user``, as Telegram would deliver it."""
        message: dict[str, Any] = {
            "message_id": 0,
            "date": int(time.time()),
            "chat": {"id": user["id"], "type": "private", "first_name": user.get("first_name"), "last_name": user.get("last_name"), "username": user.get("username")},
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        with self._lock:
            self._update_id += 1
            self._message_id += 1
            message["message_id"] = self._message_id
            self.updates.append({"update_id": self._update_id, "message": message})

    async def replies(self, count: int, since: int, timeout: float = 15.0) -> list[dict[str, Any]]:
        """Wait until ``count`` messages were sent after the first ``since``; return them."""
        deadline = time.monotonic() + timeout
        while len(self.sent) < since + count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} replies, got {self.sent[since:]}")
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)  # nothing more should come
        return self.sent[since:]


def telegram_user(language_code: str = "uk", user_id: int = USER_ID) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": FIRST_NAME, "last_name": LAST_NAME, "username": USERNAME, "language_code": language_code}


@pytest.fixture
def fake_api() -> Any:
    server = FakeBotAPI().start()
    yield server
    server.stop()


@asynccontextmanager
async def running_bot(app: App, fake: FakeBotAPI) -> AsyncIterator[Any]:
    """The real application, polling the fake server, as ``tremplin bot`` runs it."""
    from tremplin.core.bot.app import build_application

    application = build_application(app, TOKEN, base_url=fake.base_url)
    await application.initialize()
    await application.start()
    await application.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=["message"])
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


class Chat:
    """One person talking to the bot: send a message, get the bot's replies."""

    def __init__(self, fake: FakeBotAPI, user: dict[str, Any]) -> None:
        self.fake, self.user = fake, user

    async def say(self, text: str, replies: int = 1) -> list[dict[str, Any]]:
        before = len(self.fake.sent)
        self.fake.send_text(text, self.user)
        got = await self.fake.replies(replies, before)
        assert all(m["chat_id"] == self.user["id"] for m in got)
        return got


def keyboard_labels(message: dict[str, Any]) -> list[str]:
    return [button if isinstance(button, str) else button["text"] for row in message["reply_markup"]["keyboard"] for button in row]


def all_stored_text(app: App) -> list[str]:
    """Every value of every text or JSON column of every table, as text."""
    values: list[str] = []
    with app.session() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
            if not columns:
                continue
            for row in session.execute(select(*columns)):
                values.extend(json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v for v in row if v is not None)
    return values


def run(coro_factory: Callable[[], Any]) -> Any:
    return asyncio.run(coro_factory())


# ------------------------------------------------------------------------------------------------


def test_conversation_logs_one_anonymous_contact_and_issues_a_referral(app: App, centre: int, fake_api: FakeBotAPI) -> None:
    from tremplin.core.anonymity import parse_token
    from tremplin.core.records import find_referral

    async def conversation() -> dict[str, Any]:
        async with running_bot(app, fake_api):
            chat = Chat(fake_api, telegram_user("uk"))
            [greeting] = await chat.say("/start")
            [ask_again] = await chat.say("Щось незрозуміле")
            [ask] = await chat.say("Дозвіл на роботу")
            answer, offer = await chat.say(QUESTION, replies=2)
            referral, goodbye = await chat.say("Так, з консультантом", replies=2)
        return {"greeting": greeting, "ask_again": ask_again, "ask": ask, "answer": answer, "offer": offer, "referral": referral, "goodbye": goodbye}

    r = run(conversation)
    assert {"getMe", "deleteWebhook", "getUpdates", "sendMessage"} <= set(fake_api.calls)

    # /start greets in Ukrainian and offers the themes and the status questions as a keyboard.
    assert r["greeting"]["text"].startswith("Вітаємо")
    labels = keyboard_labels(r["greeting"])
    assert labels == ["Обрати професію", "Навчання та курси", "Робота", "Мобільність у Європі", "Власна справа", "Тимчасовий захист", "Визнання диплома", "Мовні курси", "Дозвіл на роботу"]
    assert r["greeting"]["reply_markup"]["one_time_keyboard"] is True
    # Something that is not a theme: the keyboard again.
    assert keyboard_labels(r["ask_again"]) == labels
    # A theme: the bot asks for the question, without the keyboard, and asks for no personal data.
    assert r["ask"]["reply_markup"] == {"remove_keyboard": True}
    assert "телефон" in r["ask"]["text"]
    # The answer says where to go, with the centre as a place, then offers a counsellor.
    assert "Actiris" in r["answer"]["text"]
    assert "Avenue de l'Astronomie 14" in r["answer"]["text"] and "9:00–17:00" in r["answer"]["text"]
    assert r["offer"]["text"] == "Бажаєте поговорити з консультантом?"
    assert keyboard_labels(r["offer"]) == ["Так, з консультантом", "Ні, дякую"]
    # The counsellor request gives a referral token, formatted for reading aloud.
    match = re.search(r"\b([0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3})\b", r["referral"]["text"])
    assert match, r["referral"]["text"]
    token = parse_token(match.group(1))
    assert "/start" in r["goodbye"]["text"]

    with app.session() as session:
        contacts = session.scalars(select(Contact)).all()
        referral = find_referral(session, match.group(1))
        referrals = session.scalars(select(Referral)).all()
    assert len(contacts) == 1
    contact = contacts[0]
    assert (contact.centre_id, contact.audience, contact.channel, contact.modality, contact.language) == (centre, "ukrainian", "telegram", "remote_advice", "uk")
    assert contact.themes == ["work"]
    assert contact.attributes == {"service_language": "uk", "questions": ["work_permit"]}
    assert contact.headcount == 1 and contact.note == ""
    assert [r_.id for r_ in referrals] == [referral.id]
    assert (referral.token, referral.audience, referral.theme, referral.status, referral.centre_id) == (token, "ukrainian", "work", "issued", centre)

    # Nothing identifying the person, and nothing of what they wrote, is stored anywhere.
    stored = "\n".join(all_stored_text(app))
    for secret in (str(USER_ID), USERNAME, FIRST_NAME, LAST_NAME, EMAIL, "470 12 34 56", "470123456", "прибиральницею"):
        assert secret not in stored, secret


def test_conversation_speaks_the_users_language_and_cancel_logs_nothing(app: App, centre: int, fake_api: FakeBotAPI) -> None:
    async def conversation() -> dict[str, Any]:
        async with running_bot(app, fake_api):
            french = Chat(fake_api, telegram_user("fr-BE", user_id=USER_ID + 1))
            [greeting_fr] = await french.say("/start")
            [ask_fr] = await french.say("Se former")
            [cancelled] = await french.say("/cancel")
            [after_cancel] = await french.say("Bonjour ?")  # outside any conversation: the core's fallback
            russian = Chat(fake_api, telegram_user("ru", user_id=USER_ID + 2))
            [greeting_ru] = await russian.say("/start")
            [privacy] = await russian.say("/privacy")
            english = Chat(fake_api, telegram_user("en", user_id=USER_ID + 3))
            [greeting_en] = await english.say("/start")
            [_ask] = await english.say("Temporary protection")
            answer, _offer = await english.say("Where do I register?", replies=2)
            [goodbye] = await english.say("No, thank you")
        return locals()

    r = run(conversation)
    assert r["greeting_fr"]["text"].startswith("Bienvenue à la Cité des métiers")
    assert "Cours de langue" in keyboard_labels(r["greeting_fr"])
    assert r["ask_fr"]["text"].startswith("Écrivez votre question")
    assert r["cancelled"]["text"].startswith("Conversation terminée")
    assert "/start" in r["after_cancel"]["text"]
    # A language the bot does not speak: Ukrainian.
    assert r["greeting_ru"]["text"].startswith("Вітаємо")
    assert "ідентифікатор Telegram" in r["privacy"]["text"]
    assert r["greeting_en"]["text"].startswith("Welcome to the Cité des métiers")
    assert "Immigration Office" in r["answer"]["text"] and "Monday to Friday" in r["answer"]["text"]
    assert r["goodbye"]["text"].startswith("Thank you")

    with app.session() as session:
        contacts = session.scalars(select(Contact)).all()
        assert session.scalar(select(Referral.id)) is None
    # The cancelled conversation left nothing; the English one left one contact, no referral.
    assert [(c.themes, c.attributes) for c in contacts] == [(["move"], {"service_language": "en", "questions": ["temporary_protection"]})]


def test_hook_register_bot_handlers(app: App) -> None:
    from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

    from tremplin.core.bot.app import build_application, plugin_handlers
    from tremplin.core import hookimpl
    from tremplin.core.registry import PluginError

    async def ping(update: Any, context: Any) -> None:  # pragma: no cover - never called
        pass

    extra_command = CommandHandler("ping", ping)
    extra_in_group = MessageHandler(filters.ALL, ping)

    class ExtraPlugin:
        @hookimpl
        def register_bot_handlers(self, app: Any) -> list[Any]:
            return [extra_command, (extra_in_group, 5)]

    # The Ukrainian plugin's hook returns its conversation.
    found = plugin_handlers(app)
    assert [(plugin, type(handler)) for plugin, handler, _group in found] == [("tremplin.plugins.ukrainian", ConversationHandler)]

    app.pm.register(ExtraPlugin(), name="tests.extra_bot_plugin")
    application = build_application(app, TOKEN, base_url="http://127.0.0.1:9/bot")
    group0 = application.handlers[0]
    names = [getattr(h, "commands", None) for h in group0]
    # The core's commands first, then the plugins' handlers in registration order, the core fallback last.
    assert names[:2] == [frozenset({"help"}), frozenset({"privacy"})]
    assert isinstance(group0[2], ConversationHandler)
    assert group0[3] is extra_command
    assert isinstance(group0[4], MessageHandler) and group0[4] is not extra_in_group
    assert application.handlers[5] == [extra_in_group]
    # A self-hosted Bot API server: methods and files under the given base URL.
    assert application.bot.base_url == f"http://127.0.0.1:9/bot{TOKEN}"
    assert application.bot.base_file_url == f"http://127.0.0.1:9/file/bot{TOKEN}"

    class BrokenPlugin:
        @hookimpl
        def register_bot_handlers(self, app: Any) -> list[Any]:
            return ["not a handler"]

    app.pm.register(BrokenPlugin(), name="tests.broken_bot_plugin")
    with pytest.raises(PluginError, match="tests.broken_bot_plugin"):
        build_application(app, TOKEN)


def test_personal_data_typed_to_the_bot_is_stored_nowhere(app: App, centre: int, fake_api: FakeBotAPI) -> None:
    """What a person types to the bot is read and answered, never stored: the strings the scrubber must
    catch anywhere else (a phone without "+", disguised e-mails, a dashed IBAN, birth dates, a name)."""
    typed = [
        "Мене звати Jean Dupont, телефон 32 470 12 34 56", "jean.dupont[at]example[dot]be", "jean.dupont at example dot be",
        "jean.dupont＠example.be", "BE68-5390-0754-7034", "30/07/1985 або 1985-07-30",
    ]

    async def conversation() -> None:
        async with running_bot(app, fake_api):
            chat = Chat(fake_api, telegram_user("uk"))
            await chat.say("/start")
            await chat.say("Робота")
            await chat.say(" ".join(typed), replies=2)
            await chat.say("Ні, дякую")
            for text in typed:  # and each again, outside the conversation
                await chat.say(text)

    run(conversation)
    with app.session() as session:
        assert len(session.scalars(select(Contact)).all()) == 1
    stored = "\n".join(all_stored_text(app))
    compact = re.sub(r"[\W_]", "", stored).lower()
    for secret in ("Dupont", "jean.dupont", "32 470 12 34 56", "5390", "30/07/1985", "1985-07-30", "1985"):
        assert secret not in stored, secret
        assert re.sub(r"[\W_]", "", secret).lower() not in compact, secret

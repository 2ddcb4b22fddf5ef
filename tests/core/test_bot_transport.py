"""The bot's calls go through aiohttp (``tremplin.core.bot.transport``): the Bot API gets what httpx would
send, and python-telegram-bot gets the errors it expects."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from tests.bot_api import TOKEN, FakeBotAPI, free_port
from tremplin.core.bot.transport import AiohttpRequest


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    server = FakeBotAPI().start()
    yield server
    server.stop()


def _run(base_url: str, call, **request: float) -> object:
    async def main() -> object:
        bot = Bot(TOKEN, base_url=base_url, request=AiohttpRequest(**request))
        async with bot:
            return await call(bot)

    return asyncio.run(main())


def test_a_message_with_a_keyboard_arrives_form_encoded_as_httpx_would_send_it(api: FakeBotAPI) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Oui, merci", callback_data="yes")]])
    message = _run(api.base_url, lambda bot: bot.send_message(77, "Bonjour : ça va ?", reply_markup=markup))
    assert message.text == "Bonjour : ça va ?" and message.chat.id == 77  # type: ignore[attr-defined]
    (sent,) = api.sent
    assert sent["chat_id"] == 77 and sent["text"] == "Bonjour : ça va ?"
    assert sent["reply_markup"] == {"inline_keyboard": [[{"text": "Oui, merci", "callback_data": "yes"}]]}
    assert "getMe" in api.calls  # ``async with bot`` initialised it through the same transport


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_telegram_errors_reach_python_telegram_bot_as_its_own(api: FakeBotAPI) -> None:
    api.fail("sendMessage", 429, retry_after=3)
    with pytest.raises(RetryAfter) as retry:
        _run(api.base_url, lambda bot: bot.send_message(1, "x"))
    assert retry.value.retry_after in (3, timedelta(seconds=3))
    api.blocked.add(2)
    with pytest.raises(Forbidden):
        _run(api.base_url, lambda bot: bot.send_message(2, "x"))
    api.fail("sendMessage", 400)
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        _run(api.base_url, lambda bot: bot.send_message(3, "x"))


def test_a_slow_answer_is_a_timeout_and_a_closed_port_a_network_error(api: FakeBotAPI) -> None:
    api.delay = 1.0
    with pytest.raises(TimedOut):
        _run(api.base_url, lambda bot: bot.send_message(1, "x", read_timeout=0.2))
    api.delay = 0.0
    closed = f"http://127.0.0.1:{free_port()}/bot"
    with pytest.raises(NetworkError) as err:
        _run(closed, lambda bot: bot.send_message(1, "x"))
    assert not isinstance(err.value, TimedOut)


def test_an_upload_is_sent_as_multipart_with_its_file(api: FakeBotAPI) -> None:
    _run(api.base_url, lambda bot: bot.send_document(5, document=b"a,b\n1,2\n", filename="figures.csv", caption="ok"))
    (upload,) = api.uploads
    assert upload["chat_id"] == "5" and upload["caption"] == "ok"
    assert upload["document"] == "file:figures.csv:8"


def test_shutdown_closes_and_initialize_opens_again(api: FakeBotAPI) -> None:
    async def main() -> None:
        request = AiohttpRequest()
        await request.initialize()
        await request.shutdown()
        with pytest.raises(RuntimeError, match="not initialized"):
            await request.do_request(f"{api.base_url}{TOKEN}/getMe", "POST")
        await request.initialize()
        status, body = await request.do_request(f"{api.base_url}{TOKEN}/getMe", "POST")
        assert status == 200 and b"tremplin_test_bot" in body
        await request.shutdown()

    asyncio.run(main())

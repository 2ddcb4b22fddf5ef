"""A Telegram Bot API server for tests and benchmarks, on 127.0.0.1: the real bot talks to it over HTTP.

It answers what the bot calls (``getMe``, ``getUpdates`` by long polling, ``sendMessage``,
``editMessageText``, ``answerCallbackQuery``, ``setMyCommands``, ``setWebhook``, ``deleteWebhook``,
``getWebhookInfo``) and records every call. A test queues what people send (texts, photos, voice,
stickers, files, edits, group messages, button presses); after ``setWebhook`` the server POSTs them to the
webhook with the secret token header instead, as Telegram does. ``fail(method, ...)`` makes the next
calls answer an error (429 with ``retry_after``, 403 blocked...); ``blocked`` chats always answer 403.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

TOKEN = "123456789:AAFakeTokenForTremplinTests_0123456789"
BOT_USER = {
    "id": 4242,
    "is_bot": True,
    "first_name": "Tremplin",
    "username": "tremplin_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class Failure:
    method: str
    count: int
    code: int
    description: str
    retry_after: int | None = None


def telegram_user(
    user_id: int,
    language_code: str = "uk",
    first_name: str = "Oksana",
    last_name: str = "Kovalenkova",
    username: str = "oksana_kv",
) -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name,
        "last_name": last_name,
        "username": username,
        "language_code": language_code,
    }


class FakeBotAPI:
    """The server: ``start()`` it, point the bot at ``base_url``, queue updates, read ``sent``."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.updates: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        self.calls: list[str] = []
        self.commands: list[dict[str, Any]] = []
        #: The command menus by language code ("": the default one, also in ``commands``).
        self.menus: dict[str, list[dict[str, Any]]] = {}
        self.callback_answers: list[dict[str, Any]] = []
        #: ``sendDocument`` calls, their files as ``file:<name>:<bytes>``.
        self.uploads: list[dict[str, Any]] = []
        self.webhook: dict[str, str] | None = None
        self.webhook_answers: list[int] = []
        self.failures: list[Failure] = []
        self.blocked: set[int] = set()
        self.delay = 0.0
        self._lock = threading.Lock()
        self._new = threading.Condition(self._lock)
        self._update_id = 100
        self._message_id = 1
        self._delivered = 0
        self.port = 0
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

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
            content_type = request.headers.get("content-type", "")
            if content_type.startswith("multipart/form-data"):  # an upload: its files by name and file name
                form = await request.form()
                params = {}
                for key, value in form.multi_items():
                    params[key] = (
                        value if isinstance(value, str) else f"file:{value.filename}:{len(await value.read())}"
                    )
            elif content_type.startswith("application/json"):
                body = await request.body()
                params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in json.loads(body or b"{}").items()}
            else:
                body = await request.body()
                params = dict(parse_qsl(body.decode())) if body else dict(request.query_params)
            self.calls.append(method)
            failure = self._failure_for(method, params)
            if failure is not None:
                answer: dict[str, Any] = {"ok": False, "error_code": failure.code, "description": failure.description}
                if failure.retry_after is not None:
                    answer["parameters"] = {"retry_after": failure.retry_after}
                return JSONResponse(answer, status_code=failure.code)
            if self.delay and method != "getUpdates":
                await asyncio.sleep(self.delay)
            return JSONResponse({"ok": True, "result": await self._call(method, params)})

        return Starlette(routes=[Route("/bot{token}/{method}", endpoint, methods=["GET", "POST"])])

    def _failure_for(self, method: str, params: dict[str, str]) -> Failure | None:
        with self._lock:
            if method in ("sendMessage", "editMessageText") and int(params.get("chat_id") or 0) in self.blocked:
                return Failure(method, 1, 403, "Forbidden: bot was blocked by the user")
            for failure in self.failures:
                if failure.method == method and failure.count > 0:
                    failure.count -= 1
                    return failure
        return None

    async def _call(self, method: str, params: dict[str, str]) -> Any:
        if method == "getUpdates":
            return await self._get_updates(params)
        if method in ("sendMessage", "editMessageText"):
            return self._record(method, params)
        if method == "sendDocument":
            self.uploads.append(params)
            return {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT_USER,
                "document": {"file_id": "f1", "file_unique_id": "u1", "file_name": "x"},
            }
        if method == "getMe":
            return BOT_USER
        if method == "answerCallbackQuery":
            self.callback_answers.append(params)
            return True
        if method == "setMyCommands":
            language = params.get("language_code") or ""
            self.menus[language] = json.loads(params.get("commands") or "[]")
            if not language:
                self.commands = self.menus[language]
            return True
        if method == "setWebhook":
            self.webhook = {"url": params["url"], "secret_token": params.get("secret_token", "")}
            return True
        if method == "deleteWebhook":
            self.webhook = None
            return True
        if method == "getWebhookInfo":
            return {
                "url": (self.webhook or {}).get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": 0,
            }
        return True

    async def _get_updates(self, params: dict[str, str]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 2.0)
        while True:
            with self._lock:
                # Telegram forgets the updates before the offset: so do we (the list stays short).
                if offset:
                    drop = 0
                    while drop < len(self.updates) and self.updates[drop]["update_id"] < offset:
                        drop += 1
                    del self.updates[:drop]
                pending = self.updates[:limit]
            if pending or time.monotonic() >= deadline:
                return pending
            await asyncio.sleep(0.005)

    def _record(self, method: str, params: dict[str, str]) -> dict[str, Any]:
        markup = json.loads(params["reply_markup"]) if params.get("reply_markup") else None
        chat_id = int(params["chat_id"])
        with self._lock:
            if method == "editMessageText":
                message_id = int(params["message_id"])
            else:
                self._message_id += 1
                message_id = self._message_id
            self.sent.append(
                {
                    "method": method,
                    "chat_id": chat_id,
                    "text": params["text"],
                    "reply_markup": markup,
                    "message_id": message_id,
                    "at": time.monotonic(),
                }
            )
            self._new.notify_all()
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
            "text": params["text"],
        }

    def start(self) -> FakeBotAPI:
        import uvicorn

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self._server = uvicorn.Server(
            # Telegram keeps a bot's connections open: a server closing idle ones after uvicorn's 5 s would
            # race the bot reusing them (a message lost on a reset connection), which Telegram never does.
            uvicorn.Config(self.asgi(), log_level="warning", lifespan="off", access_log=False, timeout_keep_alive=120)
        )
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the Bot API server did not start")
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

    # -- what people send -----------------------------------------------------------------------

    def fail(
        self, method: str, code: int = 429, count: int = 1, retry_after: int | None = None, description: str = ""
    ) -> None:
        """Answer the next ``count`` calls of ``method`` with an error."""
        if not description:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                403: "Forbidden: bot was blocked by the user",
            }.get(code, "Bad Request: chat not found")
        with self._lock:
            self.failures.append(Failure(method, count, code, description, retry_after))

    def _next_ids(self) -> tuple[int, int]:
        self._update_id += 1
        self._message_id += 1
        return self._update_id, self._message_id

    def queue(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update (``update_id`` is filled in); delivered by getUpdates or pushed to the webhook."""
        with self._lock:
            self._update_id += 1
            update = {"update_id": self._update_id, **update}
            self.updates.append(update)
        if self.webhook is not None:
            self._push(update)
        return update

    def message(
        self, user: dict[str, Any], text: str | None = None, chat: dict[str, Any] | None = None, **extra: Any
    ) -> dict[str, Any]:
        with self._lock:
            self._message_id += 1
            message_id = self._message_id
        chat = chat or {
            "id": user["id"],
            "type": "private",
            "first_name": user.get("first_name"),
            "last_name": user.get("last_name"),
            "username": user.get("username"),
        }
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            **extra,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return message

    def send_text(self, text: str, user: dict[str, Any], chat: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.queue({"message": self.message(user, text, chat)})

    def send_photo(self, user: dict[str, Any]) -> dict[str, Any]:
        photo = [{"file_id": "AgAD-photo", "file_unique_id": "photo1", "width": 90, "height": 90, "file_size": 1200}]
        return self.queue({"message": self.message(user, photo=photo, caption="voilà")})

    def send_voice(self, user: dict[str, Any]) -> dict[str, Any]:
        return self.queue(
            {"message": self.message(user, voice={"file_id": "AwAD-voice", "file_unique_id": "voice1", "duration": 3})}
        )

    def send_sticker(self, user: dict[str, Any]) -> dict[str, Any]:
        sticker = {
            "file_id": "CAAD-sticker",
            "file_unique_id": "st1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self.queue({"message": self.message(user, sticker=sticker)})

    def send_document(self, user: dict[str, Any]) -> dict[str, Any]:
        return self.queue(
            {
                "message": self.message(
                    user, document={"file_id": "BQAD-doc", "file_unique_id": "doc1", "file_name": "cv.pdf"}
                )
            }
        )

    def send_contact(self, user: dict[str, Any]) -> dict[str, Any]:
        contact = {"phone_number": "+32470123456", "first_name": user["first_name"], "user_id": user["id"]}
        return self.queue({"message": self.message(user, contact=contact)})

    def edit(self, user: dict[str, Any], text: str) -> dict[str, Any]:
        message = self.message(user, text)
        message["edit_date"] = int(time.time())
        return self.queue({"edited_message": message})

    def press(self, user: dict[str, Any], data: str, on: dict[str, Any]) -> dict[str, Any]:
        """Press an inline button (``data``) of the bot's message ``on`` (an item of ``sent``)."""
        message = {
            "message_id": on["message_id"],
            "date": int(time.time()),
            "chat": {"id": on["chat_id"], "type": "private"},
            "from": BOT_USER,
            "text": on["text"],
        }
        with self._lock:
            self._message_id += 1
        query = {"id": f"cq{self._message_id}", "from": user, "chat_instance": "ci1", "data": data, "message": message}
        return self.queue({"callback_query": query})

    # -- webhook mode ---------------------------------------------------------------------------

    def _push(self, update: dict[str, Any]) -> None:
        """POST the update to the webhook from a thread of its own (as Telegram's servers would)."""
        import httpx

        hook = dict(self.webhook or {})

        def post() -> None:
            headers = {"X-Telegram-Bot-Api-Secret-Token": hook["secret_token"]} if hook.get("secret_token") else {}
            try:
                status = httpx.post(hook["url"], json=update, headers=headers, timeout=10).status_code
            except httpx.HTTPError:
                status = 0
            with self._lock:
                self.webhook_answers.append(status)
                if 200 <= status < 300:
                    self.updates = [u for u in self.updates if u["update_id"] != update["update_id"]]

        threading.Thread(target=post, daemon=True).start()

    # -- waiting for the bot --------------------------------------------------------------------

    def wait_sent(
        self, chat_id: int, count: int, since: int = 0, timeout: float = 15.0, settle: float = 0.15
    ) -> list[dict[str, Any]]:
        """The bot's messages to ``chat_id`` after the first ``since`` of ``sent``, once there are ``count``;
        waits ``settle`` seconds more so that an extra message would be seen."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                got = [m for m in self.sent[since:] if m["chat_id"] == chat_id]
                if len(got) >= count:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} messages to {chat_id}, got {got}")
                self._new.wait(min(left, 0.05))
        if settle:
            time.sleep(settle)
            with self._lock:
                got = [m for m in self.sent[since:] if m["chat_id"] == chat_id]
        return got


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_dump(app: Any) -> str:
    """Every value of every column of every table, as text: what a dump of the database would show."""
    from sqlalchemy import select

    from tremplin.core.models import Base

    values: list[str] = []
    with app.session() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(*table.columns)):
                values.extend(json.dumps(v, ensure_ascii=False, default=str) for v in row if v is not None)
    return "\n".join(values)


#: What a machine writes and no person types: moments stamped to the microsecond, hexadecimal digests, sealed
#: tokens. A person's "1985" found in a row's "01:31:19.851985" or in a chat's keyed hash is chance, not a leak;
#: a date alone ("1985-07-30") or a number a person typed stays.
MACHINE_MADE = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[+-]\d{2}:?\d{2}|Z)?"
    r"|(?<![0-9a-f])[0-9a-f]{32,}(?![0-9a-f])"
    r"|(?=[A-Za-z0-9_\-=+/]*\d)(?=[A-Za-z0-9_\-=+/]*[A-Za-z])[A-Za-z0-9_\-=+/]{40,}",
    re.IGNORECASE,
)


def typed_text(dump: str) -> str:
    """``dump`` without what a machine wrote (``MACHINE_MADE``): where a person's words could be."""
    return MACHINE_MADE.sub(" ", dump)

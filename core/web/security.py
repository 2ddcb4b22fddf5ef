"""Logging in, CSRF protection, slowing down password guessing, and API tokens.

* **Sessions** are Starlette's signed cookies (itsdangerous, keyed with the settings' secret key) holding
  a token whose hash the ``staff_sessions`` table keeps (``tremplin.core.web.sessions``): logging out,
  a new password, a deactivation or "log out everywhere" end them on the server, and an idle one ends
  after ``Settings.session_idle_minutes``.
* **CSRF**: each session has a random token; every unsafe request (POST, PUT, PATCH, DELETE) must
  carry it, in the ``csrf_token`` form field or the ``X-CSRF-Token`` header (HTMX sends the header).
  Requests authenticated with ``Authorization: Bearer`` carry no ambient credential and are exempt.
* **Failed logins** are written to the audit log (``login.failed``, the username, or its keyed hash when
  it names no account, and the client address, forgotten after 30 days at most). Past a few free attempts,
  each new attempt must wait twice as long as the one before, counted per address, per account at that
  address and per account (``tremplin.core.web.throttle``); an attempt made too early is refused without
  looking at the password.
* **API tokens** are shown once; only their SHA-256 is stored (``Staff.api_token_hash``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from sqlalchemy import func, select

from tremplin.core.models import AuditEvent, Staff
from tremplin.core.passwords import fingerprint

if TYPE_CHECKING:
    from sqlalchemy.orm import Session
    from starlette.requests import Request

SESSION_COOKIE = "tremplin_session"
SESSION_MAX_AGE = 12 * 3600
#: The key of the server-side session's token in the signed cookie (``tremplin.core.web.sessions``).
SESSION_TOKEN = "st"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MAX_FORM_BODY = 2 * 1024 * 1024

FAILURE_WINDOW = timedelta(minutes=15)
FREE_FAILURES = 3
MAX_DELAY = 300.0
API_TOKEN_PREFIX = "tpl_"


# ------------------------------------------------------------------------------------------------
# Sessions


def log_in(request: Request, staff: Staff, session: Session) -> None:
    """Start a session for ``staff``: a fresh session (against fixation), kept on the server, with a fresh CSRF
    token. The caller commits ``session``."""
    from tremplin.core.web import sessions

    old = request.session.get(SESSION_TOKEN)
    if isinstance(old, str):
        sessions.end(session, old)
    sessions.purge_idle(session, idle_limit(request))
    request.session.clear()
    request.session[SESSION_TOKEN] = sessions.start(session, staff.id)
    request.session["sid"] = staff.id
    request.session["fp"] = fingerprint(staff)
    request.session[CSRF_FIELD] = secrets.token_urlsafe(32)


def log_out(request: Request, session: Session) -> None:
    """End the browser's session on the server too: a copy of the cookie opens nothing afterwards."""
    from tremplin.core.web import sessions

    token = request.session.get(SESSION_TOKEN)
    if isinstance(token, str):
        sessions.end(session, token)
    request.session.clear()
    request.session[CSRF_FIELD] = secrets.token_urlsafe(32)


def idle_limit(request: Request) -> timedelta:
    return timedelta(minutes=request.app.state.tremplin.settings.session_idle_minutes)


def session_staff(request: Request, session: Session) -> Staff | None:
    """The account of the request's session cookie, if its session is still open on the server."""
    from tremplin.core.web import sessions

    if "session" not in request.scope:
        return None
    token = request.session.get(SESSION_TOKEN)
    if not isinstance(token, str):
        return None
    sid = sessions.resolve(session, token, idle_limit(request))
    if sid is None or sid != request.session.get("sid"):
        request.session.pop(SESSION_TOKEN, None)
        request.session.pop("sid", None)
        return None
    staff = session.get(Staff, sid)
    if (
        staff is None
        or not staff.active
        or not hmac.compare_digest(str(request.session.get("fp", "")), fingerprint(staff))
    ):
        request.session.pop(SESSION_TOKEN, None)
        request.session.pop("sid", None)
        return None
    return staff


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use); ``""`` outside a session."""
    if "session" not in request.scope:
        return ""
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = request.session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return str(token)


# ------------------------------------------------------------------------------------------------
# CSRF middleware

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


#: Paths whose requests authenticate themselves otherwise (the bot's webhook: Telegram's secret header).
CSRF_EXEMPT_PATHS: set[str] = set()


class CSRFMiddleware:
    """Refuses unsafe requests whose CSRF token is missing or wrong (403), before any route runs.

    Must sit inside the session middleware (it reads ``scope["session"]``). The body is read once and
    handed on unchanged, so routes read their forms as usual.
    """

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], refuse: Refuse | None = None) -> None:
        self.app = app
        # Pages answer with the web app's error page (``tremplin.core.web.errors.refuse``), given when the app
        # is built: this module stays below the templates, which use its CSRF tokens.
        self.refuse = refuse or refuse_as_json

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        from starlette.datastructures import Headers

        headers = Headers(scope=scope)
        if headers.get("authorization", "").lower().startswith("bearer ") or scope.get("path") in CSRF_EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        session = scope.get("session") or {}
        if scope["path"].startswith("/api/") and not session.get(SESSION_TOKEN):
            # No ambient credential to abuse: the API answers 401 (log in, or send a token), not a CSRF refusal.
            await self.app(scope, receive, send)
            return
        expected = str((scope.get("session") or {}).get(CSRF_FIELD) or "")
        sent = headers.get(CSRF_HEADER)
        body = b""
        too_large = False
        if sent is None:
            chunks: list[bytes] = []
            size = 0
            more = True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > MAX_FORM_BODY:
                    too_large = True
                    break
                chunks.append(chunk)
                more = message.get("more_body", False)
            body = b"".join(chunks)
            if not too_large:
                sent = await _token_in_body(scope, headers, body)
        if too_large:
            await self.refuse(scope, receive, send, 413, "The request is too large.")
            return
        if not expected or not sent or not hmac.compare_digest(str(sent), expected):
            await self.refuse(
                scope,
                receive,
                send,
                403,
                "This form has expired or did not come from this site. Reload the page and try again.",
            )
            return
        if headers.get(CSRF_HEADER) is not None:
            await self.app(scope, receive, send)
            return
        await self.app(scope, replay_body(body, receive), send)


def replay_body(body: bytes, receive: Receive, more_body: bool = False) -> Receive:
    """A ``receive`` that gives the body a middleware already read, then reads on (the rest of a long body, a
    disconnect): the app behind it reads the request as if nobody had."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": more_body}
        return await receive()

    return replay


async def _token_in_body(scope: Scope, headers: Any, body: bytes) -> str | None:
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        values = parse_qs(body.decode("latin-1"), keep_blank_values=True).get(CSRF_FIELD)
        return values[0] if values else None
    if content_type == "multipart/form-data":
        from starlette.requests import Request

        sent_once = False

        async def once() -> Message:
            nonlocal sent_once
            if sent_once:
                return {"type": "http.disconnect"}
            sent_once = True
            return {"type": "http.request", "body": body, "more_body": False}

        try:
            form = await Request(scope, once).form()
        except Exception:  # a malformed body: no token in it
            return None
        try:
            value = form.get(CSRF_FIELD)
            return value if isinstance(value, str) else None
        finally:
            await form.close()
    return None


#: How a refusal is answered: ``refuse(scope, receive, send, status, message)``.
Refuse = Callable[[Scope, Receive, Send, int, str], Awaitable[None]]


async def refuse_as_json(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
    """The refusal as ``{"detail": message}``: what the API gets, and pages when no renderer is given."""
    from starlette.responses import JSONResponse

    await JSONResponse({"detail": message}, status_code=status)(scope, receive, send)


# ------------------------------------------------------------------------------------------------
# Failed logins


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@dataclass
class Throttle:
    failures: int
    wait_seconds: float


def _delay_after(failures: int) -> float:
    if failures < FREE_FAILURES:
        return 0.0
    return min(2.0 ** (failures - FREE_FAILURES + 1), MAX_DELAY)


def login_subject(session: Session, username: str) -> str:
    """How the audit log names a login attempt: the username when it names an account, otherwise its
    keyed hash (``tremplin.core.audit.username_key``): what a visitor typed is never stored as typed."""
    from tremplin.core.audit import username_key

    if username and session.scalar(select(Staff.id).where(Staff.username == username)) is not None:
        return username[:64]
    app = session.info.get("app")
    return username_key(app.settings.secret_key if app is not None else "", username)


def login_throttle(session: Session, username: str, address: str, now: datetime | None = None) -> Throttle:
    """How many recent failures there are for this username or address, and how long to wait."""
    now = now or datetime.now(UTC)
    since = now - FAILURE_WINDOW
    subject = login_subject(session, username)
    last_ok = session.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.action == "login.ok", AuditEvent.object_id == subject, AuditEvent.at > since
        )
    )
    user_since = max(since, last_ok) if last_ok else since
    worst = Throttle(0, 0.0)
    for column, value, start in (
        (AuditEvent.object_id, subject, user_since),
        (AuditEvent.actor, f"ip:{address}"[:80], since),
    ):
        count, last = session.execute(
            select(func.count(AuditEvent.id), func.max(AuditEvent.at)).where(
                AuditEvent.action == "login.failed", column == value, AuditEvent.at > start
            )
        ).one()
        if not count:
            continue
        wait = (last + timedelta(seconds=_delay_after(count)) - now).total_seconds()
        if count > worst.failures or wait > worst.wait_seconds:
            worst = Throttle(max(count, worst.failures), max(wait, worst.wait_seconds, 0.0))
    return worst


def record_login(
    session: Session, username: str, address: str, ok: bool, staff: Staff | None = None, reason: str = ""
) -> None:
    event = AuditEvent(
        action="login.ok" if ok else "login.failed",
        staff_id=staff.id if staff else None,
        actor=f"ip:{address}"[:80],
        object_type="login",
        object_id=staff.username[:64] if staff is not None else login_subject(session, username),
        details={"reason": reason} if reason else {},
    )
    session.add(event)


_DUMMY_HASH: str | None = None


def check_password(staff: Staff | None, password: str) -> bool:
    """Verify a password; for an unknown account, spend the same time on a dummy hash."""
    from tremplin.core.admin import hash_password, verify_password

    global _DUMMY_HASH
    if staff is None or not staff.password_hash:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
        verify_password(_DUMMY_HASH, password)
        return False
    return verify_password(staff.password_hash, password)


# ------------------------------------------------------------------------------------------------
# API tokens


#: API tokens seen recently: (app, token hash) -> (valid until, the account, detached). A replaced token
#: or a deactivated account stops working in this process at once, in others within ``TOKEN_TTL``.
_TOKENS: dict[tuple[int, str], tuple[float, Staff]] = {}
TOKEN_TTL = 10.0


def forget_tokens() -> None:
    """Forget the accounts behind recently seen API tokens (a token, a role or an account changed)."""
    _TOKENS.clear()


def hash_api_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_api_token(session: Session, staff: Staff) -> str:
    """Give ``staff`` a new API token (the old one stops working); returns it, to be shown once."""
    from tremplin.core.audit import audit

    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    staff.api_token_hash = hash_api_token(token)
    session.flush()
    forget_tokens()
    audit(session, "staff.api_token", staff, "staff", staff.id)
    return token


def staff_for_token(session: Session, token: str) -> Staff | None:
    if not token:
        return None
    staff = session.scalar(select(Staff).where(Staff.api_token_hash == hash_api_token(token)))
    if staff is None or not staff.active:
        return None
    return staff

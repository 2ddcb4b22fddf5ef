"""FastAPI dependencies every page and API route uses: the app, a session, who is asking, may they.

Typical use in a route (core's or a plugin's)::

    from tremplin.core.web.deps import ensure_audience, get_session, require_capability

    @router.get("/euroguidance/destinations")
    def destinations(request: Request, staff: Staff = Depends(require_capability("dashboard")),
                     session: Session = Depends(get_session)) -> HTMLResponse:
        ensure_audience(staff, "euroguidance")
        ...

``require_capability("cases")`` lets in the accounts whose roles have that capability
(``tremplin.core.web.policy``, derived from the registered roles).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from tremplin.core.models import Staff
from tremplin.core.web import policy
from tremplin.core.web.security import _TOKENS, TOKEN_TTL, hash_api_token, session_staff, staff_for_token

if TYPE_CHECKING:
    import asyncio

    from starlette.datastructures import FormData

    from tremplin.core.app import App


#: The token lookups under way, by token: requests carrying a token being looked up wait for that lookup.
_TOKEN_LOOKUPS: dict[tuple[int, str], asyncio.Future[Staff | None]] = {}


@dataclass(frozen=True)
class StaffView:
    """What pages show of the account, copied when it is authenticated: templates never touch the ORM
    instance, so an error page rendered after a failed transaction still has its menu."""

    id: int
    username: str
    display_name: str
    roles: tuple[str, ...]
    audiences: tuple[str, ...]
    language: str
    centre_id: int | None

    @classmethod
    def of(cls, staff: Staff) -> StaffView:
        return cls(
            staff.id,
            staff.username,
            staff.display_name or "",
            tuple(staff.roles or ()),
            tuple(staff.audiences or ()),
            staff.language,
            staff.centre_id,
        )

    def may_see(self, audience: str) -> bool:
        return "*" in self.audiences or audience in self.audiences


class LoginRequired(HTTPException):
    """No valid session or token: pages redirect to ``/login``, the API answers 401."""

    def __init__(self, detail: str = "Log in first, or send an API token (Authorization: Bearer ...).") -> None:
        super().__init__(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def get_app(request: Request) -> App:
    """The ``tremplin.core.app.App`` the web app was built around."""
    return request.app.state.tremplin


async def get_session(request: Request) -> AsyncIterator[Session]:
    """An app session for this request (writes keep the roll-up exact); the route commits.

    Opening a session touches no connection, so this runs on the event loop, not in a thread."""
    session = get_app(request).session()
    try:
        yield session
    finally:
        session.close()


def _token_key(app: App, token: str) -> tuple[int, str]:
    return id(app), hash_api_token(token)


def _kept(key: tuple[int, str]) -> Staff | None:
    import time

    hit = _TOKENS.get(key)
    return hit[1] if hit is not None and hit[0] > time.monotonic() else None


def kept_staff_for_token(app: App, token: str) -> Staff | None:
    """The account of an API token if it is kept in memory and still fresh; ``None`` when it must be read
    (or the token is unknown). Reads nothing: for a path that gives way to the full route otherwise."""
    return _kept(_token_key(app, token))


async def _staff_for_token(request: Request, token: str, session_of: Callable[[], Session]) -> Staff | None:
    """The account an API token belongs to, detached from any session (its columns loaded).

    Accounts are kept ``TOKEN_TTL`` seconds by token; when the one kept expires while fifty devices ask at
    once, one lookup answers them all."""
    import asyncio
    import time

    from starlette.concurrency import run_in_threadpool

    key = _token_key(get_app(request), token)
    kept = _kept(key)
    if kept is not None:
        return kept
    loop = asyncio.get_running_loop()
    running = _TOKEN_LOOKUPS.get(key)
    if running is not None and running.get_loop() is loop:
        return await asyncio.shield(running)

    def lookup() -> Staff | None:
        session = session_of()
        found = staff_for_token(session, token)
        session.commit()
        if found is not None:
            session.expunge(found)
        return found

    future: asyncio.Future[Staff | None] = loop.create_future()
    _TOKEN_LOOKUPS[key] = future
    try:
        staff = await run_in_threadpool(lookup)
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # retrieved: no warning when nobody else was waiting
        raise
    else:
        future.set_result(staff)
    finally:
        if _TOKEN_LOOKUPS.get(key) is future:
            del _TOKEN_LOOKUPS[key]
    if staff is not None:
        if len(_TOKENS) > 10_000:
            _TOKENS.clear()
        _TOKENS[key] = (time.monotonic() + TOKEN_TTL, staff)
    return staff


async def _authenticate(request: Request, session_of: Callable[[], Session]) -> Staff:
    """Who is asking: ``Authorization: Bearer <api token>`` or the session cookie; 401 otherwise.

    ``session_of()`` gives the session to read the account with, only called when it must be read (a token
    not kept in memory, a cookie)."""
    from starlette.concurrency import run_in_threadpool

    cached = getattr(request.state, "staff", None)
    if cached is not None:
        return cached
    authorization = request.headers.get("authorization", "")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer":
            raise LoginRequired("Only bearer tokens are accepted: Authorization: Bearer <token>.")
        staff = await _staff_for_token(request, token.strip(), session_of)
        if staff is None:
            raise LoginRequired("This API token is not valid (unknown, replaced, or its account is inactive).")
        request.state.auth = "token"
    else:

        def from_cookie() -> Staff | None:
            session = session_of()
            found = session_staff(request, session)
            # End the read transaction: the connection goes back to the pool while the route works.
            session.commit()
            return found

        found = await run_in_threadpool(from_cookie)
        if found is None:
            raise LoginRequired()
        staff = found
        request.state.auth = "session"
    request.state.staff = staff
    request.state.staff_view = StaffView.of(staff)
    request.state.lang = None  # the account's language may now decide
    return staff


async def current_staff(request: Request, session: Session = Depends(get_session)) -> Staff:
    """The account behind the request: ``Authorization: Bearer <api token>`` or the session cookie.

    A cookie's account stays in the request's session (``get_session``), which the route shares."""
    return await _authenticate(request, lambda: session)


async def current_staff_sessionless(request: Request) -> Staff:
    """``current_staff`` for a route that takes no session of the request: a session is opened only when the
    account must be read, and closed at once; the account comes detached, its columns loaded.

    The API's contact logging uses it: it writes through its own transactions (``tremplin.core.batching``),
    and a device's token is nearly always known already, so most requests open no session at all."""
    opened: list[Session] = []

    def session_of() -> Session:
        if not opened:
            opened.append(get_app(request).session())
        return opened[0]

    try:
        return await _authenticate(request, session_of)
    finally:
        for session in opened:
            session.close()  # detaches the account, whose columns stay loaded (no expiry on commit)


def require_roles(*roles: str) -> Callable[..., Awaitable[Staff]]:
    """A dependency that returns the account if it has one of ``roles``, and answers 403 otherwise."""
    wanted = frozenset(roles)

    async def dependency(staff: Staff = Depends(current_staff)) -> Staff:
        if not wanted & set(staff.roles or ()):
            raise HTTPException(status_code=403, detail="Your role does not give access to this page.")
        return staff

    dependency.__name__ = "require_" + "_or_".join(sorted(wanted)) if wanted else "require_nothing"
    dependency.roles = wanted  # type: ignore[attr-defined]
    return dependency


_CAPABILITY_DEPS: dict[str, Callable[..., Awaitable[Staff]]] = {}


def require_capability(capability: str, sessionless: bool = False) -> Callable[..., Awaitable[Staff]]:
    """A dependency that returns the account if one of its roles has ``capability``, and answers 403 otherwise.

    Which roles have it is read from the app's registered roles (``tremplin.core.web.policy``) at each request,
    so a route declares what it needs and the plugins that are loaded decide who has it. ``sessionless``: for
    a route that takes no session of the request (``current_staff_sessionless``)."""
    key = f"{capability}:sessionless" if sessionless else capability
    dep = _CAPABILITY_DEPS.get(key)
    if dep is None:
        who = current_staff_sessionless if sessionless else current_staff

        async def dependency(request: Request, staff: Staff = Depends(who)) -> Staff:
            if not policy.can(get_app(request), staff, capability):
                raise HTTPException(status_code=403, detail="Your role does not give access to this page.")
            return staff

        dependency.__name__ = f"require_{capability}"
        dependency.capability = capability  # type: ignore[attr-defined]
        dep = _CAPABILITY_DEPS[key] = dependency
    return dep


def ensure_audience(staff: Staff, audience: str | None) -> None:
    """403 unless the account may see ``audience``."""
    if audience is not None and not staff.may_see(audience):
        raise HTTPException(status_code=403, detail="Your account does not see this audience.")


def ensure_centre(staff: Staff, centre_id: int | None) -> None:
    """403 unless the account may see the centre (accounts bound to a centre see only theirs)."""
    if not policy.may_see_centre(staff, centre_id):
        raise HTTPException(status_code=403, detail="Your account does not see this centre.")


def visible_or_404(staff: Staff, record: Any, detail: str) -> None:
    """404 with ``detail`` when ``record`` is missing, and the same 404 when the account may not see it (another
    centre, another audience): a 403 would tell the account that the record exists."""
    if record is None or not policy.may_see_centre(staff, getattr(record, "centre_id", None)):
        raise HTTPException(status_code=404, detail=detail)
    audience = getattr(record, "audience", None)
    if audience is not None and not staff.may_see(audience):
        raise HTTPException(status_code=404, detail=detail)


def ensure_record(staff: Staff, record: Any) -> None:
    """Both checks on a contact, activity, referral or case."""
    ensure_centre(staff, getattr(record, "centre_id", None))
    ensure_audience(staff, getattr(record, "audience", None))


async def form_data(request: Request) -> FormData:
    """The posted form, read once (for sync routes that need every field of a plugin's form).

    NUL characters are dropped from every value: no database column may hold one (PostgreSQL refuses
    them) and no person types one."""
    from starlette.datastructures import FormData as Data

    form = await request.form()
    return Data(
        [(key, value.replace("\x00", "") if isinstance(value, str) else value) for key, value in form.multi_items()]
    )

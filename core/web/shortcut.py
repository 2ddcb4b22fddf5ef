"""The short path of ``POST /api/v1/contacts``, the route field devices and imports call hundreds of times a
second.

Through the full stack a contact spends most of its time outside its own work: the session and CSRF
middleware, the router, FastAPI's dependency solving. A request that needs none of them (a bearer token the
server already knows, no cookie, a JSON body that the route's own model accepts, an account that may log that
audience) is answered here, by the route's own code (``routes.api.log_posted_contact``: the same model, the same
checks, the same group commit), with the same answer. Every other request, and any refusal, goes on to the
full stack, which answers it as always, in the asker's language: the short path never answers an error.

It sits inside compression, the security headers and the proxy rule, so its answers get those as the route's do.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tremplin.core.app import App

PATH = "/api/v1/contacts"
#: Bodies larger than this go the full way (a contact is well under 2 KB).
MAX_BODY = 64 * 1024


class ContactShortcut:
    """ASGI middleware: answers a plain, valid ``POST /api/v1/contacts`` by a known token without the full stack."""

    def __init__(self, asgi: Any) -> None:
        self.asgi = asgi
        #: Requests answered here (the rest went the full way): the operator's and the tests' way to see it work.
        self.served = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != PATH:
            await self.asgi(scope, receive, send)
            return
        token = _plain_bearer(scope["headers"])
        if token is None:
            await self.asgi(scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: nobody to answer
                return
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            more = message.get("more_body", False)
            if size > MAX_BODY:
                break
        body = b"".join(chunks)
        if not more:
            # The app the web app serves, read at each request as the routes read it (``deps.get_app``).
            contact = await self._log(scope["app"].state.tremplin, token, body)
            if contact is not None:
                from fastapi.responses import JSONResponse

                from tremplin.core.web.routes.api import contact_json

                self.served += 1
                await JSONResponse(contact_json(contact), status_code=201)(scope, receive, send)
                return
        from tremplin.core.web.security import replay_body

        await self.asgi(scope, replay_body(body, receive, more), send)

    async def _log(self, app: App, token: str, body: bytes) -> Any:
        """The written contact, or ``None`` when the full route must answer (nothing was written then)."""
        from pydantic import ValidationError

        from tremplin.core.web import policy
        from tremplin.core.web.deps import kept_staff_for_token
        from tremplin.core.web.routes.api import ContactIn, log_posted_contact

        staff = kept_staff_for_token(app, token)
        if staff is None or not policy.can(app, staff, "log"):
            return None
        try:
            posted = ContactIn.model_validate(json.loads(body))
        except (ValueError, ValidationError):  # not JSON, or not a contact: the route explains
            return None
        if not staff.may_see(posted.audience):
            return None
        try:
            return await log_posted_contact(app, posted, staff)
        except Exception:  # noqa: BLE001 - refused, not written: the full route refuses it in the asker's words
            return None


def _plain_bearer(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The bearer token of a request with a JSON body and no cookie (a cookie may be a session to renew, which
    the session middleware does), or ``None``."""
    token: str | None = None
    json_body = False
    for name, value in headers:
        if name == b"cookie":
            return None
        if name == b"authorization":
            scheme, _, rest = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer" or token is not None:
                return None
            token = rest.strip()
        elif name == b"content-type":
            json_body = value.split(b";", 1)[0].strip().lower() == b"application/json"
    return token if token and json_body else None

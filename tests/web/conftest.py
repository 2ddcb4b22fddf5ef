"""Fixtures for the web app: real HTTP through Starlette's TestClient against the ASGI app, on every engine.

``web`` is a ``Web`` helper around one app (the ``app`` fixture: SQLite, and PostgreSQL when
``TREMPLIN_TEST_DATABASE_URL`` is set) with the ``centre`` fixture's sites, a partner and one account
per role (username = role, password ``tremplin-demo-<role>``, bound to the centre). ``web.client(role)`` is a
logged-in client; ``web.api(role)`` a client with the account's API token.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from starlette.testclient import TestClient

from tremplin.core.app import App

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "tremplin-demo-{role}"


@cache
def password_hash(password: str) -> str:
    """A real argon2 hash of a test account's password, with argon2's lightest parameters.

    argon2 is slow on purpose (half a second a check on this kind of machine), and every test client
    logs in: with the production parameters, checking passwords was most of the web tests' time. The
    login code verifies these hashes exactly as it verifies production ones (the parameters are read from
    the hash); the production parameters are used by ``tremplin staff add`` and tested with it."""
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash(password)


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page carries a CSRF token"
    return match.group(1)


#: The web applications the ``web`` fixture built, by what they were built from (``web_app_for``).
_WEB_APPS: dict[Any, Any] = {}


def web_app_for(app: App) -> Any:
    """The web application serving ``app``: built once per configuration, then pointed at each test's app.

    Building it is most of a web test's set-up (FastAPI reads every route's signature: about 0.4 s). What it
    is built from is the same in every test with the same settings and plugins: its routes are the modules'
    routers, and every request finds the app in ``state.tremplin``. So it is built once per settings (the
    database aside), plugin objects and cookie setting; for each test ``state.tremplin`` is the test's app,
    and the OpenAPI schema is made anew, from that app (a test may change its registry)."""
    from dataclasses import replace

    from tremplin.core.web import openapi
    from tremplin.core.web.app import _document_forms, create_web_app

    plugins = tuple(plugin for _name, plugin in app.pm.list_name_plugin())
    key = (replace(app.settings, database_url=""), plugins, os.environ.get("TREMPLIN_SECURE_COOKIES", ""))
    try:
        asgi = _WEB_APPS.get(key)
    except TypeError:  # a setting or a plugin that cannot be a key: built for this test alone
        return create_web_app(app)
    if asgi is None:
        asgi = _WEB_APPS[key] = create_web_app(app)
    else:
        asgi.state.tremplin = app
        asgi.openapi_schema = None
        openapi.install(asgi)
        _document_forms(app, asgi)
    return asgi


class Web:
    def __init__(self, app: App, centre_id: int, asgi: Any = None) -> None:
        from tremplin.core.web.app import create_web_app

        self.app = app
        self.centre_id = centre_id
        self.asgi = asgi if asgi is not None else create_web_app(app)
        self.staff: dict[str, int] = {}
        self.tokens: dict[str, str] = {}
        self._clients: list[TestClient] = []

    # -- accounts ---------------------------------------------------------------------------------

    def add_account(
        self,
        username: str,
        roles: list[str],
        audiences: list[str] | None = None,
        centre: bool = True,
        language: str = "fr",
        password: str | None = None,
    ) -> int:
        from tremplin.core.models import Staff

        with self.app.transaction() as session:
            account = Staff(
                username=username,
                display_name=username.replace("_", " ").title(),
                password_hash=password_hash(password or PASSWORD.format(role=username)),
                roles=roles,
                audiences=audiences if audiences is not None else sorted(self.app.registry.default_audiences(roles)),
                language=language,
                centre_id=self.centre_id if centre else None,
            )
            session.add(account)
            session.flush()
            self.staff[username] = account.id
            return account.id

    def add_role_accounts(self) -> None:
        for role in self.app.registry.roles:
            self.add_account(role, [role])

    def token(self, username: str) -> str:
        from tremplin.core.models import Staff
        from tremplin.core.web.security import issue_api_token

        if username not in self.tokens:
            with self.app.transaction() as session:
                self.tokens[username] = issue_api_token(session, session.get(Staff, self.staff[username]))
        return self.tokens[username]

    # -- clients ----------------------------------------------------------------------------------

    def anonymous(self, **headers: str) -> TestClient:
        client = TestClient(
            self.asgi, base_url="http://testserver", raise_server_exceptions=True, follow_redirects=False
        )
        client.headers.update({"accept-language": "fr-BE,fr;q=0.9", **headers})
        self._clients.append(client)
        return client

    def client(self, username: str, password: str | None = None, **headers: str) -> TestClient:
        client = self.anonymous(**headers)
        response = login(client, username, password or PASSWORD.format(role=username))
        assert response.status_code == 303, (response.status_code, response.text[:500])
        return client

    def api(self, username: str) -> TestClient:
        client = self.anonymous()
        client.headers["authorization"] = f"Bearer {self.token(username)}"
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()


def login(client: TestClient, username: str, password: str) -> Any:
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_of(page.text)})


def post_form(client: TestClient, page_path: str, action: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """Open ``page_path`` (for its CSRF token) and post ``data`` to ``action`` as its form would."""
    page = client.get(page_path)
    assert page.status_code == 200, (page_path, page.status_code, page.text[:300])
    return client.post(action, data={**data, "csrf_token": csrf_of(page.text)}, **kwargs)


@pytest.fixture
def web(app: App, centre: int) -> Iterator[Web]:
    from tremplin.core.models import Partner

    with app.transaction() as session:
        session.add(Partner(centre_id=centre, code="actiris", name="Actiris", kind="pes"))
        session.add(Partner(centre_id=centre, code="amo-rythme", name="AMO Rythme", kind="youth"))
    helper = Web(app, centre, web_app_for(app))
    helper.add_role_accounts()
    yield helper
    helper.close()


class _FormParser:
    """The values a browser would submit from a form, untouched (inputs, checked boxes, selected options)."""

    def __init__(self, form_id: str) -> None:
        from html.parser import HTMLParser

        outer = self
        self.form_id = form_id
        self.values: list[tuple[str, str]] = []
        self.inside = False
        self._select: str | None = None
        self._select_value: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

        class Parser(HTMLParser):
            def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
                outer.start(tag, dict(attrs))

            def handle_endtag(self, tag: str) -> None:
                outer.end(tag)

            def handle_data(self, data: str) -> None:
                if outer._textarea is not None:
                    outer._text.append(data)

        self.parser = Parser()

    def start(self, tag: str, a: dict[str, str | None]) -> None:
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
            return
        if not self.inside:
            return
        if tag == "option":
            if self._select is not None:
                value = a.get("value") or ""
                if self._first_option is None:
                    self._first_option = value
                if "selected" in a:
                    self._select_value = value
            return
        name = a.get("name")
        if not name:
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.values.append((name, a.get("value") or "on"))
            elif kind not in ("submit", "button"):
                self.values.append((name, a.get("value") or ""))
        elif tag == "select":
            self._select, self._select_value, self._first_option = name, None, None
        elif tag == "textarea":
            self._textarea, self._text = name, []

    def end(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self._select is not None:
            self.values.append(
                (self._select, self._select_value if self._select_value is not None else (self._first_option or ""))
            )
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.values.append((self._textarea, "".join(self._text)))
            self._textarea = None


def form_values(html: str, form_id: str) -> list[tuple[str, str]]:
    """What submitting the form ``form_id`` of ``html`` unchanged would send."""
    parser = _FormParser(form_id)
    parser.parser.feed(html)
    return parser.values


@pytest.fixture
def slow_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rules with a first wait of a minute: a slow machine cannot let a wait run out in the middle of a test."""
    from dataclasses import replace

    from tremplin.core.web import throttle

    for name in ("ADDRESS", "ACCOUNT_AT_ADDRESS", "ACCOUNT"):
        monkeypatch.setattr(throttle, name, replace(getattr(throttle, name), first_wait=60.0))

"""Login throttling against a live server: real concurrent HTTP clients on 127.0.0.1, on every engine.

A burst of parallel wrong passwords gets no more password checks than the free attempts; attempts refused while
throttled are not counted; a stranger at one address cannot keep the account's owner out at another (loopback
has many addresses: 127.0.0.2 is a different client to the server); proxy headers are believed from the trusted
proxies only.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.web.conftest import Web
from tremplin.core.app import App
from tremplin.core.web import throttle

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
OWNER_PASSWORD = "tremplin-demo-admin"


class LiveServer:
    """uvicorn serving the web app on 127.0.0.1 in a thread, with the options of ``tremplin serve``."""

    def __init__(self, asgi: Any) -> None:
        import uvicorn

        from tremplin.core.web.app import UVICORN_OPTIONS

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(512)
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(
            asgi,
            host="127.0.0.1",
            log_level="warning",
            access_log=False,
            backlog=512,
            lifespan="off",
            **UVICORN_OPTIONS,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live(web: Web) -> Iterator[LiveServer]:
    server = LiveServer(web.asgi)
    yield server
    server.stop()


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password actually checked against an account's hash (argon2), in order."""
    import tremplin.core.admin as admin

    seen: list[str] = []
    lock = threading.Lock()
    real = admin.verify_password

    def counting(hashed: str, password: str) -> bool:
        with lock:
            seen.append(password)
        return real(hashed, password)

    monkeypatch.setattr(admin, "verify_password", counting)
    return seen


def browser(live: LiveServer, address: str = "127.0.0.1") -> httpx.Client:
    """A client connecting from ``address`` (any 127.x.y.z reaches the server), with the login form's cookie."""
    transport = httpx.HTTPTransport(local_address=address)
    client = httpx.Client(base_url=live.url, transport=transport, timeout=120, follow_redirects=False)
    return client


def login_form(client: httpx.Client) -> str:
    page = client.get("/login")
    assert page.status_code == 200
    match = CSRF.search(page.text)
    assert match
    return match.group(1)


def burst(
    live: LiveServer, n: int, username: str, password: str, address: str = "127.0.0.1", **headers: str
) -> list[int]:
    """``n`` logins posted at the same moment, each from its own connection; their status codes."""
    clients = [browser(live, address) for _ in range(n)]
    tokens = [login_form(c) for c in clients]
    barrier = threading.Barrier(n)
    codes: list[int] = [0] * n

    def attempt(i: int) -> None:
        barrier.wait()
        response = clients[i].post(
            "/login", data={"username": username, "password": password, "csrf_token": tokens[i]}, headers=headers
        )
        codes[i] = response.status_code

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    for client in clients:
        client.close()
    return codes


def one_login(live: LiveServer, username: str, password: str, address: str = "127.0.0.1", **headers: str) -> int:
    with browser(live, address) as client:
        token = login_form(client)
        data = {"username": username, "password": password, "csrf_token": token}
        return client.post("/login", data=data, headers=headers).status_code


def failures_counted(app: App, username: str, address: str) -> dict[str, int]:
    from tremplin.core.models import LoginThrottle

    keys = throttle.keys_for(app.settings.secret_key, username, address)
    with app.session() as session:
        rows = dict(session.execute(select(LoginThrottle.key, LoginThrottle.failures)).all())
    return {rule.name: rows.get(key, 0) for key, rule in keys}


def allowed_checks(seconds: float) -> int:
    """The checks the rule allows within ``seconds``: the free ones, then one after each wait (2 s, 4 s...)."""
    rule = throttle.ACCOUNT_AT_ADDRESS
    allowed, spent = rule.free, 0.0
    while spent + rule.wait_after(allowed) <= seconds:
        spent += rule.wait_after(allowed)
        allowed += 1
    return allowed


@pytest.mark.parametrize("n", [40, 80])
def test_a_burst_checks_no_more_than_the_free_attempts(web: Web, live: LiveServer, checks: list[str], n: int) -> None:
    started = time.monotonic()
    codes = burst(live, n, "admin", "wrong-password-guess")
    elapsed = time.monotonic() - started
    # A burst that outlasts the first wait (2 s, on a loaded machine) may earn one more check, never more.
    limit = allowed_checks(elapsed)
    assert len(checks) <= limit, f"{len(checks)} passwords checked in a burst of {n} over {elapsed:.1f} s"
    if elapsed < 2:
        assert len(checks) == throttle.ACCOUNT_AT_ADDRESS.free
    assert len(checks) >= 1
    assert codes.count(401) == len(checks), "each checked attempt is answered 'incorrect'"
    assert codes.count(429) == n - len(checks), "the others are refused without a check"
    counted = failures_counted(web.app, "admin", "127.0.0.1")
    assert counted[throttle.ACCOUNT_AT_ADDRESS.name] == len(checks), "refused attempts are not counted"


def test_refusals_while_throttled_do_not_lengthen_the_wait(
    web: Web, live: LiveServer, checks: list[str], slow_waits: None
) -> None:
    from tremplin.core.models import LoginThrottle

    for _ in range(3):
        assert one_login(live, "admin", "wrong-password-guess") == 401
    key = throttle.keys_for(web.app.settings.secret_key, "admin", "127.0.0.1")[1][0]
    with web.app.session() as session:
        until = session.scalar(select(LoginThrottle.next_allowed_at).where(LoginThrottle.key == key))
    # Ten more attempts during the wait, in parallel: all refused, none counted (before, each doubled the wait).
    assert burst(live, 10, "admin", "wrong-password-guess") == [429] * 10
    assert failures_counted(web.app, "admin", "127.0.0.1")[throttle.ACCOUNT_AT_ADDRESS.name] == 3
    with web.app.transaction() as session:
        row = session.get(LoginThrottle, key)
        assert row is not None and row.next_allowed_at == until, "the wait did not grow"
        row.next_allowed_at = until - timedelta(seconds=61)  # the minute has passed
    assert one_login(live, "admin", OWNER_PASSWORD) == 303, "once the wait has passed, the right password works"
    assert len(checks) == 4


def test_a_stranger_cannot_lock_the_owner_out_from_another_address(
    web: Web, live: LiveServer, checks: list[str], slow_waits: None
) -> None:
    # A stranger at 127.0.0.2 hammers the administrator's account: a parallel burst, then more one by one.
    codes = burst(live, 40, "admin", "guess-number-one", address="127.0.0.2")
    codes += [one_login(live, "admin", f"guess-number-{i}", address="127.0.0.2") for i in range(7)]
    assert set(codes) == {401, 429} and codes.count(401) == throttle.ACCOUNT_AT_ADDRESS.free
    assert one_login(live, "admin", OWNER_PASSWORD, address="127.0.0.2") == 429, "the stranger's address is slowed down"
    # The owner, at the office's address, logs in at once with the right password.
    assert one_login(live, "admin", OWNER_PASSWORD, address="127.0.0.1") == 303
    # And a colleague at the stranger's address is not held up by the stranger's guesses at another account.
    assert one_login(live, "reception", "tremplin-demo-reception", address="127.0.0.2") == 303


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(
    web: Web, live: LiveServer, checks: list[str], slow_waits: None
) -> None:
    # By default nobody is a trusted proxy, not even 127.0.0.1: a local process cannot pick its address.
    codes = [
        one_login(live, "admin", "wrong-password-guess", **{"X-Forwarded-For": f"198.51.100.{i}"}) for i in range(1, 7)
    ]
    assert codes == [401, 401, 401, 429, 429, 429], "every attempt counted for 127.0.0.1"
    assert failures_counted(web.app, "admin", "198.51.100.1")[throttle.ACCOUNT_AT_ADDRESS.name] == 0


def test_a_trusted_proxy_names_the_client(db_url: str, centre: int, checks: list[str], slow_waits: None) -> None:
    from tests.conftest import make_app

    app = make_app(db_url, trusted_proxies=("127.0.0.1",))
    web = Web(app, centre)
    web.add_account("admin", ["admin"])
    server = LiveServer(web.asgi)
    try:
        codes = [
            one_login(server, "admin", "wrong-password-guess", **{"X-Forwarded-For": f"203.0.113.9, 198.51.100.{i}"})
            for i in range(1, 6)
        ]
        assert codes == [401] * 5, "each forwarded address is its own client (three free attempts each)"
        assert failures_counted(app, "admin", "198.51.100.1")[throttle.ACCOUNT_AT_ADDRESS.name] == 1
        # From an address that is not a trusted proxy, the header is ignored.
        assert (
            one_login(server, "admin", "wrong-password-guess", address="127.0.0.3", **{"X-Forwarded-For": "10.9.9.9"})
            == 401
        )
        assert failures_counted(app, "admin", "127.0.0.3")[throttle.ACCOUNT_AT_ADDRESS.name] == 1
    finally:
        server.stop()
        web.close()
        app.close()

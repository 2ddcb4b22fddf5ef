"""Behind a proxy, and the rest of the headers: links from the public base URL (never the Host header), no cache
for what a logged-in reader sees, a Secure cookie over HTTPS, proxy headers from the trusted proxies only."""

from __future__ import annotations

from sqlalchemy import select
from starlette.testclient import TestClient

from tests.web.conftest import Web, csrf_of
from tremplin.core.models import Partner
from tremplin.core.web.app import TrustedProxies


def referral_page(web: Web, client: TestClient) -> str:
    page = client.get("/referrals/new")
    with web.app.session() as session:
        actiris = session.scalars(select(Partner.id).where(Partner.code == "actiris")).one()
    form = {"audience": "general", "to_partner": str(actiris), "csrf_token": csrf_of(page.text)}
    created = client.post("/referrals", data=form)
    assert created.status_code == 303, created.text[:300]
    detail = client.get(created.headers["location"])
    assert detail.status_code == 200
    return detail.text


def test_links_come_from_the_public_base_url_never_from_the_host_header(web: Web) -> None:
    web.app.settings = web.app.settings.with_(public_base_url="https://tremplin.cdm.example")
    client = web.client("reception", **{"host": "evil.example"})
    import re

    import segno
    from sqlalchemy import select

    from tremplin.core.anonymity import format_token
    from tremplin.core.models import Referral

    html = referral_page(web, client)
    assert "https://tremplin.cdm.example/r" in html, "the partner's address"
    with web.app.session() as session:
        token = format_token(session.scalars(select(Referral.token)).one())

    def qr_path(url: str) -> str:
        match = re.search(r' d="([^"]+)"', segno.make(url, error="m").svg_inline(scale=5, border=2))
        assert match
        return match.group(1)

    assert qr_path(f"https://tremplin.cdm.example/r?t={token}") in html, "the QR code encodes the public address"
    assert qr_path(f"http://evil.example/r?t={token}") not in html
    assert "evil.example" not in html
    assert "testserver" not in html
    for path in ("/dashboard", "/account", "/referrals", "/login"):
        assert "evil.example" not in client.get(path).text, path


def test_logged_in_pages_and_api_answers_are_never_cached(web: Web) -> None:
    client = web.client("counsellor")
    for path in ("/dashboard", "/account", "/contacts", "/referrals"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path
    api = web.api("counsellor")
    for path in ("/api/v1/me", "/api/v1/contacts", "/api/v1/contacts/999999"):
        assert api.get(path).headers["cache-control"] == "no-store", path
    assert web.anonymous().get("/api/v1/me").headers["cache-control"] == "no-store", "refusals too"
    assert "max-age" in web.anonymous().get("/static/htmx.min.js").headers["cache-control"], "static files are cached"


def test_the_session_cookie_is_secure_when_the_public_base_url_is_https(db_url: str, centre: int) -> None:
    from tests.conftest import make_app

    for base, secure in (("https://tremplin.cdm.example", True), ("http://127.0.0.1:8000", False)):
        app = make_app(db_url, public_base_url=base)
        web = Web(app, centre)
        try:
            cookie = web.anonymous().get("/login").headers["set-cookie"].lower()
            assert ("; secure" in cookie) is secure, (base, cookie)
            assert "httponly" in cookie and "samesite=lax" in cookie
        finally:
            web.close()
            app.close()


async def _scope_after(trusted: tuple[str, ...], client: str, headers: list[tuple[bytes, bytes]]) -> dict:
    seen: dict = {}

    async def app(scope: dict, receive: object, send: object) -> None:
        seen.update(scope)

    scope = {"type": "http", "path": "/", "client": (client, 5000), "scheme": "http", "headers": headers}
    await TrustedProxies(app, trusted)(scope, None, None)
    return seen


def test_proxy_headers_only_from_trusted_proxies() -> None:
    import asyncio

    headers = [(b"x-forwarded-for", b"198.51.100.7, 10.0.0.2"), (b"x-forwarded-proto", b"https")]
    untrusted = asyncio.run(_scope_after((), "127.0.0.1", headers))
    assert untrusted["client"] == ("127.0.0.1", 5000) and untrusted["scheme"] == "http", "none trusted by default"
    other = asyncio.run(_scope_after(("10.0.0.2",), "10.0.0.9", headers))
    assert other["client"] == ("10.0.0.9", 5000), "not from a trusted proxy: ignored"
    trusted = asyncio.run(_scope_after(("10.0.0.2",), "10.0.0.2", headers))
    # The last hop that is not itself a trusted proxy is the client (the first may be forged by the client).
    assert trusted["client"] == ("198.51.100.7", 0) and trusted["scheme"] == "https"


def test_settings_from_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tremplin.core.settings import Settings

    assert Settings().trusted_proxies == () and Settings().session_idle_minutes == 120
    monkeypatch.setenv("TREMPLIN_TRUSTED_PROXIES", "10.0.0.2, 10.0.0.3")
    monkeypatch.setenv("TREMPLIN_PUBLIC_BASE_URL", "https://tremplin.cdm.example")
    settings = Settings.from_env()
    assert settings.trusted_proxies == ("10.0.0.2", "10.0.0.3") and settings.https

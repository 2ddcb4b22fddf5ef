"""Logging in and out, CSRF refusals, slowing down password guessing, sessions, language choice."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from tests.web.conftest import Web, csrf_of, login
from tremplin.core.audit import username_key
from tremplin.core.models import AuditEvent, Staff


def test_login_logout_and_the_front_door(web: Web) -> None:
    client = web.anonymous()
    front = client.get("/")
    assert front.status_code == 303 and front.headers["location"] == "/login"
    page = client.get("/dashboard")
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=/dashboard")

    response = login(client, "counsellor", "tremplin-demo-counsellor")
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200
    assert 'lang="fr"' in dashboard.text and "Se déconnecter" in dashboard.text

    logout = client.post("/logout", data={"csrf_token": csrf_of(dashboard.text)})
    assert logout.status_code == 303 and logout.headers["location"] == "/login"
    assert client.get("/dashboard").status_code == 303, "the session ended"
    with web.app.session() as session:
        assert session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "login.ok")) == 1


def test_login_goes_back_where_it_was_asked_and_only_there(web: Web) -> None:
    client = web.anonymous()
    page = client.get("/login?next=/cases")
    response = client.post(
        "/login",
        data={
            "username": "neet_worker",
            "password": "tremplin-demo-neet_worker",
            "next": "/cases",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert response.headers["location"] == "/cases"
    other = web.anonymous()
    page = other.get("/login")
    response = other.post(
        "/login",
        data={
            "username": "neet_worker",
            "password": "tremplin-demo-neet_worker",
            "next": "//evil.example/x",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert response.headers["location"] == "/dashboard", "an outside address is never followed"


def test_a_wrong_password_is_refused_keeps_the_username_and_is_logged(web: Web) -> None:
    client = web.anonymous()
    response = login(client, "counsellor", "not-the-password")
    assert response.status_code == 401
    assert 'role="alert"' in response.text and "incorrect" in response.text
    assert 'value="counsellor"' in response.text, "the username typed is kept"
    unknown = login(client, "nobody", "whatever-it-is")
    assert unknown.status_code == 401
    with web.app.session() as session:
        failed = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "login.failed").order_by(AuditEvent.id)
        ).all()
        # An account's name is kept; a name that is no account's is kept as a keyed hash only.
        assert [e.object_id for e in failed] == ["counsellor", username_key(web.app.settings.secret_key, "nobody")]
        assert all(e.actor == "ip:testclient" for e in failed)


def test_posts_without_the_csrf_token_are_refused(web: Web) -> None:
    client = web.anonymous()
    client.get("/login")
    no_token = client.post("/login", data={"username": "admin", "password": "tremplin-demo-admin"})
    assert no_token.status_code == 403
    assert "expiré" in no_token.text, "the refusal is in the user's language"
    wrong = client.post("/login", data={"username": "admin", "password": "tremplin-demo-admin", "csrf_token": "forged"})
    assert wrong.status_code == 403
    with web.app.session() as session:
        assert session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "login.ok")) == 0

    staff = web.client("reception")
    page = staff.get("/referrals/new")
    assert staff.post("/referrals", data={"audience": "general"}).status_code == 403
    # The token of another session does not do either.
    other = web.client("counsellor")
    assert other.post("/referrals", data={"audience": "general", "csrf_token": csrf_of(page.text)}).status_code == 403
    # HTMX sends it as a header; JSON calls with the session cookie must too.
    partner = re.findall(r'<option value="(\d+)"', page.text)[0]  # the first partner offered (a referral names one)
    assert (
        staff.post(
            "/referrals",
            data={"audience": "general", "to_partner": partner},
            headers={"X-CSRF-Token": csrf_of(page.text)},
        ).status_code
        == 303
    )
    api = staff.post("/api/v1/referrals", json={"audience": "general"})
    assert api.status_code == 403 and "detail" in api.json()
    assert (
        staff.post(
            "/api/v1/referrals", json={"audience": "general"}, headers={"X-CSRF-Token": csrf_of(page.text)}
        ).status_code
        == 201
    )


def test_repeated_failures_are_slowed_down_per_account_at_an_address(web: Web, slow_waits: None) -> None:
    from tremplin.core.models import LoginThrottle

    client = web.anonymous()
    for _ in range(3):
        assert login(client, "admin", "wrong-password").status_code == 401
    # The fourth attempt comes too early: refused without looking at the password, even the right one.
    slowed = login(client, "admin", "tremplin-demo-admin")
    assert slowed.status_code == 429
    assert int(slowed.headers["retry-after"]) >= 1
    assert "Réessayez dans" in slowed.text
    # Another account at the same address (a colleague behind the centre's router) is not held up by three.
    assert login(web.anonymous(), "reception", "tremplin-demo-reception").status_code == 303

    # Once the delay has passed, the right password works.
    with web.app.transaction() as session:
        for row in session.scalars(select(LoginThrottle)):
            row.next_allowed_at = datetime.now(UTC) - timedelta(seconds=1)
    assert login(client, "admin", "tremplin-demo-admin").status_code == 303


def test_the_delay_doubles_with_each_failure_and_each_key_has_its_own_rule(web: Web) -> None:
    from tremplin.core.web import throttle

    now = datetime.now(UTC)
    secret = web.app.settings.secret_key
    with web.app.session() as session:

        def attempts(at: datetime, n: int) -> list[int]:
            return [
                round(throttle.claim(session, throttle.keys_for(secret, "lead", "10.0.0.1"), now=at)) for _ in range(n)
            ]

        # 3 free attempts, then a wait of 2 s; the refused attempts are not counted (the wait stays 2 s).
        assert attempts(now, 6) == [0, 0, 0, 2, 2, 2]
        # Each failure once the wait has passed doubles it: 4 s, then 8 s.
        assert attempts(now + timedelta(seconds=2), 3) == [0, 4, 4]
        assert attempts(now + timedelta(seconds=6), 2) == [0, 8]
        late = now + timedelta(seconds=60)
        # From another address, the account is not slowed down yet (6 failures; the account-wide rule allows 10).
        assert throttle.claim(session, throttle.keys_for(secret, "lead", "10.0.0.2"), now=late) == 0.0
        assert throttle.claim(session, throttle.keys_for(secret, "someone-else", "10.0.0.3"), now=late) == 0.0
    assert throttle.ACCOUNT.wait_after(40) == throttle.ACCOUNT.max_wait == 30.0, "account-wide: a gentle slowdown"
    assert throttle.ACCOUNT_AT_ADDRESS.wait_after(40) == 300.0
    assert throttle.ADDRESS.wait_after(29) == 0.0 and throttle.ADDRESS.wait_after(30) == 2.0


def test_inactive_accounts_and_changed_passwords_end_sessions(web: Web) -> None:
    client = web.client("schools_coordinator")
    assert client.get("/dashboard").status_code == 200
    with web.app.transaction() as session:
        session.get(Staff, web.staff["schools_coordinator"]).active = False
    assert client.get("/dashboard").status_code == 303
    assert login(web.anonymous(), "schools_coordinator", "tremplin-demo-schools_coordinator").status_code == 401

    client = web.client("reception")
    from tremplin.core.admin import hash_password

    with web.app.transaction() as session:
        session.get(Staff, web.staff["reception"]).password_hash = hash_password("another-password")
    assert client.get("/dashboard").status_code == 303, "a new password ends the sessions of the old one"


def test_the_session_cookie_is_signed(web: Web) -> None:
    client = web.client("admin")
    cookie = client.cookies.get("tremplin_session")
    assert cookie
    forged = web.anonymous()
    forged.cookies.set("tremplin_session", cookie[:-4] + ("AAAA" if not cookie.endswith("AAAA") else "BBBB"))
    assert forged.get("/dashboard").status_code == 303


def test_language_from_the_switch_the_account_and_the_browser(web: Web) -> None:
    browser = web.anonymous(**{"accept-language": "nl-BE,nl;q=0.9,fr;q=0.5"})
    assert 'lang="nl"' in browser.get("/login").text
    assert "Aanmelden" in browser.get("/login").text
    ukrainian = web.anonymous(**{"accept-language": "uk-UA,uk;q=0.9"})
    assert "Увійти" in ukrainian.get("/login").text

    web.add_account("anglophone", ["reception"], language="en")
    client = web.client("anglophone")
    page = client.get("/dashboard")
    assert 'lang="en"' in page.text and "Log out" in page.text, "the account's language beats the browser's"

    switched = client.get("/lang/uk?next=/dashboard")
    assert switched.status_code == 303 and switched.headers["location"] == "/dashboard"
    page = client.get("/dashboard")
    assert 'lang="uk"' in page.text and "Вийти" in page.text, "the switch beats the account"
    assert client.get("/lang/xx?next=https://evil.example").headers["location"] == "/", (
        "unknown languages and outside addresses are ignored"
    )

    # Saving a language on the account page makes it the account's (and forgets the switch).
    response = client.post("/account", data={"language": "nl", "csrf_token": csrf_of(page.text)})
    assert response.status_code == 303
    client.cookies.delete("tremplin_lang")
    assert 'lang="nl"' in client.get("/dashboard").text
    with web.app.session() as session:
        assert session.get(Staff, web.staff["anglophone"]).language == "nl"


def test_changing_ones_own_password(web: Web) -> None:
    client = web.client("counsellor")
    page = client.get("/account")
    wrong = client.post(
        "/account",
        data={
            "language": "fr",
            "current_password": "nope",
            "new_password": "a-new-password",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert wrong.status_code == 422 and "incorrect" in wrong.text
    short = client.post(
        "/account",
        data={
            "language": "fr",
            "current_password": "tremplin-demo-counsellor",
            "new_password": "short",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert short.status_code == 422 and "12 à 200" in short.text
    common = client.post(
        "/account",
        data={
            "language": "fr",
            "current_password": "tremplin-demo-counsellor",
            "new_password": "123456qwerty",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert common.status_code == 422 and "trop courant" in common.text
    ok = client.post(
        "/account",
        data={
            "language": "fr",
            "current_password": "tremplin-demo-counsellor",
            "new_password": "a-new-password",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert ok.status_code == 303
    assert client.get("/dashboard").status_code == 200, "the session that changed it goes on"
    assert login(web.anonymous(), "counsellor", "a-new-password").status_code == 303


def test_security_headers(web: Web) -> None:
    response = web.anonymous().get("/login")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert (
        "httponly" in response.headers["set-cookie"].lower()
        and "samesite=lax" in response.headers["set-cookie"].lower()
    )
    static = web.anonymous().get("/static/htmx.min.js")
    assert static.status_code == 200 and "htmx" in static.text[:200]


def test_the_menu_follows_the_role_and_the_pages_that_exist(web: Web) -> None:
    lead = web.client("programme_lead").get("/dashboard").text
    reports_served = "/reports" in web.asgi.state.page_paths
    assert ('href="/reports"' in lead) == reports_served, (
        "the Reports slot links to /reports once report pages are served"
    )
    assert 'href="/admin"' not in lead and 'href="/cases"' in lead
    truck = web.client("formtruck_adviser").get("/dashboard").text
    for hidden in ("/cases", "/activities", "/admin"):
        assert f'href="{hidden}"' not in truck
    assert 'href="/referrals"' in truck and 'href="/log"' in truck

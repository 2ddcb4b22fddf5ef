"""The whole matrix: every route of the web app and its API, for every role, against a declared policy.

``POLICY`` says, for each core route, which capability of ``tremplin.core.web.policy`` it needs and which
audience the record in its path belongs to. The test enumerates ``app.routes`` (so a new route that is
not declared here fails the test), and for every role account asks every route, then checks: refused
with 403 exactly when the role lacks the capability or the audience, never 401 for a logged-in account,
never a 5xx. Anonymous visitors are sent to the login page (pages) or get 401 (API). Routes a plugin
or the reports add are walked too: they must at least refuse anonymous visitors, and if they declare
their roles with ``require_roles``, those are checked like the core's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import full_registry
from tests.web.conftest import Web, csrf_of
from tremplin.core.bot.threads import open_thread
from tremplin.core.models import ClosurePeriod, Partner, Site, Staff, WorkshopKind
from tremplin.core.records import issue_referral, log_activity, log_contact, open_case
from tremplin.core.web.app import route_table

PUBLIC = "public"
ANY = "any"  # any logged-in account
NETWORK_ADMIN = "network admin"  # an administrator bound to no centre

#: (method, path) -> (capability, audience of the record the path names)
POLICY: dict[tuple[str, str], tuple[str, str | None]] = {
    ("GET", "/openapi.json"): (PUBLIC, None),
    ("GET", "/"): (PUBLIC, None),
    ("GET", "/healthz"): (PUBLIC, None),
    ("GET", "/login"): (PUBLIC, None),
    ("POST", "/login"): (PUBLIC, None),
    ("POST", "/logout"): (PUBLIC, None),
    ("GET", "/lang/{code}"): (PUBLIC, None),
    ("GET", "/r"): (PUBLIC, None),
    ("POST", "/r"): (PUBLIC, None),
    ("GET", "/account"): (ANY, None),
    ("POST", "/account"): (ANY, None),
    ("POST", "/account/token"): (ANY, None),
    ("POST", "/account/logout-everywhere"): (ANY, None),
    ("GET", "/dashboard"): ("dashboard", None),
    ("GET", "/log"): ("log", None),
    ("POST", "/log/undo"): ("log", None),
    ("GET", "/log/{key}"): ("log", "formtruck"),
    ("POST", "/log/{key}"): ("log", "formtruck"),
    ("POST", "/log/{key}/tally"): ("log", "formtruck"),
    ("GET", "/contacts"): ("contacts", None),
    ("GET", "/contacts/export"): ("contacts", None),
    ("GET", "/contacts/{contact_id}"): ("contacts", "general"),
    # Correcting another account's record: programme leads and administrators (an author's own entry of
    # the day is open to every role; tests/web/test_corrections.py walks that rule).
    ("POST", "/contacts/{contact_id}"): ("corrections", "general"),
    ("POST", "/contacts/{contact_id}/delete"): ("corrections", "general"),
    ("GET", "/activities"): ("activities", None),
    ("GET", "/activities/export"): ("activities", None),
    ("GET", "/activities/new"): ("activities", None),
    ("GET", "/activities/{activity_id}"): ("activities", "neet"),
    ("POST", "/activities/{activity_id}"): ("corrections", "neet"),
    ("POST", "/activities/{activity_id}/delete"): ("corrections", "neet"),
    ("POST", "/activities/{activity_id}/participants"): ("activities", "neet"),
    ("GET", "/referrals"): ("referrals", None),
    ("GET", "/referrals/export"): ("referrals", None),
    ("GET", "/referrals/new"): ("referrals", None),
    ("POST", "/referrals"): ("referrals", None),
    ("GET", "/referrals/{referral_id}"): ("referrals", "general"),
    ("GET", "/inbox"): ("inbox", None),
    ("GET", "/admin/bot-texts"): ("admin", None),
    ("POST", "/admin/bot-texts"): ("admin", None),
    ("GET", "/inbox/{thread_id}"): ("inbox", "ukrainian"),
    ("POST", "/inbox/{thread_id}/answer"): ("inbox", "ukrainian"),
    ("POST", "/inbox/{thread_id}/hand"): ("inbox", "ukrainian"),
    ("POST", "/inbox/{thread_id}/close"): ("inbox", "ukrainian"),
    ("POST", "/referrals/{referral_id}/status"): ("referrals", "general"),
    ("GET", "/cases"): ("cases", None),
    ("GET", "/cases/export"): ("cases", None),
    ("GET", "/cases/new"): ("cases", None),
    ("POST", "/cases"): ("cases", None),
    ("GET", "/cases/{code}"): ("cases", "neet"),
    ("POST", "/cases/{code}/move"): ("cases", "neet"),
    ("POST", "/cases/{code}/close"): ("cases", "neet"),
    ("POST", "/cases/{code}/outcome"): ("cases", "neet"),
    ("POST", "/cases/{code}/reenter"): ("cases", "neet"),
    ("GET", "/admin"): ("admin", None),
    ("GET", "/admin/centres"): ("admin", None),
    ("POST", "/admin/centres"): (NETWORK_ADMIN, None),
    ("POST", "/admin/centres/{centre_id}"): ("admin", None),
    ("GET", "/admin/sites"): ("admin", None),
    ("POST", "/admin/sites"): ("admin", None),
    ("POST", "/admin/sites/{item_id}"): ("admin", None),
    ("GET", "/admin/partners"): ("admin", None),
    ("POST", "/admin/partners"): ("admin", None),
    ("POST", "/admin/partners/{item_id}"): ("admin", None),
    ("GET", "/admin/staff"): ("admin", None),
    ("POST", "/admin/staff"): ("admin", None),
    ("GET", "/admin/staff/{staff_id}"): ("admin", None),
    ("POST", "/admin/staff/{staff_id}"): ("admin", None),
    ("POST", "/admin/staff/{staff_id}/token"): ("admin", None),
    ("GET", "/admin/closures"): ("admin", None),
    ("POST", "/admin/closures"): ("admin", None),
    ("POST", "/admin/closures/{closure_id}/delete"): ("admin", None),
    ("GET", "/admin/audit"): ("admin", None),
    ("GET", "/admin/audit/export"): ("admin", None),
    ("GET", "/admin/workshops"): ("admin", None),
    ("POST", "/admin/workshops"): ("admin", None),
    ("POST", "/admin/workshops/{kind_id}"): ("admin", None),
    ("GET", "/api/v1/me"): (ANY, None),
    ("GET", "/api/v1/contacts"): ("contacts", None),
    ("POST", "/api/v1/contacts"): ("log", None),
    ("GET", "/api/v1/contacts/{contact_id}"): ("contacts", "general"),
    ("PUT", "/api/v1/contacts/{contact_id}"): ("corrections", "general"),
    ("PATCH", "/api/v1/contacts/{contact_id}"): ("corrections", "general"),
    ("DELETE", "/api/v1/contacts/{contact_id}"): ("corrections", "general"),
    ("GET", "/api/v1/activities"): ("activities", None),
    ("POST", "/api/v1/activities"): ("activities", None),
    ("GET", "/api/v1/activities/{activity_id}"): ("activities", "neet"),
    ("PUT", "/api/v1/activities/{activity_id}"): ("corrections", "neet"),
    ("PATCH", "/api/v1/activities/{activity_id}"): ("corrections", "neet"),
    ("DELETE", "/api/v1/activities/{activity_id}"): ("corrections", "neet"),
    ("POST", "/api/v1/activities/{activity_id}/participants"): ("activities", "neet"),
    ("GET", "/api/v1/referrals"): ("referrals", None),
    ("POST", "/api/v1/referrals"): ("referrals", None),
    ("GET", "/api/v1/referrals/{token}"): ("referrals", "general"),
    ("POST", "/api/v1/referrals/{token}/status"): ("referrals", "general"),
    ("GET", "/api/v1/cases"): ("cases", None),
    ("POST", "/api/v1/cases"): ("cases", None),
    ("GET", "/api/v1/cases/{code}"): ("cases", "neet"),
    ("POST", "/api/v1/cases/{code}/moves"): ("cases", "neet"),
    ("POST", "/api/v1/cases/{code}/outcomes"): ("cases", "neet"),
    ("GET", "/api/v1/counters"): ("dashboard", None),
    # The Formtruck plugin's page: its year by stop and by commune.
    ("GET", "/formtruck"): ("dashboard", "formtruck"),
    # Its tours, planned by the coordinator.
    ("GET", "/formtruck/tours"): ("formtruck_tours", "formtruck"),
    # Field pages: the page needs the form's audience; what a phone fetches without its cookie is public.
    ("GET", "/field/{key}"): ("log", "formtruck"),
    ("GET", "/field/{key}/manifest.webmanifest"): (PUBLIC, None),
    ("GET", "/field/sw.js"): (PUBLIC, None),
    ("GET", "/field/state"): (PUBLIC, None),
    ("POST", "/field/sync"): ("log", None),
    # The phone's token for the day: given to a session that may log; ended by whoever holds it.
    ("POST", "/field/token"): ("log", None),
    ("DELETE", "/field/token"): (PUBLIC, None),
    ("GET", "/assets/{digest}/{name:path}"): (PUBLIC, None),
}

#: Query strings some GET routes need to answer 200 rather than 422.
QUERIES = {"/api/v1/counters": "start=2024-01-01&end=2024-12-31", "/lang/{code}": "next=/"}

ROLES = tuple(full_registry().roles)
ACCOUNTS = list(ROLES) + ["network_admin"]

#: Walked last: they end the session (every session of the account, for the second).
LOGOUTS = (("POST", "/account/logout-everywhere"), ("POST", "/logout"))


def logout_rank(method: str, path: str) -> int:
    return LOGOUTS.index((method, path)) + 1 if (method, path) in LOGOUTS else 0


def audiences_of(account: str) -> tuple[str, ...]:
    return ("*",) if account == "network_admin" else tuple(full_registry().default_audiences([account]))


def roles_of(account: str) -> list[str]:
    return ["admin"] if account == "network_admin" else [account]


def allowed(account: str, capability: str, audience: str | None) -> bool:
    if capability in (PUBLIC, ANY):
        return True
    if capability == NETWORK_ADMIN:
        return account == "network_admin"
    if not set(roles_of(account)) & set(full_registry().roles_with(capability)):
        return False
    seen = audiences_of(account)
    return audience is None or "*" in seen or audience in seen


def make_objects(web: Web) -> dict[str, Any]:
    """A record of each kind, in the audiences the policy names, and a few administration rows."""
    app = web.app
    now = datetime.now(UTC)
    objects: dict[str, Any] = {}
    with app.transaction() as session:
        admin = session.get(Staff, web.staff["admin"])
        contact = log_contact(
            app,
            session,
            {
                "centre": "bxl",
                "site": "reception",
                "occurred_at": now,
                "audience": "general",
                "modality": "reception",
                "themes": ["work"],
                "language": "fr",
            },
            staff=admin,
        )
        activity = log_activity(
            app,
            session,
            {"centre": "bxl", "starts_at": now, "audience": "neet", "workshop": "escape_game", "title": "Escape game"},
            staff=admin,
        )
        referral = issue_referral(app, session, web.centre_id, audience="general", theme="work", staff=admin)
        case = open_case(app, session, web.centre_id, "neet", consent_on=date.today(), staff=admin)
        closure = ClosurePeriod(
            centre_id=web.centre_id, starts_on=date(2020, 3, 16), ends_on=date(2020, 5, 17), label="Lockdown"
        )
        kind = WorkshopKind(centre_id=web.centre_id, code="cv-clinic", label_en="CV clinic", label_fr="Atelier CV")
        session.add_all([closure, kind])
        thread = open_thread(
            app,
            session,
            centre_id=web.centre_id,
            audience="ukrainian",
            theme="learn",
            language="uk",
            chat_id=1,
            text="?",
        )
        session.flush()
        objects.update(
            thread_id=thread.id,
            contact_id=contact.id,
            activity_id=activity.id,
            referral_id=referral.id,
            token=referral.token,
            code=case.code,
            closure_id=closure.id,
            kind_id=kind.id,
            centre_id=web.centre_id,
            key="formtruck.contact",
            lang="fr",
        )
        objects["site_id"] = session.scalar(select(Site.id).where(Site.code == "reception"))
        objects["partner_id"] = session.scalar(select(Partner.id).where(Partner.code == "actiris"))
    objects["staff_id"] = web.add_account("someone", ["reception"])
    objects.update(schools_objects(web))
    objects["stop_id"] = formtruck_stop(web)
    return objects


def formtruck_stop(web: Web) -> int:
    """A planned stop of the Formtruck's tours, for its routes' ids."""
    from datetime import time, timedelta

    from tremplin.plugins.formtruck.models import FormtruckStop

    with web.app.transaction() as session:
        site_id = session.scalar(select(Site.id).where(Site.code == "truck-flagey"))
        stop = FormtruckStop(
            centre_id=web.centre_id,
            site_id=site_id,
            day=date.today() + timedelta(days=2),
            starts=time(10),
            ends=time(16),
            commune="ixelles",
            place="",
        )
        session.add(stop)
        session.flush()
        return stop.id


def schools_objects(web: Web) -> dict[str, Any]:
    """A workshop, a slot, a booking, a holiday and an e-mail of the schools plugin, for its routes' ids."""
    from datetime import time, timedelta

    from tremplin.core.models import OutboxMessage
    from tremplin.plugins.schools import booking as bk
    from tremplin.plugins.schools.models import SchoolHoliday

    app = web.app
    with app.transaction() as session:
        workshop = bk.save_workshop(
            session,
            web.centre_id,
            {
                "code": "explorama",
                "name_fr": "Explorama",
                "languages": ["fr"],
                "school_years": ["3"],
                "min_pupils": 1,
                "max_pupils": 30,
                "duration_minutes": 90,
                "place": "at_centre",
            },
        )
        slot = bk.open_slot(
            app,
            session,
            web.centre_id,
            bk.SlotSpec(workshop.id, date.today() + timedelta(days=30), time(9), room="A", capacity_pupils=30),
        )
        booking = bk.book(
            app,
            session,
            bk.BookingRequest(
                slot.id, None, "Athénée royal", "M. Martin", "martin@school.be", "3", "general", 20, 1, "fr"
            ),
        )
        holiday = SchoolHoliday(
            centre_id=web.centre_id, community="fr", starts_on=date(2030, 1, 1), ends_on=date(2030, 1, 2)
        )
        session.add(holiday)
        session.flush()
        message_id = session.scalar(select(OutboxMessage.id).limit(1))
        return {
            "workshop_id": workshop.id,
            "slot_id": slot.id,
            "booking_id": booking.id,
            "holiday_id": holiday.id,
            "message_id": message_id,
        }


def fresh_contact(web: Web) -> int:
    with web.app.transaction() as session:
        contact = log_contact(
            web.app,
            session,
            {
                "centre": "bxl",
                "occurred_at": datetime.now(UTC),
                "audience": "general",
                "modality": "reception",
            },
        )
        return contact.id


def fresh_activity(web: Web) -> int:
    with web.app.transaction() as session:
        activity = log_activity(
            web.app,
            session,
            {"centre": "bxl", "starts_at": datetime.now(UTC), "audience": "neet", "workshop": "escape_game"},
        )
        return activity.id


def url_for(path: str, objects: dict[str, Any], web: Web, method: str) -> str:
    if path.startswith("/assets/"):
        from tremplin.core.web.assets import asset_url

        return asset_url("field.js")
    values = dict(objects)
    # Deleting routes get a record of their own: an author may delete the day's entry without a reason.
    if (method, path) in (("DELETE", "/api/v1/contacts/{contact_id}"), ("POST", "/contacts/{contact_id}/delete")):
        values["contact_id"] = fresh_contact(web)
    if (method, path) in (("DELETE", "/api/v1/activities/{activity_id}"), ("POST", "/activities/{activity_id}/delete")):
        values["activity_id"] = fresh_activity(web)
    if path.startswith("/admin/sites/"):
        values["item_id"] = objects["site_id"]
    elif path.startswith("/admin/partners/"):
        values["item_id"] = objects["partner_id"]
    url = path.format(**{k: v for k, v in values.items()})
    query = QUERIES.get(path)
    return url + ("?" + query if query else "")


def refused_as_anonymous(response: Any) -> bool:
    if response.status_code == 401:
        return True
    return response.status_code == 303 and response.headers.get("location", "").startswith("/login")


def call(client: Any, method: str, url: str, csrf: str) -> Any:
    if url.startswith("/api/"):
        if method == "GET":
            return client.get(url)
        body = {"audience": ""} if method in ("POST", "PUT", "PATCH") else None
        return client.request(method, url, json=body, headers={"X-CSRF-Token": csrf})
    if method == "GET":
        return client.get(url)
    return client.request(method, url, data={"csrf_token": csrf})


def roles_declared_by(route: Any) -> frozenset[str] | None:
    """The roles a route's ``require_roles``/``require_capability`` dependency lets in, if it has one."""
    dependant = getattr(route, "dependant", None)
    stack = list(getattr(dependant, "dependencies", []) or [])
    while stack:
        dep = stack.pop()
        roles = getattr(dep.call, "roles", None)
        if roles is not None:
            return frozenset(roles)
        capability = getattr(dep.call, "capability", None)
        if capability is not None:
            return frozenset(full_registry().roles_with(capability))
        stack.extend(dep.dependencies or [])
    return None


@pytest.mark.slow
def test_every_role_on_every_route(web: Web) -> None:
    web.add_account("network_admin", ["admin"], audiences=["*"], centre=False)
    objects = make_objects(web)
    table = [
        (path, method, route) for path, methods, route in route_table(web.asgi) for method in sorted(methods - {"HEAD"})
    ]
    core = [
        (p, m, r)
        for p, m, r in table
        if (getattr(r, "endpoint", None) and r.endpoint.__module__.startswith("tremplin.core.web"))
        or p == "/openapi.json"
    ]
    undeclared = sorted({(m, p) for p, m, _ in core} - set(POLICY))
    assert not undeclared, f"routes with no declared policy (add them to POLICY): {undeclared}"
    stale = sorted(set(POLICY) - {(m, p) for p, m, _ in table})
    assert not stale, f"POLICY names routes that do not exist: {stale}"

    # Log every account in first: the walk posts failed logins, which slow down this address.
    clients = {account: (web.api(account), web.client(account)) for account in ACCOUNTS}

    # Anonymous visitors: only the public routes.
    anonymous = web.anonymous()
    csrf = csrf_of(anonymous.get("/login").text)
    logout_last = sorted(core, key=lambda item: logout_rank(item[1], item[0]))
    for path, method, _route in logout_last:
        capability, _audience = POLICY[(method, path)]
        response = call(anonymous, method, url_for(path, objects, web, method), csrf)
        assert response.status_code < 500, (method, path, response.status_code)
        if capability != PUBLIC:
            assert refused_as_anonymous(response), f"anonymous {method} {path} answered {response.status_code}"

    problems: list[str] = []
    # The API with each account's bearer token, then the pages with its session (a page may replace the token).
    for account in ACCOUNTS:
        api, session_client = clients[account]
        csrf = csrf_of(session_client.get("/account").text)
        ordered = sorted(core, key=lambda item: (not item[0].startswith("/api/"), logout_rank(item[1], item[0])))
        for path, method, _route in ordered:
            capability, audience = POLICY[(method, path)]
            client = api if path.startswith("/api/") else session_client
            url = url_for(path, objects, web, method)
            response = call(client, method, url, csrf)
            expected = allowed(account, capability, audience)
            status = response.status_code
            # A record of an audience the account does not see answers as a missing one (404), or 403 when the
            # role may not use the route at all.
            seen = audiences_of(account)
            unseen = "{" in path and audience is not None and "*" not in seen and audience not in seen
            if (method, path) == LOGOUTS[0]:
                # Every session of the account ended: the next page (the logout) needs the new CSRF token.
                if status != 303:
                    problems.append(f"{account} {method} {url}: {status} (303 to /login expected)")
                csrf = csrf_of(session_client.get("/login").text)
            elif status >= 500:
                problems.append(f"{account} {method} {url}: {status}")
            elif capability == PUBLIC:
                if status == 403:
                    problems.append(f"{account} {method} {url}: 403 on a public route")
            elif expected and (status == 403 or refused_as_anonymous(response)):
                problems.append(f"{account} {method} {url}: refused ({status}) but the policy allows it")
            elif not expected and unseen and status not in (403, 404):
                problems.append(f"{account} {method} {url}: {status}, but the record is not visible (404 expected)")
            elif not expected and not unseen and status != 403:
                problems.append(f"{account} {method} {url}: {status}, but the policy refuses it (403 expected)")
    assert not problems, "\n".join(problems)
    # Logged in anew: the walk ended every session of each account ("log out everywhere").
    role_clients = {account: web.client(account) for account in ROLES}

    # Routes from plugins or other parts of the app: anonymous visitors refused, declared roles enforced.
    # Public pages a plugin marks as such (the schools plugin's /book) are open to anyone.
    others = [
        (p, m, r)
        for p, m, r in table
        if (p, m, r) not in core
        and m == "GET"
        and "{" not in p
        and not getattr(getattr(r, "endpoint", None), "public_page", False)
    ]
    for path, _method, route in others:
        response = anonymous.get(path)
        assert refused_as_anonymous(response) or response.status_code == 403, (
            f"anonymous GET {path}: {response.status_code}"
        )
        roles = roles_declared_by(route)
        # A plugin page that checks an audience too says so in POLICY.
        declared = POLICY.get(("GET", path))
        if roles is None and declared is None:
            continue
        for account in ROLES:
            response = role_clients[account].get(path)
            assert response.status_code < 500, (account, path, response.status_code)
            expected = allowed(account, *declared) if declared is not None else account in (roles or ())
            assert (response.status_code == 403) == (not expected), (account, path, response.status_code)


def test_accounts_see_only_their_centre(web: Web) -> None:
    """A second centre's records are invisible to accounts bound to the first."""
    from tremplin.core.admin import ensure_centre

    app = web.app
    with app.transaction() as session:
        other, _ = ensure_centre(session, "lux", "Cité des métiers du Luxembourg")
        contact = log_contact(
            app,
            session,
            {
                "centre": "lux",
                "occurred_at": datetime.now(UTC),
                "audience": "general",
                "modality": "reception",
            },
        )
        case = open_case(app, session, other.id, "neet", consent_on=date.today())
        referral = issue_referral(app, session, other.id, audience="general")
        contact_id, code, referral_id, token = contact.id, case.code, referral.id, referral.token
    api = web.api("admin")
    # The API answers as for a missing record (a 403 would confirm that the record exists).
    assert api.get(f"/api/v1/contacts/{contact_id}").status_code == 404
    assert api.get(f"/api/v1/cases/{code}").status_code == 404
    assert api.get(f"/api/v1/referrals/{token}").status_code == 404
    assert all(item["centre_id"] == web.centre_id for item in api.get("/api/v1/contacts").json()["items"])
    assert web.client("admin").get(f"/referrals/{referral_id}").status_code == 404
    web.add_account("network", ["admin"], audiences=["*"], centre=False)
    assert web.api("network").get(f"/api/v1/cases/{code}").status_code == 200


def test_a_formtruck_adviser_never_sees_a_neet_case_and_schools_never_see_prison_figures(web: Web) -> None:
    app = web.app
    with app.transaction() as session:
        case = open_case(app, session, web.centre_id, "neet", consent_on=date.today())
        log_contact(
            app,
            session,
            {
                "centre": "bxl",
                "occurred_at": datetime.now(UTC),
                "audience": "prisons",
                "modality": "individual_advice",
                "headcount": 7,
                "attributes": {},
            },
            {"prison": "haren", "session": "group"},
        )
        code = case.code
    truck = web.client("formtruck_adviser")
    assert truck.get(f"/cases/{code}").status_code == 403
    assert web.api("formtruck_adviser").get(f"/api/v1/cases/{code}").status_code == 403
    assert code not in truck.get("/contacts").text
    counsellor = web.client("counsellor")  # has cases, but not the NEET audience
    assert counsellor.get(f"/cases/{code}").status_code == 404
    assert code not in counsellor.get("/cases?state=all").text

    schools = web.client("schools_coordinator")
    page = schools.get("/dashboard").text
    assert "prisons." not in page and "Prison" not in page and "prison" not in page.lower().replace("prisonnier", "")
    api = web.api("schools_coordinator")
    assert api.get("/api/v1/counters?start=2020-01-01&end=2030-12-31&audience=prisons").status_code == 403
    assert api.get("/api/v1/counters?start=2020-01-01&end=2030-12-31&counter=prisons.reached").status_code == 403
    assert api.get("/api/v1/counters?start=2020-01-01&end=2030-12-31&counter=contacts.total").status_code == 403, (
        "centre-wide totals mix prison figures in"
    )
    values = api.get("/api/v1/counters?start=2020-01-01&end=2030-12-31&dim=audience").json()["values"]
    assert not any(k.startswith("prisons") for k in values)
    assert all(set(v) <= {"schools"} for v in values.values())
    assert (
        web.api("counsellor")
        .get("/api/v1/counters?start=2020-01-01&end=2030-12-31&counter=prisons.reached")
        .json()["values"]["prisons.reached"]
        == 7
    )
    assert web.api("schools_coordinator").get("/api/v1/contacts?audience=prisons").status_code == 403


@pytest.mark.parametrize("path", ["/dashboard", "/api/v1/me"])
def test_a_bearer_token_works_and_a_wrong_one_does_not(web: Web, path: str) -> None:
    good = web.api("reception")
    assert good.get(path).status_code == 200
    bad = web.anonymous()
    bad.headers["authorization"] = "Bearer tpl_not-a-token"
    response = bad.get(path)
    assert response.status_code in (401, 303)
    basic = web.anonymous()
    basic.headers["authorization"] = "Basic YWRtaW46ZGVtby1hZG1pbg=="
    assert basic.get("/api/v1/me").status_code == 401


@pytest.mark.slow
def test_no_page_answers_500_to_junk(web: Web) -> None:
    """Every form-posting page, fed junk in every field it reads, answers 4xx or a redirect, never 5xx."""
    import random

    objects = make_objects(web)
    client = web.client("admin")
    csrf = csrf_of(client.get("/account").text)
    junk = [
        "",
        " ",
        "0",
        "-1",
        "99999999999999999999",
        "1e9",
        "2024-02-30",
        "9999-12-31T25:61",
        "<script>",
        "\u0000",
        "💥" * 300,
        "x" * 5000,
        "../..",
        "None",
    ]
    names = [
        "username",
        "password",
        "next",
        "language",
        "current_password",
        "new_password",
        "token",
        "undo",
        "kind",
        "id",
        "form",
        "theme",
        "themes",
        "site",
        "centre",
        "channel",
        "modality",
        "headcount",
        "note",
        "occurred_at",
        "starts_at",
        "participants",
        "registered",
        "capacity",
        "title",
        "workshop",
        "format",
        "attr.commune",
        "attr.place",
        "attr.school",
        "attr.year",
        "to_partner",
        "from_partner",
        "audience",
        "status",
        "stage",
        "on",
        "consent_on",
        "entered_on",
        "gender",
        "age_band",
        "profile.homeless",
        "code",
        "name",
        "timezone",
        "roles",
        "audiences",
        "display_name",
        "active",
        "starts_on",
        "ends_on",
        "scope",
        "label",
        "label_fr",
        "label_en",
    ]
    rng = random.Random(7)
    posts = [
        p
        for p, methods, _r in route_table(web.asgi)
        if "POST" in methods
        and not p.startswith("/api/")
        and p not in ("/logout", "/account/token", "/account/logout-everywhere")
    ]
    for round_ in range(6):
        for path in posts:
            url = url_for(path, objects, web, "POST")
            data = {name: rng.choice(junk) for name in rng.sample(names, 25)}
            data["csrf_token"] = csrf
            response = client.post(url, data=data)
            assert response.status_code < 500, (round_, url, data, response.status_code)
            if response.status_code == 303 and response.headers.get("location", "").startswith("/login"):
                client = web.client("admin")  # the account page changed the password: log in again
                csrf = csrf_of(client.get("/account").text)

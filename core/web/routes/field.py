"""Field pages: quick logging on a phone outdoors, with or without network.

``/field/<form>`` serves a field form (``Form.fieldwork``) as a page light enough for a weak signal:
a one-line header, the form's setup answers (where the plugin's ``field_defaults`` hook says the worker
is today) and large buttons. The page installs as a web app (``manifest.webmanifest``, icons) and a
service worker (``/field/sw.js``) keeps it and its assets, so it opens with no network.

Each tap is kept on the phone (IndexedDB, ``static/field.js``) with a key made on the phone and the
moment of the tap, then sent in order to ``POST /field/sync`` (``tremplin.core.web.fieldsync``) when the
network is there. ``GET /field/state`` tells the page whether its login still holds and gives it a
fresh CSRF token. While the login holds, the page also gets a field-sync token lasting the working day
(``POST /field/token``, ``tremplin.core.web.fieldtokens``): the queue is sent with it once the session has
idled out. With neither, the entries stay on the phone and the page asks to log in again.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from tremplin.core import vocab
from tremplin.core.forms import Form
from tremplin.core.i18n import pick
from tremplin.core.models import Centre, Staff
from tremplin.core.web import assets, formkit
from tremplin.core.web.common import local_today, working_centre
from tremplin.core.web.deps import (
    ensure_audience,
    get_app,
    get_session,
    require_capability,
)
from tremplin.core.web.i18n import gettext_for, request_language, translator
from tremplin.core.web.security import csrf_token, session_staff
from tremplin.core.web.templating import render

router = APIRouter(include_in_schema=False)
needs_log = require_capability("log")
#: What the service worker keeps for the page to open offline (the page itself is kept when visited).
SHELL_ASSETS = ["field.css", "field.js", "field-icon-192.png", "field-icon-512.png"]
NO_STORE = {"cache-control": "no-store"}
#: The page's words that its script shows; plurals are given for each CLDR category.
PLURAL_SAMPLES = {"one": 1, "few": 2, "many": 5, "other": 5}


def field_form(request: Request, key: str) -> Form:
    form = get_app(request).registry.forms.get(key)
    if form is None or not form.fieldwork:
        raise HTTPException(status_code=404, detail=f"There is no field form {key!r}.")
    return form


def sw_version() -> str:
    """Changes whenever an asset the pages use changes: a deployment installs a new worker."""
    return assets.fingerprint(sorted(assets.catalogue()))


@router.get("/field/sw.js")
def service_worker() -> Response:
    urls = [assets.asset_url(name) for name in SHELL_ASSETS]
    body = SW_TEMPLATE.replace("__VERSION__", sw_version()).replace("__ASSETS__", json.dumps(urls))
    # Browsers look for a new worker at each visit; never keep an old one in a cache.
    return Response(body, media_type="text/javascript; charset=utf-8", headers={"cache-control": "no-cache"})


def device_staff(request: Request, session: Session) -> tuple[Staff | None, bool]:
    """The account of the phone's field-sync token (``Authorization: Bearer tfs_...``), and whether one was sent.

    A request that sends the header is judged on the token alone, never on the cookie: the CSRF check lets
    requests with an ``Authorization`` header through (a page of another site cannot send one)."""
    from tremplin.core.web import fieldtokens, policy

    token = fieldtokens.bearer(request.headers.get("authorization"))
    if token is None:
        return None, False
    found = fieldtokens.resolve(session, token)
    if found is None or not policy.can(get_app(request), found[0], "log"):
        return None, True
    return found[0], True


@router.get("/field/state")
def state(request: Request, form: str = "", session: Session = Depends(get_session)) -> JSONResponse:
    """Whether the login holds, a CSRF token for the next sync, and today's figures of ``form``.

    ``device`` says whether the phone's field-sync token (sent in the ``Authorization`` header) still
    holds: with it, the queue is sent even once the session has ended."""
    app = get_app(request)
    from tremplin.core.web import policy

    device, sent = device_staff(request, session)
    staff = session_staff(request, session)
    if staff is not None and device is not None and device.id != staff.id:
        device = None  # another account's token: the page asks for its own
    if staff is None or not policy.can(app, staff, "log"):
        return JSONResponse(
            {"signed_in": False, "staff": device.id if device else None, "device": device is not None},
            headers=NO_STORE,
        )
    body: dict[str, Any] = {
        "signed_in": True,
        "staff": staff.id,
        "csrf": csrf_token(request),
        "device": device is not None,
    }
    found = app.registry.forms.get(form)
    if found is not None and found.fieldwork and found.tally and staff.may_see(found.audience):
        from tremplin.core.web.routes.log import tally_figures

        body["figures"] = tally_figures(request, session, staff, found, working_centre(request, session, staff))
    return JSONResponse(body, headers=NO_STORE)


@router.post("/field/token")
def device_token(request: Request, session: Session = Depends(get_session)) -> JSONResponse:
    """A field-sync token for this phone, until the end of the working day (``tremplin.core.web.fieldtokens``).

    Given only to a live session, with its CSRF token (a request with an ``Authorization`` header is
    refused: it would have skipped the CSRF check)."""
    from tremplin.core.web import fieldtokens, policy
    from tremplin.core.web.common import centre_tz
    from tremplin.core.web.security import SESSION_TOKEN

    _ = gettext_for(request)
    staff = session_staff(request, session)
    if request.headers.get("authorization") is not None or staff is None:
        message = _("Your session has ended: log in again to send the entries kept on this phone.")
        return JSONResponse({"signed_in": False, "message": message}, status_code=401, headers=NO_STORE)
    if not policy.can(get_app(request), staff, "log"):
        raise HTTPException(status_code=403, detail="Your role does not give access to this page.")
    centre = working_centre(request, session, staff)
    tz = centre_tz(get_app(request), session, centre.id)
    token, expires = fieldtokens.issue(session, staff, str(request.session.get(SESSION_TOKEN) or ""), tz)
    session.commit()
    return JSONResponse({"token": token, "expires": expires.isoformat(), "staff": staff.id}, headers=NO_STORE)


@router.delete("/field/token", status_code=204)
def end_device_token(request: Request, session: Session = Depends(get_session)) -> Response:
    """Logging out on the phone ends its token, even when its session had already ended."""
    from tremplin.core.models import FieldToken
    from tremplin.core.web import fieldtokens

    token = fieldtokens.bearer(request.headers.get("authorization"))
    if token:
        found = session.get(FieldToken, fieldtokens.hash_token(token))
        if found is not None:
            session.delete(found)
            session.commit()
    return Response(status_code=204, headers=NO_STORE)


@router.post("/field/sync")
async def sync(request: Request, session: Session = Depends(get_session)) -> JSONResponse:
    """Apply a batch of entries in order; answer each: ``accepted``, ``duplicate`` or ``refused``."""
    from starlette.concurrency import run_in_threadpool

    from tremplin.core.web import policy
    from tremplin.core.web.fieldsync import MAX_BATCH, Receiver

    def account() -> Staff | None:
        # The phone's token when it sends one (the session may have idled out since the morning), else the session.
        device, sent = device_staff(request, session)
        return device if sent else session_staff(request, session)

    staff = await run_in_threadpool(account)
    app = get_app(request)
    _ = gettext_for(request)
    if staff is None:
        message = _("Your session has ended: log in again to send the entries kept on this phone.")
        return JSONResponse({"signed_in": False, "message": message}, status_code=401, headers=NO_STORE)
    if not policy.can(app, staff, "log"):
        raise HTTPException(status_code=403, detail="Your role does not give access to this page.")
    try:
        body = await request.json()
    except ValueError:
        body = None
    entries = body.get("entries") if isinstance(body, dict) else None
    if not isinstance(entries, list) or len(entries) > MAX_BATCH:
        message = _("The entries could not be read: send at most %(max)s at a time.", max=MAX_BATCH)
        return JSONResponse({"message": message}, status_code=422, headers=NO_STORE)

    contexts: dict[tuple[str | None, str], tuple[Centre, formkit.FormContext]] = {}

    def context(code: str | None, form: Form) -> tuple[Centre, formkit.FormContext]:
        if (code, form.key) not in contexts:
            from tremplin.core.web.routes.log import form_context

            centre = working_centre(request, session, staff, code)
            contexts[code, form.key] = (centre, form_context(request, session, staff, centre, form))
        return contexts[code, form.key]

    receiver = Receiver(app, session, staff, _, context, request_language(request))
    outcomes = await run_in_threadpool(receiver.receive, entries)
    results = [
        {"key": o.key, "status": o.status, "reason": o.reason, "errors": o.errors, "rules": o.rules, "id": o.record_id}
        for o in outcomes
    ]
    return JSONResponse({"signed_in": True, "results": results}, headers=NO_STORE)


@router.get("/field/{key}/manifest.webmanifest")
def manifest(key: str, request: Request) -> Response:
    """What a phone needs to install the page as an app (asked for without the login cookie)."""
    form = field_form(request, key)
    lang = request_language(request)
    title = pick(form.title, lang)
    body = {
        "name": f"{title} · Tremplin",
        "short_name": title[:24],
        "lang": lang,
        "start_url": f"/field/{form.key}",
        "scope": "/field/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1d4f91",
        "icons": [
            {"src": assets.asset_url("field-icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": assets.asset_url("field-icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/manifest+json")


def field_defaults(request: Request, session: Session, staff: Staff, form: Form, centre: Centre) -> dict[str, str]:
    """What the plugins say the page starts from (today's stop...), first answer wins per name."""
    app = get_app(request)
    today = local_today(app, session, centre.id)
    merged: dict[str, str] = {}
    for answer in app.pm.hook.field_defaults(app=app, session=session, staff=staff, form=form, day=today):
        for name, value in (answer or {}).items():
            if isinstance(value, str):
                merged.setdefault(name, value)
    return merged


def words(lang: str, form: Form) -> dict[str, Any]:
    """The messages the page's script shows, in the page's language (plurals by CLDR category)."""
    tr = translator(lang)
    _, ngettext = tr.gettext, tr.ngettext
    samples = PLURAL_SAMPLES.items()
    return {
        "lang": lang,
        "waiting": {
            cat: ngettext("%(num)s entry waiting to be sent", "%(num)s entries waiting to be sent", n, num="{n}")
            for cat, n in samples
        },
        "logout": {
            cat: ngettext(
                "%(num)s entry has not been sent yet. Logging out deletes it from this phone. Log out anyway?",
                "%(num)s entries have not been sent yet. Logging out deletes them from this phone. Log out anyway?",
                n,
                num="{n}",
            )
            for cat, n in samples
        },
        "refused": {
            cat: ngettext("%(num)s entry was not recorded", "%(num)s entries were not recorded", n, num="{n}")
            for cat, n in samples
        },
        "all_sent": _("Nothing waiting: every entry has been sent."),
        "sending": _("Sending…"),
        "offline": _("No network: entries are kept on this phone."),
        "offline_short": _("Offline"),
        "server_down": _("The server did not answer: the entries stay on this phone and will be sent later."),
        "undo": _("Undo"),
        "remove": _("Remove"),
        "not_recorded": _("Not recorded: %(reason)s", reason="{reason}"),
        "form_title": pick(form.title, lang),
        "themes": {code: vocab.THEME.label_of(code, lang) for code in vocab.THEME},
    }


@router.get("/field/{key}")
def field_page(
    key: str, request: Request, staff: Staff = Depends(needs_log), session: Session = Depends(get_session)
) -> Response:
    from tremplin.core.web.routes.log import form_context, tally_figures

    form = field_form(request, key)
    ensure_audience(staff, form.audience)
    centre = working_centre(request, session, staff)
    ctx = form_context(request, session, staff, centre, form)
    defaults = field_defaults(request, session, staff, form, centre)
    summary = defaults.pop("summary", "")
    # The plugins' answers (today's stop) pre-fill the page; the phone keeps the worker's own choices
    # (``field.js``), so the last-entry cookie of the detailed page is not read here.
    fields = formkit.build_fields(form, ctx, None, None, defaults)
    for f in fields:
        if f.name in defaults and not f.value:  # build_fields pre-fills choices only; text fields too
            f.value = defaults[f.name]
    setup_names = {"centre", "site"}
    setup = (
        [
            f
            for f in fields
            if f.name in setup_names
            or (f.name.startswith("attr.") and f.widget not in ("checkboxes", "checkbox"))
            or f.name == "language"
        ]
        if form.tally
        else []
    )
    # A tap gives a tally's themes, count and moment; a form that is not a tally asks for all but the moment.
    rest = [f for f in fields if f not in setup and f.name != "occurred_at"]
    lang = request_language(request)
    return render(
        request,
        "field.html",
        {
            "form": form,
            "setup": setup,
            "rest": rest if not form.tally else [],
            "summary": summary,
            "setup_complete": all(f.value not in (None, "", []) for f in setup if f.required),
            "themes": [(code, vocab.THEME.label_of(code, lang)) for code in vocab.THEME],
            "tally": tally_figures(request, session, staff, form, centre) if form.tally else None,
            "words": words(lang, form),
            "staff_id": staff.id,
        },
        headers={"cache-control": "no-cache"},
    )


SW_TEMPLATE = r"""// The field pages' service worker: keeps the pages and their assets so they open with no network.
const VERSION = "__VERSION__";
const CACHE = "tremplin-field-" + VERSION;
const ASSETS = __ASSETS__;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  // A new deployment: drop every older cache (old pages, old assets), then take the open pages over.
  event.waitUntil(
    caches.keys()
      .then((keys) => keys.filter((k) => k.startsWith("tremplin-field-") && k !== CACHE))
      .then((old) => Promise.all(old.map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/assets/")) {
    // Fingerprinted: a cached copy is always right.
    event.respondWith(caches.match(request).then((hit) => hit || fetchAndKeep(request)));
    return;
  }
  if (request.mode === "navigate" && url.pathname.startsWith("/field/")) {
    // The network first (fresh figures, a fresh login), the kept page when there is none.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok && !response.redirected) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
          }
          return response;
        })
        .catch(() => caches.match(url.pathname).then((hit) => hit || Response.error()))
    );
  }
});

// The page asks to be kept as soon as the worker runs (its first visit came before the worker).
self.addEventListener("message", (event) => {
  const path = event.data && event.data.keep;
  if (typeof path !== "string" || !path.startsWith("/field/")) return;
  event.waitUntil(
    fetch(path, { credentials: "same-origin" }).then((response) => {
      if (response.ok && !response.redirected) return caches.open(CACHE).then((cache) => cache.put(path, response));
    }).catch(() => {})
  );
});

function fetchAndKeep(request) {
  return fetch(request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(request, copy));
    }
    return response;
  });
}
"""

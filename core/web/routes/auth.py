"""Logging in and out, the language switch, one's own account, and the front door."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from tremplin.core.i18n import LANGUAGES
from tremplin.core.models import Staff
from tremplin.core.passwords import password_problem
from tremplin.core.web.common import safe_next
from tremplin.core.web.deps import current_staff, form_data, get_app, get_session
from tremplin.core.web.i18n import LANG_COOKIE, gettext_for
from tremplin.core.web.routes.admin import password_message
from tremplin.core.web.security import (
    check_password,
    client_address,
    issue_api_token,
    log_in,
    log_out,
    record_login,
    session_staff,
)
from tremplin.core.web.templating import flash, render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, session: Session = Depends(get_session)) -> Response:
    staff = session_staff(request, session)
    return RedirectResponse("/dashboard" if staff else "/login", status_code=303)


@router.get("/healthz")
def healthz(session: Session = Depends(get_session)) -> JSONResponse:
    from sqlalchemy import text

    session.execute(text("SELECT 1"))
    return JSONResponse({"ok": True})


@router.get("/login")
def login_form(request: Request, next: str = "") -> Response:
    return render(request, "login.html", {"next": safe_next(next), "username": "", "error": ""})


@router.post("/login")
def login(request: Request, form: Any = Depends(form_data), session: Session = Depends(get_session)) -> Response:
    from tremplin.core.web import throttle

    _ = gettext_for(request)
    username = str(form.get("username") or "").strip()[:80]
    password = str(form.get("password") or "")[:1000]
    target = safe_next(str(form.get("next") or ""))
    address = client_address(request)
    keys = throttle.keys_for(get_app(request).settings.secret_key, username, address)
    # The check is claimed (a failure counted in advance) before the password is looked at: a burst of parallel
    # attempts gets no more checks than the free ones, and an attempt refused here is not counted.
    wait = throttle.claim(session, keys)
    if wait > 0:
        seconds = int(wait + 0.999)
        record_login(session, username, address, ok=False, reason="throttled")
        session.commit()
        message = _("Too many failed attempts. Try again in %(seconds)s seconds.", seconds=seconds)
        return render(
            request,
            "login.html",
            {"next": target, "username": username, "error": message},
            status_code=429,
            headers={"Retry-After": str(seconds)},
        )
    staff = session.scalar(select(Staff).where(Staff.username == username)) if username else None
    ok = check_password(staff, password) and staff is not None and staff.active
    if not ok:
        record_login(
            session,
            username,
            address,
            ok=False,
            reason="inactive" if staff is not None and not staff.active else "password",
        )
        session.commit()
        message = _("The username or the password is incorrect.")
        return render(request, "login.html", {"next": target, "username": username, "error": message}, status_code=401)
    assert staff is not None
    throttle.release(session, keys)
    throttle.purge(session)
    record_login(session, username, address, ok=True, staff=staff)
    log_in(request, staff, session)
    session.commit()
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request, session: Session = Depends(get_session)) -> Response:
    log_out(request, session)
    session.commit()
    _ = gettext_for(request)
    flash(request, _("You are logged out."))
    return RedirectResponse("/login", status_code=303)


@router.post("/account/logout-everywhere")
def logout_everywhere(
    request: Request, staff: Staff = Depends(current_staff), session: Session = Depends(get_session)
) -> Response:
    """End every session of one's own account (a forgotten computer, a lost phone), this one included."""
    from tremplin.core.audit import audit
    from tremplin.core.web import sessions

    ended = sessions.end_all(session, staff.id)
    audit(session, "staff.logout_everywhere", session.get(Staff, staff.id), "staff", staff.id, sessions=ended)
    log_out(request, session)
    session.commit()
    _ = gettext_for(request)
    flash(request, _("Every session of your account has ended."))
    return RedirectResponse("/login", status_code=303)


@router.get("/lang/{code}")
def switch_language(code: str, request: Request, next: str = "") -> Response:
    """The switch on every page: remembers the language in a cookie and goes back where it was."""
    response = RedirectResponse(safe_next(next, "/"), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/account")
def account(request: Request, staff: Staff = Depends(current_staff)) -> Response:
    return render(request, "account.html", {"token": None, "errors": {}})


@router.post("/account")
def account_save(
    request: Request,
    form: Any = Depends(form_data),
    staff: Staff = Depends(current_staff),
    session: Session = Depends(get_session),
) -> Response:
    """Change one's own language or password."""
    from tremplin.core.admin import hash_password
    from tremplin.core.audit import audit

    _ = gettext_for(request)
    staff = session.get(Staff, staff.id) or staff  # this request's own copy, to change it
    errors: dict[str, str] = {}
    language = str(form.get("language") or staff.language)
    if language not in LANGUAGES:
        errors["language"] = _("Choose one of the options.")
    new_password = str(form.get("new_password") or "")
    if new_password:
        if not check_password(staff, str(form.get("current_password") or "")):
            errors["current_password"] = _("The current password is incorrect.")
        elif problem := password_problem(new_password, staff.username):
            errors["new_password"] = password_message(problem, _)
    if errors:
        return render(request, "account.html", {"token": None, "errors": errors}, status_code=422)
    staff.language = language
    if new_password:
        from tremplin.core.web import sessions

        staff.password_hash = hash_password(new_password)
        audit(session, "staff.password", staff, "staff", staff.id)
        # A new password ends every session of the account (another browser's too); this one starts anew.
        sessions.end_all(session, staff.id)
        log_in(request, staff, session)
    session.commit()
    response = RedirectResponse("/account", status_code=303)
    # The account's language becomes the interface's: forget an older switch.
    response.delete_cookie(LANG_COOKIE)
    request.state.lang = language
    _ = gettext_for(request)
    flash(request, _("Saved."))
    return response


@router.post("/account/token")
def account_token(
    request: Request, staff: Staff = Depends(current_staff), session: Session = Depends(get_session)
) -> Response:
    """A new API token for one's own account, shown once."""
    token = issue_api_token(session, session.get(Staff, staff.id) or staff)
    session.commit()
    return render(request, "account.html", {"token": token, "errors": {}})

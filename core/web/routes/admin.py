"""Administration: centres, sites, partners, staff accounts, closure periods and workshop kinds.

Administrators bound to a centre manage that centre; network administrators (no centre) manage every
centre and create new ones.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from tremplin.core import vocab
from tremplin.core.admin import AdminError, add_staff, hash_password, is_email_address
from tremplin.core.audit import audit
from tremplin.core.i18n import LANGUAGES
from tremplin.core.models import (
    Centre,
    ClosurePeriod,
    Partner,
    Site,
    Staff,
    WorkshopKind,
)
from tremplin.core.passwords import password_problem
from tremplin.core.web import formkit, policy, sessions
from tremplin.core.web.common import centres_for, fetch
from tremplin.core.web.deps import (
    ensure_centre,
    form_data,
    get_app,
    get_session,
    require_capability,
)
from tremplin.core.web.i18n import N_, gettext_for
from tremplin.core.web.security import forget_tokens, issue_api_token
from tremplin.core.web.templating import flash, render

router = APIRouter(include_in_schema=False)
needs_admin = require_capability("admin")
CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def _text(data: Any, name: str, limit: int) -> str:
    return str(data.get(name) or "").strip()[:limit]


def _name(request: Request, data: Any) -> tuple[str, str]:
    """A site's or an organisation's name under the rules (``tremplin.core.rules``): refused when too long
    (not cut), scrubbed like every free text. ``(name, error in the reader's language)``."""
    from tremplin.core import rules

    _ = gettext_for(request)
    name, problem = rules.masked_text(get_app(request).scrub, str(data.get("name") or ""), rules.NAME_MAX)
    return name, problem.message(_) if problem is not None else ""


def _code_error(code: str, _: Any) -> str:
    return "" if CODE.match(code) else _("Use 1 to 40 lower-case letters, digits, - and _.")


def _centre_of(request: Request, session: Session, staff: Staff, data: Any) -> Centre | None:
    code = _text(data, "centre", 32)
    for centre in centres_for(session, staff):
        if centre.code == code:
            return centre
    return None


@router.get("/admin")
def admin_home(request: Request, staff: Staff = Depends(needs_admin)) -> Response:
    return render(request, "admin/index.html", {})


# -- centres ------------------------------------------------------------------------------------


@router.get("/admin/centres")
def centres(request: Request, staff: Staff = Depends(needs_admin), session: Session = Depends(get_session)) -> Response:
    return render(request, "admin/centres.html", {"centres": centres_for(session, staff), "values": {}, "errors": {}})


@router.post("/admin/centres")
def centre_create(
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(needs_admin),
    session: Session = Depends(get_session),
) -> Response:
    _ = gettext_for(request)
    if staff.centre_id is not None:
        raise HTTPException(status_code=403, detail="Only network administrators create centres.")
    values = {
        "code": _text(data, "code", 40),
        "name": _text(data, "name", 200),
        "timezone": _text(data, "timezone", 64) or "Europe/Brussels",
    }
    errors = _centre_errors(values, _)
    if session.scalar(select(Centre.id).where(Centre.code == values["code"])) is not None:
        errors["code"] = _("This code is already used.")
    if errors:
        return render(
            request,
            "admin/centres.html",
            {"centres": centres_for(session, staff), "values": values, "errors": errors},
            status_code=422,
        )
    session.add(Centre(code=values["code"], name=values["name"], timezone=values["timezone"]))
    audit(session, "centre.create", staff, "centre", values["code"])
    session.commit()
    flash(request, _("Saved."))
    return RedirectResponse("/admin/centres", status_code=303)


def _centre_errors(values: dict[str, str], _: Any) -> dict[str, str]:
    errors: dict[str, str] = {}
    if "code" in values and (error := _code_error(values["code"], _)):
        errors["code"] = error
    if not values.get("name"):
        errors["name"] = _("This field is required.")
    try:
        ZoneInfo(values.get("timezone") or "")
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long to be a file name
        errors["timezone"] = _("Use a time zone name such as Europe/Brussels.")
    return errors


@router.post("/admin/centres/{centre_id}")
def centre_edit(
    centre_id: int,
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(needs_admin),
    session: Session = Depends(get_session),
) -> Response:
    _ = gettext_for(request)
    ensure_centre(staff, centre_id)
    centre = fetch(session, Centre, centre_id)
    if centre is None:
        raise HTTPException(status_code=404, detail="There is no such centre.")
    values = {"name": _text(data, "name", 200), "timezone": _text(data, "timezone", 64) or centre.timezone}
    errors = _centre_errors(values, _)
    if errors:
        return render(
            request,
            "admin/centres.html",
            {
                "centres": centres_for(session, staff),
                "values": {},
                "errors": {f"{centre.id}.{k}": v for k, v in errors.items()},
            },
            status_code=422,
        )
    centre.name, centre.timezone = values["name"], values["timezone"]
    get_app(request)._tz_cache.pop(centre.id, None)
    audit(session, "centre.edit", staff, "centre", centre.code)
    session.commit()
    flash(request, _("Saved."))
    return RedirectResponse("/admin/centres", status_code=303)


# -- sites and partners -------------------------------------------------------------------------


def _places(request: Request, kind: str) -> tuple[Any, Any, vocab.CodeList, str]:
    """The model, its name, its kinds (with those the plugins add) and its page."""
    codes = get_app(request).registry.codes
    if kind == "sites":
        return Site, "site", codes["site_kind"], "admin/sites.html"
    return Partner, "partner", codes["partner_kind"], "admin/partners.html"


BAD_CONTACT = N_("Enter the organisation's e-mail address, such as info@partner.be.")


def _contact_email(data: Any) -> tuple[str, bool]:
    """A partner's contact address as typed (trimmed), and whether it may be saved: empty (no reminder)
    or an e-mail address. It is an organisation's mailbox, where referral reminders go."""
    address = str(data.get("contact_email") or "").strip()[:300]
    return address, not address or is_email_address(address)


def _place_page(
    request: Request,
    session: Session,
    staff: Staff,
    kind: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    model, _name, kinds, template = _places(request, kind)
    centres = centres_for(session, staff)
    rows = list(
        session.scalars(
            select(model)
            .where(model.centre_id.in_([c.id for c in centres] or [-1]))
            .order_by(model.centre_id, model.name)
        )
    )
    return render(
        request,
        template,
        {
            "rows": rows,
            "centres": centres,
            "centre_codes": {c.id: c.code for c in centres},
            "kinds": kinds,
            "values": values or {},
            "errors": errors or {},
        },
        status_code=status,
    )


def _place_create(kind: str) -> Any:
    def create(
        request: Request,
        data: Any = Depends(form_data),
        staff: Staff = Depends(needs_admin),
        session: Session = Depends(get_session),
    ) -> Response:
        _ = gettext_for(request)
        model, name, kinds, _template = _places(request, kind)
        named, name_error = _name(request, data)
        values = {
            "centre": _text(data, "centre", 32),
            "code": _text(data, "code", 64),
            "name": named,
            "kind": _text(data, "kind", 32),
        }
        errors: dict[str, str] = {"name": name_error} if name_error else {}
        contact = ""
        if kind == "partners":
            contact, valid = _contact_email(data)
            values["contact_email"] = contact
            if not valid:
                errors["contact_email"] = _(BAD_CONTACT)
        centre = _centre_of(request, session, staff, data)
        if centre is None:
            errors["centre"] = _("Choose one of the options.")
        if error := _code_error(values["code"], _):
            errors["code"] = error
        elif (
            centre is not None
            and session.scalar(select(model.id).where(model.centre_id == centre.id, model.code == values["code"]))
            is not None
        ):
            errors["code"] = _("This code is already used.")
        if not values["name"] and not name_error:
            errors["name"] = _("This field is required.")
        if values["kind"] not in kinds:
            errors["kind"] = _("Choose one of the options.")
        if errors:
            return _place_page(request, session, staff, kind, values, errors, status=422)
        assert centre is not None
        item = model(centre_id=centre.id, code=values["code"], name=values["name"], kind=values["kind"])
        if kind == "partners":
            item.contact_email = contact or None
        session.add(item)
        audit(session, f"{name}.create", staff, name, values["code"])
        if contact:
            session.flush()
            audit(session, "partner.contact", staff, "partner", item.id, contact_email=contact)
        session.commit()
        flash(request, _("Saved."))
        return RedirectResponse(f"/admin/{kind}", status_code=303)

    return create


def _place_edit(kind: str) -> Any:
    def edit(
        item_id: int,
        request: Request,
        data: Any = Depends(form_data),
        staff: Staff = Depends(needs_admin),
        session: Session = Depends(get_session),
    ) -> Response:
        _ = gettext_for(request)
        model, name, kinds, _template = _places(request, kind)
        item = fetch(session, model, item_id)
        if item is None:
            raise HTTPException(status_code=404, detail=f"There is no such {name}.")
        ensure_centre(staff, item.centre_id)
        new_name, name_error = _name(request, data)
        new_kind = _text(data, "kind", 32) or item.kind
        contact, contact_valid = _contact_email(data) if kind == "partners" else ("", True)
        if name_error or not new_name or new_kind not in kinds or not contact_valid:
            if name_error or not new_name:
                errors = {f"{item.id}.name": name_error or _("This field is required.")}
            elif new_kind not in kinds:
                errors = {f"{item.id}.kind": _("Choose one of the options.")}
            else:
                errors = {f"{item.id}.contact_email": _(BAD_CONTACT)}
            # The row keeps what was typed, for the administrator to correct it.
            typed = {f"{item.id}.contact_email": contact} if kind == "partners" else {}
            return _place_page(request, session, staff, kind, typed, errors, status=422)
        item.name, item.kind = new_name, new_kind
        item.active = data.get("active") in ("1", "on", "true")
        audit(session, f"{name}.edit", staff, name, item.code)
        if kind == "partners" and (contact or None) != item.contact_email:
            item.contact_email = contact or None
            audit(session, "partner.contact", staff, "partner", item.id, contact_email=contact)
        session.commit()
        flash(request, _("Saved."))
        return RedirectResponse(f"/admin/{kind}", status_code=303)

    return edit


@router.get("/admin/sites")
def sites(request: Request, staff: Staff = Depends(needs_admin), session: Session = Depends(get_session)) -> Response:
    return _place_page(request, session, staff, "sites")


@router.get("/admin/partners")
def partners(
    request: Request, staff: Staff = Depends(needs_admin), session: Session = Depends(get_session)
) -> Response:
    return _place_page(request, session, staff, "partners")


router.add_api_route("/admin/sites", _place_create("sites"), methods=["POST"], name="site_create")
router.add_api_route("/admin/sites/{item_id}", _place_edit("sites"), methods=["POST"], name="site_edit")
router.add_api_route("/admin/partners", _place_create("partners"), methods=["POST"], name="partner_create")
router.add_api_route("/admin/partners/{item_id}", _place_edit("partners"), methods=["POST"], name="partner_edit")


# -- staff accounts -----------------------------------------------------------------------------


def _staff_rows(session: Session, staff: Staff) -> list[Staff]:
    stmt = select(Staff).order_by(Staff.username)
    if staff.centre_id is not None:
        stmt = stmt.where(Staff.centre_id == staff.centre_id)
    return list(session.scalars(stmt))


def role_labels(app: Any) -> dict[str, Any]:
    """Each registered role's label, by key, in registration order."""
    return {key: role.label for key, role in app.registry.roles.items()}


def _staff_page(
    request: Request,
    session: Session,
    staff: Staff,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    app = get_app(request)
    return render(
        request,
        "admin/staff.html",
        {
            "rows": _staff_rows(session, staff),
            "roles": role_labels(app),
            "audiences": app.registry.audiences.items(),
            "centres": centres_for(session, staff),
            "values": values or {"language": "fr", "roles": [], "audiences": []},
            "errors": errors or {},
        },
        status_code=status,
    )


@router.get("/admin/staff")
def staff_list(
    request: Request, staff: Staff = Depends(needs_admin), session: Session = Depends(get_session)
) -> Response:
    return _staff_page(request, session, staff)


def _staff_values(data: Any) -> dict[str, Any]:
    return {
        "username": _text(data, "username", 80),
        "display_name": _text(data, "display_name", 200),
        "language": _text(data, "language", 8) or "fr",
        "centre": _text(data, "centre", 32),
        "roles": [r for r in data.getlist("roles") if isinstance(r, str)],
        "audiences": [a for a in data.getlist("audiences") if isinstance(a, str)],
        "password": str(data.get("password") or "")[:200],
    }


@router.post("/admin/staff")
def staff_create(
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(needs_admin),
    session: Session = Depends(get_session),
) -> Response:
    app = get_app(request)
    _ = gettext_for(request)
    values = _staff_values(data)
    errors: dict[str, str] = {}
    centre = _centre_of(request, session, staff, data) if values["centre"] else None
    if staff.centre_id is not None and (centre is None or centre.id != staff.centre_id):
        centre = session.get(Centre, staff.centre_id)
    if values["language"] not in LANGUAGES:
        errors["language"] = _("Choose one of the options.")
    if not values["roles"] or any(r not in app.registry.roles for r in values["roles"]):
        errors["roles"] = _("Choose at least one role.")
    if errors:
        return _staff_page(request, session, staff, values, errors, status=422)
    try:
        account = add_staff(
            app,
            session,
            values["username"],
            values["password"],
            roles=values["roles"],
            audiences=values["audiences"] or None,
            display_name=values["display_name"],
            language=values["language"],
            centre_code=centre.code if centre else None,
        )
    except AdminError as exc:
        session.rollback()
        text = str(exc)
        field = (
            "password"
            if "password" in text
            else "username"
            if ("username" in text or "account" in text)
            else "audiences"
        )
        return _staff_page(request, session, staff, values, {field: _admin_message(text, _)}, status=422)
    audit(session, "staff.create", staff, "staff", account.username)
    session.commit()
    flash(request, _("Saved."))
    return RedirectResponse(f"/admin/staff/{account.id}", status_code=303)


def _admin_message(text: str, _: Any) -> str:
    if "password" in text:
        return password_message(text, _)
    if "already" in text:
        return _("This username is already used.")
    if "username" in text:
        return _("A username has 1 to 80 characters: letters, digits, “.”, “_”, “-” or “@”.")
    return _("Choose one of the options.")


def password_message(problem: str, _: Any) -> str:
    """The password policy's reason (``tremplin.core.passwords``) in the reader's language."""
    if "common" in problem:
        return _("This password is too common: choose a longer, less predictable one.")
    return _("A password has 12 to 200 characters.")


def _account(session: Session, staff: Staff, staff_id: int) -> Staff:
    account = fetch(session, Staff, staff_id)
    if account is None:
        raise HTTPException(status_code=404, detail="There is no such account.")
    if staff.centre_id is not None and account.centre_id != staff.centre_id:
        raise HTTPException(status_code=403, detail="This account belongs to another centre.")
    return account


def _account_page(
    request: Request,
    session: Session,
    staff: Staff,
    account: Staff,
    errors: dict[str, str] | None = None,
    token: str | None = None,
    status: int = 200,
) -> Response:
    app = get_app(request)
    return render(
        request,
        "admin/staff_edit.html",
        {
            "account": account,
            "roles": role_labels(app),
            "audiences": app.registry.audiences.items(),
            "errors": errors or {},
            "token": token,
        },
        status_code=status,
    )


@router.get("/admin/staff/{staff_id}")
def staff_edit_form(
    staff_id: int, request: Request, staff: Staff = Depends(needs_admin), session: Session = Depends(get_session)
) -> Response:
    return _account_page(request, session, staff, _account(session, staff, staff_id))


@router.post("/admin/staff/{staff_id}")
def staff_edit(
    staff_id: int,
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(needs_admin),
    session: Session = Depends(get_session),
) -> Response:
    app = get_app(request)
    _ = gettext_for(request)
    account = _account(session, staff, staff_id)
    values = _staff_values(data)
    errors: dict[str, str] = {}
    if not values["roles"] or any(r not in app.registry.roles for r in values["roles"]):
        errors["roles"] = _("Choose at least one role.")
    audiences = values["audiences"]
    if any(a != "*" and a not in app.registry.audiences for a in audiences):
        errors["audiences"] = _("Choose one of the options.")
    if values["language"] not in LANGUAGES:
        errors["language"] = _("Choose one of the options.")
    problem = password_problem(values["password"], account.username) if values["password"] else None
    if problem:
        errors["password"] = password_message(problem, _)
    if account.id == staff.id and "admin" not in values["roles"]:
        errors["roles"] = _("You cannot remove your own administrator role.")
    if errors:
        return _account_page(request, session, staff, account, errors, status=422)
    account.roles = values["roles"]
    account.audiences = ["*"] if "*" in audiences else audiences
    account.display_name = values["display_name"]
    account.language = values["language"]
    account.active = data.get("active") in ("1", "on", "true") or account.id == staff.id
    if values["password"]:
        account.password_hash = hash_password(values["password"])
    if values["password"] or not account.active:
        # A new password or an end to the account ends every session it had, on the server.
        sessions.end_all(session, account.id)
    audit(session, "staff.edit", staff, "staff", account.username)
    session.commit()
    forget_tokens()  # roles, audiences or an end to the account apply to its API token at once
    flash(request, _("Saved."))
    return RedirectResponse(f"/admin/staff/{account.id}", status_code=303)


@router.post("/admin/staff/{staff_id}/token")
def staff_token(
    staff_id: int, request: Request, staff: Staff = Depends(needs_admin), session: Session = Depends(get_session)
) -> Response:
    account = _account(session, staff, staff_id)
    token = issue_api_token(session, account)
    session.commit()
    return _account_page(request, session, staff, account, token=token)


# -- closure periods ----------------------------------------------------------------------------


def _closure_page(
    request: Request,
    session: Session,
    staff: Staff,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    centres = centres_for(session, staff)
    rows = list(
        session.scalars(
            select(ClosurePeriod)
            .where(ClosurePeriod.centre_id.in_([c.id for c in centres] or [-1]))
            .order_by(ClosurePeriod.starts_on.desc())
        )
    )
    vocabulary = get_app(request).registry.vocabulary
    scopes = ["all"] + list(vocabulary.MODALITY)
    return render(
        request,
        "admin/closures.html",
        {
            "rows": rows,
            "centres": centres,
            "centre_codes": {c.id: c.code for c in centres},
            "scopes": scopes,
            "vocab": vocabulary,
            "values": values or {"scope": "all"},
            "errors": errors or {},
        },
        status_code=status,
    )


@router.get("/admin/closures")
def closures(
    request: Request, staff: Staff = Depends(needs_admin), session: Session = Depends(get_session)
) -> Response:
    return _closure_page(request, session, staff)


@router.post("/admin/closures")
def closure_create(
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(needs_admin),
    session: Session = Depends(get_session),
) -> Response:
    _ = gettext_for(request)
    values = {k: _text(data, k, 200) for k in ("centre", "starts_on", "ends_on", "scope", "label")}
    errors: dict[str, str] = {}
    centre = _centre_of(request, session, staff, data)
    if centre is None:
        errors["centre"] = _("Choose one of the options.")
    start, end = formkit.parse_day(values["starts_on"]), formkit.parse_day(values["ends_on"])
    if start is None:
        errors["starts_on"] = _("Enter a date.")
    if end is None:
        errors["ends_on"] = _("Enter a date.")
    if start and end and end < start:
        errors["ends_on"] = _("The end comes before the start.")
    if values["scope"] not in ["all"] + list(get_app(request).registry.codes["modality"]):
        errors["scope"] = _("Choose one of the options.")
    if errors:
        return _closure_page(request, session, staff, values, errors, status=422)
    assert centre is not None and start is not None and end is not None
    session.add(
        ClosurePeriod(centre_id=centre.id, starts_on=start, ends_on=end, scope=values["scope"], label=values["label"])
    )
    audit(session, "closure.create", staff, "centre", centre.code, starts_on=start.isoformat(), ends_on=end.isoformat())
    session.commit()
    flash(request, _("Saved."))
    return RedirectResponse("/admin/closures", status_code=303)


@router.post("/admin/closures/{closure_id}/delete")
def closure_delete(
    closure_id: int, request: Request, staff: Staff = Depends(needs_admin), session: Session = Depends(get_session)
) -> Response:
    closure = fetch(session, ClosurePeriod, closure_id)
    if closure is None:
        raise HTTPException(status_code=404, detail="There is no such closure period.")
    ensure_centre(staff, closure.centre_id)
    audit(session, "closure.delete", staff, "closure", closure.id)
    session.delete(closure)
    session.commit()
    _ = gettext_for(request)
    flash(request, _("Deleted."))
    return RedirectResponse("/admin/closures", status_code=303)


# -- workshop kinds -----------------------------------------------------------------------------


def _workshop_page(
    request: Request,
    session: Session,
    staff: Staff,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    app = get_app(request)
    centres = centres_for(session, staff)
    rows = list(
        session.scalars(
            select(WorkshopKind)
            .where(WorkshopKind.centre_id.in_([c.id for c in centres] or [-1]))
            .order_by(WorkshopKind.code)
        )
    )
    return render(
        request,
        "admin/workshops.html",
        {
            "rows": rows,
            # The shared kinds and those the loaded plugins add; a centre adds its own below.
            "builtin": app.registry.codes["workshop"],
            "centres": centres,
            "centre_codes": {c.id: c.code for c in centres},
            "audiences": app.registry.audiences.items(),
            "values": values or {},
            "errors": errors or {},
        },
        status_code=status,
    )


@router.get("/admin/workshops")
def workshops(
    request: Request, staff: Staff = Depends(needs_admin), session: Session = Depends(get_session)
) -> Response:
    return _workshop_page(request, session, staff)


@router.post("/admin/workshops")
def workshop_create(
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(needs_admin),
    session: Session = Depends(get_session),
) -> Response:
    app = get_app(request)
    _ = gettext_for(request)
    values = {
        k: _text(data, k, 120) for k in ("centre", "code", "label_en", "label_fr", "label_nl", "label_uk", "audience")
    }
    errors: dict[str, str] = {}
    centre = _centre_of(request, session, staff, data)
    if centre is None:
        errors["centre"] = _("Choose one of the options.")
    if error := _code_error(values["code"], _):
        errors["code"] = error
    elif values["code"] in app.registry.codes["workshop"] or (
        centre
        and session.scalar(
            select(WorkshopKind.id).where(WorkshopKind.centre_id == centre.id, WorkshopKind.code == values["code"])
        )
    ):
        errors["code"] = _("This code is already used.")
    if not values["label_en"] and not values["label_fr"]:
        errors["label_fr"] = _("This field is required.")
    if values["audience"] and values["audience"] not in app.registry.audiences:
        errors["audience"] = _("Choose one of the options.")
    if errors:
        return _workshop_page(request, session, staff, values, errors, status=422)
    assert centre is not None
    session.add(
        WorkshopKind(
            centre_id=centre.id,
            code=values["code"],
            label_en=values["label_en"],
            label_fr=values["label_fr"],
            label_nl=values["label_nl"],
            label_uk=values["label_uk"],
            audience=values["audience"] or None,
        )
    )
    audit(session, "workshop_kind.create", staff, "workshop_kind", values["code"])
    session.commit()
    flash(request, _("Saved."))
    return RedirectResponse("/admin/workshops", status_code=303)


@router.post("/admin/workshops/{kind_id}")
def workshop_edit(
    kind_id: int,
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(needs_admin),
    session: Session = Depends(get_session),
) -> Response:
    _ = gettext_for(request)
    kind = fetch(session, WorkshopKind, kind_id)
    if kind is None:
        raise HTTPException(status_code=404, detail="There is no such workshop kind.")
    ensure_centre(staff, kind.centre_id)
    for lang in ("en", "fr", "nl", "uk"):
        setattr(kind, f"label_{lang}", _text(data, f"label_{lang}", 120))
    if not kind.label_en and not kind.label_fr:
        kind.label_fr = kind.code
    kind.active = data.get("active") in ("1", "on", "true")
    audit(session, "workshop_kind.edit", staff, "workshop_kind", kind.code)
    session.commit()
    flash(request, _("Saved."))
    return RedirectResponse("/admin/workshops", status_code=303)


__all__ = ["router", "policy"]

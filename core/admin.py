"""Administration: centres, sites, partners and staff accounts."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from tremplin.core.models import Centre, Site, Staff

if TYPE_CHECKING:
    from tremplin.core.app import App


class AdminError(ValueError):
    pass


#: An organisation's address (a partner's contact mailbox): a local part, then dotted labels of letters,
#: digits and hyphens. Never a member of the public's: those are not stored.
EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


def is_email_address(address: str) -> bool:
    return len(address) <= 254 and EMAIL.match(address) is not None


def ensure_centre(session: Session, code: str, name: str, timezone: str = "Europe/Brussels") -> tuple[Centre, bool]:
    centre = session.scalar(select(Centre).where(Centre.code == code))
    if centre is not None:
        return centre, False
    centre = Centre(code=code, name=name, timezone=timezone)
    session.add(centre)
    session.flush()
    return centre, True


def ensure_site(session: Session, centre: Centre, code: str, name: str, kind: str = "reception") -> tuple[Site, bool]:
    site = session.scalar(select(Site).where(Site.centre_id == centre.id, Site.code == code))
    if site is not None:
        return site, False
    site = Site(centre_id=centre.id, code=code, name=name, kind=kind)
    session.add(site)
    session.flush()
    return site, True


def hash_password(password: str) -> str:
    from argon2 import PasswordHasher

    return PasswordHasher().hash(password)


def verify_password(hashed: str, password: str) -> bool:
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerifyMismatchError

    try:
        return PasswordHasher().verify(hashed, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def add_staff(
    app: App,
    session: Session,
    username: str,
    password: str,
    roles: list[str],
    audiences: list[str] | None = None,
    display_name: str = "",
    language: str = "fr",
    centre_code: str | None = None,
) -> Staff:
    from tremplin.core.passwords import password_problem, username_problem

    username = username.strip()
    problem = username_problem(username)
    if problem:
        raise AdminError(problem)
    known = app.registry.roles
    unknown = [r for r in roles if r not in known]
    if unknown or not roles:
        raise AdminError(f"unknown role(s) {', '.join(unknown) or '(none given)'}; use: {', '.join(known)}")
    if audiences is None or audiences == ["*"]:
        # An account sees only its roles' audiences unless told otherwise (every audience, for the roles
        # that default to all of them): those of the plugins that are loaded.
        audiences = sorted(app.registry.default_audiences(roles))
    if "*" in audiences:
        audiences = ["*"]
    bad = [a for a in audiences if a != "*" and a not in app.registry.audiences]
    if bad:
        raise AdminError(f"unknown audience(s) {', '.join(bad)}; known: {', '.join(app.registry.audiences)}")
    problem = password_problem(password, username)
    if problem:
        raise AdminError(problem)
    if session.scalar(select(Staff).where(Staff.username == username)) is not None:
        raise AdminError(f"there is already an account named {username!r}")
    centre_id = None
    if centre_code:
        centre = session.scalar(select(Centre).where(Centre.code == centre_code))
        if centre is None:
            raise AdminError(f"unknown centre {centre_code!r}")
        centre_id = centre.id
    account = Staff(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        roles=roles,
        audiences=audiences,
        language=language,
        centre_id=centre_id,
    )
    session.add(account)
    session.flush()
    return account

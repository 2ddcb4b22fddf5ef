"""Administration: centres, sites, partners and staff accounts."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from tremplin.core.i18n import T, Text
from tremplin.core.models import Centre, Site, Staff

if TYPE_CHECKING:
    from tremplin.core.app import App


class AdminError(ValueError):
    """A refused account change: ``str()`` is the English reason (what the log and the pages read), ``text``
    the same reason in the four languages, for the command line."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text


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
    from tremplin.core.passwords import MAX_LENGTH, MIN_LENGTH, password_problem, username_problem

    username = username.strip()
    problem = username_problem(username)
    if problem:
        raise AdminError(
            T(
                problem,
                fr="le nom d'utilisateur doit avoir de 1 à 80 caractères : des lettres, des chiffres, « . », « _ », "
                "« - » ou « @ », et commencer par une lettre ou un chiffre",
                nl="de gebruikersnaam moet 1 tot 80 tekens hebben: letters, cijfers, '.', '_', '-' of '@', en "
                "beginnen met een letter of een cijfer",
                uk="ім'я користувача має містити від 1 до 80 символів: літери, цифри, «.», «_», «-» або «@» і "
                "починатися з літери чи цифри",
            ),
        )
    known = app.registry.roles
    unknown = [r for r in roles if r not in known]
    if unknown or not roles:
        named, use = ", ".join(unknown), ", ".join(known)
        raise AdminError(
            T(
                f"unknown role(s) {named or '(none given)'}; use: {use}",
                fr=f"rôle(s) inconnu(s) {named or '(aucun donné)'} ; utilisez : {use}",
                nl=f"onbekende rol(len) {named or '(geen opgegeven)'}; gebruik: {use}",
                uk=f"невідомі ролі: {named or '(не вказано жодної)'}; використовуйте: {use}",
            ),
        )
    if audiences is None or audiences == ["*"]:
        # An account sees only its roles' audiences unless told otherwise (every audience, for the roles
        # that default to all of them): those of the plugins that are loaded.
        audiences = sorted(app.registry.default_audiences(roles))
    if "*" in audiences:
        audiences = ["*"]
    bad = [a for a in audiences if a != "*" and a not in app.registry.audiences]
    if bad:
        named, known_audiences = ", ".join(bad), ", ".join(app.registry.audiences)
        raise AdminError(
            T(
                f"unknown audience(s) {named}; known: {known_audiences}",
                fr=f"public(s) inconnu(s) {named} ; publics connus : {known_audiences}",
                nl=f"onbekende doelgroep(en) {named}; bekende: {known_audiences}",
                uk=f"невідомі аудиторії: {named}; відомі: {known_audiences}",
            ),
        )
    problem = password_problem(password, username)
    if problem:
        short = len(password) < MIN_LENGTH or len(password) > MAX_LENGTH
        raise AdminError(
            T(
                problem,
                fr=f"le mot de passe doit avoir de {MIN_LENGTH} à {MAX_LENGTH} caractères"
                if short
                else "le mot de passe est trop courant : choisissez-en un moins prévisible",
                nl=f"het wachtwoord moet {MIN_LENGTH} tot {MAX_LENGTH} tekens hebben"
                if short
                else "het wachtwoord is te gebruikelijk: kies er een dat minder voorspelbaar is",
                uk=f"пароль має містити від {MIN_LENGTH} до {MAX_LENGTH} символів"
                if short
                else "пароль надто поширений: виберіть менш передбачуваний",
            ),
        )
    if session.scalar(select(Staff).where(Staff.username == username)) is not None:
        raise AdminError(
            T(
                f"there is already an account named {username!r}",
                fr=f"il existe déjà un compte nommé {username!r}",
                nl=f"er bestaat al een account met de naam {username!r}",
                uk=f"обліковий запис з ім'ям {username!r} уже існує",
            ),
        )
    centre_id = None
    if centre_code:
        centre = session.scalar(select(Centre).where(Centre.code == centre_code))
        if centre is None:
            raise AdminError(
                T(
                    f"unknown centre {centre_code!r}",
                    fr=f"centre inconnu {centre_code!r}",
                    nl=f"onbekend centrum {centre_code!r}",
                    uk=f"невідомий центр {centre_code!r}",
                ),
            )
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

"""The demo's centre: emptying the database, the centre with its shares' sites and partners, one account
per registered role, and the Christmas closure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tremplin.core.demo.calendar import TIMEZONE, christmas_closure
from tremplin.core.demo.share import CENTRE_CODE, CENTRE_NAME

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    from tremplin.core.app import App
    from tremplin.core.demo.share import DemoShare
    from tremplin.core.models import Centre, Staff

CLOSURE_LABEL = "Fermeture de fin d'année"

#: ``(username, password, role label)``; the password is ``None`` for an account that already existed.
Login = tuple[str, "str | None", str]


def reset_database(conn: Connection) -> None:
    """Empty every table of the model the database has, children first (works on SQLite and PostgreSQL).

    A left-out plugin's tables may be in the model (its module imported by someone else) and not in the database.
    """
    from sqlalchemy import inspect

    from tremplin.core.models import Base

    present = set(inspect(conn).get_table_names())
    for table in reversed(Base.metadata.sorted_tables):
        if table.name in present:
            conn.execute(table.delete())


def setup_centre(session: Session, year: int, shares: Sequence[DemoShare]) -> tuple[Centre, dict[str, int], int]:
    """The centre, every share's sites and its partners (as they were named in ``year``).

    Returns the centre, partner ids by code and the number of sites.
    """
    from sqlalchemy import select

    from tremplin.core.admin import ensure_centre, ensure_site
    from tremplin.core.models import Partner

    centre, _ = ensure_centre(session, CENTRE_CODE, CENTRE_NAME, timezone=TIMEZONE)
    sites = 0
    partners: dict[str, int] = {}
    for share in shares:
        for code, name, kind in share.sites:
            ensure_site(session, centre, code, name, kind)
            sites += 1
        for code, name, kind in share.partners_in(year):
            partner = session.scalar(select(Partner).where(Partner.centre_id == centre.id, Partner.code == code))
            if partner is None:
                partner = Partner(centre_id=centre.id, code=code, name=name, kind=kind)
                session.add(partner)
                session.flush()
            partners[code] = partner.id
    return centre, partners, sites


def demo_roles(app: App) -> list[tuple[str, str, list[str]]]:
    """``(role, English label, audiences)`` of each account the demo creates.

    Only registered audiences are given: a role keeps those of its default audiences that are
    registered, and a role none of whose audiences is registered gets no account (it would see nothing).
    """
    out = []
    for role, definition in app.registry.roles.items():
        audiences = sorted(app.registry.default_audiences([role]))
        if audiences:
            out.append((role, definition.label.get("en"), audiences))
    return out


def setup_staff(app: App, session: Session, centre: Centre) -> tuple[dict[str, Staff], list[Login]]:
    """One account per role (username = role, password ``tremplin-demo-<role>``); existing accounts are kept."""
    from sqlalchemy import select

    from tremplin.core.admin import add_staff
    from tremplin.core.models import Staff

    accounts: dict[str, Staff] = {}
    logins: list[Login] = []
    for role, label, audiences in demo_roles(app):
        existing = session.scalar(select(Staff).where(Staff.username == role))
        if existing is not None:
            accounts[role] = existing
            logins.append((role, None, label))
            continue
        password = f"tremplin-demo-{role}"
        accounts[role] = add_staff(
            app,
            session,
            role,
            password,
            roles=[role],
            audiences=audiences,
            display_name=f"Demo {label.lower()}",
            language="fr",
            centre_code=centre.code,
        )
        logins.append((role, password, label))
    return accounts, logins


def setup_closure(session: Session, centre: Centre, year: int) -> int:
    """The Christmas closure as a closure period (reports shade it); returns how many there are."""
    from sqlalchemy import select

    from tremplin.core.models import ClosurePeriod

    start, end = christmas_closure(year)
    found = session.scalar(
        select(ClosurePeriod).where(
            ClosurePeriod.centre_id == centre.id, ClosurePeriod.starts_on == start, ClosurePeriod.scope == "all"
        )
    )
    if found is None:
        session.add(ClosurePeriod(centre_id=centre.id, starts_on=start, ends_on=end, scope="all", label=CLOSURE_LABEL))
        session.flush()
    return 1

"""Who may do what: the roles behind each part of the web app, and the audiences an account sees.

Two checks guard every page and API route. The **role** check says whether the account may use a
part of the app at all (``CAPABILITIES``: a Formtruck adviser has no case list). The **audience**
check says whether it may see a given record or figure (``Staff.audiences``: a counsellor may open
cases, but not a NEET case). Staff bound to a centre see that centre only.

The tests walk every route against this table (``tests/web/test_access_matrix.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tremplin.core.access import ROLES

if TYPE_CHECKING:
    from tremplin.core.app import App
    from tremplin.core.models import Staff

ALL_ROLES: tuple[str, ...] = tuple(ROLES)

#: Capability -> roles that have it. Every page and API route names one capability.
CAPABILITIES: dict[str, tuple[str, ...]] = {
    # Key figures and charts, restricted to the account's audiences.
    "dashboard": ALL_ROLES,
    # Quick logging from the plugins' intake forms, and undoing one's own last entry.
    "log": ALL_ROLES,
    # Lists of contact records.
    "contacts": ALL_ROLES,
    # Group activities and workshops: create, edit, enter the actual headcount.
    "activities": ("admin", "programme_lead", "counsellor", "neet_worker", "schools_coordinator"),
    # Referral tokens.
    "referrals": ("admin", "programme_lead", "counsellor", "reception", "neet_worker", "formtruck_adviser"),
    # Correcting any contact or activity the account sees, at any time, with a reason (tremplin.core.corrections);
    # without it, an account corrects only its own entries, on the day it made them.
    "corrections": ("admin", "programme_lead"),
    # Cases of consenting people, under a pseudonymous code.
    "cases": ("admin", "programme_lead", "counsellor", "neet_worker"),
    # Report pages (core/reports/web.py): every account, with its audiences' figures; exact figures for
    # programme leads and administrators, disclosure-controlled ones for the others (tremplin.core.disclosure).
    "reports": ALL_ROLES,
    # Centres, sites, partners, staff accounts, closure periods, workshop kinds.
    "admin": ("admin",),
}


def roles_for(capability: str) -> tuple[str, ...]:
    try:
        return CAPABILITIES[capability]
    except KeyError:
        raise KeyError(f"unknown capability {capability!r}; known: {', '.join(CAPABILITIES)}") from None


def can(staff: Staff | None, capability: str) -> bool:
    return staff is not None and bool(set(staff.roles) & set(roles_for(capability)))


def sees_all_audiences(staff: Staff) -> bool:
    return "*" in (staff.audiences or [])


def visible_audiences(app: App, staff: Staff, among: Iterable[str] | None = None) -> list[str]:
    """The registered audiences the account may see, in registration order."""
    keys = list(among) if among is not None else app.registry.audiences.keys()
    return [key for key in keys if key in app.registry.audiences and staff.may_see(key)]


def centre_ids(staff: Staff) -> list[int] | None:
    """The centres an account sees: its own, or ``None`` (every centre) for network accounts."""
    return None if staff.centre_id is None else [staff.centre_id]


def may_see_centre(staff: Staff, centre_id: int | None) -> bool:
    return staff.centre_id is None or centre_id == staff.centre_id


def visible_counters(app: App, staff: Staff) -> list[str]:
    """Counters whose figures the account may read.

    Centre-wide counters mix every audience, so only accounts that see every audience read them; the
    others read their own audiences' counters (a schools coordinator never sees prison figures).
    """
    everything = sees_all_audiences(staff)
    return [
        key
        for key, counter in app.registry.counters.items()
        if (counter.audience is None and everything) or (counter.audience is not None and staff.may_see(counter.audience))
    ]

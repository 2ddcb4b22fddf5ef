"""Who may do what: the roles behind each part of the web app, and the audiences an account sees.

Two checks guard every page and API route. The **role** check says whether the account may use a
part of the app at all: each page and route names a *capability* (below), and the registered roles
(``register_roles``) say which capabilities they have, so the table is derived from the plugins that
are loaded (a Formtruck adviser has no case list). The **audience** check says whether it may see a
given record or figure (``Staff.audiences``: a counsellor may open cases, but not a NEET case). Staff
bound to a centre see that centre only.

The tests walk every route against this table (``tests/web/test_access_matrix.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tremplin.core.app import App
    from tremplin.core.models import Staff

#: The capabilities the core's pages and API routes name, and what each gives. A plugin's own pages may
#: name capabilities of their own; a role grants them like these.
CAPABILITIES: dict[str, str] = {
    "dashboard": "key figures and charts, restricted to the account's audiences",
    "log": "quick logging from the plugins' intake forms, and undoing one's own last entry",
    "contacts": "lists of contact records",
    "activities": "group activities and workshops: create, edit, enter the actual headcount",
    "referrals": "referral tokens",
    "inbox": "questions people asked a counsellor through the bot: answer, hand over, close",
    # Without it, an account corrects only its own entries, on the day it made them (tremplin.core.corrections).
    "corrections": "correcting any contact or activity the account sees, at any time, with a reason",
    "cases": "cases of consenting people, under a pseudonymous code",
    # Exact figures for programme leads and administrators, disclosure-controlled ones for the others
    # (tremplin.core.disclosure).
    "reports": "report pages, with the account's audiences' figures",
    "admin": "centres, sites, partners, staff accounts, closure periods, workshop kinds",
    # A menu entry, not a page: the tablet page itself needs ``log``. Desk roles carry it, so that a programme
    # lead's menu, already long, does not; a plugin's role at a desk of its own may carry it too.
    "desk": "the survey tablet in the menu, for the accounts at a desk the public passes by",
}


def can(app: App, staff: Any, capability: str) -> bool:
    """Whether the account (a ``Staff`` or the web's ``StaffView``) has one role with ``capability``."""
    if staff is None:
        return False
    roles = app.registry.roles
    return any(key in roles and roles[key].has(capability) for key in staff.roles or ())


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
    others read their own audiences' counters (an account for one programme never sees another's figures).
    """
    everything = sees_all_audiences(staff)
    return [
        key
        for key, counter in app.registry.counters.items()
        if (counter.audience is None and everything)
        or (counter.audience is not None and staff.may_see(counter.audience))
    ]

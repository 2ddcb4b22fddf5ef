"""What a plugin's share of the demo is made of, and the context its generator is given.

A plugin implements ``register_demo`` (``tremplin.core.hookspecs``) and returns ``DemoShare`` objects. When
``tremplin demo`` runs, every share's sites and partners are created, then each share's ``records`` is
called with a ``DemoContext`` of its own: the year's calendar (open days, school days, the closure), the
ids of the demo's accounts, sites and partners, and random streams named after the share, so that leaving
one plugin out changes nothing in another's records. Cases and referrals are written on the spot through
``ctx.open_cases`` and ``ctx.issue_referrals``; contacts and activities are returned as ``Rec`` objects,
checked against their forms and validated like an import's rows, then written through the bulk path.
"""

from __future__ import annotations

import random
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from tremplin.core.demo.calendar import Calendar
from tremplin.core.demo.draw import scaled, stream

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tremplin.core.app import App
    from tremplin.core.demo.cases import CaseSet, DemoReferral

CENTRE_CODE = "bxl"
CENTRE_NAME = "Cité des métiers de Bruxelles"


class Place(NamedTuple):
    """A site or a partner organisation the demo creates: its code, its name and its kind."""

    code: str
    name: str
    kind: str


@dataclass
class Rec:
    """A record as a worker would enter it: the form, its raw values and attributes, and who entered it.

    ``raw`` holds the core fields as a form or an import row gives them (codes, not ids); ``extra`` the
    columns the demo sets itself (``staff_id``, ``partner_id``, ``case_id``).
    """

    form: str
    raw: dict[str, Any]
    attrs: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def when(self) -> datetime:
        return self.raw.get("occurred_at") or self.raw["starts_at"]

    @property
    def kind(self) -> str:
        """``contacts`` or ``activities``: the table the record goes to."""
        return "contacts" if "occurred_at" in self.raw else "activities"


def contact(
    form: str,
    audience: str,
    when: datetime,
    staff_id: int | None,
    attrs: Mapping[str, Any] | None = None,
    **values: Any,
) -> Rec:
    """A contact entered on ``form`` at ``when``; ``values`` are its core fields (``None`` ones are left out)."""
    raw = {"centre": CENTRE_CODE, "audience": audience, "occurred_at": when}
    raw.update({k: v for k, v in values.items() if v is not None})
    return Rec(form, raw, dict(attrs or {}), {"staff_id": staff_id})


def activity(
    form: str,
    audience: str,
    when: datetime,
    staff_id: int | None,
    partner_id: int | None = None,
    attrs: Mapping[str, Any] | None = None,
    **values: Any,
) -> Rec:
    """A group activity entered on ``form``, starting at ``when``; ``values`` are its core fields."""
    raw = {"centre": CENTRE_CODE, "audience": audience, "starts_at": when}
    raw.update({k: v for k, v in values.items() if v is not None})
    return Rec(form, raw, dict(attrs or {}), {"staff_id": staff_id, "partner_id": partner_id})


@dataclass
class DemoContext:
    """What a share's generator is given: the year, its calendar, the demo's ids, and its random streams."""

    app: App
    year: int
    scale: float
    seed: int
    calendar: Calendar
    centre_id: int
    #: Account id by role, for the roles the demo created an account for.
    staff: dict[str, int]
    #: Partner id by code, every share's partners included.
    partners: dict[str, int]
    #: The last day records may fall on (today, for the current year).
    last_day: date
    #: The share these streams belong to (``DemoShare.key``).
    share: str = ""
    #: The demo's transaction; ``None`` when records are drawn without a database (cases need one).
    session: Session | None = None
    #: Cases, stage moves and referrals written so far, for the summary (shared by every share).
    written: Tally[str] = field(default_factory=Tally)
    _plan: random.Random | None = field(default=None, init=False, repr=False)

    def rng(self, name: str = "") -> random.Random:
        """A fresh random stream named ``<share>.<name>``: the same seed, share and name give the same draws."""
        return stream(self.seed, f"{self.share}.{name}" if name and self.share else name or self.share)

    def count(self, target: float, minimum: int = 1) -> int:
        """How many of something this year: ``target`` (a figure at scale 1.0) scaled, give or take ``NOISE``.

        Successive calls draw from the share's one ``plan`` stream, so keep their order stable.
        """
        if self._plan is None:
            self._plan = self.rng("plan")
        return scaled(self._plan, target, self.scale, minimum)

    def staff_id(self, role: str) -> int | None:
        """The demo account of ``role``, or ``None`` when that role is not registered."""
        return self.staff.get(role)

    def partner_id(self, code: str | None) -> int | None:
        return self.partners.get(code) if code else None

    def open_cases(
        self,
        audience: str,
        n: int,
        role: str,
        person: Callable[[random.Random], dict[str, str]],
        steps: Callable[[random.Random], list[tuple[str, int, int]]],
    ) -> CaseSet:
        """Open ``n`` consenting cases of ``audience`` and move them along ``steps``; see ``cases.open_cases``."""
        from tremplin.core.demo.cases import open_cases

        return open_cases(self, audience, n, role, person, steps)

    def issue_referrals(
        self, audience: str, referrals: Sequence[DemoReferral], role: str, cases: CaseSet | None = None
    ) -> int:
        """Issue ``referrals`` and move them to their status; see ``cases.issue_referrals``."""
        from tremplin.core.demo.cases import issue_referrals

        return issue_referrals(self, audience, referrals, role, cases)


@dataclass(frozen=True)
class DemoShare:
    """A plugin's share of ``tremplin demo``.

    ``key`` names the share's random streams (keep it stable: it is what makes the records
    reproducible) and must be unique. ``records`` draws the year's contacts and activities and may
    write cases and referrals through its context. ``expected`` is what the share adds to counters at
    scale 1.0 (``{"contacts.total": 919, ...}``): the demo's expected figures are the sum over the shares
    present. ``sites`` and ``partners`` are created before any share runs; ``partners`` may be a function
    of the year (organisations change names). ``notes`` lists every free text the share writes, so that
    a test can check each passes the scrubber chain unchanged. ``after``, if given, is called once every
    share's records are written, in the same transaction (``ctx.session``, an app session: its writes
    keep the roll-up exact): for what hangs on those records in the plugin's own tables. It returns
    what it wrote, by kind, for the demo's summary.
    """

    key: str
    records: Callable[[DemoContext], Iterable[Rec]]
    expected: Mapping[str, float] = field(default_factory=dict)
    sites: Sequence[Place] = ()
    partners: Sequence[Place] | Callable[[int], Sequence[Place]] = ()
    notes: Sequence[str] = ()
    after: Callable[[DemoContext], Mapping[str, int]] | None = None

    def partners_in(self, year: int) -> Sequence[Place]:
        return self.partners(year) if callable(self.partners) else self.partners

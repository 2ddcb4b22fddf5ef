"""A year of realistic synthetic activity, for demonstrations, training sessions and load tests.

``tremplin demo`` fills a database with one year of a centre's work. Each plugin writes its own share
through the ``register_demo`` hook (``tremplin.core.demo.share.DemoShare``): the built-in ``general``
plugin the walk-in public (individual advice at the desk and remote, the multimedia area, information
sessions, workshops, guided tours and fairs), each audience plugin its programme. With every plugin of
the Brussels centre, the figures at scale 1.0 are of the order of its 2019 annual report: 55,757
contacts, 21,832 individual advice, 1,123 group activities with 22,425 participants and about 11,500
multimedia-area entries. A plugin left out takes its share with it, and changes nothing in the others'.

The year has the centre's rhythm (``calendar``): weekdays only, Belgian and Brussels public holidays
closed, a Christmas closure (recorded as a closure period), a quieter July and August, the Thursday
late opening until 19:00, and school time for what follows it.

Everything is drawn from the seed: the same seed, year, scale and plugins give the same records and the
same counters. Each share draws from streams named after it (``DemoContext.rng``), so a share's records
do not depend on which other shares are present.

Records are written the way an import writes them: every contact and activity is checked against the
intake form it names (``check.FormCheck``: the fields the form shows, its fixed values, its narrower
choices and its required attributes), validated by ``tremplin.core.validation.Cleaner`` and inserted with
``tremplin.core.bulk.insert_records``, which rolls them up. Cases and referrals go through
``tremplin.core.records`` (``cases``), so their stage history, outcomes, audit trail and roll-up are those
of real use. Everything happens in one transaction: a failed demo leaves the database as it was.

The parts: ``calendar`` (the year), ``draw`` (seeded choices and the public's profile mix), ``share`` (the
contract with plugins), ``cases`` (cases and referrals), ``centre`` (centre, sites, partners, accounts,
closure), ``check`` (records against forms), ``run`` (``generate``).
"""

from __future__ import annotations

from tremplin.core.demo.calendar import (
    MONTH_FACTOR,
    TIMEZONE,
    TZ,
    Calendar,
    at,
    christmas_closure,
    easter,
    public_holidays,
    tuesday_to_thursday_of,
)
from tremplin.core.demo.cases import REFERRAL_NOTES, CaseSet, DemoReferral
from tremplin.core.demo.check import FormCheck
from tremplin.core.demo.draw import (
    AGE,
    GENDER,
    LANGUAGE,
    THEMES,
    Choice,
    Person,
    draw_person,
    draw_themes,
    scaled,
    spread,
    stream,
)
from tremplin.core.demo.run import DemoSummary, draw_records, expected_figures, generate, shares
from tremplin.core.demo.share import CENTRE_CODE, CENTRE_NAME, DemoContext, DemoShare, Place, Rec, activity, contact

__all__ = [
    "AGE",
    "GENDER",
    "LANGUAGE",
    "MONTH_FACTOR",
    "THEMES",
    "CENTRE_CODE",
    "CENTRE_NAME",
    "REFERRAL_NOTES",
    "TIMEZONE",
    "TZ",
    "Calendar",
    "CaseSet",
    "Choice",
    "DemoContext",
    "DemoReferral",
    "DemoShare",
    "DemoSummary",
    "FormCheck",
    "Person",
    "Place",
    "Rec",
    "activity",
    "at",
    "christmas_closure",
    "contact",
    "draw_person",
    "draw_records",
    "draw_themes",
    "easter",
    "expected_figures",
    "generate",
    "public_holidays",
    "scaled",
    "shares",
    "spread",
    "stream",
    "tuesday_to_thursday_of",
]

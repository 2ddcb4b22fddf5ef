"""The demo toolkit for plugin authors: what a share of ``tremplin demo`` is made of.

A plugin's ``register_demo`` returns ``DemoShare`` objects; their ``records(ctx)`` function draws the
year with the helpers here::

    from tremplin.demo import Choice, DemoContext, DemoShare, Rec, contact

See ``tremplin.core.demo`` for how the demo runs and ``docs/plugins.md`` for an example.
"""

from __future__ import annotations

from tremplin.core.demo import (
    AGE as AGE,
)
from tremplin.core.demo import (
    CENTRE_CODE as CENTRE_CODE,
)
from tremplin.core.demo import (
    CENTRE_NAME as CENTRE_NAME,
)
from tremplin.core.demo import (
    GENDER as GENDER,
)
from tremplin.core.demo import (
    LANGUAGE as LANGUAGE,
)
from tremplin.core.demo import (
    MONTH_FACTOR as MONTH_FACTOR,
)
from tremplin.core.demo import (
    REFERRAL_NOTES as REFERRAL_NOTES,
)
from tremplin.core.demo import (
    THEMES as THEMES,
)
from tremplin.core.demo import (
    TIMEZONE as TIMEZONE,
)
from tremplin.core.demo import (
    TZ as TZ,
)
from tremplin.core.demo import (
    Calendar as Calendar,
)
from tremplin.core.demo import (
    CaseSet as CaseSet,
)
from tremplin.core.demo import (
    Choice as Choice,
)
from tremplin.core.demo import (
    DemoContext as DemoContext,
)
from tremplin.core.demo import (
    DemoReferral as DemoReferral,
)
from tremplin.core.demo import (
    DemoShare as DemoShare,
)
from tremplin.core.demo import (
    DemoSummary as DemoSummary,
)
from tremplin.core.demo import (
    FormCheck as FormCheck,
)
from tremplin.core.demo import (
    Person as Person,
)
from tremplin.core.demo import (
    Place as Place,
)
from tremplin.core.demo import (
    Rec as Rec,
)
from tremplin.core.demo import (
    activity as activity,
)
from tremplin.core.demo import (
    at as at,
)
from tremplin.core.demo import (
    christmas_closure as christmas_closure,
)
from tremplin.core.demo import (
    contact as contact,
)
from tremplin.core.demo import (
    draw_person as draw_person,
)
from tremplin.core.demo import (
    draw_records as draw_records,
)
from tremplin.core.demo import (
    draw_themes as draw_themes,
)
from tremplin.core.demo import (
    easter as easter,
)
from tremplin.core.demo import (
    expected_figures as expected_figures,
)
from tremplin.core.demo import (
    generate as generate,
)
from tremplin.core.demo import (
    public_holidays as public_holidays,
)
from tremplin.core.demo import (
    scaled as scaled,
)
from tremplin.core.demo import (
    shares as shares,
)
from tremplin.core.demo import (
    spread as spread,
)
from tremplin.core.demo import (
    stream as stream,
)
from tremplin.core.demo import (
    tuesday_to_thursday_of as tuesday_to_thursday_of,
)

__all__ = [
    "AGE",
    "CENTRE_CODE",
    "CENTRE_NAME",
    "GENDER",
    "LANGUAGE",
    "MONTH_FACTOR",
    "REFERRAL_NOTES",
    "THEMES",
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
]

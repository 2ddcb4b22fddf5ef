"""The demo toolkit for plugin authors: what a share of ``tremplin demo`` is made of.

A plugin's ``register_demo`` returns ``DemoShare`` objects; their ``records(ctx)`` function draws the
year with the helpers here::

    from tremplin.demo import Choice, DemoContext, DemoShare, Rec, contact

See ``tremplin.core.demo`` for how the demo runs and ``docs/plugins.md`` for an example.
"""

from __future__ import annotations

from tremplin.core.demo import (
    AGE as AGE,
    CENTRE_CODE as CENTRE_CODE,
    CENTRE_NAME as CENTRE_NAME,
    GENDER as GENDER,
    LANGUAGE as LANGUAGE,
    MONTH_FACTOR as MONTH_FACTOR,
    REFERRAL_NOTES as REFERRAL_NOTES,
    THEMES as THEMES,
    TIMEZONE as TIMEZONE,
    TZ as TZ,
    Calendar as Calendar,
    CaseSet as CaseSet,
    Choice as Choice,
    DemoContext as DemoContext,
    DemoReferral as DemoReferral,
    DemoShare as DemoShare,
    DemoSummary as DemoSummary,
    FormCheck as FormCheck,
    Person as Person,
    Place as Place,
    Rec as Rec,
    activity as activity,
    at as at,
    christmas_closure as christmas_closure,
    contact as contact,
    draw_person as draw_person,
    draw_records as draw_records,
    draw_themes as draw_themes,
    easter as easter,
    expected_figures as expected_figures,
    generate as generate,
    public_holidays as public_holidays,
    scaled as scaled,
    shares as shares,
    spread as spread,
    stream as stream,
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

"""Tremplin's public API for plugin authors.

A plugin imports what it needs from here, never from the engine's modules directly::

    from tremplin import hookimpl, Audience, Counter, Form, T

The engine itself is installed as ``tremplin.core``, the centre's audience plugins as
``tremplin.plugins.<audience>`` and the shared Prefect flows as ``tremplin.flows``: nothing is installed
under a generic top-level name such as ``core`` or ``plugins`` that another distribution could also use.
Names are resolved lazily so that ``import tremplin`` stays as cheap as the marker it usually needs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

# In a source checkout (and an editable install) the engine's folders sit beside this package rather than
# inside it: ``core/``, ``plugins/`` and ``flows/`` at the top of the repository. Searching the parent folder
# for subpackages makes ``tremplin.core`` resolve to ``core/`` there; an installed wheel has them inside.
_here = Path(__file__).resolve().parent
if not (_here / "core").is_dir() and (_here.parent / "core" / "hookspecs.py").is_file():
    __path__.append(str(_here.parent))  # noqa: F821

from tremplin.core import __version__, hookimpl  # noqa: E402

if TYPE_CHECKING:
    from tremplin.core.anonymity import Scrubber, format_token
    from tremplin.core.app import App
    from tremplin.core.batching import log_contact_batched
    from tremplin.core.bot.app import bot_centre, file_url_for
    from tremplin.core.bot.broadcast import broadcast, is_subscribed, subscribe, subscribers, unsubscribe
    from tremplin.core.bot.editable import EditableText, edited_text
    from tremplin.core.bot.handlers import BotCommand, in_thread, language_of, user_language
    from tremplin.core.bot.limits import RetryingLimiter
    from tremplin.core.bot.satisfaction import ask_satisfaction, satisfaction_counters
    from tremplin.core.bot.threads import open_thread, threads_opened_counters
    from tremplin.core.counters import Counter, FactSource, Part
    from tremplin.core.db import UTCDateTime
    from tremplin.core.demo.share import DemoShare
    from tremplin.core.dimensions import Dimension
    from tremplin.core.forms import Field, Form
    from tremplin.core.i18n import T, Text
    from tremplin.core.models import Base, utcnow
    from tremplin.core.pages import MenuItem
    from tremplin.core.records import add_contact_attributes, issue_referral, log_activity, log_contact
    from tremplin.core.registry import (
        EVERY_AUDIENCE,
        EVERY_CAPABILITY,
        Audience,
        FlowSpec,
        Grant,
        PluginError,
        Role,
        Stage,
        Workflow,
    )
    from tremplin.core.reports.sections import (
        AudienceFigures,
        Breakdown,
        Computed,
        FreeText,
        KeyFigures,
        MonthlyChart,
        MoreFigures,
        Note,
        OnlineFigures,
        ProgrammeIndicators,
        ProgrammeQuery,
        Table,
    )
    from tremplin.core.surveys import SurveyError, new_survey_link, record_survey_answer
    from tremplin.core.vocab import CodeList

_SECTIONS = "tremplin.core.reports.sections"
#: Public name -> module that defines it.
_EXPORTS: dict[str, str] = {
    "App": "tremplin.core.app",
    "Audience": "tremplin.core.registry",
    "AudienceFigures": _SECTIONS,
    # A plugin's own tables: its models on the one metadata (so they may refer to centres, sites, partners...),
    # timestamps stored as UTC; its migrations/ folder makes them (docs/plugins.md, "Tables and migrations").
    "Base": "tremplin.core.models",
    "BotCommand": "tremplin.core.bot.handlers",
    "Breakdown": _SECTIONS,
    "CodeList": "tremplin.core.vocab",
    "Computed": _SECTIONS,
    "Counter": "tremplin.core.counters",
    "DemoShare": "tremplin.core.demo.share",
    "EditableText": "tremplin.core.bot.editable",
    "Dimension": "tremplin.core.dimensions",
    "EVERY_AUDIENCE": "tremplin.core.registry",
    "EVERY_CAPABILITY": "tremplin.core.registry",
    "FactSource": "tremplin.core.counters",
    "Field": "tremplin.core.forms",
    "FlowSpec": "tremplin.core.registry",
    "Grant": "tremplin.core.registry",
    "MenuItem": "tremplin.core.pages",
    "Form": "tremplin.core.forms",
    "FreeText": _SECTIONS,
    "KeyFigures": _SECTIONS,
    "MonthlyChart": _SECTIONS,
    "MoreFigures": _SECTIONS,
    "Note": _SECTIONS,
    "OnlineFigures": _SECTIONS,
    "Part": "tremplin.core.counters",
    "PluginError": "tremplin.core.registry",
    "ProgrammeIndicators": _SECTIONS,
    "ProgrammeQuery": _SECTIONS,
    "Role": "tremplin.core.registry",
    "Scrubber": "tremplin.core.anonymity",
    "Stage": "tremplin.core.registry",
    "T": "tremplin.core.i18n",
    "Table": _SECTIONS,
    "Text": "tremplin.core.i18n",
    "UTCDateTime": "tremplin.core.db",
    "Workflow": "tremplin.core.registry",
    # What a plugin's bot handlers and pages write with: the same checks and events as the core's forms.
    "format_token": "tremplin.core.anonymity",
    "issue_referral": "tremplin.core.records",
    "bot_centre": "tremplin.core.bot.app",
    "edited_text": "tremplin.core.bot.editable",
    "in_thread": "tremplin.core.bot.handlers",
    "language_of": "tremplin.core.bot.handlers",
    "open_thread": "tremplin.core.bot.threads",
    "user_language": "tremplin.core.bot.handlers",
    # The satisfaction question at the end of a conversation, and the counters of its answers.
    "ask_satisfaction": "tremplin.core.bot.satisfaction",
    "satisfaction_counters": "tremplin.core.bot.satisfaction",
    # The counter of threads opened with a counsellor, for an audience whose chat opens them.
    "threads_opened_counters": "tremplin.core.bot.threads",
    # Messages the bot sends on its own: subscriptions by chat (never its id in clear) and the weekly send.
    "broadcast": "tremplin.core.bot.broadcast",
    "is_subscribed": "tremplin.core.bot.broadcast",
    "subscribe": "tremplin.core.bot.broadcast",
    "subscribers": "tremplin.core.bot.broadcast",
    "unsubscribe": "tremplin.core.bot.broadcast",
    # A bot outside the running application (a flow's): Telegram's retries, a self-hosted server's file URL.
    "RetryingLimiter": "tremplin.core.bot.limits",
    "file_url_for": "tremplin.core.bot.app",
    "add_contact_attributes": "tremplin.core.records",
    "utcnow": "tremplin.core.models",
    "log_activity": "tremplin.core.records",
    "log_contact": "tremplin.core.records",
    # log_contact from async code (a bot's handler), in a transaction shared with the contacts of the moment.
    "log_contact_batched": "tremplin.core.batching",
    "LANGUAGES": "tremplin.core.i18n",
    "record_participants": "tremplin.core.records",
    # The satisfaction survey: a one-time link to send, and the one way to record an answer (the bot's too).
    "SurveyError": "tremplin.core.surveys",
    "new_survey_link": "tremplin.core.surveys",
    "record_survey_answer": "tremplin.core.surveys",
}

__all__ = ["__version__", "hookimpl", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tremplin' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

"""The plugin contract: every hook a Tremplin plugin may implement.

A plugin is a module (or object) whose functions are marked with ``tremplin.core.hookimpl`` and named like the
hooks below; ``tremplin.core.plugins`` finds the built-in ones and those installed under the
``tremplin.plugins`` entry-point group. A misspelled hook name is refused at start-up.

Every hook receives the one ``app`` object (``tremplin.core.app.App``): settings, database, plugin manager and
registries. Hooks come in three kinds:

* **registration** hooks return a list of things the app collects once, at start-up (audiences, roles,
  code lists, forms, counters, workflows, flows, scrubbers) or when the part that needs them starts (web routes, bot
  handlers, report sections): keep heavy imports inside those functions;
* **event** hooks are called when something happened, inside the transaction that did it: a handler
  may write with the ``session`` it is given and its writes commit or roll back with the rest;
* the **scrubber chain**: ``register_scrubbers`` returns links that run one after another on every free
  text before it is stored.

Hooks are called through pluggy (``pm.hook.<name>(...)``): hook wrappers work, and
``TREMPLIN_TRACE_PLUGINS=1`` logs each call with its plugin and duration.

Every hook here is documented, has a test named ``test_hook_<name>`` (``tests/core/test_hookspecs.py``
checks both) and a section in ``docs/plugins.md`` showing its signature (``tests/core/test_docs.py``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tremplin.core.anonymity import Scrubber
    from tremplin.core.app import App
    from tremplin.core.bot.editable import EditableText
    from tremplin.core.counters import Counter, FactSource
    from tremplin.core.demo.share import DemoShare
    from tremplin.core.dimensions import Dimension
    from tremplin.core.forms import Form
    from tremplin.core.models import Activity, Case, Contact, Referral, Staff
    from tremplin.core.pages import MenuItem
    from tremplin.core.registry import Audience, FlowSpec, Grant, Role, Workflow
    from tremplin.core.vocab import CodeList
    from tremplin.core.web.deps import StaffView

PROJECT = "tremplin"
hookspec = pluggy.HookspecMarker(PROJECT)


# ------------------------------------------------------------------------------------------------
# Registration


@hookspec
def register_audiences(app: App) -> list[Audience]:
    """Declare the audiences this plugin serves.

    An audience is a public with its own programme (young people not in employment, pupils' classes...).
    Its ``key`` is what contacts, activities, cases and counters name; it must be unique across plugins.
    The walk-in public is the built-in ``general`` audience.
    """


@hookspec
def register_roles(app: App) -> list[Role | Grant]:
    """Declare the staff roles this plugin brings (``tremplin.core.registry.Role``).

    A role has a ``key`` (stored on staff accounts: never rename it), a translated ``label``, the
    ``capabilities`` it grants (the parts of the web app and API it may use: ``dashboard``, ``log``,
    ``contacts``, ``activities``, ``referrals``, ``cases``, ``reports``, ``admin``, or a capability the
    plugin's own routes check) and the ``default_audiences`` a new account of the role sees unless told
    otherwise. The core registers ``admin``, ``programme_lead``, ``counsellor`` and ``reception``; an
    audience that one of these serves says so in ``Audience.default_roles`` rather than in the role.
    Likewise, a plugin whose pages check a capability of its own gives it to another plugin's role
    (the core's ``programme_lead``...) with a ``Grant`` (``tremplin.core.registry.Grant``) in the same
    list, never the other way round.

    :param app: the app being started; its registry is not filled yet.
    :returns: the roles, and grants to other plugins' roles; a key another plugin registered too is a
        start-up error.
    """


@hookspec
def register_codes(app: App) -> list[CodeList]:
    """Add codes to the shared code lists (``tremplin.core.vocab.CodeList``), or declare lists of one's own.

    The core's vocabulary holds what every centre shares (themes, languages, profile bands, the generic
    modalities, channels, site and partner kinds, workshop kinds). An audience adds its own codes to
    ``modality``, ``channel``, ``site_kind``, ``partner_kind`` or ``workshop`` by returning a list with that
    name and the new items only: ``CodeList("workshop", items={"erasmus_day": T("Erasmus day", ...)})``.
    ``audit_action`` and ``audit_kind`` label the audience's own audit events (``<audience>.weekly_plan``) on
    the audit page.
    Codes are the interchange format (CSV, API, report keys): never rename one once records use it.

    :param app: the app being started.
    :returns: code lists; a code two plugins add to the same list is a start-up error.
    """


@hookspec
def register_forms(app: App) -> list[Form]:
    """Declare the intake forms of this plugin's audiences (``tremplin.core.forms.Form``).

    The web app renders them, the CSV import validates ``attr.*`` columns with them, the API documents
    them. A form's fields become the record's ``attributes``; never declare a field that would hold a
    name, date of birth, address, phone, e-mail or national number of a member of the public.
    """


@hookspec
def register_counters(app: App) -> list[Counter]:
    """Declare the counters (``tremplin.core.counters.Counter``) this plugin's figures are made of.

    Counter keys are stable and documented: they are the keys of the JSON reports and of
    ``tremplin counters show``. Adding a counter to a database that already has data needs
    ``tremplin counters rebuild`` for past records.
    """


@hookspec
def register_dimensions(app: App) -> list[Dimension]:
    """Declare report dimensions (``tremplin.core.dimensions.Dimension``): what counters are broken down by.

    A dimension names a record field (``site``, ``workshop``...) or an attribute of the audience's
    forms (``attr.commune``); the roll-up then keeps every counter by its values, by month and year,
    for the records of that audience only, and the audience report, the dashboard and
    ``tremplin counters show`` show them. Keys are stable and unique across plugins (prefix them
    with the audience: ``euroguidance.country``). Adding a dimension to a database with history needs
    ``tremplin counters rebuild``.

    :param app: the app being started; its registry holds the audiences, forms and counters.
    :return: the dimensions this plugin declares.
    """


@hookspec
def register_fact_sources(app: App) -> list[FactSource]:
    """Declare this plugin's own tables whose rows the roll-up counts (``tremplin.core.counters.FactSource``).

    A source turns a row into a fact (its day, centre, measures and fields); the plugin's counters count
    ``"<source>:<measure>"`` (``Counter.simple("euroguidance.unanswered", ..., "euroguidance.enquiries:rows",
    {"answered": False})``) and its dimensions may describe the source by its name. Rows written
    through an app session are added, re-counted or taken away in the writing transaction, and
    ``tremplin counters rebuild`` recounts them from the table: a plugin owns its rows, the core names
    no table of a plugin. Names are unique across plugins and prefixed with the audience.

    :param app: the app being started; its registry is not filled yet.
    :return: the fact sources of this plugin.
    """


@hookspec
def register_workflows(app: App) -> list[Workflow]:
    """Declare the case workflow of an audience: its stages, their order and the outcomes they record.

    At most one workflow per audience; an audience without one has no cases.
    """


@hookspec
def register_flows(app: App) -> list[FlowSpec]:
    """Declare Prefect flows (outreach, reminders, exports, purges) by import path and schedule.

    Flows are imported only when they are served or run (``tremplin flows``), so Prefect stays out of
    every other command.
    """


@hookspec
def register_routes(app: App) -> list[Any]:
    """Return FastAPI ``APIRouter`` objects to mount in the web app.

    Called when the web app is built, not at start-up: import FastAPI inside the implementation.
    Routes must enforce the role and audience rules the core's dependencies provide.
    """


@hookspec
def register_menu_items(app: App, staff: StaffView) -> list[MenuItem]:
    """Add entries (``tremplin.core.pages.MenuItem``) to the web app's main menu, after the core's.

    Called for each page rendered for a logged-in account, so keep it cheap. The core shows an entry
    only to accounts with its ``capability`` (``tremplin.core.web.policy``) that see its ``audience``,
    and only if a route serves its path; the page itself must still check both. A plugin package's
    ``templates/`` folder joins the template loader and its ``static/`` folder is served under
    ``/static/plugins/<name>/`` without any hook (``tremplin.core.pages``).

    :param app: the running app.
    :param staff: the account the page is rendered for (``roles``, ``audiences``, ``centre_id``).
    :return: the entries this plugin offers; the core filters them by role and audience.
    """


@hookspec
def register_bot_handlers(app: App) -> list[Any]:
    """Return python-telegram-bot handlers (``telegram.ext.BaseHandler``) to add to the bot.

    Called when the bot application is built; import ``telegram.ext`` inside the implementation.
    Handlers are added in plugin registration order, after the core's own commands and before the
    core's catch-all fallback. An item may also be a ``(handler, group)`` pair to add the handler to
    another python-telegram-bot handler group.
    """


@hookspec
def register_bot_texts(app: App) -> list[EditableText]:
    """Declare bot texts the centre edits in the admin pages (``tremplin.core.bot.editable.EditableText``).

    Each has a key prefixed with the audience (``euroguidance.hours``), a label for the admin page and
    its default in the four languages. The bot reads the centre's version with
    ``tremplin.core.bot.editable.edited_text(app, key, language, default)``; ``/admin/bot-texts`` edits it.

    :param app: the running app.
    :return: the texts; a key another plugin declared too is a plugin error.
    """


@hookspec
def register_report_sections(app: App, report: str) -> list[Any]:
    """Return sections (``tremplin.core.reports.sections``) to add to the report named ``report``.

    ``report`` is a report's key (``annual``, ``monthly``, ``esf``, ``audience:<key>``); return an
    empty list for reports the plugin has nothing to add to.
    """


@hookspec
def register_scrubbers(app: App) -> list[Scrubber]:
    """Add links to the free-text scrubber chain (``tremplin.core.anonymity.Scrubber``).

    Every note is passed through all links in ``order`` before it is stored: a link receives the text
    the previous one returned. A link may only remove or mask text, never add information.
    """


@hookspec
def register_demo(app: App) -> list[DemoShare]:
    """Declare this plugin's share of ``tremplin demo``: the year of synthetic records of its audiences.

    Called when a demo runs, not at start-up: import the share's generator inside the implementation.
    Each ``DemoShare`` (``tremplin.core.demo.DemoShare``) names its sites and partners, what it adds to
    the counters at scale 1.0, and a ``records(ctx)`` function. That function is given a
    ``DemoContext``: the year's calendar (open days, school days, the Christmas closure), the scale, the
    ids of the demo's accounts (by role) and partners (by code), and random streams seeded by the demo's
    seed and the share's key (``ctx.rng(name)``, ``ctx.count(target)``), so that leaving a plugin out
    changes nothing in the other shares. It writes cases and referrals through ``ctx.open_cases`` and
    ``ctx.issue_referrals`` and returns contacts and activities (``tremplin.core.demo.contact`` and
    ``activity``), which the demo checks against the forms they name, validates like an import's rows
    and writes through the bulk path.

    :param app: the application: settings, database, plugin manager and registries.
    :return: the plugin's shares; their keys must be unique across plugins.
    """


@hookspec
def purge_expired(app: App, session: Session, today: date) -> dict[str, int]:
    """Erase or delete what this plugin keeps past its retention period; called by the daily
    ``retention-purge`` flow inside its transaction.

    :param app: the app.
    :param session: the flow's session; what is written with it commits with the run's audit event.
    :param today: the day the run counts from (the centre's current day, or a catch-up day).
    :return: how many of each kind of thing were purged (``{"euroguidance.enquirers": 3}``); the
        run's audit event and log say it, per plugin.
    """


@hookspec
def field_defaults(app: App, session: Session, staff: Staff, form: Form, day: date) -> dict[str, str] | None:
    """Where a field page starts: the answers a phone's entries carry unless the worker changes them.

    Called when a field form's page (``Form.field``) is built for ``staff`` on ``day`` (the centre's
    current day). The Formtruck answers with today's planned stop, so the adviser's phone opens on
    it instead of a list of every site. Keep it to one or two queries.

    :param app: the app.
    :param session: a read session.
    :param staff: the account the page is for (its centre: ``staff.centre_id``).
    :param form: the field form being shown; return ``None`` for forms that are not this plugin's.
    :param day: the centre's current day.
    :return: posted names to values (``{"site": "truck-flagey", "attr.commune": "ixelles"}``), plus
        ``"summary"``, a line the page shows above its buttons ("Place Flagey, Ixelles, 10:00–16:00").
    """


# ------------------------------------------------------------------------------------------------
# Events


@hookspec
def contact_logged(app: App, session: Session, contact: Contact) -> None:
    """A contact was logged (through a form, the API, the bot; not by bulk import).

    Called after the contact is flushed, inside its transaction: ``contact.id`` is set and anything
    written with ``session`` commits with it.
    """


@hookspec
def activity_logged(app: App, session: Session, activity: Activity) -> None:
    """A group activity was created, or its actual headcount entered, inside the writing transaction."""


@hookspec
def referral_status_changed(
    app: App, session: Session, referral: Referral, old_status: str | None, new_status: str
) -> None:
    """A referral changed status (``old_status`` is ``None`` when it was just issued)."""


@hookspec
def case_stage_changed(
    app: App, session: Session, case: Case, old_stage: str | None, new_stage: str, staff: Staff | None
) -> None:
    """A case moved from ``old_stage`` to ``new_stage`` (``None`` when it was just opened)."""

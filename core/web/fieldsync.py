"""Entries a phone made with no network, received when it has one again.

Each entry carries the key the phone gave it (``crypto.randomUUID()``), the moment it was made and the
answers of a field form (``Form.fieldwork``). Entries are applied in the order sent, each in its own
transaction, through the same path as a form posted online (``formkit.clean`` then the records' rules,
``records.check_record``): the same rules refuse the same things with the same words, and a refusal names
the key of the rule each field breaks (``tremplin.core.rules``), as the API's answers do.

A key is accepted once (``SyncedEntry``, unique): the entry sent again after a lost answer, by a
second tab or by a double tap is answered ``duplicate`` and counted once. An entry is refused, with
its reason in the account's language, when its moment is in the future or older than ``MAX_AGE``, when
its form is no longer offered to the account, or when its answers break a rule; the phone keeps and
shows refused entries until the worker removes them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tremplin.core import vocab
from tremplin.core.forms import Form
from tremplin.core.i18n import typography
from tremplin.core.models import Centre, Contact, Staff, SyncedEntry
from tremplin.core.rules import Problem
from tremplin.core.validation import RecordError
from tremplin.core.web import formkit
from tremplin.core.web.i18n import N_

if TYPE_CHECKING:
    from tremplin.core.app import App

#: An entry made longer ago than this is refused: a week covers a phone left offline over a weekend.
MAX_AGE = timedelta(days=7)
#: A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)
#: Entries per request; the phone sends a longer queue in several requests, in order.
MAX_BATCH = 200
KEY = re.compile(r"^[A-Za-z0-9-]{8,64}$")

MSG_FUTURE = N_("This entry's time is in the future: check the phone's clock.")
MSG_TOO_OLD = N_("This entry was made more than %(days)s days ago: it can no longer be sent.")
MSG_NO_FORM = N_("This form is no longer offered to your account.")
MSG_BAD_ENTRY = N_("This entry is damaged and cannot be read.")

Status = Literal["accepted", "duplicate", "refused"]


@dataclass
class Outcome:
    """What became of one entry: ``reason`` (in the account's language) when it is refused."""

    key: str
    status: Status
    reason: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    #: Field -> the key of the rule it breaks (``tremplin.core.rules.MESSAGES``).
    rules: dict[str, str] = field(default_factory=dict)
    record_id: int | None = None


class PostedValues:
    """A phone's answers (``{"attr.commune": "ixelles", "themes": ["learn"]}``) read like a posted form."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values

    def get(self, name: str) -> str | None:
        value = self.values.get(name)
        if isinstance(value, list):
            value = value[0] if value else None
        return value if isinstance(value, str) else None

    def getlist(self, name: str) -> list[str]:
        value = self.values.get(name)
        if isinstance(value, str):
            return [value]
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def parse_moment(raw: Any) -> datetime | None:
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


@dataclass
class Prepared:
    """An entry that passed every check, ready to be written."""

    index: int
    key: str
    made: datetime
    form: Form
    record: dict[str, Any]


@dataclass
class Receiver:
    """Applies one account's entries; built per request.

    The entries of a batch are checked one by one (``records.check_record`` with one shared ``Cleaner``,
    as the API's group commit does), then the contacts written in one transaction: one flush, one
    roll-up update, one commit for the batch. If that transaction fails (a second tab committed one of
    the keys meanwhile), each entry is written again on its own, so only the duplicate is set aside.
    """

    app: App
    session: Session
    staff: Staff
    gettext: Callable[..., str]
    #: The centre and form context of an entry: (centre code or ``None``, form) → both.
    contexts: Callable[[str | None, Form], tuple[Centre, formkit.FormContext]]
    lang: str = "fr"
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    cleaner: Any = None

    def receive(self, entries: list[Any]) -> list[Outcome]:
        from tremplin.core.validation import Cleaner, Lookup

        keys = [e.get("key") for e in entries if isinstance(e, dict) and isinstance(e.get("key"), str)]
        known = set(self.session.scalars(select(SyncedEntry.key).where(SyncedEntry.key.in_(keys)))) if keys else set()
        self.cleaner = Cleaner(self.app, Lookup.load(self.app, self.session))
        outcomes: list[Outcome | None] = [None] * len(entries)
        batch: list[Prepared] = []
        for index, entry in enumerate(entries):
            found = self.check(index, entry, known)
            if isinstance(found, Outcome):
                outcomes[index] = found
            else:
                known.add(found.key)  # the same key twice in one batch: the second is a duplicate
                batch.append(found)
        self.session.rollback()
        for prepared, outcome in zip(batch, self.write(batch)):
            outcomes[prepared.index] = outcome
        return [o for o in outcomes if o is not None]

    def check(self, index: int, entry: Any, known: set[str]) -> Outcome | Prepared:
        _ = self.gettext
        key = entry.get("key") if isinstance(entry, dict) else None
        if not isinstance(key, str) or not KEY.match(key):
            return Outcome(str(key)[:64] if key else "", "refused", _(MSG_BAD_ENTRY))
        if key in known:
            return Outcome(key, "duplicate")
        made = parse_moment(entry.get("at"))
        values = entry.get("values")
        if made is None or not isinstance(values, dict):
            return Outcome(key, "refused", _(MSG_BAD_ENTRY))
        if made > self.now + CLOCK_SKEW:
            return Outcome(key, "refused", _(MSG_FUTURE))
        if made < self.now - MAX_AGE:
            return Outcome(key, "refused", _(MSG_TOO_OLD, days=MAX_AGE.days))
        form = self.app.registry.forms.get(str(entry.get("form") or ""))
        if form is None or not form.fieldwork or not self.staff.may_see(form.audience):
            return Outcome(key, "refused", _(MSG_NO_FORM))
        return self.clean(index, key, made, form, PostedValues(values))

    def clean(self, index: int, key: str, made: datetime, form: Form, data: PostedValues) -> Outcome | Prepared:
        """The form's rules, then the records' rules: what a form posted online goes through.

        A count the rules question is refused: the phone has no confirmation to send back, and the worker
        enters such a count online, where the form asks for it."""
        from tremplin.core.records import _check_staff_audience, check_record

        _ = self.gettext
        posted = formkit.posted_values(form, data)
        theme = data.get("theme")
        if form.tally and theme is not None:
            # One tap: one person on one theme, as the online tally button does.
            posted.update(headcount="1", themes=[theme], note="")
        centre, ctx = self.contexts(posted.get("centre") or None, form)
        moment = made.astimezone(ctx.tz).isoformat()
        posted["starts_at" if form.record == "activity" else "occurred_at"] = moment
        if theme is not None and theme not in vocab.THEME:
            problem = Problem("choice", f"{theme!r} is not a theme")
            return self.refused(key, form, ctx, formkit.translate_record_errors({"themes": problem}, _))
        values, attributes, errors = formkit.clean(form, posted, ctx, centre.code)
        if errors:
            return self.refused(key, form, ctx, errors)
        try:
            record = check_record(
                self.app, self.session, form.record, values, attributes, form.key, cleaner=self.cleaner
            )
            _check_staff_audience(self.staff, record["audience"])
        except RecordError as exc:
            return self.refused(key, form, ctx, formkit.translate_record_errors(exc.errors, _))
        except PermissionError:
            return Outcome(key, "refused", _(MSG_NO_FORM))
        if form.record == "activity":  # written by ``log_activity`` itself, which fires its hook
            return Prepared(index, key, made, form, {"values": values, "attributes": attributes})
        return Prepared(index, key, made, form, record)

    def refused(self, key: str, form: Form, ctx: formkit.FormContext, errors: formkit.FieldErrors) -> Outcome:
        labels = {f.name: f.label for f in formkit.build_fields(form, ctx)}
        reason = "; ".join(f"{labels.get(name, name)}: {message}" for name, message in errors.items())
        return Outcome(key, "refused", typography(reason, self.lang), dict(errors), dict(errors.rules))

    def synced(self, item: Prepared, record_id: int) -> SyncedEntry:
        return SyncedEntry(
            key=item.key,
            staff_id=self.staff.id,
            form=item.form.key,
            record_kind=item.form.record,
            record_id=record_id,
            made_at=item.made,
            received_at=self.now,
        )

    def write(self, batch: list[Prepared]) -> list[Outcome]:
        contacts = [item for item in batch if item.form.record == "contact"]
        if len(contacts) == len(batch) and batch:
            try:
                rows = [Contact(**item.record, staff_id=self.staff.id) for item in batch]
                self.session.add_all(rows)
                self.session.flush()
                for row in rows:
                    self.app.hook.contact_logged(app=self.app, session=self.session, contact=row)
                self.session.add_all([self.synced(item, row.id) for item, row in zip(batch, rows)])
                self.session.commit()
                return [Outcome(item.key, "accepted", record_id=row.id) for item, row in zip(batch, rows)]
            except IntegrityError:
                self.session.rollback()
        return [self.write_one(item) for item in batch]

    def write_one(self, item: Prepared) -> Outcome:
        """One entry in its own transaction (an activity through ``log_activity`` itself)."""
        from tremplin.core.records import log_activity

        _ = self.gettext
        try:
            if item.form.record == "activity":
                record: Any = log_activity(
                    self.app,
                    self.session,
                    item.record["values"],
                    item.record["attributes"],
                    staff=self.staff,
                    form=item.form.key,
                )
            else:
                values = dict(item.record)
                record = Contact(**values, staff_id=self.staff.id)
                self.session.add(record)
                self.session.flush()
                self.app.hook.contact_logged(app=self.app, session=self.session, contact=record)
            self.session.add(self.synced(item, record.id))
            self.session.commit()
        except RecordError as exc:  # checked in ``clean``: only what changed meanwhile (a site removed) is left
            self.session.rollback()
            errors = formkit.translate_record_errors(exc.errors, _)
            reason = "; ".join(errors.values())
            return Outcome(item.key, "refused", typography(reason, self.lang), dict(errors), dict(errors.rules))
        except IntegrityError:
            # The same key, committed meanwhile by another request (a second tab): counted once.
            self.session.rollback()
            return Outcome(item.key, "duplicate")
        return Outcome(item.key, "accepted", record_id=record.id)

"""Entries a phone made with no network, received when it has one again.

Each entry carries the key the phone gave it (``crypto.randomUUID()``), the moment it was made and the
answers of a field form (``Form.fieldwork``). Entries are applied in the order sent, each in its own
transaction, through the same path as a form posted online (``formkit.clean`` then
``records.log_contact``/``log_activity``): the same rules refuse the same things with the same words.

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
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from tremplin.core import vocab
from tremplin.core.forms import Form
from tremplin.core.i18n import typography
from tremplin.core.models import Centre, Staff, SyncedEntry
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
class Receiver:
    """Applies one account's entries; built per request."""

    app: App
    session: Session
    staff: Staff
    gettext: Callable[..., str]
    contexts: Callable[[str | None], tuple[Centre, formkit.FormContext]]
    lang: str = "fr"
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def receive(self, entries: list[Any]) -> list[Outcome]:
        return [self.one(entry) for entry in entries]

    def one(self, entry: Any) -> Outcome:
        _ = self.gettext
        key = entry.get("key") if isinstance(entry, dict) else None
        if not isinstance(key, str) or not KEY.match(key):
            return Outcome(str(key)[:64] if key else "", "refused", _(MSG_BAD_ENTRY))
        if self.session.scalar(select(SyncedEntry.id).where(SyncedEntry.key == key)) is not None:
            self.session.rollback()
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
        return self.apply(key, made, form, PostedValues(values))

    def apply(self, key: str, made: datetime, form: Form, data: PostedValues) -> Outcome:
        from tremplin.core.records import log_activity, log_contact

        _ = self.gettext
        posted = formkit.posted_values(form, data)
        theme = data.get("theme")
        if form.tally and theme is not None:
            # One tap: one person on one theme, as the online tally button does.
            posted.update(headcount="1", themes=[theme], note="")
        centre, ctx = self.contexts(posted.get("centre") or None)
        moment = made.astimezone(ctx.tz).isoformat()
        posted["starts_at" if form.record == "activity" else "occurred_at"] = moment
        if theme is not None and theme not in vocab.THEME:
            errors = {"themes": _(formkit.MSG_CHOICE)}
        else:
            values, attributes, errors = formkit.clean(form, posted, ctx, centre.code)
        if not errors:
            write = log_activity if form.record == "activity" else log_contact
            try:
                record = write(self.app, self.session, values, attributes, staff=self.staff, form=form.key)
                self.session.add(
                    SyncedEntry(
                        key=key,
                        staff_id=self.staff.id,
                        form=form.key,
                        record_kind=form.record,
                        record_id=record.id,
                        made_at=made,
                        received_at=self.now,
                    )
                )
                self.session.commit()
            except RecordError as exc:
                self.session.rollback()
                errors = formkit.translate_record_errors(exc.errors, _)
            except IntegrityError:
                # The same key, committed meanwhile by another request (a second tab): counted once.
                self.session.rollback()
                return Outcome(key, "duplicate")
            else:
                return Outcome(key, "accepted", record_id=record.id)
        labels = {f.name: f.label for f in formkit.build_fields(form, ctx)}
        reason = "; ".join(f"{labels.get(name, name)}: {message}" for name, message in errors.items())
        return Outcome(key, "refused", typography(reason, self.lang), errors)

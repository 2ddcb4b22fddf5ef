"""What every write goes through, whoever writes: local days computed, free text scrubbed (contact and
referral notes, activity titles, partner names).

Installed as a ``before_flush`` listener on the app's sessions, so a plugin or a script that writes a
``Contact`` directly still cannot store an unscrubbed note or a wrong day.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from tremplin.core.models import Activity, Contact, Partner, Referral

if TYPE_CHECKING:
    from tremplin.core.app import App


def local_day(app: App, session: Session, centre_id: int, moment: datetime) -> Any:
    return moment.astimezone(app.timezone_of(session, centre_id)).date()


def _day_of(moment: datetime | None) -> date | None:
    return moment.date() if isinstance(moment, datetime) else None


def before_flush(session: Session, _flush_context: Any, _instances: Any) -> None:
    app: App | None = session.info.get("app")
    if app is None:
        return
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Contact):
            if obj.occurred_at is not None and obj.centre_id is not None:
                obj.day = local_day(app, session, obj.centre_id, obj.occurred_at)
            if obj.note:
                # Judged against the contact's own day: a note about an old contact keeps its old dates.
                obj.note = app.scrub(obj.note, today=obj.day or _day_of(obj.occurred_at)).text
        elif isinstance(obj, Activity):
            if obj.starts_at is not None and obj.centre_id is not None:
                obj.day = local_day(app, session, obj.centre_id, obj.starts_at)
            if obj.title:
                obj.title = app.scrub(obj.title, today=obj.day).text
        elif isinstance(obj, Referral) and obj.note:
            obj.note = app.scrub(obj.note, today=_day_of(obj.issued_at)).text
        elif isinstance(obj, Partner) and obj.name:
            obj.name = app.scrub(obj.name).text

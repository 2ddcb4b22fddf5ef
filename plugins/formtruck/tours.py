"""The Formtruck's tours: planning stops, and finding where the truck stands today.

A stop names a site of kind ``formtruck_stop`` (created here when the coordinator names a new place),
the commune it lies in, the day and the hours. ``todays_stop`` gives the field page the answers its
tallies carry (site, commune, place), so an adviser's phone opens on the right stop.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tremplin.core.models import Site, Staff
from tremplin.plugins.formtruck.models import FormtruckStop

STOP_KIND = "formtruck_stop"


@dataclass(frozen=True)
class PlannedStop:
    id: int
    day: date
    starts: time
    ends: time
    site_code: str
    site_name: str
    commune: str
    place: str
    site_id: int = 0

    def where(self, lang: str) -> str:
        from tremplin.plugins.formtruck import COMMUNES

        commune = COMMUNES[self.commune].get(lang) if self.commune in COMMUNES else self.commune
        return f"{self.place or self.site_name}, {commune}"

    def hours(self) -> str:
        return f"{self.starts:%H:%M}–{self.ends:%H:%M}"


def stops_between(session: Session, centre_id: int, start: date, end: date) -> list[PlannedStop]:
    rows = session.execute(
        select(FormtruckStop, Site.code, Site.name)
        .join(Site, Site.id == FormtruckStop.site_id)
        .where(FormtruckStop.centre_id == centre_id, FormtruckStop.day >= start, FormtruckStop.day <= end)
        .order_by(FormtruckStop.day, FormtruckStop.starts, FormtruckStop.id)
    )
    return [
        PlannedStop(s.id, s.day, s.starts, s.ends, code, name, s.commune, s.place, s.site_id) for s, code, name in rows
    ]


def current(stops: list[PlannedStop], now: time) -> PlannedStop | None:
    """Of one day's stops, the one under way, else the next, else the last of the day."""
    if not stops:
        return None
    for stop in stops:
        if stop.starts <= now <= stop.ends:
            return stop
    upcoming = [stop for stop in stops if stop.starts > now]
    return upcoming[0] if upcoming else stops[-1]


def todays_stop(app: Any, session: Session, staff: Staff, day: date) -> dict[str, str] | None:
    if staff.centre_id is None:
        return None
    now = datetime.now(app.timezone_of(session, staff.centre_id)).time()
    stop = current(stops_between(session, staff.centre_id, day, day), now)
    if stop is None:
        return None
    return {
        "site": stop.site_code,
        "attr.commune": stop.commune,
        "attr.place": stop.place,
        "summary": f"{stop.where(staff.language or 'fr')} · {stop.hours()}",
    }


def stop_sites(session: Session, centre_id: int) -> list[Site]:
    stmt = select(Site).where(Site.centre_id == centre_id, Site.kind == STOP_KIND, Site.active.is_(True))
    return list(session.scalars(stmt.order_by(Site.name)))


def site_code_for(name: str) -> str:
    """``Place Flagey`` → ``truck-place-flagey``: a new stop's site code, from its name."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:50] or "stop"
    return f"truck-{slug}"


def plan_stop(
    session: Session, centre_id: int, site: Site, day: date, starts: time, ends: time, commune: str, place: str
) -> FormtruckStop:
    stop = FormtruckStop(
        centre_id=centre_id, site_id=site.id, day=day, starts=starts, ends=ends, commune=commune, place=place
    )
    session.add(stop)
    session.flush()
    return stop

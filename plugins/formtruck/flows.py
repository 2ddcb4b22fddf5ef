"""The Formtruck's flow: after the day's stops, one line per stop for the advisers.

Each stop is a site; the line gives the people met there that day, the communes they came from and
the three most asked themes. Recipients: ``TREMPLIN_FORMTRUCK_STOPS_RECIPIENTS``. One digest per day
(``digest:formtruck-stops:<day>:<address>``), so a repeated run sends nothing twice.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from tremplin.flows.common import logger


def stop_lines(app: Any, session: Any, day: date) -> list[str]:
    """One line per stop of ``day``: its site, people met, communes, main themes."""
    from sqlalchemy import select

    from tremplin.core.models import Contact, Site
    from tremplin.plugins.formtruck import AUDIENCE, COMMUNES

    lang = app.settings.default_language
    themes = app.registry.code_list("theme")
    rows = session.execute(
        select(Contact, Site.name)
        .outerjoin(Site, Site.id == Contact.site_id)
        .where(Contact.audience == AUDIENCE, Contact.day == day)
        .order_by(Site.name, Contact.occurred_at)
    ).all()
    stops: dict[str, dict[str, Counter[str]]] = {}
    for contact, site in rows:
        stop = stops.setdefault(site or "?", {"people": Counter(), "communes": Counter(), "themes": Counter()})
        people = contact.headcount or 1
        stop["people"]["n"] += people
        commune = (contact.attributes or {}).get("commune")
        if commune in COMMUNES:
            stop["communes"][COMMUNES[commune].get(lang)] += people
        for theme in contact.themes or []:
            stop["themes"][themes.items[theme].get(lang) if theme in themes.items else theme] += people
    lines = []
    for site, stop in stops.items():
        communes = ", ".join(name for name, _ in stop["communes"].most_common(3))
        main = ", ".join(name for name, _ in stop["themes"].most_common(3))
        lines.append(f"{site}: {stop['people']['n']} · {communes or '-'} · {main or '-'}")
    return lines


def build_stops_digest(app: Any, session: Any, day: date) -> Any:
    from tremplin import T
    from tremplin.flows.digest import Digest
    from tremplin.plugins.formtruck import AUDIENCE

    lang = app.settings.default_language
    title = T("Formtruck stops", fr="Arrêts du Formtruck", nl="Haltes van de Formtruck", uk="Зупинки Formtruck")
    return Digest(
        key="formtruck-stops",
        title=title.get(lang),
        period=day.isoformat(),
        audience=AUDIENCE,
        lines=stop_lines(app, session, day)
        or [
            T("No stop today", fr="Aucun arrêt aujourd'hui", nl="Geen halte vandaag", uk="Сьогодні без зупинок").get(
                lang
            )
        ],
    )


@task(name="formtruck-stops-digest-send", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[30, 300])
def send_stops_digest(database_url: str | None = None, day: date | None = None) -> dict[str, Any]:
    from tremplin.flows.digest import deliver_digest

    when = day or date.today()
    return deliver_digest(database_url, lambda app, session: build_stops_digest(app, session, when))


@flow(name="formtruck-stops-digest")
def stops_digest(day: str | None = None, database_url: str | None = None) -> dict[str, Any]:
    """E-mail the advisers one line per stop of ``day`` (ISO; default: today)."""
    result = send_stops_digest(database_url, date.fromisoformat(day) if day else None)
    logger().info("formtruck stops %(period)s: %(new_messages)d new e-mail(s)", result)
    return result

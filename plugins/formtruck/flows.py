"""The Formtruck's flows: the week's tour plan for the advisers, and a line after each stop.

* ``formtruck-tour-plan`` (Monday morning): the week's planned stops (day, hours, place and commune)
  e-mailed to the advisers, ``TREMPLIN_FORMTRUCK_TOURS_RECIPIENTS`` (comma-separated). Each reads it
  in their own language when the address is the username of a staff account (its language), else in
  the centre's default language. One e-mail per centre, week and address (the outbox key
  ``formtruck.tour:<centre>:<week>:<address>``): a repeated run sends nothing twice. A centre with no
  stop planned that week sends nothing. Each run is audited (``formtruck.tour_plan``).
* ``formtruck-stops-digest`` (every half hour of the truck's days): once a planned stop is over, one
  line for the advisers (``TREMPLIN_FORMTRUCK_STOPS_RECIPIENTS``): the people met there that day, the
  communes and the three most asked themes. One e-mail per stop and address
  (``digest:formtruck-stops:<day>:<stop>:<address>``), so a stop is reported once, however often
  the flow runs.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from tremplin.flows.common import logger

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tremplin import App
    from tremplin.flows.digest import Digest
    from tremplin.plugins.formtruck.tours import PlannedStop

TOURS_RECIPIENTS = "TREMPLIN_FORMTRUCK_TOURS_RECIPIENTS"
#: Babel's locale for each language the interface speaks (dates in the advisers' language).
LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "en": "en_GB", "uk": "uk_UA"}


def add_mail_templates() -> None:
    """Put the plugin's e-mail templates (``templates/mail``) where ``tremplin.core.mail`` looks."""
    import tremplin.core.mail as mail

    folder = Path(__file__).with_name("templates") / "mail"
    if folder not in mail.template_dirs:
        mail.template_dirs.append(folder)


# The week's tour plan


def week_of(day: date) -> tuple[date, date, str]:
    """Monday to Sunday of ``day``'s week, and its ISO label (``2026-W50``)."""
    monday = day - timedelta(days=day.weekday())
    year, week, _ = monday.isocalendar()
    return monday, monday + timedelta(days=6), f"{year}-W{week:02d}"


def plan_lines(stops: list[PlannedStop], lang: str) -> list[str]:
    """One line per stop: ``lundi 14 décembre · 10:00–13:00 · Place Flagey, Ixelles``."""
    from babel.dates import format_date

    locale = LOCALES.get(lang, "fr_BE")
    return [f"{format_date(s.day, 'EEEE d MMMM', locale=locale)} · {s.hours()} · {s.where(lang)}" for s in stops]


def languages_of(session: Session, addresses: list[str], default: str) -> dict[str, str]:
    """Each address's language: that of the staff account whose username it is, else ``default``."""
    from sqlalchemy import func, select

    from tremplin import LANGUAGES
    from tremplin.core.models import Staff

    lowered = [address.lower() for address in addresses]
    accounts = session.execute(
        select(func.lower(Staff.username), Staff.language).where(
            func.lower(Staff.username).in_(lowered), Staff.active.is_(True)
        )
    ).all()
    known = {username: language for username, language in accounts if language in LANGUAGES}
    return {address: known.get(address.lower(), default) for address in addresses}


def queue_tour_plans(app: App, session: Session, day: date | None = None) -> dict[str, Any]:
    """Queue the plan of ``day``'s week (default: today's, in each centre's time zone) for the advisers
    of every centre that planned stops; returns the week and how many messages were new."""
    from tremplin.core.audit import audit
    from tremplin.core.mail import enqueue, queued
    from tremplin.flows.common import centres, recipients
    from tremplin.plugins.formtruck import AUDIENCE
    from tremplin.plugins.formtruck.tours import stops_between

    add_mail_templates()
    to = recipients(TOURS_RECIPIENTS)
    languages = languages_of(session, to, app.settings.default_language)
    weeks, stops_sent = [], 0
    for centre in centres(session):
        monday, sunday, week = week_of(day or datetime.now(app.timezone_of(session, centre.id)).date())
        weeks.append(week)
        stops = stops_between(session, centre.id, monday, sunday)
        if not stops:
            continue
        stops_sent += len(stops)
        for address in to:
            lang = languages[address]
            enqueue(
                session,
                key=f"formtruck.tour:{centre.code}:{week}:{address}",
                to=address,
                template="formtruck/tour",
                lang=lang,
                context={
                    "week": week,
                    "monday": _day(monday, lang),
                    "sunday": _day(sunday, lang),
                    "lines": plan_lines(stops, lang),
                    "centre": centre.name,
                },
                centre_id=centre.id,
                audience=AUDIENCE,
                subject_ref=f"formtruck.tour:{week}",
            )
    new = len(queued(session))
    audit(
        session,
        "formtruck.tour_plan",
        None,
        "formtruck",
        ",".join(sorted(set(weeks))),
        recipients=to,
        stops=stops_sent,
        new_messages=new,
    )
    return {"weeks": sorted(set(weeks)), "stops": stops_sent, "recipients": len(to), "new_messages": new}


def _day(day: date, lang: str) -> str:
    from babel.dates import format_date

    return format_date(day, "EEEE d MMMM y", locale=LOCALES.get(lang, "fr_BE"))


@task(name="formtruck-tour-plan-send", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[30, 300])
def send_tour_plan(database_url: str | None = None, day: date | None = None) -> dict[str, Any]:
    from tremplin.core.mail import deliver
    from tremplin.flows.common import open_app

    with open_app(database_url) as app:
        with app.transaction() as session:
            summary = queue_tour_plans(app, session, day)
        report = deliver(app)
    return {**summary, "sent": report.sent, "retried": report.retried, "failed": report.failed}


@flow(name="formtruck-tour-plan")
def tour_plan(day: str | None = None, database_url: str | None = None) -> dict[str, Any]:
    """E-mail the advisers the week's tour plan (the week of ``day``, ISO; default: this week)."""
    result = send_tour_plan(database_url, date.fromisoformat(day) if day else None)
    logger().info("formtruck tour plan %(weeks)s: %(stops)d stop(s), %(new_messages)d new e-mail(s)", result)
    return result


# After each stop


def stop_lines(app: Any, session: Any, day: date, site_id: int | None = None) -> list[str]:
    """One line per stop (site) of ``day``, or of the site ``site_id``: its place, people met, communes,
    main themes."""
    from sqlalchemy import select

    from tremplin.core.models import Contact, Site
    from tremplin.plugins.formtruck import AUDIENCE, COMMUNES

    lang = app.settings.default_language
    themes = app.registry.code_list("theme")
    query = (
        select(Contact, Site.name)
        .outerjoin(Site, Site.id == Contact.site_id)
        .where(Contact.audience == AUDIENCE, Contact.day == day)
        .order_by(Site.name, Contact.occurred_at)
    )
    if site_id is not None:
        query = query.where(Contact.site_id == site_id)
    stops: dict[str, dict[str, Counter[str]]] = {}
    for contact, site in session.execute(query).all():
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


def build_stop_digest(app: Any, session: Any, stop: PlannedStop) -> Digest:
    """The one-line digest of a planned stop: the contacts logged at its site on its day."""
    from tremplin import T
    from tremplin.flows.digest import Digest
    from tremplin.plugins.formtruck import AUDIENCE

    lang = app.settings.default_language
    title = T("Formtruck stop", fr="Arrêt du Formtruck", nl="Halte van de Formtruck", uk="Зупинка Formtruck")
    nobody = T(
        "no contact logged", fr="aucun contact enregistré", nl="geen contact geregistreerd", uk="контактів не записано"
    )
    lines = stop_lines(app, session, stop.day, stop.site_id)
    return Digest(
        key="formtruck-stops",
        title=f"{title.get(lang)}: {stop.where(lang)}, {stop.hours()}",
        period=stop.day.isoformat(),
        instance=str(stop.id),
        audience=AUDIENCE,
        lines=lines or [f"{stop.site_name}: {nobody.get(lang)}"],
    )


def ended_stops(app: Any, session: Any, day: date | None = None, now: datetime | None = None) -> list[PlannedStop]:
    """The planned stops of ``day`` (default: today in each centre's time zone) that are over by ``now``."""
    from tremplin.flows.common import centres
    from tremplin.plugins.formtruck.tours import stops_between

    over = []
    for centre in centres(session):
        zone = app.timezone_of(session, centre.id)
        moment = (now or datetime.now(zone)).astimezone(zone)
        on = day or moment.date()
        if on > moment.date():
            continue  # a day to come: none is over
        # A past day's stops are all over; today's, once their end has passed.
        until = time.max if on < moment.date() else moment.time()
        over += [stop for stop in stops_between(session, centre.id, on, on) if stop.ends <= until]
    return over


@task(name="formtruck-stops-digest-send", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[30, 300])
def send_stops_digest(
    database_url: str | None = None, day: date | None = None, now: datetime | None = None
) -> dict[str, Any]:
    from tremplin.core.mail import deliver
    from tremplin.flows.common import open_app
    from tremplin.flows.digest import send_digest

    new, lines = 0, []
    with open_app(database_url) as app:
        with app.transaction() as session:
            for stop in ended_stops(app, session, day, now):
                digest = build_stop_digest(app, session, stop)
                new += send_digest(app, session, digest)
                lines += digest.lines
        deliver(app)
    return {"stops": len(lines), "new_messages": new, "lines": lines}


@flow(name="formtruck-stops-digest")
def stops_digest(day: str | None = None, database_url: str | None = None) -> dict[str, Any]:
    """E-mail the advisers one line for each stop of ``day`` (ISO; default: today) that is over, once."""
    result = send_stops_digest(database_url, date.fromisoformat(day) if day else None)
    logger().info("formtruck stops: %(stops)d over, %(new_messages)d new e-mail(s)", result)
    return result

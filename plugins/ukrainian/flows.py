"""The Ukrainian desk's flow: a weekly summary for the team.

Last week's contacts served in Ukrainian, by channel (the desk, the Telegram bot...), and the questions
asked, by theme (the bot logs each question's theme, never its text). Recipients:
``TREMPLIN_UKRAINIAN_WEEKLY_RECIPIENTS``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from tremplin.flows.common import logger


def build_weekly_summary(app: Any, session: Any, today: date) -> Any:
    from tremplin import T
    from tremplin.flows.digest import Digest, Table, count_contacts, last_week
    from tremplin.plugins.ukrainian import AUDIENCE, QUESTIONS

    lang = app.settings.default_language
    start, end, label = last_week(today)
    channels = app.registry.code_list("channel")

    def channel(contact: Any) -> str | None:
        if contact.language != "uk" and (contact.attributes or {}).get("service_language") != "uk":
            return None
        item = channels.items.get(contact.channel)
        return item.get(lang) if item is not None else contact.channel

    def questions(contact: Any) -> list[str]:
        asked = (contact.attributes or {}).get("questions") or []
        return [QUESTIONS[q].get(lang) for q in asked if q in QUESTIONS]

    title = T("Ukrainian desk", fr="Accueil en ukrainien", nl="Onthaal in het Oekraïens", uk="Українська служба")
    return Digest(
        key="ukrainian-weekly",
        title=title.get(lang),
        period=label,
        audience=AUDIENCE,
        tables=[
            Table(
                T(
                    "Contacts in Ukrainian, by channel",
                    fr="Contacts en ukrainien, par canal",
                    nl="Contacten in het Oekraïens, per kanaal",
                    uk="Контакти українською за каналом",
                ).get(lang),
                count_contacts(session, AUDIENCE, start, end, channel),
            ),
            Table(
                T("Questions, by theme", fr="Questions, par thème", nl="Vragen, per thema", uk="Питання за темою").get(
                    lang
                ),
                count_contacts(session, AUDIENCE, start, end, questions),
            ),
        ],
    )


@task(name="ukrainian-weekly-summary-send", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[30, 300])
def send_weekly_summary(database_url: str | None = None, today: date | None = None) -> dict[str, Any]:
    from tremplin.flows.digest import deliver_digest

    day = today or date.today()
    return deliver_digest(database_url, lambda app, session: build_weekly_summary(app, session, day))


@flow(name="ukrainian-weekly-summary")
def weekly_summary(day: str | None = None, database_url: str | None = None) -> dict[str, Any]:
    """E-mail the team last week's contacts in Ukrainian and the questions by theme."""
    result = send_weekly_summary(database_url, date.fromisoformat(day) if day else None)
    logger().info("ukrainian weekly summary %(period)s: %(new_messages)d new e-mail(s)", result)
    return result

"""The Ukrainian desk's flow: a weekly summary for the team.

Last week's contacts served in Ukrainian, by channel (the desk, the Telegram bot...), and the questions
asked, by theme (the bot logs each question's theme, never its text). Recipients:
``TREMPLIN_UKRAINIAN_WEEKLY_RECIPIENTS``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow


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


@flow(name="ukrainian-weekly-summary")
def weekly_summary(day: str | None = None, database_url: str | None = None) -> dict[str, Any]:
    """E-mail the team last week's contacts in Ukrainian and the questions by theme."""
    from tremplin.flows.digest import run_dated_digest

    return run_dated_digest("ukrainian-weekly-summary", build_weekly_summary, day, database_url)

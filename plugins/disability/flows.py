"""The disability plugin's flow: a monthly summary for the partner institutions.

People reached last month, by public (people with a disability, professionals of the sector) and by
event, and sessions held by event. The counts are small and the summary leaves the centre: it goes
through disclosure control (``published``). Recipients: ``TREMPLIN_DISABILITY_MONTHLY_RECIPIENTS``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow


def build_monthly_summary(app: Any, session: Any, today: date) -> Any:
    from tremplin import T
    from tremplin.flows.digest import Digest, Table, by_code, count_contacts, last_month
    from tremplin.plugins.disability import AUDIENCE, EVENTS, PUBLIC

    lang = app.settings.default_language
    start, end, label = last_month(today)
    public, event = by_code("public", PUBLIC, lang), by_code("event", EVENTS, lang)
    title = T(
        "Disability and inclusion", fr="Handicap et inclusion", nl="Handicap en inclusie", uk="Інвалідність та інклюзія"
    )
    return Digest(
        key="disability-monthly",
        title=title.get(lang),
        period=label,
        audience=AUDIENCE,
        published=True,
        tables=[
            Table(
                T(
                    "People reached, by public",
                    fr="Personnes touchées, par public",
                    nl="Bereikte personen, per publiek",
                    uk="Охоплені люди за категорією",
                ).get(lang),
                count_contacts(session, AUDIENCE, start, end, public),
            ),
            Table(
                T(
                    "People reached, by event",
                    fr="Personnes touchées, par événement",
                    nl="Bereikte personen, per evenement",
                    uk="Охоплені люди за заходом",
                ).get(lang),
                count_contacts(session, AUDIENCE, start, end, event),
            ),
            Table(
                T(
                    "Sessions held, by event",
                    fr="Séances tenues, par événement",
                    nl="Gehouden sessies, per evenement",
                    uk="Проведені сесії за заходом",
                ).get(lang),
                count_contacts(session, AUDIENCE, start, end, event, people=False),
            ),
        ],
    )


@flow(name="disability-monthly-summary")
def monthly_summary(day: str | None = None, database_url: str | None = None) -> dict[str, Any]:
    """E-mail the partner institutions last month's people reached, with disclosure control."""
    from tremplin.flows.digest import run_dated_digest

    return run_dated_digest("disability-monthly-summary", build_monthly_summary, day, database_url)

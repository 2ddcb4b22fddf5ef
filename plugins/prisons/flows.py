"""The prisons plugin's flow: a monthly summary for the partner institutions.

Sessions held (one logged contact each, whoever attended) and people reached last month, by prison
and kind of session. The counts are small, and the summary leaves the centre: it goes through
disclosure control (``published``), so that no count from 1 to 4 can be read or worked out.
Recipients: ``TREMPLIN_PRISONS_MONTHLY_RECIPIENTS``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow


def build_monthly_summary(app: Any, session: Any, today: date) -> Any:
    from tremplin import T
    from tremplin.flows.digest import Digest, Table, by_code, count_contacts, last_month
    from tremplin.plugins.prisons import AUDIENCE, PRISONS, SESSIONS

    lang = app.settings.default_language
    start, end, label = last_month(today)
    prison, session_kind = by_code("prison", PRISONS, lang), by_code("session", SESSIONS, lang)
    reached = count_contacts(session, AUDIENCE, start, end, prison)
    sessions = count_contacts(session, AUDIENCE, start, end, session_kind)
    title = T(
        "Reintegration in prison",
        fr="Insertion des personnes incarcérées",
        nl="Re-integratie van gedetineerden",
        uk="Реінтеграція ув'язнених",
    )
    return Digest(
        key="prisons-monthly",
        title=title.get(lang),
        period=label,
        audience=AUDIENCE,
        published=True,
        tables=[
            Table(
                T(
                    "People reached, by prison",
                    fr="Personnes touchées, par prison",
                    nl="Bereikte personen, per gevangenis",
                    uk="Охоплені люди за в'язницею",
                ).get(lang),
                reached,
            ),
            Table(
                T(
                    "People reached, by kind of session",
                    fr="Personnes touchées, par type de séance",
                    nl="Bereikte personen, per soort sessie",
                    uk="Охоплені люди за видом сесії",
                ).get(lang),
                sessions,
            ),
            Table(
                T(
                    "Sessions held, by prison",
                    fr="Séances tenues, par prison",
                    nl="Gehouden sessies, per gevangenis",
                    uk="Проведені сесії за в'язницею",
                ).get(lang),
                count_contacts(session, AUDIENCE, start, end, prison, people=False),
            ),
        ],
    )


@flow(name="prisons-monthly-summary")
def monthly_summary(day: str | None = None, database_url: str | None = None) -> dict[str, Any]:
    """E-mail the partner institutions last month's sessions and people reached, with disclosure control."""
    from tremplin.flows.digest import run_dated_digest

    return run_dated_digest("prisons-monthly-summary", build_monthly_summary, day, database_url)

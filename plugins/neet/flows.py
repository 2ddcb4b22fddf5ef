"""Touch'N'Go flows: the daily reach of the programme's Instagram pages.

``instagram_reach`` reads each profile with instaloader (live, or from saved structures in
``source_dir``), turns it into four figures and stores them as ``OnlineMetric`` rows of the centre,
for the centre's current day: ``source`` is ``instagram:<username>``, ``metric`` one of ``followers``,
``posts``, ``likes_30d``, ``comments_30d``. Running it twice on a day replaces that day's figures.

The tasks are plain functions underneath (``load_profile.fn(...)``), tested without Prefect running.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from tremplin.flows.common import logger, one_centre, open_app
from tremplin.plugins.neet.instagram import WINDOW_DAYS, ProfileFigures, reach, read_live, read_saved, source_of

#: Comma-separated Instagram usernames read when the flow is given none.
PROFILES_ENV = "TREMPLIN_NEET_INSTAGRAM_PROFILES"
#: Seconds to wait before each retry of a live read that failed (Instagram's 429, a network error).
RETRY_DELAYS_ENV = "TREMPLIN_NEET_INSTAGRAM_RETRY_DELAYS"
DEFAULT_RETRY_DELAYS = "60,300,900"


def retry_delays() -> list[float]:
    raw = os.environ.get(RETRY_DELAYS_ENV, DEFAULT_RETRY_DELAYS)
    return [float(part) for part in raw.split(",") if part.strip()]


def default_profiles() -> list[str]:
    return [p.strip() for p in os.environ.get(PROFILES_ENV, "").split(",") if p.strip()]


@task(name="load-instagram-profile", cache_policy=NO_CACHE)
def load_profile(username: str, source_dir: str | None = None, since: date | None = None) -> dict[str, Any]:
    """Read one profile (live, or from ``<source_dir>/<username>/``) into plain figures."""
    since = since or (date.today() - timedelta(days=WINDOW_DAYS + 1))
    figures = read_saved(source_dir, username, since) if source_dir else read_live(username, since)
    return figures.to_dict()


@task(name="instagram-reach-metrics", cache_policy=NO_CACHE)
def reach_metrics(figures: dict[str, Any], today: date, timezone: str = "Europe/Brussels") -> dict[str, int]:
    """The metrics of one profile for ``today`` (pure: no I/O)."""
    return reach(ProfileFigures.from_dict(figures), today, timezone)


@task(name="store-online-metrics", cache_policy=NO_CACHE)
def store_metrics(database_url: str | None, centre_id: int, day: date, source: str, metrics: dict[str, int]) -> int:
    """Upsert the metrics of one source for a centre and day; returns how many rows were written."""
    if not metrics:
        return 0
    from tremplin.core.models import OnlineMetric

    with open_app(database_url) as app, app.transaction() as session:
        dialect = session.get_bind().dialect.name
        if dialect not in ("postgresql", "sqlite"):  # pragma: no cover - the two engines Tremplin supports
            raise RuntimeError(f"no upsert for {dialect}")
        from sqlalchemy.dialects import postgresql, sqlite

        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        rows = [
            {"centre_id": centre_id, "day": day, "source": source, "metric": name, "value": int(value)}
            for name, value in sorted(metrics.items())
        ]
        stmt = insert(OnlineMetric).values(rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=["centre_id", "day", "source", "metric"], set_={"value": stmt.excluded.value}
        )
        session.execute(stmt)
    return len(rows)


@flow(name="neet-instagram-reach", log_prints=False)
def instagram_reach(
    profiles: list[str] | None = None,
    source_dir: str | None = None,
    database_url: str | None = None,
    centre: str | None = None,
) -> dict[str, dict[str, int]]:
    """Read the Touch'N'Go Instagram pages and store today's figures.

    ``profiles`` defaults to ``$TREMPLIN_NEET_INSTAGRAM_PROFILES``; ``source_dir`` reads saved
    instaloader structures instead of Instagram; ``centre`` (a code) may be left out when the
    database has one centre. A profile that cannot be read does not stop the others; the run fails
    at the end, naming it.
    """
    log = logger()
    names = list(profiles) if profiles else default_profiles()
    if not names:
        log.warning("No Instagram profile to read: give `profiles` or set %s.", PROFILES_ENV)
        return {}
    with open_app(database_url) as app, app.session() as session:
        found = one_centre(session, centre)
        centre_id, tz = found.id, found.timezone or app.settings.timezone
    today = datetime.now(ZoneInfo(tz)).date()
    delays = retry_delays()
    load = (
        load_profile if source_dir else load_profile.with_options(retries=len(delays), retry_delay_seconds=delays or 0)
    )
    results: dict[str, dict[str, int]] = {}
    failed: dict[str, str] = {}
    for name in names:
        try:
            figures = load(name, source_dir=source_dir, since=today - timedelta(days=WINDOW_DAYS + 1))
            metrics = reach_metrics(figures, today, tz)
            store_metrics(database_url, centre_id, today, source_of(name), metrics)
        except Exception as exc:  # one page down must not hide the others' figures
            log.error("Instagram profile %s: %s", name, exc)
            failed[name] = str(exc)
            continue
        results[name] = metrics
        log.info("Instagram %s on %s: %s", name, today, ", ".join(f"{k}={v}" for k, v in metrics.items()))
    if failed:
        raise RuntimeError(
            f"{len(failed)} Instagram profile(s) could not be read: {'; '.join(f'{k}: {v}' for k, v in failed.items())}"
        )
    return results


@flow(name="neet-challenge", log_prints=False)
def challenge_broadcast(database_url: str | None = None, day: date | None = None) -> dict[str, int]:
    """Send this week's Touch'N'Go challenge to the bot's subscribers, at most 25 messages a second.

    Needs ``TREMPLIN_TELEGRAM_TOKEN`` (and ``TREMPLIN_TELEGRAM_BASE_URL`` for a self-hosted Bot API
    server). A subscriber already sent this week's is skipped: a repeated run sends nobody twice."""
    import asyncio

    log = logger()
    token = os.environ.get("TREMPLIN_TELEGRAM_TOKEN", "")
    if not token:
        log.warning("No bot token (TREMPLIN_TELEGRAM_TOKEN): the challenge is not sent.")
        return {"sent": 0, "ended": 0, "failed": 0}
    base_url = os.environ.get("TREMPLIN_TELEGRAM_BASE_URL") or None

    async def send() -> dict[str, int]:
        from telegram.ext import ExtBot

        from tremplin import RetryingLimiter, file_url_for
        from tremplin.plugins.neet.bot import send_challenge

        with open_app(database_url) as app:
            today = day or datetime.now(ZoneInfo(app.settings.timezone)).date()
            options: dict[str, Any] = (
                {"base_url": base_url, "base_file_url": file_url_for(base_url)} if base_url else {}
            )
            async with ExtBot(token, rate_limiter=RetryingLimiter(), **options) as bot:
                return await send_challenge(app, bot, today)

    counts = asyncio.run(send())
    log.info(
        "Challenge sent to %d subscriber(s); %d ended (blocked), %d left for the next run",
        counts["sent"],
        counts["ended"],
        counts["failed"],
    )
    return counts


# ------------------------------------------------------------------------------------------------
# The team's weekly digest of field outreach


def build_weekly_digest(app: Any, session: Any, today: date) -> Any:
    """Last week's field outreach: people met by place and by partner, cases opened, stage moves."""
    from sqlalchemy import func, select

    from tremplin import T
    from tremplin.core.models import Case, CaseStageEvent
    from tremplin.flows.digest import Digest, Table, by_code, count_contacts, last_week
    from tremplin.plugins.neet import PARTNER_KINDS, PLACES

    lang = app.settings.default_language
    start, end, label = last_week(today)
    since = datetime.combine(start, datetime.min.time(), ZoneInfo(app.settings.timezone))
    until = since + timedelta(days=7)

    by_place = count_contacts(session, "neet", start, end, by_code("place", PLACES, lang))
    by_partner = count_contacts(session, "neet", start, end, by_code("partner", PARTNER_KINDS, lang))
    opened = session.scalar(
        select(func.count(Case.id)).where(Case.audience == "neet", Case.consent_on >= start, Case.consent_on <= end)
    )
    moves = dict(
        session.execute(
            select(CaseStageEvent.to_stage, func.count(CaseStageEvent.id))
            .join(Case, Case.id == CaseStageEvent.case_id)
            .where(Case.audience == "neet", CaseStageEvent.from_stage.is_not(None))
            .where(CaseStageEvent.at >= since, CaseStageEvent.at < until)
            .group_by(CaseStageEvent.to_stage)
        ).all()
    )
    title = T(
        "Touch'N'Go field outreach",
        fr="Travail de rue Touch'N'Go",
        nl="Touch'N'Go veldwerk",
        uk="Touch'N'Go: на місцях",
    )
    by_place_title = T(
        "People met, by place",
        fr="Personnes rencontrées, par lieu",
        nl="Ontmoete personen, per plaats",
        uk="Зустрінуті люди за місцем",
    )
    by_partner_title = T(
        "People met, by partner",
        fr="Personnes rencontrées, par partenaire",
        nl="Ontmoete personen, per partner",
        uk="Зустрінуті люди за партнером",
    )
    moves_title = T("Stage moves", fr="Changements d'étape", nl="Fasewijzigingen", uk="Зміни етапу")
    new_cases = T("New cases", fr="Nouveaux dossiers", nl="Nieuwe dossiers", uk="Нові справи")
    return Digest(
        key="neet-weekly",
        title=title.get(lang),
        period=label,
        audience="neet",
        tables=[
            Table(by_place_title.get(lang), by_place),
            Table(by_partner_title.get(lang), by_partner),
            Table(moves_title.get(lang), {str(k): int(v) for k, v in moves.items()}),
        ],
        lines=[f"{new_cases.get(lang)}: {int(opened or 0)}"],
    )


@flow(name="neet-weekly-digest")
def weekly_digest(day: str | None = None, database_url: str | None = None) -> dict[str, Any]:
    """E-mail the team last week's field outreach (``TREMPLIN_NEET_WEEKLY_RECIPIENTS``); ``day`` (ISO)
    stands for today."""
    from tremplin.flows.digest import run_dated_digest

    return run_dated_digest("neet-weekly-digest", build_weekly_digest, day, database_url)

"""Touch'N'Go's programme-specific ESF+ indicators: awareness actions and Instagram reach.

ESF+ participants are consenting cases only; what the workers do with anonymous young people goes into
the report's programme-specific table (``esf.programme``) through these rows (see ``docs/esf.md``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from tremplin import T

if TYPE_CHECKING:
    from tremplin import ProgrammeQuery

AWARENESS_ACTIONS = "awareness_actions"
SOCIAL_MEDIA_PREFIX = "social_media.followers"

AWARENESS_LABEL = T(
    "Awareness actions (field encounters logged)",
    fr="Actions de sensibilisation (rencontres de terrain encodées)",
    nl="Sensibiliseringsacties (geregistreerde terreincontacten)",
    uk="Інформаційні акції (зареєстровані зустрічі на місцях)",
)
FOLLOWERS_LABEL = T(
    "Social-media reach: Instagram followers",
    fr="Portée sur les réseaux sociaux : abonnés Instagram",
    nl="Bereik op sociale media: Instagram-volgers",
    uk="Охоплення в соцмережах: підписники Instagram",
)


def programme_rows(query: ProgrammeQuery) -> list[dict[str, Any]]:
    """Awareness actions, then each Instagram source's followers and their sum."""
    return awareness_rows(query) + social_media_rows(query)


def awareness_rows(query: ProgrammeQuery) -> list[dict[str, Any]]:
    """The number of field-awareness contact records of the operation: one record is one action, whatever
    its headcount. A counter registered under ``<operation>.awareness_actions`` is read from the roll-up with
    the other counters instead, so this row then stays out."""
    from sqlalchemy import func, select

    from tremplin.core.models import Contact
    from tremplin.plugins.neet import FIELD_AWARENESS

    key = f"{query.operation}.{AWARENESS_ACTIONS}"
    if key in query.app.registry.counters:
        return []
    stmt = select(func.count(Contact.id)).where(
        Contact.audience == query.operation,
        Contact.modality == FIELD_AWARENESS,
        Contact.day >= query.start,
        Contact.day <= query.end,
    )
    if query.centre_ids is not None:
        stmt = stmt.where(Contact.centre_id.in_(list(query.centre_ids)))
    return [
        {"key": key, "indicator": AWARENESS_LABEL.get(query.language), "value": int(query.session.scalar(stmt) or 0)}
    ]


def social_media_rows(query: ProgrammeQuery) -> list[dict[str, Any]]:
    """The latest ``followers`` figure of each Instagram source in the period, and their sum."""
    from sqlalchemy import func, select

    from tremplin.core.models import OnlineMetric
    from tremplin.core.reports.esf import format_date

    conditions = [
        func.lower(OnlineMetric.source).like("instagram%"),
        OnlineMetric.metric == "followers",
        OnlineMetric.day >= query.start,
        OnlineMetric.day <= query.end,
    ]
    if query.centre_ids is not None:
        conditions.append(OnlineMetric.centre_id.in_(list(query.centre_ids)))
    latest: dict[tuple[int, str], tuple[date, int]] = {}
    columns = (OnlineMetric.centre_id, OnlineMetric.source, OnlineMetric.day, OnlineMetric.value)
    for centre_id, source, day, value in query.session.execute(select(*columns).where(*conditions)):
        key = (centre_id, source)
        if key not in latest or day > latest[key][0]:
            latest[key] = (day, int(value))
    label = FOLLOWERS_LABEL.get(query.language)
    rows: list[dict[str, Any]] = []
    for (_, source), (day, value) in sorted(latest.items(), key=lambda kv: kv[0][1]):
        indicator = f"{label} — {source} ({format_date(day, query.language)})"
        rows.append({"key": f"{SOCIAL_MEDIA_PREFIX}.{source}", "indicator": indicator, "value": value})
    rows.append({"key": SOCIAL_MEDIA_PREFIX, "indicator": label, "value": sum(v for _, v in latest.values())})
    return rows

"""Built-in plugin: the flows every centre runs (referral expiry, retention purge, outbox delivery).

They live in the ``flows`` package and are named here by import path, so Prefect is imported only by
``tremplin flows``. Schedules are cron expressions in the centre's time zone (``Settings.timezone``).
"""

from __future__ import annotations

from typing import Any

from tremplin.core import hookimpl
from tremplin.core.i18n import T
from tremplin.core.registry import FlowSpec


@hookimpl
def register_flows(app: Any) -> list[FlowSpec]:
    return [
        FlowSpec(
            "referral-expiry",
            "tremplin.flows.referrals:referral_expiry",
            T(
                "Marks expired the referrals nobody received in time",
                fr="Marque comme expirées les orientations que personne n'a reçues à temps",
                nl="Markeert doorverwijzingen die niemand op tijd ontving als verlopen",
                uk="Позначає як прострочені направлення, які ніхто вчасно не отримав",
            ),
            cron="15 1 * * *",
        ),
        FlowSpec(
            "retention-purge",
            "tremplin.flows.retention:retention_purge",
            T(
                "Deletes the cases whose retention period is over",
                fr="Supprime les dossiers dont la durée de conservation est dépassée",
                nl="Verwijdert de dossiers waarvan de bewaartermijn verstreken is",
                uk="Видаляє справи, строк зберігання яких минув",
            ),
            cron="30 1 * * *",
        ),
        FlowSpec(
            "outbox-delivery",
            "tremplin.flows.outbox:outbox_delivery",
            T(
                "Sends the e-mails waiting in the outbox, retrying failures with backoff",
                fr="Envoie les e-mails en attente, en réessayant les échecs de plus en plus tard",
                nl="Verstuurt de wachtende e-mails en probeert mislukte later opnieuw",
                uk="Надсилає листи з черги, повторюючи невдалі дедалі пізніше",
            ),
            cron="* * * * *",
        ),
    ]

"""Built-in plugin: the flows every centre runs (referral follow-up, retention purge, outbox delivery,
counters integrity, report delivery).

They live in the ``flows`` package and are named here by import path, so Prefect is imported only by
``tremplin flows``. Schedules are cron expressions in the centre's time zone (``Settings.timezone``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tremplin.core import hookimpl
from tremplin.core.i18n import T
from tremplin.core.registry import FlowSpec

if TYPE_CHECKING:
    from tremplin.core.app import App


@hookimpl
def register_flows(app: App) -> list[FlowSpec]:
    return [
        FlowSpec(
            "referral-expiry",
            "tremplin.flows.referrals:referral_expiry",
            T(
                "Reminds partners of referrals not received yet; expires those nobody received in time",
                fr="Rappelle aux partenaires les orientations pas encore reçues ; fait expirer les autres à temps",
                nl="Herinnert partners aan nog niet ontvangen doorverwijzingen; laat onbeantwoorde vervallen",
                uk="Нагадує партнерам про неотримані направлення; позначає прострочені",
            ),
            cron="15 1 * * *",
        ),
        FlowSpec(
            "retention-purge",
            "tremplin.flows.retention:retention_purge",
            T(
                "Deletes the cases, addresses and e-mails whose retention period is over, and counts them",
                fr="Supprime les dossiers, adresses et e-mails dont la durée de conservation est dépassée",
                nl="Verwijdert dossiers, adressen en e-mails waarvan de bewaartermijn verstreken is",
                uk="Видаляє справи, адреси й листи, строк зберігання яких минув",
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
        FlowSpec(
            "counters-integrity",
            "tremplin.flows.integrity:counters_integrity",
            T(
                "Compares the counters with the records every night and alerts the admins if they differ",
                fr="Compare chaque nuit les compteurs aux enregistrements et alerte les admins s'ils diffèrent",
                nl="Vergelijkt elke nacht de tellers met de registraties en waarschuwt de beheerders bij verschil",
                uk="Щоночі порівнює лічильники із записами й попереджає адміністраторів про розбіжності",
            ),
            cron="0 3 * * *",
        ),
        FlowSpec(
            "report-monthly",
            "tremplin.flows.reports:report_monthly",
            T(
                "Sends the previous month's dashboard report to its recipients and the reports folder",
                fr="Envoie le rapport mensuel du mois écoulé à ses destinataires et dans le dossier des rapports",
                nl="Verstuurt het maandrapport van de vorige maand naar de ontvangers en de rapportenmap",
                uk="Надсилає звіт за минулий місяць адресатам і до теки звітів",
            ),
            cron="0 7 2 * *",
        ),
        FlowSpec(
            "report-esf",
            "tremplin.flows.reports:report_esf",
            T(
                "Sends the ESF+ cumulative report; writes its participant file to the reports folder",
                fr="Envoie le rapport FSE+ cumulé ; dépose son fichier des participants dans le dossier des rapports",
                nl="Verstuurt het cumulatieve ESF+-rapport; zet het deelnemersbestand in de rapportenmap",
                uk="Надсилає накопичувальний звіт ESF+; файл учасників кладе до теки звітів",
            ),
            cron="0 7 3 1,7 *",
        ),
        FlowSpec(
            "report-annual",
            "tremplin.flows.reports:report_annual",
            T(
                "Sends the annual report on demand (parameter: year)",
                fr="Envoie le rapport annuel à la demande (paramètre : year)",
                nl="Verstuurt het jaarrapport op verzoek (parameter: year)",
                uk="Надсилає річний звіт на вимогу (параметр: year)",
            ),
        ),
    ]

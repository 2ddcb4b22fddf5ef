"""Prison reintegration: guidance sessions in the Brussels prisons and a reintegration pathway."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tremplin import Audience, CodeList, Counter, Dimension, Field, FlowSpec, Form, Stage, T, Workflow, hookimpl

if TYPE_CHECKING:
    from tremplin import App

if TYPE_CHECKING:
    from tremplin import DemoShare

AUDIENCE = "prisons"

PRISONS = {
    "haren": T("Haren", fr="Haren", nl="Haren", uk="Гарен"),
    "saint_gilles": T("Saint-Gilles", fr="Saint-Gilles", nl="Sint-Gillis", uk="Сен-Жиль"),
    "forest": T("Forest", fr="Forest", nl="Vorst", uk="Форест"),
    "berkendael": T("Berkendael", fr="Berkendael", nl="Berkendael", uk="Беркендаль"),
    "other": T("Other", fr="Autre", nl="Andere", uk="Інша"),
}
SESSIONS = {
    "individual": T("Individual session", fr="Séance individuelle", nl="Individuele sessie", uk="Індивідуальна сесія"),
    "group": T("Group session", fr="Séance collective", nl="Groepssessie", uk="Групова сесія"),
}

WORKFLOW = Workflow(
    AUDIENCE,
    stages=(
        Stage("intake", T("Intake", fr="Accueil", nl="Intake", uk="Прийом")),
        Stage("project", T("Project defined", fr="Projet défini", nl="Project bepaald", uk="Проєкт визначено")),
        Stage(
            "preparing_release",
            T(
                "Preparing release",
                fr="Préparation de la sortie",
                nl="Voorbereiding vrijlating",
                uk="Підготовка до звільнення",
            ),
        ),
        Stage(
            "released", T("Released, followed", fr="Libéré, suivi", nl="Vrijgelaten, gevolgd", uk="Звільнено, супровід")
        ),
        Stage(
            "in_training", T("In training", fr="En formation", nl="In opleiding", uk="На курсах"), outcome="in_training"
        ),
        Stage(
            "in_employment",
            T("In employment", fr="À l'emploi", nl="Aan het werk", uk="Працевлаштований"),
            outcome="in_employment",
        ),
        Stage(
            "left",
            T("Left the pathway", fr="Sorti du parcours", nl="Traject verlaten", uk="Вийшов із супроводу"),
            final=True,
        ),
    ),
    outcomes={
        "in_training": T("In training", fr="En formation", nl="In opleiding", uk="На курсах"),
        "in_employment": T("In employment", fr="À l'emploi", nl="Aan het werk", uk="Працевлаштований"),
        "job_searching": T("Job searching", fr="En recherche d'emploi", nl="Werkzoekend", uk="Шукає роботу"),
    },
)


@hookimpl
def register_audiences(app: App) -> list[Audience]:
    return [
        Audience(
            AUDIENCE,
            T(
                "Prison reintegration",
                fr="Insertion des personnes incarcérées",
                nl="Re-integratie van gedetineerden",
                uk="Реінтеграція ув'язнених",
            ),
            case_prefix="PRI",
            colour="#7f8c8d",
            default_roles=("counsellor",),
        )
    ]


@hookimpl
def register_codes(app: App) -> list[CodeList]:
    return [CodeList("site_kind", items={"prison": T("Prison", fr="Prison", nl="Gevangenis", uk="В'язниця")})]


@hookimpl
def register_forms(app: App) -> list[Form]:
    return [
        Form(
            "prisons.session",
            AUDIENCE,
            T("Session in prison", fr="Séance en prison", nl="Sessie in de gevangenis", uk="Сесія у в'язниці"),
            fields=(
                Field(
                    "prison", T("Prison", fr="Prison", nl="Gevangenis", uk="В'язниця"), choices=PRISONS, required=True
                ),
                Field("session", T("Session", fr="Séance", nl="Sessie", uk="Сесія"), choices=SESSIONS, required=True),
            ),
            core_fields=("headcount", "themes", "language", "gender", "age_band", "note"),
            core_choices={"modality": ("individual_advice", "group_activity")},
            fixed={"channel": "field"},
        )
    ]


@hookimpl
def register_counters(app: App) -> list[Counter]:
    a = {"audience": AUDIENCE}
    return [
        Counter.reached(
            "prisons.reached",
            T(
                "People reached in prison reintegration",
                fr="Personnes touchées (insertion des personnes incarcérées)",
                nl="Bereikte personen (re-integratie gedetineerden)",
                uk="Охоплено (реінтеграція ув'язнених)",
            ),
            AUDIENCE,
        ),
        Counter.simple(
            "prisons.group_sessions",
            T(
                "Group sessions in prison",
                fr="Séances collectives en prison",
                nl="Groepssessies in de gevangenis",
                uk="Групові сесії у в'язниці",
            ),
            "contacts",
            {**a, "attr.session": "group"},
            audience=AUDIENCE,
        ),
        Counter.simple(
            "prisons.cases",
            T(
                "Reintegration pathways",
                fr="Parcours de réinsertion",
                nl="Re-integratietrajecten",
                uk="Маршрути реінтеграції",
            ),
            "cases",
            a,
            audience=AUDIENCE,
        ),
    ]


@hookimpl
def register_workflows(app: App) -> list[Workflow]:
    return [WORKFLOW]


@hookimpl
def register_demo(app: App) -> list[DemoShare]:
    from tremplin.plugins.prisons.demo import share

    return [share()]


@hookimpl
def register_dimensions(app: App) -> list[Dimension]:
    """People reached by prison."""
    return [
        Dimension(
            "prisons.prison",
            T("Prison", fr="Prison", nl="Gevangenis", uk="В'язниця"),
            "attr.prison",
            AUDIENCE,
            title=T("By prison", fr="Par prison", nl="Per gevangenis", uk="За в'язницею"),
        )
    ]


@hookimpl
def register_flows(app: App) -> list[FlowSpec]:
    return [
        FlowSpec(
            "prisons-monthly-summary",
            "tremplin.plugins.prisons.flows:monthly_summary",
            T(
                "Sends the partner institutions last month's sessions and people reached, with disclosure control",
                fr=(
                    "Envoie aux institutions partenaires les séances et personnes touchées du mois, avec contrôle de "
                    "divulgation"
                ),
                nl="Stuurt de partnerinstellingen de sessies en bereikte personen van vorige maand, met geheimhouding",
                uk="Надсилає установам-партнерам сесії та охоплених людей за місяць, із захистом малих чисел",
            ),
            cron="0 8 3 * *",
        )
    ]

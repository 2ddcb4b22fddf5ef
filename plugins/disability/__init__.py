"""People with disabilities, and the professionals of the sector around them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tremplin import Audience, Counter, Dimension, Field, FlowSpec, Form, T, hookimpl

if TYPE_CHECKING:
    from tremplin import App, DemoShare

AUDIENCE = "disability"

PUBLIC = {
    "target": T(
        "Person with a disability",
        fr="Personne en situation de handicap",
        nl="Persoon met een handicap",
        uk="Людина з інвалідністю",
    ),
    "professional": T(
        "Professional of the sector",
        fr="Professionnel du secteur",
        nl="Professional uit de sector",
        uk="Фахівець сектору",
    ),
}
EVENTS = {
    "none": T("No event", fr="Pas d'événement", nl="Geen evenement", uk="Без заходу"),
    "transition_fair": T("Transition fair", fr="Salon de la transition", nl="Transitiebeurs", uk="Ярмарок переходу"),
    "info_session": T("Information session", fr="Séance d'information", nl="Infosessie", uk="Інформаційна сесія"),
    "inclusive_employment": T(
        "Inclusive employment day",
        fr="Journée de l'emploi inclusif",
        nl="Dag van inclusieve tewerkstelling",
        uk="День інклюзивного працевлаштування",
    ),
    "other": T("Other", fr="Autre", nl="Andere", uk="Інше"),
}
ADAPTATIONS = {
    "sign_language": T("Sign language", fr="Langue des signes", nl="Gebarentaal", uk="Мова жестів"),
    "easy_read": T("Easy-to-read material", fr="Facile à lire", nl="Makkelijk lezen", uk="Легке читання"),
    "accessible_room": T("Accessible room", fr="Local accessible", nl="Toegankelijk lokaal", uk="Доступне приміщення"),
    "companion": T("Accompanying person", fr="Accompagnant", nl="Begeleider", uk="Супровідник"),
    "adapted_time": T("More time", fr="Temps adapté", nl="Aangepaste tijd", uk="Більше часу"),
}


@hookimpl
def register_audiences(app: App) -> list[Audience]:
    return [
        Audience(
            AUDIENCE,
            T(
                "People with disabilities",
                fr="Personnes en situation de handicap",
                nl="Personen met een handicap",
                uk="Люди з інвалідністю",
            ),
            T(
                "The target public and the professionals of the sector.",
                fr="Le public cible et les professionnels du secteur.",
                nl="Het doelpubliek en de professionals uit de sector.",
                uk="Цільова аудиторія та фахівці сектору.",
            ),
            colour="#8e44ad",
            default_roles=("counsellor",),
        )
    ]


@hookimpl
def register_forms(app: App) -> list[Form]:
    return [
        Form(
            "disability.contact",
            AUDIENCE,
            T("Contact or event", fr="Contact ou événement", nl="Contact of evenement", uk="Контакт або захід"),
            fields=(
                Field("public", T("Who", fr="Qui", nl="Wie", uk="Хто"), choices=PUBLIC, required=True),
                Field("event", T("Event", fr="Événement", nl="Evenement", uk="Захід"), choices=EVENTS),
                Field(
                    "adaptations",
                    T("Adapted service", fr="Service adapté", nl="Aangepaste dienstverlening", uk="Адаптована послуга"),
                    kind="multichoice",
                    choices=ADAPTATIONS,
                ),
            ),
            core_fields=("modality", "channel", "headcount", "themes", "language", "gender", "age_band", "note"),
        )
    ]


@hookimpl
def register_counters(app: App) -> list[Counter]:
    a = {"audience": AUDIENCE}
    return [
        Counter.reached(
            "disability.reached",
            T(
                "People reached (disability)",
                fr="Personnes touchées (handicap)",
                nl="Bereikte personen (handicap)",
                uk="Охоплено (інвалідність)",
            ),
            AUDIENCE,
            T("Target public and professionals of the sector."),
        ),
        Counter.simple(
            "disability.public",
            T("Target public", fr="Public cible", nl="Doelpubliek", uk="Цільова аудиторія"),
            "headcount",
            {**a, "attr.public": "target"},
            audience=AUDIENCE,
        ),
        Counter.simple(
            "disability.professionals",
            T(
                "Professionals of the sector",
                fr="Professionnels du secteur",
                nl="Professionals uit de sector",
                uk="Фахівці сектору",
            ),
            "headcount",
            {**a, "attr.public": "professional"},
            audience=AUDIENCE,
        ),
    ]


@hookimpl
def register_demo(app: App) -> list[DemoShare]:
    from tremplin.plugins.disability.demo import share

    return [share()]


@hookimpl
def register_dimensions(app: App) -> list[Dimension]:
    """The target public and the professionals of the sector, apart."""
    return [
        Dimension(
            "disability.public",
            T("Public", fr="Public", nl="Publiek", uk="Аудиторія"),
            "attr.public",
            AUDIENCE,
            title=T(
                "Target public and professionals",
                fr="Public cible et professionnels",
                nl="Doelpubliek en professionals",
                uk="Цільова аудиторія та фахівці",
            ),
        )
    ]


@hookimpl
def register_flows(app: App) -> list[FlowSpec]:
    return [
        FlowSpec(
            "disability-monthly-summary",
            "tremplin.plugins.disability.flows:monthly_summary",
            T(
                "Sends the partner institutions last month's people reached, with disclosure control",
                fr="Envoie aux institutions partenaires les personnes touchées du mois, avec contrôle de divulgation",
                nl="Stuurt de partnerinstellingen de bereikte personen van vorige maand, met geheimhouding",
                uk="Надсилає установам-партнерам охоплених людей за місяць, із захистом малих чисел",
            ),
            cron="0 8 3 * *",
        )
    ]

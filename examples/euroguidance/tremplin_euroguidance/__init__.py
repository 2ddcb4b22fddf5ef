"""Euroguidance: advice on studying, training and working in another European country.

An outside plugin, installed as its own distribution and found through the ``tremplin.plugins`` entry
point. It registers an audience, a role, codes, a form, counters, a dimension (the destination country),
its share of the demo year, a page with its menu entry, a report section and a Prefect flow. Its one table
(``models.py``, the mobility fairs) is made by its own Alembic branch, in ``migrations/``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tremplin import (
    Audience,
    CodeList,
    Counter,
    Dimension,
    Field,
    FlowSpec,
    Form,
    KeyFigures,
    MenuItem,
    Role,
    T,
    hookimpl,
)
from tremplin_euroguidance import models as _models  # noqa: F401  (the fairs' table joins the metadata)

if TYPE_CHECKING:
    from tremplin import App, DemoShare

__version__ = "0.1.0"

AUDIENCE = "euroguidance"
ROLE = "euroguidance_adviser"

COUNTRIES = {
    "be": T("Belgium", fr="Belgique", nl="België", uk="Бельгія"),
    "de": T("Germany", fr="Allemagne", nl="Duitsland", uk="Німеччина"),
    "es": T("Spain", fr="Espagne", nl="Spanje", uk="Іспанія"),
    "fr": T("France", fr="France", nl="Frankrijk", uk="Франція"),
    "ie": T("Ireland", fr="Irlande", nl="Ierland", uk="Ірландія"),
    "it": T("Italy", fr="Italie", nl="Italië", uk="Італія"),
    "nl": T("Netherlands", fr="Pays-Bas", nl="Nederland", uk="Нідерланди"),
    "pt": T("Portugal", fr="Portugal", nl="Portugal", uk="Португалія"),
    "other": T("Another country", fr="Autre pays", nl="Ander land", uk="Інша країна"),
}
PURPOSES = {
    "study": T("Study", fr="Études", nl="Studie", uk="Навчання"),
    "traineeship": T("Traineeship", fr="Stage", nl="Stage", uk="Стажування"),
    "work": T("Work", fr="Travail", nl="Werk", uk="Робота"),
    "volunteering": T("Volunteering", fr="Volontariat", nl="Vrijwilligerswerk", uk="Волонтерство"),
}
PROGRAMMES = {
    "erasmus_plus": T("Erasmus+", fr="Erasmus+", nl="Erasmus+", uk="Erasmus+"),
    "esc": T(
        "European Solidarity Corps",
        fr="Corps européen de solidarité",
        nl="Europees Solidariteitskorps",
        uk="Європейський корпус солідарності",
    ),
    "eures": T("EURES", fr="EURES", nl="EURES", uk="EURES"),
    "none": T("No programme", fr="Aucun programme", nl="Geen programma", uk="Без програми"),
}

#: The words of the page (``web.py``, ``templates/euroguidance/destinations.html``).
TEXTS = {
    "title": T("Euroguidance", fr="Euroguidance", nl="Euroguidance", uk="Euroguidance"),
    "menu": T("Destinations", fr="Destinations", nl="Bestemmingen", uk="Напрямки"),
    "lead": T(
        "People advised on mobility this year, by destination",
        fr="Personnes conseillées sur la mobilité cette année, par destination",
        nl="Personen geadviseerd over mobiliteit dit jaar, per bestemming",
        uk="Люди, яким цього року порадили щодо мобільності, за напрямком",
    ),
    "country": T("Destination country", fr="Pays de destination", nl="Land van bestemming", uk="Країна призначення"),
    "by_country": T(
        "By destination country",
        fr="Par pays de destination",
        nl="Per land van bestemming",
        uk="За країною призначення",
    ),
    "people": T("People", fr="Personnes", nl="Personen", uk="Люди"),
    "fairs": T(
        "Coming mobility fairs",
        fr="Prochains salons de la mobilité",
        nl="Komende mobiliteitsbeurzen",
        uk="Найближчі ярмарки мобільності",
    ),
    "no_fairs": T(
        "No fair planned.",
        fr="Aucun salon prévu.",
        nl="Geen beurs gepland.",
        uk="Ярмарків не заплановано.",
    ),
    "nothing": T(
        "Nothing logged yet this year.",
        fr="Rien d'enregistré cette année.",
        nl="Dit jaar nog niets geregistreerd.",
        uk="Цього року ще нічого не записано.",
    ),
}

#: The counters this plugin adds, in the order they are shown.
COUNTERS = ("euroguidance.advised", "euroguidance.erasmus", "euroguidance.contacts")


@hookimpl
def register_audiences(app: App) -> list[Audience]:
    return [
        Audience(
            AUDIENCE,
            T(
                "Euroguidance mobility",
                fr="Mobilité Euroguidance",
                nl="Euroguidance-mobiliteit",
                uk="Мобільність Euroguidance",
            ),
            T(
                "People who want to study, train or work in another European country.",
                fr="Les personnes qui veulent étudier, se former ou travailler dans un autre pays européen.",
                nl="Wie in een ander Europees land wil studeren, een opleiding volgen of werken.",
                uk="Люди, які хочуть навчатися або працювати в іншій європейській країні.",
            ),
            colour="#003399",
            default_roles=("counsellor",),
        )
    ]


@hookimpl
def register_roles(app: App) -> list[Role]:
    return [
        Role(
            ROLE,
            T(
                "Euroguidance adviser",
                fr="Conseiller Euroguidance",
                nl="Euroguidance-adviseur",
                uk="Консультант Euroguidance",
            ),
            ("dashboard", "log", "contacts", "activities", "reports"),
            (AUDIENCE,),
        )
    ]


@hookimpl
def register_codes(app: App) -> list[CodeList]:
    return [
        CodeList(
            "workshop",
            items={
                "mobility_session": T(
                    "Mobility information session",
                    fr="Séance d'information mobilité",
                    nl="Infosessie mobiliteit",
                    uk="Інформаційна сесія з мобільності",
                )
            },
        ),
        CodeList(
            "channel",
            items={
                "europass": T("Europass portal", fr="Portail Europass", nl="Europass-portaal", uk="Портал Europass")
            },
        ),
    ]


@hookimpl
def register_forms(app: App) -> list[Form]:
    return [
        Form(
            "euroguidance.contact",
            AUDIENCE,
            T("Mobility advice", fr="Conseil mobilité", nl="Mobiliteitsadvies", uk="Консультація з мобільності"),
            fields=(
                Field("country", TEXTS["country"], choices=COUNTRIES, required=True),
                Field("purpose", T("Purpose", fr="Objet", nl="Doel", uk="Мета"), choices=PURPOSES, required=True),
                Field("programme", T("Programme", fr="Programme", nl="Programma", uk="Програма"), choices=PROGRAMMES),
            ),
            core_fields=("modality", "channel", "headcount", "themes", "language", "gender", "age_band", "note"),
        )
    ]


@hookimpl
def register_counters(app: App) -> list[Counter]:
    a = {"audience": AUDIENCE}
    return [
        Counter.simple(
            "euroguidance.advised",
            T(
                "People advised on mobility",
                fr="Personnes conseillées sur la mobilité",
                nl="Personen geadviseerd over mobiliteit",
                uk="Консультації з мобільності",
            ),
            "headcount",
            a,
            audience=AUDIENCE,
        ),
        Counter.simple(
            "euroguidance.erasmus",
            T("Of which about Erasmus+", fr="Dont Erasmus+", nl="Waarvan Erasmus+", uk="З них щодо Erasmus+"),
            "headcount",
            {**a, "attr.programme": "erasmus_plus"},
            audience=AUDIENCE,
        ),
        Counter.simple(
            "euroguidance.contacts",
            T(
                "Mobility advice contacts",
                fr="Contacts de conseil mobilité",
                nl="Contacten mobiliteitsadvies",
                uk="Контакти з мобільності",
            ),
            "contacts",
            a,
            audience=AUDIENCE,
        ),
    ]


@hookimpl
def register_dimensions(app: App) -> list[Dimension]:
    """People advised by destination country: "Euroguidance contacts by country" is a figure."""
    return [
        Dimension(
            "euroguidance.country",
            TEXTS["country"],
            "attr.country",
            AUDIENCE,
            records=("contacts",),
            title=TEXTS["by_country"],
        )
    ]


@hookimpl
def register_demo(app: App) -> list[DemoShare]:
    from tremplin_euroguidance.demo import share

    return [share()]


@hookimpl
def register_routes(app: App) -> list[Any]:
    from tremplin_euroguidance.web import router

    return [router]


@hookimpl
def register_menu_items(app: App, staff: Any) -> list[MenuItem]:
    return [MenuItem(TEXTS["menu"], "/euroguidance", "dashboard", audience=AUDIENCE)]


@hookimpl
def register_report_sections(app: App, report: str) -> list[Any]:
    if report in ("annual", f"audience:{AUDIENCE}"):
        return [
            KeyFigures(
                "euroguidance.mobility",
                T(
                    "Euroguidance: mobility in Europe",
                    fr="Euroguidance : mobilité en Europe",
                    nl="Euroguidance: mobiliteit in Europa",
                    uk="Euroguidance: мобільність у Європі",
                ),
                COUNTERS[:2],
                parts=(("euroguidance.advised", ("euroguidance.erasmus",)),),
            )
        ]
    return []


@hookimpl
def register_flows(app: App) -> list[FlowSpec]:
    return [
        FlowSpec(
            "euroguidance-destinations",
            "tremplin_euroguidance.flows:destinations",
            T(
                "Sums up the year's mobility advice by destination country",
                fr="Résume les conseils mobilité de l'année par pays de destination",
                nl="Vat het mobiliteitsadvies van het jaar samen per land van bestemming",
                uk="Підсумовує консультації з мобільності за країною призначення",
            ),
            cron="0 7 1 * *",
        )
    ]

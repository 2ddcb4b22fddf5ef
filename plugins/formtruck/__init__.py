"""The Formtruck: advisers logging contacts at the truck's stops, by theme, in seconds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tremplin import Audience, CodeList, Counter, Dimension, Field, FlowSpec, Form, MenuItem, Role, T, hookimpl

if TYPE_CHECKING:
    from tremplin import App

if TYPE_CHECKING:
    from tremplin import DemoShare

AUDIENCE = "formtruck"

COMMUNES = {
    code: T(name_fr, fr=name_fr, nl=name_nl, uk=name_fr)
    for code, name_fr, name_nl in (
        ("anderlecht", "Anderlecht", "Anderlecht"),
        ("auderghem", "Auderghem", "Oudergem"),
        ("berchem_sainte_agathe", "Berchem-Sainte-Agathe", "Sint-Agatha-Berchem"),
        ("bruxelles", "Bruxelles", "Brussel"),
        ("etterbeek", "Etterbeek", "Etterbeek"),
        ("evere", "Evere", "Evere"),
        ("forest", "Forest", "Vorst"),
        ("ganshoren", "Ganshoren", "Ganshoren"),
        ("ixelles", "Ixelles", "Elsene"),
        ("jette", "Jette", "Jette"),
        ("koekelberg", "Koekelberg", "Koekelberg"),
        ("molenbeek", "Molenbeek-Saint-Jean", "Sint-Jans-Molenbeek"),
        ("saint_gilles", "Saint-Gilles", "Sint-Gillis"),
        ("saint_josse", "Saint-Josse-ten-Noode", "Sint-Joost-ten-Node"),
        ("schaerbeek", "Schaerbeek", "Schaarbeek"),
        ("uccle", "Uccle", "Ukkel"),
        ("watermael_boitsfort", "Watermael-Boitsfort", "Watermaal-Bosvoorde"),
        ("woluwe_saint_lambert", "Woluwe-Saint-Lambert", "Sint-Lambrechts-Woluwe"),
        ("woluwe_saint_pierre", "Woluwe-Saint-Pierre", "Sint-Pieters-Woluwe"),
        ("outside_brussels", "Hors Bruxelles", "Buiten Brussel"),
    )
}

#: The words of the Formtruck's page (``web.py``, ``templates/formtruck/stops.html``).
TEXTS = {
    "title": T("Formtruck", fr="Formtruck", nl="Formtruck", uk="Formtruck"),
    # The menu says what the page is about (the truck's stops), not the audience's name: the dashboard
    # already links "Formtruck" to the quick-log form.
    "menu": T("Stops", fr="Arrêts", nl="Haltes", uk="Зупинки"),
    "lead": T(
        "People advised at the truck this year",
        fr="Personnes conseillées au Formtruck cette année",
        nl="Personen geadviseerd aan de Formtruck dit jaar",
        uk="Люди, яким допомогли біля Formtruck цього року",
    ),
    "log": T(
        "Log contacts at the truck",
        fr="Enregistrer des contacts au Formtruck",
        nl="Contacten aan de Formtruck registreren",
        uk="Записати контакти біля Formtruck",
    ),
    "by_stop": T("By stop", fr="Par arrêt", nl="Per halte", uk="За зупинкою"),
    "by_commune": T("By commune", fr="Par commune", nl="Per gemeente", uk="За громадою"),
    "stop": T("Stop", fr="Arrêt", nl="Halte", uk="Зупинка"),
    "commune": T("Commune", fr="Commune", nl="Gemeente", uk="Громада"),
    "people": T("People", fr="Personnes", nl="Personen", uk="Люди"),
    "nothing": T(
        "Nothing logged yet this year.",
        fr="Rien d'enregistré cette année.",
        nl="Dit jaar nog niets geregistreerd.",
        uk="Цього року ще нічого не записано.",
    ),
}


@hookimpl
def register_audiences(app: Any) -> list[Audience]:
    return [Audience(AUDIENCE, T("Formtruck", fr="Formtruck", nl="Formtruck", uk="Formtruck"), colour="#e67e22")]


@hookimpl
def register_roles(app: App) -> list[Role]:
    return [
        Role(
            "formtruck_adviser",
            T("Formtruck adviser", fr="Conseiller Formtruck", nl="Formtruck-adviseur", uk="Консультант Formtruck"),
            ("dashboard", "log", "contacts", "reports", "referrals"),
            (AUDIENCE,),
        )
    ]


@hookimpl
def register_codes(app: App) -> list[CodeList]:
    stop = T("Formtruck stop", fr="Arrêt du Formtruck", nl="Halte van de Formtruck", uk="Зупинка Formtruck")
    return [CodeList("site_kind", items={"formtruck_stop": stop})]


@hookimpl
def register_forms(app: Any) -> list[Form]:
    return [
        Form(
            "formtruck.contact",
            AUDIENCE,
            T("Contact at the truck", fr="Contact au Formtruck", nl="Contact aan de Formtruck", uk="Контакт біля Formtruck"),
            fields=(
                Field("commune", T("Commune", fr="Commune", nl="Gemeente", uk="Громада"), choices=COMMUNES, required=True),
                Field("place", T("Place", fr="Lieu", nl="Plaats", uk="Місце"), kind="text", max_length=80),
            ),
            core_fields=("site", "themes", "headcount", "language"),
            fixed={"modality": "individual_advice", "channel": "field"},
            tally=True,
        )
    ]


@hookimpl
def register_counters(app: Any) -> list[Counter]:
    return [
        Counter.simple(
            "formtruck.users",
            T("People advised at the Formtruck", fr="Utilisateurs touchés au Formtruck", nl="Gebruikers bereikt aan de Formtruck", uk="Відвідувачі Formtruck"),
            "headcount",
            {"audience": AUDIENCE},
            audience=AUDIENCE,
        )
    ]


@hookimpl
def register_demo(app: Any) -> list[DemoShare]:
    from tremplin.plugins.formtruck.demo import share

    return [share()]


@hookimpl
def register_dimensions(app: Any) -> list[Dimension]:
    """Contacts by stop (the site the truck stood at) and by commune: "Formtruck contacts by stop" is a figure."""
    return [
        Dimension(
            "formtruck.stop",
            TEXTS["stop"],
            "site",
            AUDIENCE,
            records=("contacts",),
            title=TEXTS["by_stop"],
        ),
        Dimension(
            "formtruck.commune",
            TEXTS["commune"],
            "attr.commune",
            AUDIENCE,
            records=("contacts",),
            title=TEXTS["by_commune"],
        ),
    ]


@hookimpl
def register_routes(app: Any) -> list[Any]:
    from tremplin.plugins.formtruck.web import router

    return [router]


@hookimpl
def register_menu_items(app: Any, staff: Any) -> list[MenuItem]:
    """The Formtruck's page, for the accounts that see the Formtruck."""
    return [MenuItem(TEXTS["menu"], "/formtruck", "dashboard", audience=AUDIENCE)]


@hookimpl
def register_flows(app: Any) -> list[FlowSpec]:
    return [
        FlowSpec(
            "formtruck-stops-digest",
            "tremplin.plugins.formtruck.flows:stops_digest",
            T(
                "Sends the advisers one line per stop of the day: people met, communes, themes",
                fr="Envoie aux conseillers une ligne par arrêt du jour : personnes rencontrées, communes, thèmes",
                nl="Stuurt de adviseurs één regel per halte van de dag: ontmoete personen, gemeenten, thema's",
                uk="Надсилає консультантам рядок на кожну зупинку дня: люди, громади, теми",
            ),
            cron="0 19 * * 1-6",
        )
    ]

"""The Formtruck: advisers logging contacts at the truck's stops, by theme, in seconds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tremplin import Audience, CodeList, Counter, Field, Form, Role, T, hookimpl

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

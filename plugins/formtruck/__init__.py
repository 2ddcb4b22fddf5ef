"""The Formtruck: advisers logging contacts at the truck's stops, by theme, in seconds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tremplin import Audience, CodeList, Counter, Dimension, Field, FlowSpec, Form, MenuItem, Role, T, hookimpl
from tremplin.plugins.formtruck import models as _models  # noqa: F401  (the tours' table joins the metadata)

if TYPE_CHECKING:
    from datetime import date

    from sqlalchemy.orm import Session

    from tremplin import App, DemoShare

AUDIENCE = "formtruck"
#: The capability of planning the truck's tours (the coordinator's; administrators have it too).
TOURS = "formtruck_tours"

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
    "tours": T("Tours", fr="Tournées", nl="Rondes", uk="Маршрути"),
    "tours_lead": T(
        "Where the truck stands, day by day. An adviser's phone opens on the day's stop.",
        fr="Où le camion stationne, jour après jour. Le téléphone du conseiller s'ouvre sur l'arrêt du jour.",
        nl="Waar de truck staat, dag na dag. De telefoon van de adviseur opent op de halte van de dag.",
        uk="Де стоїть автобус день за днем. Телефон консультанта відкривається на зупинці дня.",
    ),
    "plan": T("Plan a stop", fr="Planifier un arrêt", nl="Een halte plannen", uk="Запланувати зупинку"),
    "planned": T("Planned stops", fr="Arrêts prévus", nl="Geplande haltes", uk="Заплановані зупинки"),
    "day": T("Date", fr="Date", nl="Datum", uk="Дата"),
    "starts": T("From", fr="De", nl="Van", uk="З"),
    "ends": T("To", fr="À", nl="Tot", uk="До"),
    "hours": T("Hours", fr="Heures", nl="Uren", uk="Години"),
    "new_stop": T("Or a new stop", fr="Ou un nouvel arrêt", nl="Of een nieuwe halte", uk="Або нова зупинка"),
    "new_stop_help": T(
        'Its name as people say it, e.g. "Place Flagey". It is added to the centre\'s sites.',
        fr="Son nom tel qu'on le dit, par ex. « Place Flagey ». Il est ajouté aux lieux du centre.",
        nl="De naam zoals men hem zegt, bv. 'Flageyplein'. Hij wordt aan de locaties van het centrum toegevoegd.",
        uk="Назва, як її кажуть, напр. «Place Flagey». Її додадуть до місць центру.",
    ),
    "save_stop": T("Add this stop", fr="Ajouter cet arrêt", nl="Deze halte toevoegen", uk="Додати зупинку"),
    "remove": T("Remove", fr="Retirer", nl="Verwijderen", uk="Видалити"),
    "none_planned": T(
        "No stop planned from today on.",
        fr="Aucun arrêt prévu à partir d'aujourd'hui.",
        nl="Geen halte gepland vanaf vandaag.",
        uk="Від сьогодні зупинок не заплановано.",
    ),
    "today": T("Today", fr="Aujourd'hui", nl="Vandaag", uk="Сьогодні"),
    "open_field": T(
        "Open the phone page (works without network)",
        fr="Ouvrir la page du téléphone (fonctionne sans réseau)",
        nl="De telefoonpagina openen (werkt zonder netwerk)",
        uk="Відкрити сторінку для телефона (працює без мережі)",
    ),
    "saved": T("Stop planned.", fr="Arrêt planifié.", nl="Halte gepland.", uk="Зупинку заплановано."),
    "removed": T("Stop removed.", fr="Arrêt retiré.", nl="Halte verwijderd.", uk="Зупинку видалено."),
    "err_stop": T(
        "Choose a stop or name a new one.",
        fr="Choisissez un arrêt ou nommez-en un nouveau.",
        nl="Kies een halte of geef een nieuwe een naam.",
        uk="Виберіть зупинку або назвіть нову.",
    ),
    "err_commune": T(
        "Choose the commune.", fr="Choisissez la commune.", nl="Kies de gemeente.", uk="Виберіть громаду."
    ),
    "err_day": T(
        "Enter a date from today on.",
        fr="Indiquez une date à partir d'aujourd'hui.",
        nl="Geef een datum vanaf vandaag.",
        uk="Вкажіть дату від сьогодні.",
    ),
    "err_hours": T(
        "Enter the hours: the end comes after the start.",
        fr="Indiquez les heures : la fin vient après le début.",
        nl="Geef de uren: het einde komt na het begin.",
        uk="Вкажіть години: кінець після початку.",
    ),
    "err_place": T(
        "At most 80 characters.", fr="Au plus 80 caractères.", nl="Hoogstens 80 tekens.", uk="Не більше 80 символів."
    ),
    "by_stop": T("By stop", fr="Par arrêt", nl="Per halte", uk="За зупинкою"),
    "by_commune": T("By commune", fr="Par commune", nl="Per gemeente", uk="За громадою"),
    "stop": T("Stop", fr="Arrêt", nl="Halte", uk="Зупинка"),
    "commune": T("Commune", fr="Commune", nl="Gemeente", uk="Громада"),
    "commune_help": T(
        "The municipality where the truck stands today, not where the person lives.",
        fr="La commune où le camion stationne aujourd'hui, pas celle où la personne habite.",
        nl="De gemeente waar de truck vandaag staat, niet waar de persoon woont.",
        uk="Громада, де сьогодні стоїть автобус, а не де живе людина.",
    ),
    "place": T("Place", fr="Lieu", nl="Plaats", uk="Місце"),
    "people": T("People", fr="Personnes", nl="Personen", uk="Люди"),
    "nothing": T(
        "Nothing logged yet this year.",
        fr="Rien d'enregistré cette année.",
        nl="Dit jaar nog niets geregistreerd.",
        uk="Цього року ще нічого не записано.",
    ),
}


@hookimpl
def register_audiences(app: App) -> list[Audience]:
    return [Audience(AUDIENCE, T("Formtruck", fr="Formtruck", nl="Formtruck", uk="Formtruck"), colour="#e67e22")]


@hookimpl
def register_roles(app: App) -> list[Role]:
    return [
        Role(
            "formtruck_adviser",
            T("Formtruck adviser", fr="Conseiller Formtruck", nl="Formtruck-adviseur", uk="Консультант Formtruck"),
            ("dashboard", "log", "contacts", "reports", "referrals"),
            (AUDIENCE,),
        ),
        Role(
            "formtruck_coordinator",
            T(
                "Formtruck coordinator",
                fr="Coordinateur Formtruck",
                nl="Formtruck-coördinator",
                uk="Координатор Formtruck",
            ),
            ("dashboard", "log", "contacts", "reports", "referrals", TOURS),
            (AUDIENCE,),
        ),
    ]


@hookimpl
def register_codes(app: App) -> list[CodeList]:
    stop = T("Formtruck stop", fr="Arrêt du Formtruck", nl="Halte van de Formtruck", uk="Зупинка Formtruck")
    tour_plan = T(
        "Formtruck: tour plan sent",
        fr="Formtruck : planning de la tournée envoyé",
        nl="Formtruck: rondeplanning verstuurd",
        uk="Formtruck: план маршруту надіслано",
    )
    return [
        CodeList("site_kind", items={"formtruck_stop": stop}),
        # The weekly tour plan's audit event (``flows.tour_plan``), as the audit page names it.
        CodeList("audit_action", items={"formtruck.tour_plan": tour_plan}),
        CodeList("audit_kind", items={"formtruck": T("Formtruck")}),
    ]


@hookimpl
def register_forms(app: App) -> list[Form]:
    return [
        Form(
            "formtruck.contact",
            AUDIENCE,
            T(
                "Contact at the truck",
                fr="Contact au Formtruck",
                nl="Contact aan de Formtruck",
                uk="Контакт біля Formtruck",
            ),
            fields=(
                Field(
                    "commune",
                    T("Commune", fr="Commune", nl="Gemeente", uk="Громада"),
                    choices=COMMUNES,
                    required=True,
                    help=TEXTS["commune_help"],
                ),
                Field("place", T("Place", fr="Lieu", nl="Plaats", uk="Місце"), kind="text", max_length=80),
            ),
            core_fields=("site", "themes", "headcount", "language"),
            fixed={"modality": "individual_advice", "channel": "field"},
            tally=True,
            fieldwork=True,
            # The truck's stops only: not the centre's reception desks and rooms.
            site_kinds=("formtruck_stop",),
        )
    ]


@hookimpl
def register_counters(app: App) -> list[Counter]:
    return [
        Counter.simple(
            "formtruck.users",
            T(
                "People advised at the Formtruck",
                fr="Utilisateurs touchés au Formtruck",
                nl="Gebruikers bereikt aan de Formtruck",
                uk="Відвідувачі Formtruck",
            ),
            "headcount",
            {"audience": AUDIENCE},
            audience=AUDIENCE,
        )
    ]


@hookimpl
def register_demo(app: App) -> list[DemoShare]:
    from tremplin.plugins.formtruck.demo import share

    return [share()]


@hookimpl
def register_dimensions(app: App) -> list[Dimension]:
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
def register_routes(app: App) -> list[Any]:
    from tremplin.plugins.formtruck.web import router

    return [router]


@hookimpl
def register_menu_items(app: App, staff: Any) -> list[MenuItem]:
    """The Formtruck's page, for the accounts that see the Formtruck; its tours, for the coordinator."""
    return [
        MenuItem(TEXTS["menu"], "/formtruck", "dashboard", audience=AUDIENCE),
        MenuItem(TEXTS["tours"], "/formtruck/tours", TOURS, audience=AUDIENCE),
    ]


@hookimpl
def field_defaults(app: App, session: Session, staff: Any, form: Form, day: date) -> dict[str, str] | None:
    """The phone opens on today's stop: its site, commune and place, and a line saying where and when."""
    if form.audience != AUDIENCE or staff.centre_id is None:
        return None
    from tremplin.plugins.formtruck.tours import todays_stop

    return todays_stop(app, session, staff, day)


@hookimpl
def register_flows(app: App) -> list[FlowSpec]:
    return [
        FlowSpec(
            "formtruck-tour-plan",
            "tremplin.plugins.formtruck.flows:tour_plan",
            T(
                "Sends the advisers the week's tour plan: stops, places, hours",
                fr="Envoie aux conseillers la tournée de la semaine : arrêts, lieux, heures",
                nl="Stuurt de adviseurs de ronde van de week: haltes, plaatsen, uren",
                uk="Надсилає консультантам маршрут тижня: зупинки, місця, години",
            ),
            cron="0 7 * * 1",
        ),
        FlowSpec(
            "formtruck-stops-digest",
            "tremplin.plugins.formtruck.flows:stops_digest",
            T(
                "After each stop, sends the advisers one line: people met, communes, themes",
                fr="Après chaque arrêt, envoie aux conseillers une ligne : personnes rencontrées, communes, thèmes",
                nl="Stuurt de adviseurs na elke halte één regel: ontmoete personen, gemeenten, thema's",
                uk="Після кожної зупинки надсилає консультантам рядок: люди, громади, теми",
            ),
            cron="*/30 8-22 * * 1-6",
        ),
    ]

"""Schools: class visits and workshops (Explorama, Inforizon, Pass'Avenir, guidance pathway).

A class visit is a group activity of the ``schools`` audience whose participants are the pupils who
came; it happens at the centre or at the school. The school is an organisation, not a person: its
name may be recorded, a pupil's never.

Schools book their visits themselves on the public page ``/book`` (``booking.py`` holds the rules,
``web.py`` the pages, ``api.py`` the API, ``flows.py`` the reminders); the coordinator runs the offer
and the calendar at ``/schools``. When the coordinator enters the pupils who came, the visit becomes
the activity these counters count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tremplin import (
    Audience,
    CodeList,
    Counter,
    Dimension,
    FactSource,
    Field,
    FlowSpec,
    Form,
    Grant,
    MenuItem,
    Role,
    T,
    hookimpl,
)
from tremplin.plugins.schools import models as _models  # noqa: F401  (the plugin's tables join the metadata)

if TYPE_CHECKING:
    from datetime import date

    from sqlalchemy.orm import Session

    from tremplin import App

if TYPE_CHECKING:
    from tremplin import DemoShare

AUDIENCE = "schools"

EDUCATION_TYPES = {
    "general": T("General", fr="Général", nl="Algemeen", uk="Загальна"),
    "technical_transition": T(
        "Technical (transition)", fr="Technique de transition", nl="Technisch (doorstroom)", uk="Технічна (перехідна)"
    ),
    "technical_qualification": T(
        "Technical (qualification)",
        fr="Technique de qualification",
        nl="Technisch (kwalificatie)",
        uk="Технічна (кваліфікаційна)",
    ),
    "vocational": T("Vocational", fr="Professionnel", nl="Beroepsonderwijs", uk="Професійна"),
    "special": T("Special needs", fr="Spécialisé", nl="Buitengewoon onderwijs", uk="Спеціальна"),
}
YEARS = {str(y): T(f"Year {y}", fr=f"{y}e année", nl=f"{y}e jaar", uk=f"{y}-й рік") for y in range(1, 8)}
PLACES = {
    "at_centre": T("At the centre", fr="À la Cité des métiers", nl="In het Beroepenpunt", uk="У центрі"),
    "at_school": T("At the school", fr="À l'école", nl="Op school", uk="У школі"),
}
#: The class visits and workshops schools book, added to the shared list of activity kinds.
WORKSHOPS = {
    "explorama": T("Explorama", fr="Explorama", nl="Explorama", uk="Explorama"),
    "inforizon": T("Inforizon", fr="Inforizon", nl="Inforizon", uk="Inforizon"),
    "pass_avenir": T("Pass'Avenir", fr="Pass'Avenir", nl="Pass'Avenir", uk="Pass'Avenir"),
    "guidance_pathway": T(
        "Guidance pathway", fr="Parcours d'orientation (PTO)", nl="Oriënteringstraject", uk="Маршрут профорієнтації"
    ),
}
SCHOOL_WORKSHOPS = (*WORKSHOPS, "guided_tour")


@hookimpl
def register_audiences(app: App) -> list[Audience]:
    return [
        Audience(
            AUDIENCE,
            T("Schools", fr="Écoles", nl="Scholen", uk="Школи"),
            T(
                "Class visits and workshops booked by schools.",
                fr="Visites de classes et ateliers réservés par les écoles.",
                nl="Klasbezoeken en workshops geboekt door scholen.",
                uk="Відвідини класів і майстер-класи для шкіл.",
            ),
            colour="#27ae60",
        )
    ]


#: The calendar, the bookings and their history, the export, the e-mails that failed.
BOOKINGS = "schools.bookings"
#: The offer: workshops, slots, school holidays.
OFFER = "schools.offer"


@hookimpl
def register_roles(app: App) -> list[Role | Grant]:
    return [
        Role(
            "schools_coordinator",
            T("Schools coordinator", fr="Coordinateur écoles", nl="Scholencoördinator", uk="Координатор шкіл"),
            ("dashboard", "log", "contacts", "reports", "activities", BOOKINGS, OFFER),
            (AUDIENCE,),
        ),
        # Programme leads follow the bookings; the offer stays the coordinator's (and the administrator's,
        # who has every capability).
        Grant("programme_lead", (BOOKINGS,)),
    ]


@hookimpl
def register_codes(app: App) -> list[CodeList]:
    return [
        CodeList("workshop", items=WORKSHOPS),
        CodeList("site_kind", items={"school": T("School", fr="École", nl="School", uk="Школа")}),
        # The bookings export's audit event (``web.export``), as the audit page names it.
        CodeList(
            "audit_action",
            items={
                "schools.export": T(
                    "School bookings: exported",
                    fr="Réservations des écoles : exportées",
                    nl="Schoolboekingen: geëxporteerd",
                    uk="Бронювання шкіл: експортовано",
                )
            },
        ),
        CodeList(
            "audit_kind",
            items={
                "school_bookings": T(
                    "School bookings", fr="Réservations des écoles", nl="Schoolboekingen", uk="Бронювання шкіл"
                )
            },
        ),
    ]


@hookimpl
def register_forms(app: App) -> list[Form]:
    return [
        Form(
            "schools.visit",
            AUDIENCE,
            T(
                "Class visit or workshop",
                fr="Visite de classe ou atelier",
                nl="Klasbezoek of workshop",
                uk="Відвідини класу або майстер-клас",
            ),
            record="activity",
            fields=(
                Field(
                    "school",
                    T("School", fr="École", nl="School", uk="Школа"),
                    kind="text",
                    required=True,
                    max_length=120,
                ),
                Field(
                    "education_type",
                    T("Type of education", fr="Type d'enseignement", nl="Onderwijsvorm", uk="Тип освіти"),
                    choices=EDUCATION_TYPES,
                    required=True,
                ),
                Field("year", T("Year", fr="Année", nl="Jaar", uk="Рік навчання"), choices=YEARS, required=True),
                Field("place", T("Where", fr="Où", nl="Waar", uk="Де"), choices=PLACES, required=True),
            ),
            core_fields=("workshop", "participants", "registered", "language", "themes"),
            core_choices={"workshop": SCHOOL_WORKSHOPS},
            fixed={"format": "face_to_face"},
            description=T(
                "Participants are the pupils who came.",
                fr="Les participants sont les élèves présents.",
                nl="Deelnemers zijn de aanwezige leerlingen.",
                uk="Учасники — присутні учні.",
            ),
        )
    ]


@hookimpl
def register_counters(app: App) -> list[Counter]:
    a = {"audience": AUDIENCE}
    return [
        Counter.simple(
            "schools.visits",
            T("School visits", fr="Visites d'écoles", nl="Schoolbezoeken", uk="Відвідини шкіл"),
            "activities",
            a,
            audience=AUDIENCE,
        ),
        Counter.simple(
            "schools.pupils", T("Pupils", fr="Élèves", nl="Leerlingen", uk="Учні"), "participants", a, audience=AUDIENCE
        ),
        Counter.simple(
            "schools.at_school",
            T("Workshops held at schools", fr="Animations à l'école", nl="Workshops op school", uk="Заняття у школах"),
            "activities",
            {**a, "attr.place": "at_school"},
            audience=AUDIENCE,
        ),
        Counter.simple(
            "schools.at_centre",
            T(
                "Class visits at the centre",
                fr="Visites de classes à la Cité",
                nl="Klasbezoeken in het centrum",
                uk="Відвідини класів у центрі",
            ),
            "activities",
            {**a, "attr.place": "at_centre"},
            audience=AUDIENCE,
        ),
        Counter.simple(
            "schools.pupils_at_centre",
            T("Pupils at the centre", fr="Élèves à la Cité", nl="Leerlingen in het centrum", uk="Учні в центрі"),
            "participants",
            {**a, "attr.place": "at_centre"},
            audience=AUDIENCE,
        ),
        Counter.simple(
            "schools.pupils_at_school",
            T(
                "Pupils reached at schools",
                fr="Élèves rencontrés à l'école",
                nl="Leerlingen bereikt op school",
                uk="Учні у школах",
            ),
            "participants",
            {**a, "attr.place": "at_school"},
            audience=AUDIENCE,
        ),
        # What became of the bookings, on their visit's day (``facts.py``).
        Counter.simple(
            "schools.cancellations",
            T("Cancelled bookings", fr="Réservations annulées", nl="Geannuleerde boekingen", uk="Скасовані бронювання"),
            "schools.bookings:rows",
            {**a, "status": "cancelled"},
            audience=AUDIENCE,
        ),
        Counter.simple(
            "schools.pupils_cancelled",
            T(
                "Pupils of cancelled bookings",
                fr="Élèves des réservations annulées",
                nl="Leerlingen van geannuleerde boekingen",
                uk="Учні скасованих бронювань",
            ),
            "schools.bookings:pupils",
            {**a, "status": "cancelled"},
            audience=AUDIENCE,
        ),
        Counter.simple(
            "schools.no_shows",
            T(
                "Classes that did not come",
                fr="Classes absentes",
                nl="Klassen die niet kwamen",
                uk="Класи, що не прийшли",
            ),
            "schools.bookings:rows",
            {**a, "status": "no_show"},
            audience=AUDIENCE,
        ),
        Counter.simple(
            "schools.pupils_no_show",
            T(
                "Pupils of classes that did not come",
                fr="Élèves des classes absentes",
                nl="Leerlingen van klassen die niet kwamen",
                uk="Учні класів, що не прийшли",
            ),
            "schools.bookings:pupils",
            {**a, "status": "no_show"},
            audience=AUDIENCE,
        ),
        Counter.simple(
            "schools.pupils_booked",
            T("Pupils booked", fr="Élèves inscrits", nl="Ingeschreven leerlingen", uk="Зареєстровані учні"),
            "registered",
            a,
            audience=AUDIENCE,
        ),
    ]


@hookimpl
def register_fact_sources(app: App) -> list[FactSource]:
    """Bookings, counted on their visit's day by status: cancellations and no-shows."""
    from tremplin.plugins.schools import facts
    from tremplin.plugins.schools.models import SchoolBooking

    return [
        FactSource(
            facts.SOURCE,
            SchoolBooking,
            facts.COLUMNS,
            facts.booking_fact,
            measures=("rows", "pupils"),
            fields=("status", "workshop"),
            label=T("Bookings", fr="Réservations", nl="Boekingen", uk="Бронювання"),
        )
    ]


@hookimpl
def register_demo(app: App) -> list[DemoShare]:
    from tremplin.plugins.schools.demo import share

    return [share()]


@hookimpl
def register_dimensions(app: App) -> list[Dimension]:
    """Visits, pupils, cancellations and no-shows by school year, type of education, workshop and place
    (class visits are activities, bookings the plugin's own fact source; both name them alike)."""
    records = ("activities", "schools.bookings")
    return [
        Dimension(
            "schools.year",
            T("School year", fr="Année d'études", nl="Leerjaar", uk="Рік навчання"),
            "attr.year",
            AUDIENCE,
            records=records,
            title=T("By school year", fr="Par année d'études", nl="Per leerjaar", uk="За роком навчання"),
        ),
        Dimension(
            "schools.education_type",
            T("Type of education", fr="Type d'enseignement", nl="Onderwijsvorm", uk="Тип освіти"),
            "attr.education_type",
            AUDIENCE,
            records=records,
            title=T("By type of education", fr="Par type d'enseignement", nl="Per onderwijsvorm", uk="За типом освіти"),
        ),
        Dimension(
            "schools.workshop",
            T("Workshop", fr="Atelier", nl="Workshop", uk="Майстер-клас"),
            "workshop",
            AUDIENCE,
            records=records,
            title=T("By workshop", fr="Par atelier", nl="Per workshop", uk="За майстер-класом"),
        ),
        Dimension(
            "schools.place",
            T("Where", fr="Où", nl="Waar", uk="Де"),
            "attr.place",
            AUDIENCE,
            records=records,
            title=T(
                "At the centre and at schools",
                fr="À la Cité et à l'école",
                nl="In het centrum en op school",
                uk="У центрі та у школах",
            ),
        ),
    ]


#: The figures the schools report breaks down by school year, after its pupils by school year.
BY_SCHOOL_YEAR: tuple[tuple[str, Any], ...] = (
    (
        "schools.visits",
        T(
            "Class visits by school year",
            fr="Visites par année d'études",
            nl="Klasbezoeken per leerjaar",
            uk="Відвідини за роком навчання",
        ),
    ),
    (
        "schools.pupils_at_centre",
        T(
            "Pupils at the centre by school year",
            fr="Élèves à la Cité par année d'études",
            nl="Leerlingen in het centrum per leerjaar",
            uk="Учні в центрі за роком навчання",
        ),
    ),
    (
        "schools.pupils_at_school",
        T(
            "Pupils reached at schools by school year",
            fr="Élèves rencontrés à l'école par année d'études",
            nl="Leerlingen bereikt op school per leerjaar",
            uk="Учні у школах за роком навчання",
        ),
    ),
    (
        "schools.cancellations",
        T(
            "Cancelled bookings by school year",
            fr="Réservations annulées par année d'études",
            nl="Geannuleerde boekingen per leerjaar",
            uk="Скасовані бронювання за роком навчання",
        ),
    ),
    (
        "schools.no_shows",
        T(
            "Classes that did not come, by school year",
            fr="Classes absentes par année d'études",
            nl="Klassen die niet kwamen, per leerjaar",
            uk="Класи, що не прийшли, за роком навчання",
        ),
    ),
)


@hookimpl
def register_report_sections(app: App, report: str) -> list[Any]:
    """The schools report: visits, pupils at the centre and at schools, cancellations and no-shows, each
    by the pupils' school year (the report already shows the pupils by school year)."""
    if report != f"audience:{AUDIENCE}":
        return []
    from tremplin import Breakdown

    return [
        Breakdown(counter.replace("schools.", "schools.year.", 1), title, counter, "schools.year")
        for counter, title in BY_SCHOOL_YEAR
    ]


@hookimpl
def register_routes(app: App) -> list[Any]:
    from tremplin.plugins.schools import api, web

    web.add_template_folder()
    return [web.public, web.coordinator, api.router]


@hookimpl
def register_menu_items(app: App, staff: Any) -> list[MenuItem]:
    """The bookings' calendar, for the roles granted the bookings (the coordinator, programme leads)."""
    label = T("School visits", fr="Visites scolaires", nl="Schoolbezoeken", uk="Відвідини шкіл")
    return [MenuItem(label, "/schools", BOOKINGS, audience=AUDIENCE)]


@hookimpl
def register_flows(app: App) -> list[FlowSpec]:
    return [
        FlowSpec(
            "schools-reminders",
            "tremplin.plugins.schools.flows:schools_reminders",
            T(
                "Reminds the schools of their visit two days before",
                fr="Rappelle leur visite aux écoles deux jours avant",
                nl="Herinnert de scholen twee dagen vooraf aan hun bezoek",
                uk="Нагадує школам про візит за два дні",
            ),
            cron="0 7 * * *",
        ),
        FlowSpec(
            "schools-visit-surveys",
            "tremplin.plugins.schools.flows:schools_visit_surveys",
            T(
                "Sends the teachers the satisfaction survey after their class's visit, once each",
                fr="Envoie aux enseignants l'enquête de satisfaction après la visite de leur classe, une fois",
                nl="Stuurt leerkrachten na het bezoek van hun klas één keer de tevredenheidsenquête",
                uk="Надсилає вчителям опитування щодо задоволеності після візиту класу, один раз",
            ),
            cron="0 16 * * 1-5",
        ),
    ]


@hookimpl
def purge_expired(app: App, session: Session, today: date) -> dict[str, int]:
    from tremplin.plugins.schools.booking import erase_teacher_data

    return {"schools.teacher_contacts": erase_teacher_data(app, session, today)}

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

from tremplin import Audience, CodeList, Counter, Dimension, Field, FlowSpec, Form, Role, T, hookimpl
from tremplin.plugins.schools import models as _models  # noqa: F401  (the plugin's tables join the metadata)

if TYPE_CHECKING:
    from tremplin import App

if TYPE_CHECKING:
    from tremplin import DemoShare

AUDIENCE = "schools"

EDUCATION_TYPES = {
    "general": T("General", fr="Général", nl="Algemeen", uk="Загальна"),
    "technical_transition": T("Technical (transition)", fr="Technique de transition", nl="Technisch (doorstroom)", uk="Технічна (перехідна)"),
    "technical_qualification": T("Technical (qualification)", fr="Technique de qualification", nl="Technisch (kwalificatie)", uk="Технічна (кваліфікаційна)"),
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
    "guidance_pathway": T("Guidance pathway", fr="Parcours d'orientation (PTO)", nl="Oriënteringstraject", uk="Маршрут профорієнтації"),
}
SCHOOL_WORKSHOPS = (*WORKSHOPS, "guided_tour")


@hookimpl
def register_audiences(app: Any) -> list[Audience]:
    return [
        Audience(
            AUDIENCE,
            T("Schools", fr="Écoles", nl="Scholen", uk="Школи"),
            T("Class visits and workshops booked by schools.", fr="Visites de classes et ateliers réservés par les écoles.", nl="Klasbezoeken en workshops geboekt door scholen.", uk="Відвідини класів і майстер-класи для шкіл."),
            colour="#27ae60",
        )
    ]


@hookimpl
def register_roles(app: App) -> list[Role]:
    return [
        Role(
            "schools_coordinator",
            T("Schools coordinator", fr="Coordinateur écoles", nl="Scholencoördinator", uk="Координатор шкіл"),
            ("dashboard", "log", "contacts", "reports", "activities"),
            (AUDIENCE,),
        )
    ]


@hookimpl
def register_codes(app: App) -> list[CodeList]:
    return [
        CodeList("workshop", items=WORKSHOPS),
        CodeList("site_kind", items={"school": T("School", fr="École", nl="School", uk="Школа")}),
    ]


@hookimpl
def register_forms(app: Any) -> list[Form]:
    return [
        Form(
            "schools.visit",
            AUDIENCE,
            T("Class visit or workshop", fr="Visite de classe ou atelier", nl="Klasbezoek of workshop", uk="Відвідини класу або майстер-клас"),
            record="activity",
            fields=(
                Field("school", T("School", fr="École", nl="School", uk="Школа"), kind="text", required=True, max_length=120),
                Field("education_type", T("Type of education", fr="Type d'enseignement", nl="Onderwijsvorm", uk="Тип освіти"), choices=EDUCATION_TYPES, required=True),
                Field("year", T("Year", fr="Année", nl="Jaar", uk="Рік навчання"), choices=YEARS, required=True),
                Field("place", T("Where", fr="Où", nl="Waar", uk="Де"), choices=PLACES, required=True),
            ),
            core_fields=("workshop", "participants", "registered", "language", "themes"),
            core_choices={"workshop": SCHOOL_WORKSHOPS},
            fixed={"format": "face_to_face"},
            description=T("Participants are the pupils who came.", fr="Les participants sont les élèves présents.", nl="Deelnemers zijn de aanwezige leerlingen.", uk="Учасники — присутні учні."),
        )
    ]


@hookimpl
def register_counters(app: Any) -> list[Counter]:
    a = {"audience": AUDIENCE}
    return [
        Counter.simple("schools.visits", T("School visits", fr="Visites d'écoles", nl="Schoolbezoeken", uk="Відвідини шкіл"), "activities", a, audience=AUDIENCE),
        Counter.simple("schools.pupils", T("Pupils", fr="Élèves", nl="Leerlingen", uk="Учні"), "participants", a, audience=AUDIENCE),
        Counter.simple(
            "schools.at_school",
            T("Workshops held at schools", fr="Animations à l'école", nl="Workshops op school", uk="Заняття у школах"),
            "activities",
            {**a, "attr.place": "at_school"},
            audience=AUDIENCE,
        ),
        Counter.simple(
            "schools.at_centre",
            T("Class visits at the centre", fr="Visites de classes à la Cité", nl="Klasbezoeken in het centrum", uk="Відвідини класів у центрі"),
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
            T("Pupils reached at schools", fr="Élèves rencontrés à l'école", nl="Leerlingen bereikt op school", uk="Учні у школах"),
            "participants",
            {**a, "attr.place": "at_school"},
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
def register_demo(app: Any) -> list[DemoShare]:
    from tremplin.plugins.schools.demo import share

    return [share()]


@hookimpl
def register_dimensions(app: Any) -> list[Dimension]:
    """Pupils by type of education and by workshop (class visits are activities)."""
    return [
        Dimension(
            "schools.education_type",
            T("Type of education", fr="Type d'enseignement", nl="Onderwijsvorm", uk="Тип освіти"),
            "attr.education_type",
            AUDIENCE,
            records=("activities",),
            title=T("By type of education", fr="Par type d'enseignement", nl="Per onderwijsvorm", uk="За типом освіти"),
        ),
        Dimension(
            "schools.workshop",
            T("Workshop", fr="Atelier", nl="Workshop", uk="Майстер-клас"),
            "workshop",
            AUDIENCE,
            records=("activities",),
            title=T("By workshop", fr="Par atelier", nl="Per workshop", uk="За майстер-класом"),
        ),
    ]


@hookimpl
def register_routes(app: Any) -> list[Any]:
    from tremplin.plugins.schools import api, web

    web.add_template_folder()
    return [web.public, web.coordinator, api.router]


@hookimpl
def register_flows(app: Any) -> list[FlowSpec]:
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
def purge_expired(app: Any, session: Any, today: Any) -> dict[str, int]:
    from tremplin.plugins.schools.booking import erase_teacher_data

    return {"schools.teacher_contacts": erase_teacher_data(app, session, today)}

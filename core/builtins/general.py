"""Built-in plugin: the walk-in public (``general``) and the centre-wide counters.

The centre-wide counters are the figures of the centre's annual reports, under stable keys. How each
is counted follows the centre's own practice (see ``docs/counters.md``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tremplin.core import hookimpl
from tremplin.core.counters import Counter, Part
from tremplin.core.forms import Field, Form
from tremplin.core.i18n import T
from tremplin.core.registry import Audience

if TYPE_CHECKING:
    from tremplin.core.app import App
    from tremplin.core.demo import DemoShare

QUESTION = {
    "orientation": T("Choosing a path", fr="Orientation", nl="Oriëntering", uk="Вибір шляху"),
    "training_offer": T("Training offer", fr="Offre de formation", nl="Opleidingsaanbod", uk="Пропозиції навчання"),
    "studies": T("Studies", fr="Études", nl="Studies", uk="Навчання у закладі"),
    "job_search": T("Job search", fr="Recherche d'emploi", nl="Werk zoeken", uk="Пошук роботи"),
    "cv_letter": T(
        "CV and cover letter", fr="CV et lettre de motivation", nl="Cv en motivatiebrief", uk="Резюме та лист"
    ),
    "recognition": T(
        "Diploma or skills recognition",
        fr="Reconnaissance des diplômes ou compétences",
        nl="Erkenning van diploma's of competenties",
        uk="Визнання дипломів чи навичок",
    ),
    "mobility": T(
        "Working or studying abroad",
        fr="Mobilité à l'étranger",
        nl="Mobiliteit in het buitenland",
        uk="Робота чи навчання за кордоном",
    ),
    "business": T("Starting a business", fr="Créer son activité", nl="Een zaak starten", uk="Започаткування бізнесу"),
    "other": T("Other", fr="Autre", nl="Andere", uk="Інше"),
}

PROFILE = ("themes", "language", "gender", "age_band", "education", "labour_status")


@hookimpl
def register_audiences(app: App) -> list[Audience]:
    return [
        Audience(
            "general",
            T("General public", fr="Tout public", nl="Algemeen publiek", uk="Широка публіка"),
            T(
                "Walk-in visitors: free, anonymous, no appointment.",
                fr="Accueil libre, gratuit et anonyme.",
                nl="Vrije inloop, gratis en anoniem.",
                uk="Безкоштовно, анонімно, без запису.",
            ),
            colour="#2f6f8f",
            default_roles=("counsellor", "reception"),
        )
    ]


@hookimpl
def register_forms(app: App) -> list[Form]:
    return [
        Form(
            "general.advice",
            "general",
            T("Individual advice", fr="Conseil individuel", nl="Individueel advies", uk="Індивідуальна консультація"),
            fields=(Field("question", T("Question", fr="Question", nl="Vraag", uk="Питання"), choices=QUESTION),),
            core_fields=("site", "channel") + PROFILE + ("note",),
            fixed={"modality": "individual_advice"},
        ),
        Form(
            "general.remote",
            "general",
            T("Remote advice", fr="Conseil à distance", nl="Advies op afstand", uk="Дистанційна консультація"),
            fields=(Field("question", T("Question", fr="Question", nl="Vraag", uk="Питання"), choices=QUESTION),),
            core_fields=("channel",) + PROFILE + ("note",),
            fixed={"modality": "remote_advice"},
        ),
        Form(
            "general.reception",
            "general",
            T(
                "Reception and information",
                fr="Accueil et information",
                nl="Onthaal en informatie",
                uk="Рецепція та інформація",
            ),
            core_fields=("site", "themes", "language", "headcount"),
            fixed={"modality": "reception", "channel": "walk_in"},
            tally=True,
            plausible={"headcount": 30},
        ),
        Form(
            "general.multimedia",
            "general",
            T("Multimedia area", fr="Espace multimédia", nl="Multimediaruimte", uk="Мультимедійна зона"),
            core_fields=("site", "themes", "headcount"),
            fixed={"modality": "multimedia", "channel": "walk_in"},
            tally=True,
            plausible={"headcount": 30},
        ),
        Form(
            "general.activity",
            "general",
            T("Group activity", fr="Activité collective", nl="Groepsactiviteit", uk="Групове заняття"),
            record="activity",
            core_fields=(
                "site",
                "title",
                "workshop",
                "format",
                "capacity",
                "registered",
                "participants",
                "language",
                "themes",
            ),
        ),
    ]


@hookimpl
def register_counters(app: App) -> list[Counter]:
    remote_or_desk = ("individual_advice", "remote_advice")
    return [
        Counter(
            "contacts.total",
            T("Contacts", fr="Contacts", nl="Contacten", uk="Контакти"),
            (Part("headcount"), Part("participants")),
            T(
                "Headcount of all contacts plus the participants of group activities, as the centre counts its "
                "contacts."
            ),
        ),
        Counter.simple(
            "contacts.records", T("Contact records", fr="Enregistrements", nl="Registraties", uk="Записи"), "contacts"
        ),
        Counter.simple(
            "individual_advice.contacts",
            T(
                "Individual advice",
                fr="Conseils individuels",
                nl="Individuele adviezen",
                uk="Індивідуальні консультації",
            ),
            "headcount",
            {"modality": remote_or_desk},
            T("Individual advice at the desk, in the field or remote (phone, video, e-mail, messenger)."),
        ),
        Counter.simple(
            "individual_advice.remote",
            T(
                "Remote individual advice",
                fr="Conseils à distance",
                nl="Adviezen op afstand",
                uk="Дистанційні консультації",
            ),
            "headcount",
            {"modality": "remote_advice"},
        ),
        Counter.simple(
            "group_activities.count",
            T("Group activities", fr="Activités collectives", nl="Groepsactiviteiten", uk="Групові заняття"),
            "activities",
        ),
        Counter.simple(
            "group_activities.face_to_face",
            T(
                "Face-to-face group activities",
                fr="Activités collectives en présentiel",
                nl="Fysieke groepsactiviteiten",
                uk="Очні групові заняття",
            ),
            "activities",
            {"format": "face_to_face"},
        ),
        Counter.simple(
            "group_activities.online",
            T(
                "Online group activities",
                fr="Activités collectives en ligne",
                nl="Online groepsactiviteiten",
                uk="Онлайн групові заняття",
            ),
            "activities",
            {"format": "online"},
        ),
        Counter.simple(
            "group_activities.participants",
            T(
                "Participants in group activities",
                fr="Participants aux activités collectives",
                nl="Deelnemers aan groepsactiviteiten",
                uk="Учасники групових занять",
            ),
            "participants",
        ),
        Counter.simple(
            "group_activities.registered",
            T(
                "Registrations for group activities",
                fr="Inscriptions aux activités collectives",
                nl="Inschrijvingen voor groepsactiviteiten",
                uk="Реєстрації на групові заняття",
            ),
            "registered",
        ),
        Counter.simple(
            "multimedia.entries",
            T(
                "Multimedia-area entries",
                fr="Entrées dans l'espace multimédia",
                nl="Bezoeken aan de multimediaruimte",
                uk="Відвідування мультимедійної зони",
            ),
            "headcount",
            {"modality": "multimedia"},
        ),
        Counter.simple(
            "reception.contacts",
            T(
                "Reception and information",
                fr="Accueil et information",
                nl="Onthaal en informatie",
                uk="Рецепція та інформація",
            ),
            "headcount",
            {"modality": "reception"},
        ),
        Counter(
            "events.contacts",
            T(
                "People met at fairs and events",
                fr="Personnes rencontrées lors de salons et événements",
                nl="Mensen ontmoet op beurzen en evenementen",
                uk="Люди, зустрінуті на ярмарках і заходах",
            ),
            (Part("participants", {"workshop": "fair"}), Part("headcount", {"channel": "event"})),
            T("Participants of activities whose workshop is 'fair', plus contacts on the 'event' channel."),
        ),
        Counter.reached(
            "general.reached",
            T(
                "General public reached",
                fr="Tout public touché",
                nl="Algemeen publiek bereikt",
                uk="Охоплено широкої публіки",
            ),
            "general",
        ),
        Counter.simple(
            "cases.opened",
            T("Cases opened", fr="Parcours ouverts", nl="Geopende trajecten", uk="Відкриті супроводи"),
            "cases",
        ),
    ]


@hookimpl
def register_demo(app: App) -> list[DemoShare]:
    from tremplin.core.builtins.general_demo import share

    return [share()]

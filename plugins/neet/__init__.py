"""Touch'N'Go: outreach to young people not in education, employment or training (NEET).

Co-financed by the European Social Fund (ESF+) and the Youth Employment Initiative. Workers log
"awareness" encounters in the field (street, youth centres and AMOs, neighbourhood centres, social
media), give individual advice, run group activities (escape game, career game...) and follow the
young people who consent under a pseudonymous case code through the pathway below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tremplin import Audience, CodeList, Counter, Field, FlowSpec, Form, Role, Stage, T, Workflow, hookimpl
from tremplin.plugins.neet import models as _models  # noqa: F401  (the plugin's table joins the metadata)

if TYPE_CHECKING:
    from tremplin import App, DemoShare, FactSource

AUDIENCE = "neet"

PLACES = {
    "street": T("Street", fr="Rue", nl="Straat", uk="Вулиця"),
    "youth_centre": T(
        "Youth centre or AMO", fr="Maison de jeunes ou AMO", nl="Jeugdhuis of AMO", uk="Молодіжний центр"
    ),
    "neighbourhood_centre": T("Neighbourhood centre", fr="Maison de quartier", nl="Buurthuis", uk="Районний центр"),
    "social_media": T("Social media", fr="Réseaux sociaux", nl="Sociale media", uk="Соцмережі"),
    "school": T("School", fr="École", nl="School", uk="Школа"),
    "public_service": T(
        "Public service (CPAS, PES)",
        fr="Service public (CPAS, Actiris)",
        nl="Openbare dienst (OCMW, VDAB)",
        uk="Державна служба",
    ),
    "event": T("Event", fr="Événement", nl="Evenement", uk="Захід"),
    "other": T("Other", fr="Autre", nl="Andere", uk="Інше"),
}
PARTNER_KINDS = {
    "none": T("None", fr="Aucun", nl="Geen", uk="Немає"),
    "amo": T("AMO", fr="AMO", nl="AMO", uk="AMO"),
    "youth_centre": T("Youth centre", fr="Maison de jeunes", nl="Jeugdhuis", uk="Молодіжний центр"),
    "neighbourhood_centre": T("Neighbourhood centre", fr="Maison de quartier", nl="Buurthuis", uk="Районний центр"),
    "cpas": T("CPAS", fr="CPAS", nl="OCMW", uk="CPAS"),
    "pes": T("Employment service", fr="Service de l'emploi", nl="Arbeidsbemiddeling", uk="Служба зайнятості"),
    "mission_locale": T("Mission locale", fr="Mission locale", nl="Lokale missie", uk="Місцева місія"),
    "school": T("School", fr="École", nl="School", uk="Школа"),
    "other": T("Other", fr="Autre", nl="Andere", uk="Інше"),
}
#: The programme's own kinds of group activity, added to the shared list (``register_codes``).
WORKSHOPS = {
    "escape_game": T("Escape game", fr="Escape game", nl="Escape game", uk="Квест-кімната"),
    "career_game": T("Career game", fr="Jeu des métiers", nl="Beroepenspel", uk="Гра про професії"),
    "video_challenge": T("Video challenge", fr="Défi vidéo", nl="Video-uitdaging", uk="Відеочелендж"),
}
NEET_WORKSHOPS = (*WORKSHOPS, "workshop", "info_session")
#: Outreach in the street, youth centres and social media: the programme's own modality.
FIELD_AWARENESS = "field_awareness"

OUTCOMES = {
    "in_education": T("In education", fr="Aux études", nl="In onderwijs", uk="Навчається"),
    "in_training": T("In training", fr="En formation", nl="In opleiding", uk="На курсах"),
    "in_employment": T("In employment", fr="À l'emploi", nl="Aan het werk", uk="Працевлаштований"),
    "self_employed": T("Self-employed", fr="Indépendant", nl="Zelfstandige", uk="Самозайнятий"),
    "job_searching": T("Job searching", fr="En recherche d'emploi", nl="Werkzoekend", uk="Шукає роботу"),
    "qualification": T(
        "Gained a qualification", fr="Qualification obtenue", nl="Kwalificatie behaald", uk="Отримав кваліфікацію"
    ),
}

WORKFLOW = Workflow(
    AUDIENCE,
    stages=(
        Stage("identified", T("Identified", fr="Identifié", nl="Geïdentificeerd", uk="Виявлено")),
        Stage("engaged", T("Engaged", fr="Accroché", nl="Betrokken", uk="Залучено")),
        Stage("guided", T("Guided", fr="Accompagné", nl="Begeleid", uk="Супроводжується")),
        Stage("referred", T("Referred", fr="Orienté", nl="Doorverwezen", uk="Направлено")),
        Stage(
            "in_training", T("In training", fr="En formation", nl="In opleiding", uk="На курсах"), outcome="in_training"
        ),
        Stage(
            "in_education",
            T("In education", fr="Aux études", nl="In onderwijs", uk="Навчається"),
            outcome="in_education",
        ),
        Stage(
            "in_employment",
            T("In employment", fr="À l'emploi", nl="Aan het werk", uk="Працевлаштований"),
            outcome="in_employment",
        ),
        Stage(
            "job_search",
            T("Job searching", fr="En recherche d'emploi", nl="Werkzoekend", uk="Шукає роботу"),
            outcome="job_searching",
        ),
        Stage(
            "left",
            T("Left the programme", fr="Sorti du programme", nl="Programma verlaten", uk="Вийшов з програми"),
            final=True,
        ),
    ),
    outcomes=OUTCOMES,
    transitions={
        "identified": ("engaged", "left"),
        "engaged": ("guided", "referred", "left"),
        "guided": ("referred", "in_training", "in_education", "in_employment", "job_search", "left"),
        "referred": ("guided", "in_training", "in_education", "in_employment", "job_search", "left"),
        "in_training": ("in_employment", "in_education", "job_search", "left"),
        "in_education": ("in_employment", "in_training", "job_search", "left"),
        "in_employment": ("job_search", "left"),
        "job_search": ("in_training", "in_education", "in_employment", "guided", "left"),
    },
)


@hookimpl
def register_audiences(app: App) -> list[Audience]:
    return [
        Audience(
            AUDIENCE,
            T(
                "NEET youth (Touch'N'Go)",
                fr="Jeunes NEET (Touch'N'Go)",
                nl="NEET-jongeren (Touch'N'Go)",
                uk="Молодь NEET (Touch'N'Go)",
            ),
            T(
                "Young people (18–24) not in education, employment or training; co-financed by the ESF+.",
                fr="Jeunes (18–24 ans) ni à l'emploi, ni aux études, ni en formation ; cofinancé par le FSE+.",
                nl="Jongeren (18–24) zonder werk, opleiding of onderwijs; medegefinancierd door het ESF+.",
                uk="Молодь (18–24), яка не навчається і не працює; співфінансування ЄСФ+.",
            ),
            case_prefix="NEET",
            esf_cofinanced=True,
            colour="#c0392b",
        )
    ]


@hookimpl
def register_roles(app: App) -> list[Role]:
    return [
        Role(
            "neet_worker",
            T(
                "NEET project worker",
                fr="Travailleur du projet NEET",
                nl="NEET-projectmedewerker",
                uk="Працівник проєкту NEET",
            ),
            # The inbox: young people write to a Touch'N'Go worker from the bot (``/challenge``).
            ("dashboard", "log", "contacts", "reports", "activities", "referrals", "cases", "inbox"),
            (AUDIENCE,),
        )
    ]


@hookimpl
def register_codes(app: App) -> list[CodeList]:
    return [
        CodeList(
            "modality",
            items={
                FIELD_AWARENESS: T(
                    "Field awareness",
                    fr="Sensibilisation de terrain",
                    nl="Sensibilisering op het terrein",
                    uk="Інформування на місцях",
                )
            },
        ),
        CodeList("workshop", items=WORKSHOPS),
    ]


@hookimpl
def register_forms(app: App) -> list[Form]:
    return [
        Form(
            "neet.awareness",
            AUDIENCE,
            T(
                "Field awareness encounter",
                fr="Rencontre de sensibilisation",
                nl="Sensibiliseringscontact",
                uk="Зустріч на місці",
            ),
            fields=(
                Field("place", T("Where", fr="Où", nl="Waar", uk="Де"), choices=PLACES, required=True),
                Field("partner", T("Partner", fr="Partenaire", nl="Partner", uk="Партнер"), choices=PARTNER_KINDS),
            ),
            core_fields=("headcount", "themes", "language", "gender", "age_band", "note"),
            fixed={"modality": FIELD_AWARENESS, "channel": "field"},
            tally=True,
            fieldwork=True,
        ),
        Form(
            "neet.advice",
            AUDIENCE,
            T("Individual advice", fr="Conseil individuel", nl="Individueel advies", uk="Індивідуальна консультація"),
            fields=(Field("place", T("Where", fr="Où", nl="Waar", uk="Де"), choices=PLACES),),
            core_fields=(
                "site",
                "channel",
                "themes",
                "language",
                "gender",
                "age_band",
                "education",
                "labour_status",
                "note",
            ),
            fixed={"modality": "individual_advice"},
        ),
        Form(
            "neet.group",
            AUDIENCE,
            T("Group activity", fr="Activité collective", nl="Groepsactiviteit", uk="Групове заняття"),
            record="activity",
            fields=(
                Field("partner", T("Partner", fr="Partenaire", nl="Partner", uk="Партнер"), choices=PARTNER_KINDS),
            ),
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
            core_choices={"workshop": NEET_WORKSHOPS},
        ),
    ]


@hookimpl
def register_counters(app: App) -> list[Counter]:
    from tremplin import satisfaction_counters, threads_opened_counters

    a = {"audience": AUDIENCE}
    return [
        # Centre-wide (any audience may meet people in the field), shown with the fairs and events.
        Counter.simple(
            "field_awareness.contacts",
            T(
                "Field awareness encounters",
                fr="Rencontres de sensibilisation",
                nl="Sensibiliseringscontacten",
                uk="Зустрічі на місцях",
            ),
            "headcount",
            {"modality": FIELD_AWARENESS},
        ),
        Counter.reached(
            "neet.reached",
            T("NEET youth reached", fr="Jeunes NEET touchés", nl="NEET-jongeren bereikt", uk="Охоплено молоді NEET"),
            AUDIENCE,
            T("Encounters, individual advice and group participants of the NEET programme."),
        ),
        Counter.simple(
            "neet.awareness",
            T(
                "Awareness encounters",
                fr="Rencontres de sensibilisation",
                nl="Sensibiliseringscontacten",
                uk="Зустрічі на місцях",
            ),
            "headcount",
            {**a, "modality": FIELD_AWARENESS},
            audience=AUDIENCE,
        ),
        Counter.simple(
            "neet.individual_advice",
            T(
                "NEET individual advice",
                fr="Conseils individuels NEET",
                nl="Individuele adviezen NEET",
                uk="Індивідуальні консультації NEET",
            ),
            "headcount",
            {**a, "modality": ("individual_advice", "remote_advice")},
            audience=AUDIENCE,
        ),
        Counter.simple(
            "neet.group_activities",
            T(
                "NEET group activities",
                fr="Activités collectives NEET",
                nl="Groepsactiviteiten NEET",
                uk="Групові заняття NEET",
            ),
            "activities",
            a,
            audience=AUDIENCE,
        ),
        Counter.simple(
            "neet.group_participants",
            T(
                "Participants in NEET group activities",
                fr="Participants aux activités NEET",
                nl="Deelnemers aan NEET-activiteiten",
                uk="Учасники занять NEET",
            ),
            "participants",
            a,
            audience=AUDIENCE,
        ),
        Counter.simple(
            "neet.cases",
            T(
                "Young people followed with consent",
                fr="Jeunes suivis avec consentement",
                nl="Jongeren gevolgd met toestemming",
                uk="Молодь під супроводом за згодою",
            ),
            "cases",
            a,
            audience=AUDIENCE,
        ),
        # The weekly challenge in the bot: subscriptions made and ended in the period (the number of
        # subscribers today is in the NEET report's table).
        Counter.simple(
            "neet.challenge_subscribed",
            T(
                "Weekly challenge: new subscriptions",
                fr="Défi de la semaine : nouveaux abonnements",
                nl="Uitdaging van de week: nieuwe inschrijvingen",
                uk="Виклик тижня: нові підписки",
            ),
            "neet.challenge:subscribed",
            audience=AUDIENCE,
        ),
        Counter.simple(
            "neet.challenge_ended",
            T(
                "Weekly challenge: subscriptions ended (unsubscribed or bot blocked)",
                fr="Défi de la semaine : abonnements arrêtés (désabonnement ou bot bloqué)",
                nl="Uitdaging van de week: beëindigde inschrijvingen (uitgeschreven of bot geblokkeerd)",
                uk="Виклик тижня: припинені підписки (відписка або блокування бота)",
            ),
            "neet.challenge:ended",
            audience=AUDIENCE,
        ),
        # The bot's satisfaction question after the weekly challenge's menu.
        *satisfaction_counters(app, AUDIENCE),
        # Questions to a counsellor, when the chat opens a thread for a young person (``open_thread``).
        *threads_opened_counters(app, AUDIENCE),
    ]


def challenge_fact(get: Any) -> dict[str, Any] | None:
    """A subscription to the weekly challenge made (``subscribed``) or ended (``ended``), on its day."""
    change = get("change")
    return {
        "day": get("day"),
        "centre_id": get("centre_id"),
        "audience": AUDIENCE,
        "channel": "telegram",
        "language": get("language") or "unknown",
        "change": change,
        "measures": {"rows": 1, "subscribed": int(change == "subscribed"), "ended": int(change != "subscribed")},
    }


@hookimpl
def register_fact_sources(app: App) -> list[FactSource]:
    """The weekly challenge's subscriptions made and ended, counted by day and language."""
    from tremplin import FactSource
    from tremplin.plugins.neet.models import ChallengeChange

    return [
        FactSource(
            "neet.challenge",
            ChallengeChange,
            ("day", "centre_id", "change", "language"),
            challenge_fact,
            measures=("rows", "subscribed", "ended"),
            fields=("change",),
            label=T(
                "Weekly challenge subscriptions",
                fr="Abonnements au défi de la semaine",
                nl="Inschrijvingen op de uitdaging van de week",
                uk="Підписки на виклик тижня",
            ),
        )
    ]


@hookimpl
def register_workflows(app: App) -> list[Workflow]:
    return [WORKFLOW]


@hookimpl
def register_flows(app: App) -> list[FlowSpec]:
    return [
        FlowSpec(
            "neet-instagram-reach",
            "tremplin.plugins.neet.flows:instagram_reach",
            T(
                "Reads the reach of the Touch'N'Go Instagram pages",
                fr="Relève la portée des pages Instagram Touch'N'Go",
                nl="Leest het bereik van de Touch'N'Go Instagrampagina's",
                uk="Зчитує охоплення сторінок Touch'N'Go в Instagram",
            ),
            cron="0 6 * * *",
        ),
        FlowSpec(
            "neet-challenge",
            "tremplin.plugins.neet.flows:challenge_broadcast",
            T(
                "Sends the Touch'N'Go weekly challenge to the bot's subscribers",
                fr="Envoie le défi hebdomadaire Touch'N'Go aux abonnés du bot",
                nl="Stuurt de wekelijkse Touch'N'Go-uitdaging naar de abonnees van de bot",
                uk="Надсилає щотижневий виклик Touch'N'Go підписникам бота",
            ),
            cron="0 10 * * 1",
        ),
        FlowSpec(
            "neet-weekly-digest",
            "tremplin.plugins.neet.flows:weekly_digest",
            T(
                "E-mails the team last week's field outreach: people met by place and partner, new cases, stage moves",
                fr=(
                    "Envoie à l'équipe le travail de rue de la semaine : rencontres par lieu et partenaire, "
                    "dossiers, étapes"
                ),
                nl="Mailt het team het veldwerk van vorige week: ontmoetingen per plaats en partner, dossiers, fasen",
                uk="Надсилає команді підсумок тижня: зустрічі за місцем і партнером, нові справи, зміни етапів",
            ),
            cron="30 7 * * 1",
        ),
    ]


@hookimpl
def register_bot_handlers(app: App) -> list[Any]:
    """The Touch'N'Go weekly challenge: see it, subscribe, unsubscribe; and a question to a worker."""
    from tremplin import BotCommand
    from tremplin.plugins.neet.bot import handlers

    return [
        *handlers(app),
        BotCommand(
            "challenge",
            T("the weekly challenge", fr="le défi de la semaine", nl="de uitdaging van de week", uk="виклик тижня"),
        ),
    ]


@hookimpl
def register_bot_texts(app: App) -> list[Any]:
    from tremplin import EditableText
    from tremplin.plugins.neet.bot import TEXT_KEY, TEXTS

    return [
        EditableText(
            TEXT_KEY,
            T(
                "Touch'N'Go: this week's challenge",
                fr="Touch'N'Go : le défi de la semaine",
                nl="Touch'N'Go: de uitdaging van de week",
                uk="Touch'N'Go: виклик тижня",
            ),
            T(TEXTS["en"]["default"], fr=TEXTS["fr"]["default"], nl=TEXTS["nl"]["default"], uk=TEXTS["uk"]["default"]),
        )
    ]


@hookimpl
def register_report_sections(app: App, report: str) -> list[Any]:
    from tremplin import KeyFigures, MoreFigures, ProgrammeIndicators

    if report == "esf":
        from tremplin.plugins.neet.esf import programme_rows

        return [ProgrammeIndicators("neet.programme", AUDIENCE, programme_rows)]
    own = KeyFigures(
        "neet.touchngo",
        T(
            "NEET youth: Touch'N'Go",
            fr="Jeunes NEET : Touch'N'Go",
            nl="NEET-jongeren: Touch'N'Go",
            uk="Молодь NEET: Touch'N'Go",
        ),
        (
            "neet.reached",
            "neet.awareness",
            "neet.individual_advice",
            "neet.group_activities",
            "neet.group_participants",
        ),
    )
    if report == "annual":
        # The field encounters are shown with the fairs and events, as in the centre's annual reports.
        return [own, MoreFigures("events", ("field_awareness.contacts",))]
    if report == f"audience:{AUDIENCE}":
        counted = ["neet.challenge_subscribed", "neet.challenge_ended"]
        if "neet.bot_threads_opened" in app.registry.counters:  # not where the bot's built-in is disabled
            counted.append("neet.bot_threads_opened")
        if "neet.bot_satisfaction" in app.registry.counters:  # not where the survey is disabled
            counted += ["neet.bot_satisfaction", "neet.bot_satisfied"]
        bot = KeyFigures(
            "neet.bot",
            T("Touch'N'Go in the bot", fr="Touch'N'Go dans le bot", nl="Touch'N'Go in de bot", uk="Touch'N'Go у боті"),
            tuple(counted),
        )
        return [own, bot, challenge_subscribers(app)]
    return []


def challenge_subscribers(app: App) -> Any:
    """How many chats receive the weekly challenge now (a count of subscriptions, never who)."""
    from tremplin import Table, subscribers
    from tremplin.plugins.neet.bot import TOPIC

    try:
        count = subscribers(app, TOPIC)
    except Exception:  # a database without the bot's tables (a report of an old copy): nothing to show
        count = 0
    return Table(
        "neet.challenge",
        T(
            "Touch'N'Go weekly challenge in the bot",
            fr="Défi hebdomadaire Touch'N'Go dans le bot",
            nl="Wekelijkse Touch'N'Go-uitdaging in de bot",
            uk="Щотижневий виклик Touch'N'Go у боті",
        ),
        ("subscribers",),
        (T("Subscribers today", fr="Abonnés aujourd'hui", nl="Abonnees vandaag", uk="Підписники сьогодні"),),
        ({"subscribers": count},),
    )


@hookimpl
def register_demo(app: App) -> list[DemoShare]:
    from tremplin.plugins.neet.demo import share

    return [share()]

"""The Ukrainian-language service: at the desk, by phone and through a Telegram bot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tremplin import Audience, Counter, Field, FlowSpec, Form, T, hookimpl

if TYPE_CHECKING:
    from tremplin import DemoShare

AUDIENCE = "ukrainian"

SERVICE_LANGUAGES = {
    "uk": T("Ukrainian", fr="Ukrainien", nl="Oekraïens", uk="Українська"),
    "ru": T("Russian", fr="Russe", nl="Russisch", uk="Російська"),
    "en": T("English", fr="Anglais", nl="Engels", uk="Англійська"),
    "fr": T("French", fr="Français", nl="Frans", uk="Французька"),
    "nl": T("Dutch", fr="Néerlandais", nl="Nederlands", uk="Нідерландська"),
}
QUESTIONS = {
    "temporary_protection": T("Temporary protection", fr="Protection temporaire", nl="Tijdelijke bescherming", uk="Тимчасовий захист"),
    "diploma_recognition": T("Diploma recognition", fr="Reconnaissance du diplôme", nl="Diplomaerkenning", uk="Визнання диплома"),
    "language_courses": T("Language courses", fr="Cours de langue", nl="Taallessen", uk="Мовні курси"),
    "work_permit": T("Work permit", fr="Permis de travail", nl="Arbeidskaart", uk="Дозвіл на роботу"),
    "job_search": T("Job search", fr="Recherche d'emploi", nl="Werk zoeken", uk="Пошук роботи"),
    "training": T("Training", fr="Formation", nl="Opleiding", uk="Навчання"),
    "other": T("Other", fr="Autre", nl="Andere", uk="Інше"),
}


@hookimpl
def register_audiences(app: Any) -> list[Audience]:
    return [
        Audience(
            AUDIENCE,
            T("Ukrainian-language service", fr="Service en ukrainien", nl="Dienstverlening in het Oekraïens", uk="Послуги українською"),
            colour="#f1c40f",
            default_roles=("counsellor", "reception"),
        )
    ]


@hookimpl
def register_forms(app: Any) -> list[Form]:
    return [
        Form(
            "ukrainian.contact",
            AUDIENCE,
            T("Contact in Ukrainian", fr="Contact en ukrainien", nl="Contact in het Oekraïens", uk="Звернення українською"),
            fields=(
                Field("service_language", T("Language of service", fr="Langue du service", nl="Taal van de dienst", uk="Мова обслуговування"), choices=SERVICE_LANGUAGES, required=True),
                Field("questions", T("Questions", fr="Questions", nl="Vragen", uk="Питання"), kind="multichoice", choices=QUESTIONS),
            ),
            core_fields=("channel", "themes", "gender", "age_band", "education", "labour_status", "note"),
            core_choices={"channel": ("walk_in", "phone", "telegram")},
            fixed={"modality": "individual_advice", "language": "uk"},
        )
    ]


@hookimpl
def register_counters(app: Any) -> list[Counter]:
    return [
        Counter.simple(
            "ukrainian.contacts",
            T("Contacts in Ukrainian", fr="Contacts en ukrainien", nl="Contacten in het Oekraïens", uk="Звернення українською"),
            "headcount",
            {"audience": AUDIENCE},
            audience=AUDIENCE,
        ),
        Counter.simple(
            "ukrainian.telegram",
            T("Questions through Telegram", fr="Questions via Telegram", nl="Vragen via Telegram", uk="Питання через Telegram"),
            "headcount",
            {"audience": AUDIENCE, "channel": "telegram"},
            audience=AUDIENCE,
        ),
    ]


@hookimpl
def register_bot_handlers(app: Any) -> list[Any]:
    """The Telegram conversation: a question by theme, an answer and a place, a counsellor on request."""
    from tremplin import BotCommand
    from tremplin.plugins.ukrainian.bot import conversation_handler

    return [
        conversation_handler(app),
        BotCommand("start", T("ask a question", fr="poser une question", nl="een vraag stellen", uk="поставити питання")),
        BotCommand("cancel", T("stop the conversation", fr="arrêter la conversation", nl="het gesprek stoppen", uk="завершити розмову")),
    ]


@hookimpl
def register_demo(app: Any) -> list[DemoShare]:
    from tremplin.plugins.ukrainian.demo import share

    return [share()]


@hookimpl
def register_flows(app: Any) -> list[FlowSpec]:
    return [
        FlowSpec(
            "ukrainian-weekly-summary",
            "tremplin.plugins.ukrainian.flows:weekly_summary",
            T(
                "Sends the team last week's contacts in Ukrainian and the questions by theme",
                fr="Envoie à l'équipe les contacts en ukrainien de la semaine et les questions par thème",
                nl="Stuurt het team de contacten in het Oekraïens van vorige week en de vragen per thema",
                uk="Надсилає команді контакти українською за тиждень і питання за темою",
            ),
            cron="0 8 * * 1",
        )
    ]

"""The Ukrainian-language service: at the desk, by phone and through a Telegram bot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tremplin import Audience, Counter, Dimension, Field, FlowSpec, Form, T, hookimpl

if TYPE_CHECKING:
    from tremplin import App, DemoShare, Text

AUDIENCE = "ukrainian"

SERVICE_LANGUAGES = {
    "uk": T("Ukrainian", fr="Ukrainien", nl="Oekraïens", uk="Українська"),
    "ru": T("Russian", fr="Russe", nl="Russisch", uk="Російська"),
    "en": T("English", fr="Anglais", nl="Engels", uk="Англійська"),
    "fr": T("French", fr="Français", nl="Frans", uk="Французька"),
    "nl": T("Dutch", fr="Néerlandais", nl="Nederlands", uk="Нідерландська"),
}
QUESTIONS = {
    "temporary_protection": T(
        "Temporary protection", fr="Protection temporaire", nl="Tijdelijke bescherming", uk="Тимчасовий захист"
    ),
    "diploma_recognition": T(
        "Diploma recognition", fr="Reconnaissance du diplôme", nl="Diplomaerkenning", uk="Визнання диплома"
    ),
    "language_courses": T("Language courses", fr="Cours de langue", nl="Taallessen", uk="Мовні курси"),
    "work_permit": T("Work permit", fr="Permis de travail", nl="Arbeidskaart", uk="Дозвіл на роботу"),
    "job_search": T("Job search", fr="Recherche d'emploi", nl="Werk zoeken", uk="Пошук роботи"),
    "training": T("Training", fr="Formation", nl="Opleiding", uk="Навчання"),
    "other": T("Other", fr="Autre", nl="Andere", uk="Інше"),
}


@hookimpl
def register_audiences(app: App) -> list[Audience]:
    return [
        Audience(
            AUDIENCE,
            T(
                "Ukrainian-language service",
                fr="Service en ukrainien",
                nl="Dienstverlening in het Oekraïens",
                uk="Послуги українською",
            ),
            colour="#f1c40f",
            default_roles=("counsellor", "reception"),
        )
    ]


@hookimpl
def register_forms(app: App) -> list[Form]:
    return [
        Form(
            "ukrainian.contact",
            AUDIENCE,
            T(
                "Contact in Ukrainian",
                fr="Contact en ukrainien",
                nl="Contact in het Oekraïens",
                uk="Звернення українською",
            ),
            fields=(
                Field(
                    "service_language",
                    T("Language of service", fr="Langue du service", nl="Taal van de dienst", uk="Мова обслуговування"),
                    choices=SERVICE_LANGUAGES,
                    required=True,
                ),
                Field(
                    "questions",
                    T("Questions", fr="Questions", nl="Vragen", uk="Питання"),
                    kind="multichoice",
                    choices=QUESTIONS,
                ),
            ),
            core_fields=("channel", "themes", "gender", "age_band", "education", "labour_status", "note"),
            core_choices={"channel": ("walk_in", "phone", "telegram")},
            fixed={"modality": "individual_advice", "language": "uk"},
        ),
        # What the bot logs (and a counsellor who answered in Telegram may log by hand): a question in
        # the chat, and how a question to a counsellor ended.
        Form(
            "ukrainian.telegram",
            AUDIENCE,
            T(
                "Question through Telegram",
                fr="Question via Telegram",
                nl="Vraag via Telegram",
                uk="Питання через Telegram",
            ),
            fields=(
                Field(
                    "service_language",
                    T("Language of service", fr="Langue du service", nl="Taal van de dienst", uk="Мова обслуговування"),
                    choices=SERVICE_LANGUAGES,
                    required=True,
                ),
                Field(
                    "questions",
                    T("Questions", fr="Questions", nl="Vragen", uk="Питання"),
                    kind="multichoice",
                    choices=QUESTIONS,
                ),
                Field(
                    "thread",
                    T(
                        "Counsellor in the chat",
                        fr="Conseiller dans la conversation",
                        nl="Adviseur in het gesprek",
                        uk="Консультант у чаті",
                    ),
                    choices=THREAD_OUTCOMES,
                ),
                Field(
                    "referral",
                    T(
                        "Referral code issued",
                        fr="Code d'orientation donné",
                        nl="Doorverwijscode gegeven",
                        uk="Виданий код направлення",
                    ),
                    choices=REFERRAL_SOURCES,
                ),
                Field(
                    "answer_time",
                    T(
                        "Time to the first answer",
                        fr="Délai de la première réponse",
                        nl="Tijd tot het eerste antwoord",
                        uk="Час до першої відповіді",
                    ),
                    choices=ANSWER_TIMES,
                ),
            ),
            core_fields=("themes",),
            fixed={"modality": "remote_advice", "channel": "telegram", "language": "uk"},
        ),
    ]


#: How a question to a counsellor in the chat ended (``tremplin.core.bot.threads``).
THREAD_OUTCOMES = {
    "answered": T(
        "Answered in the chat", fr="Répondu dans la conversation", nl="Beantwoord in het gesprek", uk="Відповідь у чаті"
    ),
    "referred": T(
        "Referred with a code", fr="Orienté avec un code", nl="Doorverwezen met een code", uk="Направлено з кодом"
    ),
}
#: Where a referral code given in the chat came from: the bot's offer at the end of a conversation, or a
#: counsellor closing a thread in the inbox.
REFERRAL_SOURCES = {
    "desk": T(
        "From the bot, for the desk",
        fr="Par le bot, pour l'accueil",
        nl="Via de bot, voor het onthaal",
        uk="Від бота, для візиту",
    ),
    "inbox": T(
        "From a counsellor in the chat",
        fr="Par un conseiller dans la conversation",
        nl="Door een adviseur in het gesprek",
        uk="Від консультанта в чаті",
    ),
}
ANSWER_TIMES = {
    "within_hour": T("Within an hour", fr="Dans l'heure", nl="Binnen het uur", uk="Протягом години"),
    "within_day": T("Within a day", fr="Dans la journée", nl="Binnen een dag", uk="Протягом дня"),
    "within_week": T("Within a week", fr="Dans la semaine", nl="Binnen een week", uk="Протягом тижня"),
    "later": T("Later", fr="Plus tard", nl="Later", uk="Пізніше"),
}


@hookimpl
def register_counters(app: App) -> list[Counter]:
    from tremplin import satisfaction_counters, threads_opened_counters

    return [
        Counter.simple(
            "ukrainian.contacts",
            T(
                "Contacts in Ukrainian",
                fr="Contacts en ukrainien",
                nl="Contacten in het Oekraïens",
                uk="Звернення українською",
            ),
            "headcount",
            {"audience": AUDIENCE},
            audience=AUDIENCE,
        ),
        Counter.simple(
            "ukrainian.telegram",
            T(
                "Questions through Telegram",
                fr="Questions via Telegram",
                nl="Vragen via Telegram",
                uk="Питання через Telegram",
            ),
            "headcount",
            {"audience": AUDIENCE, "channel": "telegram"},
            audience=AUDIENCE,
        ),
        # Questions to a counsellor, counted when they are asked; those answered below.
        *threads_opened_counters(app, AUDIENCE),
        Counter.simple(
            "ukrainian.bot_threads",
            T(
                "Questions answered by a counsellor in the chat",
                fr="Questions répondues par un conseiller dans la conversation",
                nl="Vragen beantwoord door een adviseur in het gesprek",
                uk="Питання, на які консультант відповів у чаті",
            ),
            "headcount",
            {"audience": AUDIENCE, "channel": "telegram", "attr.thread": ("answered", "referred")},
            audience=AUDIENCE,
        ),
        Counter.simple(
            "ukrainian.bot_referred",
            T(
                "Chat questions referred with a code",
                fr="Questions du chat orientées avec un code",
                nl="Chatvragen doorverwezen met een code",
                uk="Питання з чату, направлені з кодом",
            ),
            "headcount",
            {"audience": AUDIENCE, "channel": "telegram", "attr.thread": "referred"},
            audience=AUDIENCE,
        ),
        Counter.simple(
            "ukrainian.bot_referrals",
            T(
                "Referral codes issued in the chat",
                fr="Codes d'orientation donnés dans la conversation",
                nl="Doorverwijscodes gegeven in het gesprek",
                uk="Коди направлення, видані в чаті",
            ),
            "headcount",
            {"audience": AUDIENCE, "channel": "telegram", "attr.referral": tuple(REFERRAL_SOURCES)},
            audience=AUDIENCE,
        ),
        *satisfaction_counters(app, AUDIENCE),
    ]


@hookimpl
def register_dimensions(app: App) -> list[Dimension]:
    """Telegram questions by the language the person wrote in; counsellors' answers by how long they took."""
    return [
        Dimension(
            "ukrainian.bot_language",
            T("Language of service", fr="Langue du service", nl="Taal van de dienst", uk="Мова обслуговування"),
            "attr.service_language",
            AUDIENCE,
            records=("contacts",),
            counter="ukrainian.telegram",
            title=T(
                "Telegram questions by language",
                fr="Questions Telegram par langue",
                nl="Telegramvragen per taal",
                uk="Питання в Telegram за мовою",
            ),
        ),
        Dimension(
            "ukrainian.answer_time",
            T(
                "Time to the first answer",
                fr="Délai de la première réponse",
                nl="Tijd tot het eerste antwoord",
                uk="Час до першої відповіді",
            ),
            "attr.answer_time",
            AUDIENCE,
            records=("contacts",),
            counter="ukrainian.bot_threads",
            title=T(
                "Counsellors' answers in the chat by time taken",
                fr="Réponses des conseillers dans la conversation par délai",
                nl="Antwoorden van adviseurs in het gesprek per wachttijd",
                uk="Відповіді консультантів у чаті за часом",
            ),
        ),
    ]


@hookimpl
def register_bot_handlers(app: App) -> list[Any]:
    """The Telegram conversation: a question by theme, an answer and a place, a counsellor on request."""
    from tremplin import BotCommand
    from tremplin.plugins.ukrainian.bot import conversation_handler

    return [
        conversation_handler(app),
        BotCommand(
            "start", T("ask a question", fr="poser une question", nl="een vraag stellen", uk="поставити питання")
        ),
        BotCommand(
            "cancel",
            T("stop the conversation", fr="arrêter la conversation", nl="het gesprek stoppen", uk="завершити розмову"),
        ),
    ]


@hookimpl
def register_bot_texts(app: App) -> list[Any]:
    """The bot's answers by theme, the centre's address and opening hours: the centre edits them."""
    from tremplin import EditableText
    from tremplin.plugins.ukrainian.bot import BRUSSELS, TEXTS, TOPICS

    def text(pick: Any) -> Text:
        return T(pick("en"), fr=pick("fr"), nl=pick("nl"), uk=pick("uk"))

    topics = [
        EditableText(
            f"{AUDIENCE}.answer.{topic}",
            T(
                f"Answer: {TEXTS['en']['topics'][topic]}",
                fr=f"Réponse : {TEXTS['fr']['topics'][topic]}",
                nl=f"Antwoord: {TEXTS['nl']['topics'][topic]}",
                uk=f"Відповідь: {TEXTS['uk']['topics'][topic]}",
            ),
            text(lambda lang, topic=topic: TEXTS[lang]["answers"][topic]),
        )
        for topic in TOPICS
    ]
    return [
        EditableText(
            f"{AUDIENCE}.place.address",
            T("Address of the centre", fr="Adresse du centre", nl="Adres van het centrum", uk="Адреса центру"),
            text(lambda lang: BRUSSELS.address),
        ),
        EditableText(
            f"{AUDIENCE}.place.hours",
            T("Opening hours", fr="Heures d'ouverture", nl="Openingsuren", uk="Години роботи"),
            text(lambda lang: BRUSSELS.get("hours", lang)),
        ),
        *topics,
    ]


@hookimpl
def register_demo(app: App) -> list[DemoShare]:
    from tremplin.plugins.ukrainian.demo import share

    return [share()]


@hookimpl
def register_flows(app: App) -> list[FlowSpec]:
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

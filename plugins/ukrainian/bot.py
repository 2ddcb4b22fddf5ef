"""The Ukrainian-language Telegram bot: a question by theme, an answer and a place, a counsellor on request.

A conversation in the manner of python-telegram-bot's ``conversationbot.py`` example::

    /start ─▶ TOPIC ──(a theme from the keyboard)──▶ QUESTION ──(the question)──▶ COUNSELLOR ──▶ end
                 ▲  └─(anything else: the keyboard again)                          │ yes: a referral token
                 └──────────────── /start again at any time; /cancel ends ─────────┘ no: goodbye

The bot speaks the language of the person's Telegram app among Ukrainian, French, Dutch and English,
Ukrainian otherwise. Each conversation that reaches a question is logged as **one anonymous contact**
(audience ``ukrainian``, channel ``telegram``, modality ``remote_advice``, the theme, the question
code). The question itself is read and answered, never stored: neither the text, nor the Telegram
user id, username or name reach the database. A person who asks for a counsellor gets a referral
token (``tremplin.issue_referral``) to show at the centre, which carries nothing about them; the token
is recorded on the conversation's contact (``referral: desk``) so that codes issued are counted. The
conversation ends with one optional satisfaction question (``tremplin.ask_satisfaction``).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from telegram import Update
    from telegram.ext import ContextTypes, ConversationHandler

    from tremplin import App

log = logging.getLogger("tremplin.bot.ukrainian")

AUDIENCE = "ukrainian"
LANGUAGES = ("uk", "fr", "nl", "en")
DEFAULT_LANGUAGE = "uk"
#: How long a referral token given by the bot stays valid.
REFERRAL_DAYS = 60

TOPIC, QUESTION, COUNSELLOR, THREAD = range(4)

#: Topic → (theme, ``questions`` code of the ``ukrainian.contact`` form). The five themes of the
#: centre first, then the questions of people under temporary protection.
TOPICS: dict[str, tuple[str, str]] = {
    "choose": ("choose", "other"),
    "learn": ("learn", "training"),
    "work": ("work", "job_search"),
    "move": ("move", "other"),
    "self_employment": ("self_employment", "other"),
    "temporary_protection": ("move", "temporary_protection"),
    "diploma_recognition": ("learn", "diploma_recognition"),
    "language_courses": ("learn", "language_courses"),
    "work_permit": ("work", "work_permit"),
}
KEYBOARD_ROWS: tuple[tuple[str, ...], ...] = (
    ("choose", "learn"),
    ("work", "move"),
    ("self_employment",),
    ("temporary_protection", "diploma_recognition"),
    ("language_courses", "work_permit"),
)


@dataclass(frozen=True)
class Place:
    """Where the bot sends people: the centre's name, address and opening hours, per language."""

    name: dict[str, str]
    address: str
    hours: dict[str, str] = field(default_factory=dict)

    def get(self, part: str, language: str) -> str:
        values: dict[str, str] = getattr(self, part)
        return values.get(language) or values.get("en") or next(iter(values.values()), "")


BRUSSELS = Place(
    name={
        "uk": "Cité des métiers de Bruxelles",
        "fr": "Cité des métiers de Bruxelles",
        "nl": "Beroepenpunt Brussel",
        "en": "Cité des métiers, Brussels",
    },
    address="Avenue de l'Astronomie 14, 1210 Saint-Josse-ten-Noode (métro Madou)",
    hours={
        "uk": "Понеділок–п'ятниця, 9:00–17:00",
        "fr": "Du lundi au vendredi, de 9 h à 17 h",
        "nl": "Maandag tot vrijdag, van 9 tot 17 uur",
        "en": "Monday to Friday, 9:00 to 17:00",
    },
)

TEXTS: dict[str, dict[str, Any]] = {
    "uk": {
        "greeting": (
            "Вітаємо в Cité des métiers! Тут можна безкоштовно й анонімно запитати про навчання, роботу "
            "та життя в Бельгії. Оберіть тему:"
        ),
        "placeholder": "Оберіть тему",
        "choose_again": "Будь ласка, оберіть тему кнопкою нижче.",
        "ask": "Напишіть ваше питання одним повідомленням. Не вказуйте ім'я, телефон чи e-mail — вони нам не потрібні.",
        "place": "📍 {name}\n{address}\n🕘 {hours}\nБезкоштовно, анонімно, без запису.",
        "counsellor": "Бажаєте поговорити з консультантом?",
        "chat": "Написати консультанту тут",
        "yes": "Код для візиту до центру",
        "write_question": "Напишіть питання для консультанта одним повідомленням. Не вказуйте ім'я, телефон чи e-mail.",
        "thread_opened": "Ваше питання передано консультантам. Відповідь прийде в цей чат. Ви можете дописувати сюди.",
        "no": "Ні, дякую",
        "referral": (
            "Ваш код: {token}\nПокажіть або назвіть його в Cité des métiers протягом {days} днів — консультант "
            "знатиме вашу тему. Код не містить жодних даних про вас."
        ),
        "no_referral": "Зараз не вдалося видати код. Приходьте до нас без запису — вас приймуть.",
        "goodbye": "Дякуємо! Щоб поставити інше питання, надішліть /start.",
        "cancelled": "Розмову завершено. Щоб почати знову, надішліть /start.",
        "topics": {
            "choose": "Обрати професію",
            "learn": "Навчання та курси",
            "work": "Робота",
            "move": "Мобільність у Європі",
            "self_employment": "Власна справа",
            "temporary_protection": "Тимчасовий захист",
            "diploma_recognition": "Визнання диплома",
            "language_courses": "Мовні курси",
            "work_permit": "Дозвіл на роботу",
        },
        "answers": {
            "choose": (
                "Обрати професію чи напрям допоможуть консультанти Cité des métiers. У мультимедійній зоні є описи "
                "професій і тести."
            ),
            "learn": (
                "Професійне навчання в Брюсселі: Bruxelles Formation (французькою), VDAB Brussel (нідерландською), "
                "курси для дорослих (promotion sociale). Консультант допоможе обрати."
            ),
            "work": (
                "Для пошуку роботи зареєструйтеся в Actiris — службі зайнятості Брюсселя. У Cité des métiers "
                "допоможуть з резюме та пошуком вакансій."
            ),
            "move": (
                "Робота, навчання чи стажування в іншій країні Європи (EURES, Erasmus+): запитайте консультанта з "
                "мобільності в Cité des métiers."
            ),
            "self_employment": (
                "Власна справа в Брюсселі: hub.brussels і служба 1819 для підприємців. Консультант Cité des métiers "
                "пояснить перші кроки."
            ),
            "temporary_protection": (
                "Тимчасовий захист надає Імміграційне бюро (Office des Étrangers / Dienst Vreemdelingenzaken), "
                "посвідку видає ваша комуна. Консультант пояснить кроки."
            ),
            "diploma_recognition": (
                "Визнання диплома: service des équivalences Федерації Валлонія-Брюссель (франкомовна система) або "
                "NARIC-Vlaanderen (нідерландськомовна). Консультант допоможе з документами."
            ),
            "language_courses": (
                "Французька: Bruxelles Formation і школи promotion sociale. Нідерландська: Huis van het Nederlands "
                "Brussel. Консультант підкаже, де є місця."
            ),
            "work_permit": (
                "З тимчасовим захистом у Бельгії можна працювати без окремого дозволу — доступ до ринку праці "
                "зазначено у вашій посвідці. Зареєструйтеся в Actiris."
            ),
        },
    },
    "fr": {
        "greeting": (
            "Bienvenue à la Cité des métiers ! Posez ici votre question sur les études, la formation, l'emploi "
            "et la vie en Belgique, gratuitement et anonymement. Choisissez un thème :"
        ),
        "placeholder": "Choisissez un thème",
        "choose_again": "Choisissez un thème avec les boutons ci-dessous.",
        "ask": (
            "Écrivez votre question en un message. N'indiquez ni nom, ni téléphone, ni e-mail : nous n'en avons pas "
            "besoin."
        ),
        "place": "📍 {name}\n{address}\n🕘 {hours}\nGratuit, anonyme, sans rendez-vous.",
        "counsellor": "Souhaitez-vous parler à un conseiller ?",
        "chat": "Écrire à un conseiller ici",
        "yes": "Un code pour venir au centre",
        "write_question": (
            "Écrivez votre question au conseiller en un message. N'indiquez ni nom, ni téléphone, ni e-mail."
        ),
        "thread_opened": (
            "Votre question est transmise aux conseillers. La réponse arrivera dans cette conversation. Vous pouvez "
            "encore écrire ici."
        ),
        "no": "Non, merci",
        "referral": (
            "Votre code : {token}\nMontrez-le ou dites-le à la Cité des métiers dans les {days} jours : le conseiller "
            "saura de quel thème il s'agit. Ce code ne contient rien sur vous."
        ),
        "no_referral": "Le code n'a pas pu être créé. Venez sans rendez-vous : vous serez reçu.",
        "goodbye": "Merci ! Pour poser une autre question, envoyez /start.",
        "cancelled": "Conversation terminée. Pour recommencer, envoyez /start.",
        "topics": {
            "choose": "Choisir un métier",
            "learn": "Se former",
            "work": "Travailler",
            "move": "Bouger en Europe",
            "self_employment": "Entreprendre",
            "temporary_protection": "Protection temporaire",
            "diploma_recognition": "Reconnaissance du diplôme",
            "language_courses": "Cours de langue",
            "work_permit": "Permis de travail",
        },
        "answers": {
            "choose": (
                "Les conseillers de la Cité des métiers vous aident à choisir un métier ou une voie. L'espace "
                "multimédia propose des fiches métiers et des tests."
            ),
            "learn": (
                "Se former à Bruxelles : Bruxelles Formation (en français), VDAB Brussel (en néerlandais), "
                "l'enseignement de promotion sociale. Un conseiller vous aide à choisir."
            ),
            "work": (
                "Pour chercher un emploi, inscrivez-vous chez Actiris, le service de l'emploi bruxellois. La Cité "
                "des métiers vous aide pour le CV et la recherche d'offres."
            ),
            "move": (
                "Travailler, étudier ou faire un stage ailleurs en Europe (EURES, Erasmus+) : demandez le conseiller "
                "mobilité de la Cité des métiers."
            ),
            "self_employment": (
                "Créer son activité à Bruxelles : hub.brussels et le 1819, le service d'information des "
                "entrepreneurs. Un conseiller de la Cité des métiers vous explique les premières étapes."
            ),
            "temporary_protection": (
                "La protection temporaire est accordée par l'Office des étrangers ; la carte de séjour est délivrée "
                "par votre commune. Un conseiller vous explique les étapes."
            ),
            "diploma_recognition": (
                "Équivalence de diplôme : le service des équivalences de la Fédération Wallonie-Bruxelles, ou "
                "NARIC-Vlaanderen côté néerlandophone. Un conseiller vous aide à préparer le dossier."
            ),
            "language_courses": (
                "Français : Bruxelles Formation et l'enseignement de promotion sociale. Néerlandais : le Huis van "
                "het Nederlands Brussel. Un conseiller vous dit où il reste des places."
            ),
            "work_permit": (
                "Avec la protection temporaire, vous pouvez travailler en Belgique sans permis de travail séparé : "
                "l'accès au marché du travail figure sur votre carte. Inscrivez-vous chez Actiris."
            ),
        },
    },
    "nl": {
        "greeting": (
            "Welkom bij het Beroepenpunt! Stel hier gratis en anoniem uw vraag over studies, opleiding, werk en "
            "het leven in België. Kies een thema:"
        ),
        "placeholder": "Kies een thema",
        "choose_again": "Kies een thema met de knoppen hieronder.",
        "ask": (
            "Schrijf uw vraag in één bericht. Vermeld geen naam, telefoonnummer of e-mail: die hebben we niet nodig."
        ),
        "place": "📍 {name}\n{address}\n🕘 {hours}\nGratis, anoniem, zonder afspraak.",
        "counsellor": "Wilt u met een adviseur praten?",
        "chat": "Hier een adviseur schrijven",
        "yes": "Een code om langs te komen",
        "write_question": (
            "Schrijf uw vraag voor de adviseur in één bericht. Vermeld geen naam, telefoonnummer of e-mail."
        ),
        "thread_opened": (
            "Uw vraag is doorgegeven aan de adviseurs. Het antwoord komt in dit gesprek. U kunt hier nog schrijven."
        ),
        "no": "Nee, bedankt",
        "referral": (
            "Uw code: {token}\nToon of zeg hem binnen {days} dagen bij het Beroepenpunt: de adviseur weet dan over "
            "welk thema het gaat. De code bevat niets over u."
        ),
        "no_referral": "De code kon niet worden aangemaakt. Kom langs zonder afspraak: u wordt ontvangen.",
        "goodbye": "Bedankt! Stuur /start om nog een vraag te stellen.",
        "cancelled": "Gesprek beëindigd. Stuur /start om opnieuw te beginnen.",
        "topics": {
            "choose": "Een beroep kiezen",
            "learn": "Leren",
            "work": "Werken",
            "move": "Mobiliteit in Europa",
            "self_employment": "Ondernemen",
            "temporary_protection": "Tijdelijke bescherming",
            "diploma_recognition": "Diploma-erkenning",
            "language_courses": "Taallessen",
            "work_permit": "Arbeidskaart",
        },
        "answers": {
            "choose": (
                "De adviseurs van het Beroepenpunt helpen u een beroep of richting te kiezen. In de multimediaruimte "
                "vindt u beroepenfiches en tests."
            ),
            "learn": (
                "Een opleiding in Brussel: VDAB Brussel (in het Nederlands), Bruxelles Formation (in het Frans), het "
                "volwassenenonderwijs. Een adviseur helpt u kiezen."
            ),
            "work": (
                "Om werk te zoeken schrijft u zich in bij Actiris, de Brusselse arbeidsbemiddeling. Het Beroepenpunt "
                "helpt met uw cv en het zoeken naar vacatures."
            ),
            "move": (
                "Werken, studeren of stage lopen elders in Europa (EURES, Erasmus+): vraag het aan de "
                "mobiliteitsadviseur van het Beroepenpunt."
            ),
            "self_employment": (
                "Een zaak starten in Brussel: hub.brussels en 1819, de infodienst voor ondernemers. Een adviseur van "
                "het Beroepenpunt legt de eerste stappen uit."
            ),
            "temporary_protection": (
                "Tijdelijke bescherming wordt toegekend door de Dienst Vreemdelingenzaken; de verblijfskaart krijgt "
                "u bij uw gemeente. Een adviseur legt de stappen uit."
            ),
            "diploma_recognition": (
                "Erkenning van uw diploma: NARIC-Vlaanderen (Nederlandstalig) of de dienst gelijkwaardigheid van de "
                "Federatie Wallonië-Brussel (Franstalig). Een adviseur helpt met het dossier."
            ),
            "language_courses": (
                "Nederlands: het Huis van het Nederlands Brussel. Frans: Bruxelles Formation en het "
                "volwassenenonderwijs. Een adviseur zegt u waar nog plaats is."
            ),
            "work_permit": (
                "Met tijdelijke bescherming mag u in België werken zonder aparte arbeidskaart: de toegang tot de "
                "arbeidsmarkt staat op uw kaart. Schrijf u in bij Actiris."
            ),
        },
    },
    "en": {
        "greeting": (
            "Welcome to the Cité des métiers! Ask your question about studies, training, work and life in "
            "Belgium here, free and anonymously. Choose a theme:"
        ),
        "placeholder": "Choose a theme",
        "choose_again": "Please choose a theme with the buttons below.",
        "ask": "Write your question in one message. Please give no name, phone number or e-mail: we do not need them.",
        "place": "📍 {name}\n{address}\n🕘 {hours}\nFree, anonymous, no appointment.",
        "counsellor": "Would you like to talk to a counsellor?",
        "chat": "Write to a counsellor here",
        "yes": "A code to visit the centre",
        "write_question": (
            "Write your question for the counsellor in one message. Please give no name, phone number or e-mail."
        ),
        "thread_opened": (
            "Your question is with our counsellors. The answer will come in this chat. You may write more here."
        ),
        "no": "No, thank you",
        "referral": (
            "Your code: {token}\nShow or say it at the Cité des métiers within {days} days: the counsellor will know "
            "your theme. The code holds nothing about you."
        ),
        "no_referral": "The code could not be created. Come without an appointment: you will be seen.",
        "goodbye": "Thank you! To ask another question, send /start.",
        "cancelled": "Conversation ended. To start again, send /start.",
        "topics": {
            "choose": "Choose a job",
            "learn": "Learn",
            "work": "Work",
            "move": "Move in Europe",
            "self_employment": "Self-employment",
            "temporary_protection": "Temporary protection",
            "diploma_recognition": "Diploma recognition",
            "language_courses": "Language courses",
            "work_permit": "Work permit",
        },
        "answers": {
            "choose": (
                "The Cité des métiers counsellors help you choose a job or a path. The multimedia area has job "
                "sheets and tests."
            ),
            "learn": (
                "Training in Brussels: Bruxelles Formation (in French), VDAB Brussel (in Dutch), adult education "
                "(promotion sociale). A counsellor helps you choose."
            ),
            "work": (
                "To look for a job, register with Actiris, the Brussels employment service. The Cité des métiers "
                "helps with your CV and finding vacancies."
            ),
            "move": (
                "Working, studying or an internship elsewhere in Europe (EURES, Erasmus+): ask the mobility "
                "counsellor at the Cité des métiers."
            ),
            "self_employment": (
                "Starting a business in Brussels: hub.brussels and 1819, the information service for entrepreneurs. "
                "A Cité des métiers counsellor explains the first steps."
            ),
            "temporary_protection": (
                "Temporary protection is granted by the Immigration Office (Office des étrangers / Dienst "
                "Vreemdelingenzaken); your municipality issues the residence card. A counsellor explains the steps."
            ),
            "diploma_recognition": (
                "Diploma recognition: the equivalence service of the Wallonia-Brussels Federation (French-speaking) "
                "or NARIC-Vlaanderen (Dutch-speaking). A counsellor helps with the file."
            ),
            "language_courses": (
                "French: Bruxelles Formation and adult education schools. Dutch: Huis van het Nederlands Brussel. A "
                "counsellor tells you where places are left."
            ),
            "work_permit": (
                "With temporary protection you may work in Belgium without a separate work permit: access to the "
                "labour market is written on your card. Register with Actiris."
            ),
        },
    },
}


def text(language: str, key: str) -> Any:
    return TEXTS.get(language, TEXTS[DEFAULT_LANGUAGE])[key]


def _fold(value: str) -> str:
    return " ".join(value.casefold().split())


#: Every button label, in every language, back to its topic: a person may switch languages.
_TOPIC_BY_LABEL: dict[str, str] = {
    _fold(label): key for lang in LANGUAGES for key, label in TEXTS[lang]["topics"].items()
}
_TOPIC_BY_LABEL.update({_fold(key.replace("_", " ")): key for key in TOPICS})


def topic_of(message: str | None) -> str | None:
    """The topic a button (or its label typed by hand) names, in any of the bot's languages."""
    return _TOPIC_BY_LABEL.get(_fold(message or ""))


def choice_of(message: str | None, language: str) -> str | None:
    """Which button of the counsellor question was pressed (``chat``, ``yes``: a code, ``no``), in any language."""
    folded = _fold(message or "")
    for lang in (language, *LANGUAGES):
        for key in ("chat", "yes", "no"):
            if folded == _fold(TEXTS[lang][key]):
                return key
    return None


def place_text(language: str, place: Place = BRUSSELS, edited: Any = None) -> str:
    address = edited("place.address", language, place.address) if edited else place.address
    hours = edited("place.hours", language, place.get("hours", language)) if edited else place.get("hours", language)
    return text(language, "place").format(name=place.get("name", language), address=address, hours=hours)


# ------------------------------------------------------------------------------------------------
# Writing: one anonymous contact per conversation, a referral or a thread on request


class Records:
    """What the bot writes, synchronously (handlers run it in a thread)."""

    def __init__(self, app: App, centre: str | None = None) -> None:
        self.app = app
        self.centre_code = centre
        self._centre: tuple[int, str] | None = None

    def centre(self) -> tuple[int, str]:
        """``(id, code)`` of the bot's centre (``tremplin.bot_centre``)."""
        if self._centre is None:
            from tremplin import bot_centre

            self._centre = bot_centre(self.app, self.centre_code)
        return self._centre

    async def log_question(self, topic: str, language: str) -> int:
        """Log the conversation as one anonymous contact; returns its id. The contacts of the conversations
        logging at the same moment share one transaction (``tremplin.log_contact_batched``)."""
        from tremplin import log_contact_batched

        if self._centre is None:  # read once, in a thread: the database is not read on the event loop
            await asyncio.to_thread(self.centre)
        values, attributes = self.question_contact(topic, language)
        return (await log_contact_batched(self.app, values, attributes)).id

    def question_contact(self, topic: str, language: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The contact a question logs: its values and attributes."""
        theme, question = TOPICS[topic]
        _, code = self.centre()
        values = {
            "centre": code,
            "occurred_at": datetime.now(UTC),
            "audience": AUDIENCE,
            "modality": "remote_advice",
            "channel": "telegram",
            "themes": [theme],
            "language": "uk",
        }
        attributes = {"service_language": language, "questions": [question]}
        return values, attributes

    def issue_referral(self, topic: str, contact_id: int | None = None) -> str:
        """Issue a referral token for a counsellor; returns the token as the person should read it.

        The conversation's contact (``contact_id``) records that a code was issued (``referral: desk``),
        in the same transaction: the counter of codes issued in the chat counts it by language and theme."""
        from tremplin import add_contact_attributes, format_token, issue_referral

        theme, _ = TOPICS[topic]
        centre_id, _ = self.centre()
        with self.app.transaction() as session:
            referral = issue_referral(
                self.app, session, centre_id, theme=theme, audience=AUDIENCE, valid_days=REFERRAL_DAYS
            )
            if contact_id is not None:
                add_contact_attributes(self.app, session, contact_id, {"referral": "desk"})
            return format_token(referral.token)

    def open_thread(self, topic: str, language: str, chat_id: int, question: str) -> int:
        """Open a thread with a counsellor (``tremplin.open_thread``); returns its id."""
        from tremplin import open_thread

        theme, code = TOPICS[topic]
        centre_id, _ = self.centre()
        with self.app.transaction() as session:
            thread = open_thread(
                self.app,
                session,
                centre_id=centre_id,
                audience=AUDIENCE,
                theme=theme,
                language=language,
                chat_id=chat_id,
                text=question,
                attributes={"service_language": language, "questions": [code]},
            )
            return thread.id


# ------------------------------------------------------------------------------------------------
# The conversation


def conversation_handler(app: App, place: Place = BRUSSELS, centre: str | None = None) -> ConversationHandler[Any]:
    """The bot's conversation, ready for ``Application.add_handler``; its state survives a restart."""
    from telegram import ReplyKeyboardMarkup, ReplyKeyboardRemove
    from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

    from tremplin import ask_satisfaction, edited_text, in_thread, user_language

    records = Records(app, centre)

    def edited(key: str, language: str, default: str) -> str:
        return edited_text(app, f"{AUDIENCE}.{key}", language, default)

    def topics_keyboard(language: str) -> ReplyKeyboardMarkup:
        labels = text(language, "topics")
        return ReplyKeyboardMarkup(
            [[labels[key] for key in row] for row in KEYBOARD_ROWS],
            one_time_keyboard=True,
            resize_keyboard=True,
            input_field_placeholder=text(language, "placeholder"),
        )

    def counsellor_keyboard(language: str) -> ReplyKeyboardMarkup:
        return ReplyKeyboardMarkup(
            [[text(language, "chat")], [text(language, "yes"), text(language, "no")]],
            one_time_keyboard=True,
            resize_keyboard=True,
        )

    def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
        return user_language(update, context, DEFAULT_LANGUAGE)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        # A conversation only ever receives a user's messages: the message and the user's data are there.
        assert update.effective_message is not None and context.user_data is not None
        lang = language(update, context)
        for key in ("topic", "logged"):
            context.user_data.pop(key, None)
        await update.effective_message.reply_text(text(lang, "greeting"), reply_markup=topics_keyboard(lang))
        return TOPIC

    async def choose_topic(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        # A conversation only ever receives a user's messages: the message and the user's data are there.
        assert update.effective_message is not None and context.user_data is not None
        lang = language(update, context)
        topic = topic_of(update.effective_message.text)
        if topic is None:
            await update.effective_message.reply_text(text(lang, "choose_again"), reply_markup=topics_keyboard(lang))
            return TOPIC
        context.user_data["topic"] = topic
        await update.effective_message.reply_text(text(lang, "ask"), reply_markup=ReplyKeyboardRemove())
        return QUESTION

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        # A conversation only ever receives a user's messages: the message and the user's data are there.
        assert update.effective_message is not None and context.user_data is not None
        # The question is read to answer it and never kept: not stored, not logged, not passed on.
        lang, topic = language(update, context), context.user_data["topic"]
        if not context.user_data.get("logged"):
            try:
                # The contact's id: the code the conversation may end with is recorded on it.
                context.user_data["logged"] = await records.log_question(topic, lang)
            except Exception as exc:  # the person still gets an answer
                log.error("could not log the bot contact: %r", exc)
        reply = edited(f"answer.{topic}", lang, text(lang, "answers")[topic])
        await update.effective_message.reply_text(f"{reply}\n\n{place_text(lang, place, edited)}")
        await update.effective_message.reply_text(text(lang, "counsellor"), reply_markup=counsellor_keyboard(lang))
        return COUNSELLOR

    async def counsellor(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        # A conversation only ever receives a user's messages: the message and the user's data are there.
        assert update.effective_message is not None and context.user_data is not None
        lang = language(update, context)
        wanted = choice_of(update.effective_message.text, lang)
        if wanted is None:
            await update.effective_message.reply_text(text(lang, "counsellor"), reply_markup=counsellor_keyboard(lang))
            return COUNSELLOR
        if wanted == "chat":
            await update.effective_message.reply_text(text(lang, "write_question"), reply_markup=ReplyKeyboardRemove())
            return THREAD
        topic = context.user_data.get("topic")
        if wanted == "yes":
            logged = context.user_data.get("logged")
            try:
                token = await in_thread(records.issue_referral, topic, logged if type(logged) is int else None)
                reply = text(lang, "referral").format(token=token, days=REFERRAL_DAYS)
            except Exception as exc:
                log.error("could not issue a referral from the bot: %r", exc)
                reply = text(lang, "no_referral")
            await update.effective_message.reply_text(reply)
        await update.effective_message.reply_text(text(lang, "goodbye"), reply_markup=ReplyKeyboardRemove())
        context.user_data.pop("topic", None)
        context.user_data.pop("logged", None)
        # The conversation ends here: its one optional question, about its theme.
        await ask_satisfaction(update, context, AUDIENCE, TOPICS[topic][0] if topic in TOPICS else None)
        return ConversationHandler.END

    async def thread(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        # A conversation only ever receives a user's messages: the message and the user's data are there.
        assert update.effective_message is not None and context.user_data is not None
        assert update.effective_chat is not None
        lang = language(update, context)
        try:
            thread_id = await in_thread(
                records.open_thread,
                context.user_data["topic"],
                lang,
                update.effective_chat.id,
                update.effective_message.text,
            )
        except Exception as exc:
            log.error("could not open a thread from the bot: %r", exc)
            await update.effective_message.reply_text(text(lang, "no_referral"))
            return ConversationHandler.END
        context.user_data["thread"] = thread_id
        context.user_data.pop("topic", None)
        context.user_data.pop("logged", None)
        await update.effective_message.reply_text(text(lang, "thread_opened"))
        return ConversationHandler.END

    async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        # A conversation only ever receives a user's messages: the message and the user's data are there.
        assert update.effective_message is not None and context.user_data is not None
        lang = language(update, context)
        context.user_data.pop("topic", None)
        context.user_data.pop("logged", None)
        await update.effective_message.reply_text(text(lang, "cancelled"), reply_markup=ReplyKeyboardRemove())
        return ConversationHandler.END

    typed = filters.TEXT & ~filters.COMMAND
    return ConversationHandler(
        entry_points=[CommandHandler("start", start)],
        states={
            TOPIC: [MessageHandler(typed, choose_topic)],
            QUESTION: [MessageHandler(typed, answer)],
            COUNSELLOR: [MessageHandler(typed, counsellor)],
            THREAD: [MessageHandler(typed, thread)],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        allow_reentry=True,
        name="ukrainian",
        persistent=True,
    )

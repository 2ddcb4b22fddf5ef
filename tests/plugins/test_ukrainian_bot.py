"""The Ukrainian-language bot, end to end, against the test Bot API server on 127.0.0.1 (``tests.bot_api``).

The bot is the real python-telegram-bot ``Application`` that ``tremplin bot`` runs, pointed at the
server with ``base_url``: it calls ``getMe``, ``deleteWebhook`` and long-polls ``getUpdates``, which
feeds it what the tests send, and its ``sendMessage`` calls are recorded. Nothing leaves the machine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from tests.bot_api import TOKEN, FakeBotAPI, database_dump, typed_text
from tests.bot_kit import Person, RunningBot, labels
from tremplin.core import rollup
from tremplin.core.app import App
from tremplin.core.models import Contact, Referral, SurveyAnswer

USER_ID = 718293645
USERNAME = "oksana_kv"
FIRST_NAME = "Oksana"
LAST_NAME = "Kovalenkova"
PHONE = "+32 470 12 34 56"
EMAIL = "oksana.kovalenkova@example.com"
QUESTION = f"Чи можу я працювати прибиральницею? Мій телефон {PHONE}, пошта {EMAIL}"


@pytest.fixture
def fake_api() -> Iterator[FakeBotAPI]:
    server = FakeBotAPI().start()
    yield server
    server.stop()


def test_conversation_logs_one_anonymous_contact_and_issues_a_referral(
    app: App, centre: int, fake_api: FakeBotAPI
) -> None:
    from tremplin.core.anonymity import parse_token
    from tremplin.core.records import find_referral

    with RunningBot(app, fake_api):
        chat = Person(fake_api, USER_ID, "uk")
        greeting = chat.say1("/start")
        ask_again = chat.say1("Щось незрозуміле")
        ask = chat.say1("Дозвіл на роботу")
        answer, offer = chat.say(QUESTION, replies=2)
        referral, goodbye, question = chat.say("Код для візиту до центру", replies=3)
    assert {"getMe", "deleteWebhook", "getUpdates", "sendMessage"} <= set(fake_api.calls)

    # /start greets in Ukrainian and offers the themes and the status questions as a keyboard.
    assert greeting["text"].startswith("Вітаємо")
    topics = labels(greeting)
    assert topics == [
        "Обрати професію",
        "Навчання та курси",
        "Робота",
        "Мобільність у Європі",
        "Власна справа",
        "Тимчасовий захист",
        "Визнання диплома",
        "Мовні курси",
        "Дозвіл на роботу",
    ]
    assert greeting["reply_markup"]["one_time_keyboard"] is True
    # Something that is not a theme: the keyboard again.
    assert labels(ask_again) == topics
    # A theme: the bot asks for the question, without the keyboard, and asks for no personal data.
    assert ask["reply_markup"] == {"remove_keyboard": True}
    assert "телефон" in ask["text"]
    # The answer says where to go, with the centre as a place, then offers a counsellor, here or at the desk.
    assert "Actiris" in answer["text"]
    assert "Avenue de l'Astronomie 14" in answer["text"] and "9:00–17:00" in answer["text"]
    assert offer["text"] == "Бажаєте поговорити з консультантом?"
    assert labels(offer) == ["Написати консультанту тут", "Код для візиту до центру", "Ні, дякую"]
    # The code for the desk is a referral token, formatted for reading aloud.
    match = re.search(r"\b([0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3})\b", referral["text"])
    assert match, referral["text"]
    token = parse_token(match.group(1))
    assert "/start" in goodbye["text"]

    with app.session() as session:
        contacts = session.scalars(select(Contact)).all()
        found = find_referral(session, match.group(1))
        referrals = session.scalars(select(Referral)).all()
    assert len(contacts) == 1
    contact = contacts[0]
    assert (contact.centre_id, contact.audience, contact.channel, contact.modality, contact.language) == (
        centre,
        "ukrainian",
        "telegram",
        "remote_advice",
        "uk",
    )
    assert contact.themes == ["work"]
    # The code issued is recorded on the conversation's contact: the counter of codes issued counts it.
    assert contact.attributes == {"service_language": "uk", "questions": ["work_permit"], "referral": "desk"}
    assert contact.headcount == 1 and contact.note == ""
    # The conversation ends with its optional question, in Ukrainian; here it is left unanswered.
    assert question["text"].startswith("Наскільки ви задоволені") and labels(question)[-1] == "Пропустити"
    assert [r.id for r in referrals] == [found.id]
    assert (found.token, found.audience, found.theme, found.status, found.centre_id) == (
        token,
        "ukrainian",
        "work",
        "issued",
        centre,
    )

    # Nothing identifying the person, and nothing of what they wrote, is stored anywhere.
    stored = database_dump(app)
    for secret in (str(USER_ID), USERNAME, FIRST_NAME, LAST_NAME, EMAIL, "470 12 34 56", "470123456", "прибиральницею"):
        assert secret not in stored, secret


#: (language code, theme button, a word of the greeting, of the answer, the "no" button, a word of the goodbye)
SCRIPTS = [
    ("uk", "Мовні курси", "Вітаємо", "Huis van het Nederlands", "Ні, дякую", "Дякуємо"),
    ("fr-BE", "Cours de langue", "Bienvenue", "Huis van het Nederlands", "Non, merci", "Merci"),
    ("nl", "Taallessen", "Welkom", "Huis van het Nederlands", "Nee, bedankt", "Bedankt"),
    ("en", "Language courses", "Welcome", "Huis van het Nederlands", "No, thank you", "Thank you"),
]
CHOICES = ("very_satisfied", "satisfied", "dissatisfied", "very_dissatisfied", "skip")
SATISFACTION_PICKED = {"uk": "very_satisfied", "fr": "satisfied", "nl": "skip", "en": "dissatisfied"}
SATISFACTION_QUESTIONS = {
    "uk": "Наскільки ви задоволені цією розмовою? Відповідь необов'язкова.",
    "fr": "Êtes-vous satisfait·e de cette conversation ? (facultatif)",
    "nl": "Hoe tevreden bent u over dit gesprek? (niet verplicht)",
    "en": "How satisfied are you with this conversation? (optional)",
}
SATISFACTION_BUTTONS = {
    "uk": ["Дуже задоволений(-а)", "Задоволений(-а)", "Незадоволений(-а)", "Дуже незадоволений(-а)", "Пропустити"],
    "fr": ["Très satisfait·e", "Satisfait·e", "Insatisfait·e", "Très insatisfait·e", "Passer"],
    "nl": ["Zeer tevreden", "Tevreden", "Ontevreden", "Zeer ontevreden", "Overslaan"],
    "en": ["Very satisfied", "Satisfied", "Dissatisfied", "Very dissatisfied", "Skip"],
}
SATISFACTION_THANKS = {
    "uk": "Дякуємо за відповідь!",
    "fr": "Merci pour votre réponse !",
    "nl-skip": "Goed, zonder antwoord. Bedankt!",
    "en": "Thank you for your answer!",
}


def wait_for(condition: Any, timeout: float = 10.0) -> None:
    """Wait until ``condition()`` holds (the bot handles updates concurrently)."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


HOURS = {"uk": "Понеділок", "fr": "Du lundi au vendredi", "nl": "Maandag tot vrijdag", "en": "Monday to Friday"}


def test_scripted_conversations_in_the_four_languages(app: App, centre: int, fake_api: FakeBotAPI) -> None:
    with RunningBot(app, fake_api):
        for n, (code, theme, hello, where, no, bye) in enumerate(SCRIPTS):
            lang = code[:2]
            person = Person(fake_api, USER_ID + 10 + n, code)
            greeting = person.say1("/start")
            assert greeting["text"].startswith(hello), (lang, greeting["text"])
            assert theme in labels(greeting)
            ask = person.say1(theme)
            assert ask["reply_markup"] == {"remove_keyboard": True}
            answer, offer = person.say("?", replies=2)
            assert where in answer["text"] and HOURS[lang] in answer["text"], (lang, answer["text"])
            assert no in labels(offer)
            goodbye, question = person.say(no, replies=2)
            assert goodbye["text"].startswith(bye), (lang, goodbye["text"])
            # The one optional satisfaction question, in the person's language, answered or skipped.
            assert question["text"] == SATISFACTION_QUESTIONS[lang], (lang, question["text"])
            assert labels(question) == SATISFACTION_BUTTONS[lang], (lang, labels(question))
            data = [b["callback_data"] for row in question["reply_markup"]["inline_keyboard"] for b in row]
            choice = SATISFACTION_PICKED[lang]
            [edited] = person.send("press", data=data[CHOICES.index(choice)], on=question)
            assert edited["method"] == "editMessageText" and edited["message_id"] == question["message_id"]
            assert edited["text"] == SATISFACTION_THANKS[lang if choice != "skip" else f"{lang}-skip"]
            # A second press on the same question records nothing and sends nothing.
            presses = len(fake_api.callback_answers)
            assert person.send("press", replies=0, data=data[0], on=question) == []
            wait_for(lambda presses=presses: len(fake_api.callback_answers) > presses)
            # /help in the person's language, listing only commands that exist.
            help_ = person.say1("/help")
            commands = re.findall(r"^/(\w+)", help_["text"], re.M)
            assert commands == ["start", "challenge", "cancel", "language", "privacy", "forget", "help"], commands
    with app.session() as session:
        contacts = session.scalars(select(Contact).order_by(Contact.id)).all()
        answers = session.scalars(select(SurveyAnswer).order_by(SurveyAnswer.id)).all()
        today = date.today()
        counted = rollup.totals(session, ["ukrainian.bot_satisfaction", "ukrainian.bot_satisfied"], today, today, None)
        by_language = rollup.read(session, ["ukrainian.bot_satisfaction"], today, today, None, dim="language")
        by_theme = rollup.read(session, ["ukrainian.bot_satisfaction"], today, today, None, dim="theme")
    assert [(c.themes, c.attributes["service_language"], c.attributes["questions"]) for c in contacts] == [
        (["learn"], lang[:2], ["language_courses"]) for lang, *_ in SCRIPTS
    ]
    # Three answers (Dutch skipped), through the survey's one way in: the bot's channel, the person's
    # language, the conversation's theme, the one question asked.
    assert [(a.service, a.channel, a.language, a.theme, a.satisfaction) for a in answers] == [
        ("ukrainian", "bot", "uk", "learn", "very_satisfied"),
        ("ukrainian", "bot", "fr", "learn", "satisfied"),
        ("ukrainian", "bot", "en", "learn", "dissatisfied"),
    ]
    assert all(a.would_recommend is None and a.first_visit is None for a in answers)
    # Counted in the roll-up, by language and theme: the dashboard and the reports read these.
    assert counted == {"ukrainian.bot_satisfaction": 3, "ukrainian.bot_satisfied": 2}
    assert {k[1]: v for k, v in by_language.items()} == {"uk": 1, "fr": 1, "en": 1}
    assert {k[1]: v for k, v in by_theme.items()} == {"learn": 3}


def test_conversation_speaks_the_users_language_and_cancel_logs_nothing(
    app: App, centre: int, fake_api: FakeBotAPI
) -> None:
    with RunningBot(app, fake_api):
        french = Person(fake_api, USER_ID + 1, "fr-BE")
        greeting_fr = french.say1("/start")
        ask_fr = french.say1("Se former")
        cancelled = french.say1("/cancel")
        after_cancel = french.say1("Bonjour ?")  # outside any conversation: the core's fallback
        russian = Person(fake_api, USER_ID + 2, "ru")
        greeting_ru = russian.say1("/start")
        privacy = russian.say1("/privacy")
        english = Person(fake_api, USER_ID + 3, "en")
        english.say1("/start")
        english.say1("Temporary protection")
        answer, _offer = english.say("Where do I register?", replies=2)
        goodbye, _question = english.say("No, thank you", replies=2)

    assert "Cours de langue" in labels(greeting_fr)
    assert ask_fr["text"].startswith("Écrivez votre question")
    assert cancelled["text"].startswith("Conversation terminée")
    assert "/start" in after_cancel["text"]
    # A language the bot does not speak: Ukrainian.
    assert greeting_ru["text"].startswith("Вітаємо")
    assert "ідентифікатор Telegram" in privacy["text"]
    assert "Immigration Office" in answer["text"] and "Monday to Friday" in answer["text"]
    assert goodbye["text"].startswith("Thank you")

    with app.session() as session:
        contacts = session.scalars(select(Contact)).all()
        assert session.scalar(select(Referral.id)) is None
    # The cancelled conversation left nothing; the English one left one contact, no referral.
    assert [(c.themes, c.attributes) for c in contacts] == [
        (["move"], {"service_language": "en", "questions": ["temporary_protection"]})
    ]


def test_the_centre_edits_the_answers_and_hours_the_bot_gives(app: App, centre: int, fake_api: FakeBotAPI) -> None:
    from tremplin.core.bot.editable import forget_cache
    from tremplin.core.bot.models import BotText

    with app.transaction() as session:
        session.add(BotText(key="ukrainian.place.hours", language="en", body="Tuesday to Saturday, 10:00 to 18:00"))
        session.add(
            BotText(key="ukrainian.answer.work_permit", language="en", body="Ask Actiris about the single permit.")
        )
    forget_cache(app)
    with RunningBot(app, fake_api):
        person = Person(fake_api, USER_ID + 4, "en")
        person.say1("/start")
        person.say1("Work permit")
        answer, _offer = person.say("Can I work?", replies=2)
    assert answer["text"].startswith("Ask Actiris about the single permit.")
    assert "Tuesday to Saturday, 10:00 to 18:00" in answer["text"]


def test_hook_register_bot_handlers(app: App) -> None:
    from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

    from tremplin.core import hookimpl
    from tremplin.core.bot.app import build_application, plugin_handlers
    from tremplin.core.registry import PluginError

    async def ping(update: Any, context: Any) -> None:  # pragma: no cover - never called
        pass

    extra_command = CommandHandler("ping", ping)
    extra_in_group = MessageHandler(filters.ALL, ping)

    class ExtraPlugin:
        @hookimpl
        def register_bot_handlers(self, app: Any) -> list[Any]:
            return [extra_command, (extra_in_group, 5)]

    # The Ukrainian plugin's hook returns its conversation.
    found = plugin_handlers(app)
    assert [(plugin, type(handler)) for plugin, handler, _group in found if plugin.endswith("ukrainian")] == [
        ("tremplin.plugins.ukrainian", ConversationHandler)
    ]

    app.pm.register(ExtraPlugin(), name="tests.extra_bot_plugin")
    application = build_application(app, TOKEN, base_url="http://127.0.0.1:9/bot")
    group0 = application.handlers[0]
    names = [getattr(h, "commands", None) for h in group0]
    # The core's commands first, then the plugins' handlers in registration order, the core's last.
    assert names[:3] == [frozenset({"help"}), frozenset({"privacy"}), frozenset({"language"})]
    assert names[4] == frozenset({"forget"})
    conversation = next(i for i, h in enumerate(group0) if isinstance(h, ConversationHandler))
    assert names[5] is None  # the satisfaction question's buttons
    assert names.index(frozenset({"challenge"})) == 6 < conversation
    assert group0[conversation + 1] is extra_command
    assert names[conversation + 2] == frozenset({"cancel"})
    assert isinstance(group0[-1], MessageHandler) and group0[-1] is not extra_in_group
    assert len(group0) == conversation + 4
    assert application.handlers[5] == [extra_in_group]
    # The guard, the unreadable messages and the relay to a counsellor run before, in groups of their own.
    assert sorted(application.handlers) == [-3, -2, -1, 0, 5]
    # A self-hosted Bot API server: methods and files under the given base URL.
    assert application.bot.base_url == f"http://127.0.0.1:9/bot{TOKEN}"
    assert application.bot.base_file_url == f"http://127.0.0.1:9/file/bot{TOKEN}"

    class BrokenPlugin:
        @hookimpl
        def register_bot_handlers(self, app: Any) -> list[Any]:
            return ["not a handler"]

    app.pm.register(BrokenPlugin(), name="tests.broken_bot_plugin")
    with pytest.raises(PluginError, match="tests.broken_bot_plugin"):
        build_application(app, TOKEN)


def test_personal_data_typed_to_the_bot_is_stored_nowhere(app: App, centre: int, fake_api: FakeBotAPI) -> None:
    """What a person types to the bot is read and answered, never stored: the strings the scrubber must
    catch anywhere else (a phone without "+", disguised e-mails, a dashed IBAN, birth dates, a name)."""
    typed = [
        "Мене звати Jean Dupont, телефон 32 470 12 34 56",
        "jean.dupont[at]example[dot]be",
        "jean.dupont at example dot be",
        "jean.dupont＠example.be",
        "BE68-5390-0754-7034",
        "30/07/1985 або 1985-07-30",
    ]

    with RunningBot(app, fake_api):
        chat = Person(fake_api, USER_ID, "uk")
        chat.say1("/start")
        chat.say1("Робота")
        chat.say(" ".join(typed), replies=2)
        chat.say("Ні, дякую", replies=2)
        for text in typed:  # and each again, outside the conversation
            chat.say(text)

    with app.session() as session:
        assert len(session.scalars(select(Contact)).all()) == 1
    stored = typed_text(database_dump(app))
    compact = re.sub(r"[\W_]", "", stored).lower()
    for secret in ("Dupont", "jean.dupont", "32 470 12 34 56", "5390", "30/07/1985", "1985-07-30", "1985"):
        assert secret not in stored, secret
        assert re.sub(r"[\W_]", "", secret).lower() not in compact, secret


def test_a_person_writing_faster_than_the_bot_answers_is_answered_in_order(
    app: App, centre: int, fake_api: FakeBotAPI
) -> None:
    """Updates are handled concurrently, but each chat's in order: a message sent before the bot answered
    the previous one is handled in the conversation's new state, never the old one."""
    fake_api.delay = 0.05  # every answer takes a while to reach Telegram: the next message is already there
    with RunningBot(app, fake_api):
        people = [Person(fake_api, USER_ID + 40 + n, "en") for n in range(5)]
        before = len(fake_api.sent)
        for person in people:
            for text in ("/start", "Language courses", "Where can I learn Dutch?", "No, thank you"):
                fake_api.send_text(text, person.user)
        replies = {p.id: [m["text"] for m in fake_api.wait_sent(p.id, 6, before, timeout=30)] for p in people}
    for texts in replies.values():
        assert [t.split()[0] for t in texts] == ["Welcome", "Write", "French:", "Would", "Thank", "How"], texts

"""A counsellor answers in the chat: the bot opens a thread, the web inbox answers, hands over and closes it.

The real bot runs against the test Bot API server (``tests.bot_api``); the inbox is the real web app
through Starlette's TestClient. The person's text reaches the inbox scrubbed; the answer reaches the
chat; a closed thread is one remote-advice contact, its text hidden, then deleted by the retention flow.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from tests.bot_api import FakeBotAPI, database_dump
from tests.bot_kit import Person, RunningBot, labels
from tests.core.plugin_kit import assert_rollup_exact
from tests.web.conftest import Web, csrf_of, post_form
from tremplin.core.bot.models import BotThread, BotThreadMessage
from tremplin.core.models import Contact, Referral, SurveyAnswer
from tremplin.core.rollup import totals

PASSWORD = "quiet-harbour-2026"
USER = 730001122
QUESTION = "Чи визнають мій диплом медсестри? Мій номер +32 470 12 34 56"


@pytest.fixture
def fake_api() -> Iterator[FakeBotAPI]:
    server = FakeBotAPI().start()
    yield server
    server.stop()


def open_a_thread(person: Person, theme: str = "Визнання диплома") -> None:
    person.say1("/start")
    person.say1(theme)
    _answer, offer = person.say("Питання", replies=2)
    assert labels(offer)[0] == "Написати консультанту тут"
    assert person.say1("Написати консультанту тут")["text"].startswith("Напишіть питання для консультанта")
    assert person.say1(QUESTION)["text"].startswith("Ваше питання передано консультантам")


def test_a_counsellor_answers_in_the_chat_hands_over_and_closes_with_a_referral(web: Web, fake_api: FakeBotAPI) -> None:
    app = web.app
    web.add_account("olena", ["counsellor"], ["ukrainian"], password=PASSWORD)
    web.add_account("marc", ["counsellor"], ["ukrainian"], password=PASSWORD)
    web.add_account("neet_only", ["counsellor"], ["neet"], password=PASSWORD)
    person = Person(fake_api, USER, "uk")
    with RunningBot(app, fake_api) as bot:
        open_a_thread(person)
        olena = web.client("olena", PASSWORD)
        inbox = olena.get("/inbox")
        assert inbox.status_code == 200
        # The menu's badge says one conversation waits; the list shows it by theme and language.
        assert re.search(r'id="badge-inbox"[^>]*>1<', inbox.text)
        [thread_id] = [int(i) for i in re.findall(r'id="thread-(\d+)"', inbox.text)]
        assert "Українська" in inbox.text
        page = olena.get(f"/inbox/{thread_id}")
        # The question is there, scrubbed: no phone number reaches the inbox.
        assert "медсестри" in page.text and "470 12 34 56" not in page.text
        # Another audience's counsellor sees nothing of it.
        other = web.client("neet_only", PASSWORD)
        assert 'id="thread-' not in other.get("/inbox").text
        assert other.get(f"/inbox/{thread_id}").status_code == 403

        # The answer goes to the chat.
        response = olena.post(
            f"/inbox/{thread_id}/answer",
            data={"text": "Так, через NARIC-Vlaanderen. Принесіть диплом.", "csrf_token": csrf_of(page.text)},
        )
        assert response.status_code == 303
        [answer] = person.next_messages(1, timeout=30)
        assert answer["text"] == "💬 Консультант:\nТак, через NARIC-Vlaanderen. Принесіть диплом."
        # An empty answer is refused, in the counsellor's language, and nothing is written.
        refused = olena.post(f"/inbox/{thread_id}/answer", data={"text": "  ", "csrf_token": csrf_of(page.text)})
        assert refused.status_code == 422 and "abord une réponse." in refused.text

        # The person replies in the chat: the thread is back on top, waiting for an answer.
        assert person.say1("Дякую! А скільки це триває?")["text"] == "Передано консультанту. Відповідь прийде сюди."
        page = olena.get(f"/inbox/{thread_id}")
        assert "скільки це триває" in page.text and "delivered" not in page.text and "remis" in page.text
        assert re.search(r'id="badge-inbox"[^>]*>1<', page.text)

        # Handed to a colleague.
        marc_id = web.staff["marc"]
        assert (
            olena.post(
                f"/inbox/{thread_id}/hand", data={"staff_id": str(marc_id), "csrf_token": csrf_of(page.text)}
            ).status_code
            == 303
        )
        # A colleague who does not see the audience cannot be chosen.
        bad = olena.post(
            f"/inbox/{thread_id}/hand", data={"staff_id": str(web.staff["neet_only"]), "csrf_token": csrf_of(page.text)}
        )
        assert bad.status_code == 422
        with app.session() as session:
            assert session.get(BotThread, thread_id).staff_id == marc_id

        # Closed as referred: a referral code is issued from the inbox and sent in the chat.
        marc = web.client("marc", PASSWORD)
        closed = post_form(marc, f"/inbox/{thread_id}", f"/inbox/{thread_id}/close", {"outcome": "referred"})
        assert closed.status_code == 303
        closing, question = person.next_messages(2, timeout=30)
        code = re.search(r"([0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3})", closing["text"])
        assert code and closing["text"].startswith("Ваш код:") and "/start" in closing["text"]
        # Then the one optional satisfaction question the bot asks at the end of its own conversations,
        # in the person's language; the answer is counted with the thread's audience and theme.
        assert question["text"] == "Наскільки ви задоволені цією розмовою? Відповідь необов'язкова."
        assert labels(question)[0] == "Дуже задоволений(-а)" and labels(question)[-1] == "Пропустити"
        choices = [b["callback_data"] for row in question["reply_markup"]["inline_keyboard"] for b in row]
        [thanks] = person.send("press", data=choices[1], on=question)
        assert (thanks["method"], thanks["text"]) == ("editMessageText", "Дякуємо за відповідь!")
        # A second press records nothing.
        assert person.send("press", replies=0, data=choices[0], on=question) == []
        # After the close, what the person writes is a new conversation's, not the thread's.
        assert person.say1("Ще питання")["text"].startswith("Ось що я вмію")
        bot.call(_noop())

    with app.session() as session:
        thread = session.get(BotThread, thread_id)
        answers = session.execute(
            select(SurveyAnswer.service, SurveyAnswer.channel, SurveyAnswer.language, SurveyAnswer.theme).add_columns(
                SurveyAnswer.satisfaction
            )
        ).all()
        referral = session.scalar(select(Referral))
        contact = session.get(Contact, thread.contact_id)
        bodies = [
            m.body for m in session.scalars(select(BotThreadMessage).where(BotThreadMessage.thread_id == thread_id))
        ]
    assert (thread.status, thread.outcome, thread.referral_id, thread.theme, thread.language) == (
        "closed",
        "referred",
        referral.id,
        "learn",
        "uk",
    )
    assert thread.sealed_chat is None and thread.chat_key is None
    assert [tuple(a) for a in answers] == [("ukrainian", "bot", "uk", "learn", "satisfied")]
    assert thread.first_answer_at is not None and thread.retain_until == thread.closed_at.date() + timedelta(days=30)
    # One remote-advice contact by theme and language.
    assert (contact.audience, contact.modality, contact.channel, contact.themes) == (
        "ukrainian",
        "remote_advice",
        "telegram",
        ["learn"],
    )
    assert contact.attributes == {
        "service_language": "uk",
        "questions": ["diploma_recognition"],
        "thread": "referred",
        "referral": "inbox",
        "answer_time": "within_hour",
    }
    # Counted: a question answered in the chat, referred, by language and by the time the answer took.
    from tremplin.core.models import CounterValue

    with app.session() as session:
        figures = {
            (v.counter, v.dim, v.value): v.amount
            for v in session.scalars(select(CounterValue).where(CounterValue.grain == "y"))
        }
    assert figures[("ukrainian.bot_threads", "*", "*")] == 1 and figures[("ukrainian.bot_referred", "*", "*")] == 1
    # Opened once, counted once: when it opened, not again when it closed.
    assert figures[("ukrainian.bot_threads_opened", "language", "uk")] == figures[("bot.threads_opened", "*", "*")] == 1
    assert figures[("ukrainian.bot_threads", "ukrainian.answer_time", "within_hour")] == 1
    # The code issued from the inbox is a referral code issued in the chat, by language and theme.
    assert figures[("ukrainian.bot_referrals", "*", "*")] == 1
    assert figures[("ukrainian.bot_referrals", "theme", "learn")] == 1
    assert (
        figures[("ukrainian.telegram", "ukrainian.bot_language", "uk")] == 2
    )  # the question to the bot, then the thread
    assert (referral.audience, referral.theme, referral.staff_id) == ("ukrainian", "learn", web.staff["marc"])
    # The closed thread's text is no longer shown.
    page = web.client("olena", PASSWORD).get(f"/inbox/{thread_id}")
    assert "медсестри" not in page.text and 'id="closed-note"' in page.text
    assert all("470" not in body for body in bodies)
    # Nothing in the database leads to the person.
    dump = database_dump(app)
    for secret in (str(USER), "Oksana", "oksana_kv", "Kovalenkova", "470 12 34 56"):
        assert secret not in dump, secret

    # Past the retention period, the retention flow's hook deletes the text.
    with app.transaction() as session:
        counts = {}
        for result in app.hook.purge_expired(app=app, session=session, today=date.today() + timedelta(days=31)):
            counts.update(result)
    assert counts["bot.thread_messages"] == len(bodies)
    with app.session() as session:
        assert session.scalar(select(BotThreadMessage.id)) is None
        assert session.get(BotThread, thread_id).outcome == "referred"  # the figures stay


async def _noop() -> None:
    return None


def test_an_answer_written_while_the_bot_is_down_reaches_the_chat_after_a_restart(
    web: Web, fake_api: FakeBotAPI
) -> None:
    app = web.app
    web.add_account("olena", ["counsellor"], ["ukrainian"], password=PASSWORD)
    person = Person(fake_api, USER, "uk")
    with RunningBot(app, fake_api):
        open_a_thread(person, "Мовні курси")
    # The bot is stopped; the counsellor answers from the inbox.
    olena = web.client("olena", PASSWORD)
    [thread_id] = [int(i) for i in re.findall(r'id="thread-(\d+)"', olena.get("/inbox").text)]
    post_form(
        olena,
        f"/inbox/{thread_id}",
        f"/inbox/{thread_id}/answer",
        {"text": "Курси нідерландської: Huis van het Nederlands."},
    )
    # As if a bot had claimed it and stopped before sending it: the next bot sends it all the same.
    with app.transaction() as session:
        session.execute(
            update(BotThreadMessage).where(BotThreadMessage.delivery == "pending").values(delivery="sending")
        )
    fake_api.fail("sendMessage", 429, retry_after=1)
    with RunningBot(app, fake_api):
        # Restarted: the pending answer is sent (after Telegram's 429), and the thread goes on.
        [answer] = person.next_messages(1, timeout=30)
        assert answer["text"].endswith("Huis van het Nederlands.")
        assert person.say1("Дякую")["text"] == "Передано консультанту. Відповідь прийде сюди."
    with app.session() as session:
        assert [m.delivery for m in session.get(BotThread, thread_id).messages] == ["received", "sent", "received"]


def test_forget_during_a_thread_deletes_its_text_and_its_chat(web: Web, fake_api: FakeBotAPI) -> None:
    app = web.app
    person = Person(fake_api, USER, "uk")
    with RunningBot(app, fake_api):
        open_a_thread(person)
        assert person.say1("/forget")["text"].startswith("Готово")
    with app.session() as session:
        thread = session.scalar(select(BotThread))
        assert (thread.status, thread.outcome, thread.sealed_chat, thread.chat_key) == (
            "closed",
            "abandoned",
            None,
            None,
        )
        assert session.scalar(select(BotThreadMessage.id)) is None
        # The question was asked: the figure of threads opened keeps it, and a rebuild agrees.
        around = (date.today() - timedelta(days=1), date.today() + timedelta(days=1))  # the local day is near
        opened = totals(session, ["ukrainian.bot_threads_opened"], *around)
    assert opened == {"ukrainian.bot_threads_opened": 1}
    assert_rollup_exact(app)


def test_hook_register_bot_texts(web: Web) -> None:
    """The plugins' editable texts are listed in the admin pages; the centre's version replaces the default."""
    from tremplin import EditableText, T, hookimpl
    from tremplin.core.bot.editable import editable_texts, edited_text
    from tremplin.core.bot.models import BotText
    from tremplin.core.plugins import register
    from tremplin.core.registry import PluginError

    app = web.app
    keys = [t.key for t in editable_texts(app)]
    assert keys[:3] == ["neet.challenge", "ukrainian.place.address", "ukrainian.place.hours"]
    assert "ukrainian.answer.work_permit" in keys
    web.add_account("chief", ["admin"], password=PASSWORD)
    admin = web.client("chief", PASSWORD)
    page = admin.get("/admin/bot-texts")
    assert page.status_code == 200 and "Понеділок–п" in page.text
    saved = admin.post(
        "/admin/bot-texts",
        data={
            "key": "ukrainian.place.hours",
            "language": "uk",
            "body": "Вівторок–субота, 10:00–18:00",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert saved.status_code == 303
    assert edited_text(app, "ukrainian.place.hours", "uk", "default") == "Вівторок–субота, 10:00–18:00"
    assert edited_text(app, "ukrainian.place.hours", "fr", "default") == "default"
    # An unknown key is refused in the reader's language; an empty text goes back to the default.
    refused = admin.post(
        "/admin/bot-texts",
        data={"key": "ukrainian.nothing", "language": "uk", "body": "x", "csrf_token": csrf_of(page.text)},
    )
    assert refused.status_code == 422 and "Ce texte ne peut pas être modifié." in refused.text
    admin.post(
        "/admin/bot-texts",
        data={"key": "ukrainian.place.hours", "language": "uk", "body": "", "csrf_token": csrf_of(page.text)},
    )
    with app.session() as session:
        assert session.scalar(select(BotText.id)) is None
    # A counsellor may not edit them.
    web.add_account("olena", ["counsellor"], ["ukrainian"], password=PASSWORD)
    assert web.client("olena", PASSWORD).get("/admin/bot-texts").status_code == 403

    class Twice:
        @hookimpl
        def register_bot_texts(self, app: object) -> list[object]:
            return [EditableText("ukrainian.place.hours", T("Hours"), T("9-17"))]

    register(app.pm, Twice(), "tests.twice")
    with pytest.raises(PluginError, match="both declare the bot text 'ukrainian.place.hours'"):
        editable_texts(app)

"""The bot on a webhook inside the web app, and the commands that start it.

``tremplin serve --bot-webhook`` runs the bot in each web worker: here the real web app is served by
uvicorn on 127.0.0.1, registers its webhook with the test Bot API server, which then POSTs the updates
to it with the secret token, as Telegram does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from tests.bot_api import TOKEN, FakeBotAPI, free_port
from tests.bot_kit import Person
from tests.conftest import make_app
from tremplin.core.app import App
from tremplin.core.cli import cli

SECRET = "webhook-secret-for-tests_0123"


@pytest.fixture
def fake_api() -> Iterator[FakeBotAPI]:
    server = FakeBotAPI().start()
    yield server
    server.stop()


class ServedWeb:
    """The web app with the bot's webhook, served by uvicorn in a thread."""

    def __init__(self, app: App, fake: FakeBotAPI, alone: bool = False) -> None:
        import uvicorn

        from tremplin.core.bot.webhook import WebhookConfig
        from tremplin.core.web.app import create_web_app

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/telegram/webhook"
        config = WebhookConfig(TOKEN, self.url, SECRET, fake.base_url, alone=alone)
        self.server = uvicorn.Server(
            uvicorn.Config(
                create_web_app(app, bot_webhook=config),
                host="127.0.0.1",
                port=self.port,
                log_level="warning",
                lifespan="on",
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServedWeb:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "the web app did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


def test_updates_come_through_the_web_app_verified_by_the_secret_token(
    app: App, centre: int, fake_api: FakeBotAPI
) -> None:
    with ServedWeb(app, fake_api) as served:
        # The web app registered its webhook, with the secret, and asks for no updates by polling.
        assert fake_api.webhook == {"url": served.url, "secret_token": SECRET}
        assert "getUpdates" not in fake_api.calls
        person = Person(fake_api, 880011, "fr")
        assert person.say1("/start")["text"].startswith("Bienvenue")
        person.say1("Travailler")
        answer, _offer = person.say("Comment chercher ?", replies=2)
        assert "Actiris" in answer["text"]
        assert set(fake_api.webhook_answers) == {200}
        # Without the secret, or with another, the update is refused before anything reads it.
        update = {"update_id": 1, "message": fake_api.message(person.user, "/privacy")}
        assert httpx.post(served.url, json=update).status_code == 403
        assert (
            httpx.post(served.url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}).status_code == 403
        )
        bad = httpx.post(
            served.url,
            content=b"{not json",
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "content-type": "application/json"},
        )
        assert bad.status_code == 400
        assert "getUpdates" not in fake_api.calls


@pytest.mark.parametrize("alone", [True, False], ids=["one-worker", "several-workers"])
def test_a_single_worker_keeps_its_chats_in_memory(
    app: App, centre: int, fake_api: FakeBotAPI, alone: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``tremplin serve --workers 1`` gets every update: the flood counts and the chats' turns stay in its
    memory, as the poller's do; with several workers they are shared through the database."""
    from sqlalchemy import func, select

    from tremplin.core.bot.models import BotFlood
    from tremplin.core.bot.webhook import WORKERS_ENV, WebhookConfig

    for workers, expected in (("1", True), ("2", False), ("", False)):
        monkeypatch.setenv("TREMPLIN_TELEGRAM_TOKEN", TOKEN)
        monkeypatch.setenv(WORKERS_ENV, workers)
        assert WebhookConfig.from_env(app).alone is expected, workers
    with ServedWeb(app, fake_api, alone=alone):
        person = Person(fake_api, 880022, "nl")
        assert person.say1("/start")["text"]
        person.say1("Werken")
        answer, _offer = person.say("Hoe zoek ik werk?", replies=2)
        assert "Actiris" in answer["text"] or "VDAB" in answer["text"]
    with app.session() as session:
        floods = session.scalar(select(func.count()).select_from(BotFlood))
    assert (floods == 0) is alone, floods


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output + (result.stderr if hasattr(result, "stderr") else "")


def test_without_a_token_the_commands_say_how_to_get_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 't.db'}"
    assert run("--database-url", url, "init")[0] == 0
    env = {"TREMPLIN_TELEGRAM_TOKEN": ""}
    code, out = run("--database-url", url, "bot", env=env)
    assert code == 1 and "@BotFather" in out and "/newbot" in out
    code, out = run("--database-url", url, "serve", "--bot-webhook", env=env)
    assert code == 1 and "@BotFather" in out


def test_after_a_plain_init_the_bot_says_to_create_the_centre(tmp_path: Path, fake_api: FakeBotAPI) -> None:
    url = f"sqlite:///{tmp_path / 't.db'}"
    assert run("--database-url", url, "init")[0] == 0
    code, out = run("--database-url", url, "bot", "--token", TOKEN, "--base-url", fake_api.base_url)
    assert code == 1
    assert "the database has no centre" in out and "tremplin init --centre bxl" in out
    # Never reached Telegram: it stopped before polling.
    assert "getUpdates" not in fake_api.calls
    # With the centre, `bot check` talks to the server.
    assert run("--database-url", url, "init", "--centre", "bxl", "--centre-name", "Cité des métiers")[0] == 0
    code, out = run("--database-url", url, "bot", "--token", TOKEN, "--base-url", fake_api.base_url, "check")
    assert code == 0 and "@tremplin_test_bot" in out
    app = make_app(url)
    try:
        from tremplin.core.bot.app import bot_centre

        assert bot_centre(app)[1] == "bxl"
    finally:
        app.close()


def test_two_web_workers_take_one_conversation_in_turn(app: App, centre: int, fake_api: FakeBotAPI) -> None:
    """Behind ``serve --bot-webhook`` each message of a conversation may reach another web worker. Two
    workers (two apps, two bot applications) on one database, Telegram's updates alternating between
    them: the conversation goes on where the other left it, to its end and its satisfaction answer."""
    from sqlalchemy import select

    from tests.bot_kit import labels
    from tremplin.core.models import Contact, Referral, SurveyAnswer

    other = make_app(app.db.url, secret_key=app.settings.secret_key)
    try:
        with ServedWeb(app, fake_api) as first, ServedWeb(other, fake_api) as second:
            workers = [first, second]
            assert fake_api.webhook is not None
            person = Person(fake_api, 880022, "fr")

            def to_worker(n: int) -> None:
                assert fake_api.webhook is not None
                fake_api.webhook["url"] = workers[n % 2].url

            to_worker(0)
            assert person.say1("/start")["text"].startswith("Bienvenue")
            to_worker(1)
            assert person.say1("Travailler")["text"].startswith("Écrivez votre question")
            to_worker(0)
            answer, offer = person.say("Comment chercher ?", replies=2)
            assert "Actiris" in answer["text"] and labels(offer)[1] == "Un code pour venir au centre"
            to_worker(1)
            code, goodbye, question = person.say("Un code pour venir au centre", replies=3)
            assert code["text"].startswith("Votre code") and goodbye["text"].startswith("Merci")
            # The question's one-time code was kept by the second worker; the first one takes the answer.
            to_worker(0)
            choices = [b["callback_data"] for row in question["reply_markup"]["inline_keyboard"] for b in row]
            [thanks] = person.send("press", data=choices[0], on=question)
            assert thanks["text"] == "Merci pour votre réponse !"
            to_worker(1)
            assert person.send("press", replies=0, data=choices[1], on=question) == []
            assert set(fake_api.webhook_answers) == {200}
    finally:
        other.close()
    with app.session() as session:
        contacts = session.scalars(select(Contact)).all()
        referrals = session.scalars(select(Referral)).all()
        answers = session.execute(select(SurveyAnswer.service, SurveyAnswer.theme, SurveyAnswer.satisfaction)).all()
    # One conversation: one contact, with the code issued on it, one answer.
    assert [(c.themes, c.attributes) for c in contacts] == [
        (["work"], {"service_language": "fr", "questions": ["job_search"], "referral": "desk"})
    ]
    assert len(referrals) == 1
    assert [tuple(a) for a in answers] == [("ukrainian", "work", "very_satisfied")]


def test_a_chat_is_handled_by_one_worker_at_a_time(app: App) -> None:
    """The bot answers before it writes the state: the chat's turn keeps another worker from reading
    the old state meanwhile, and a turn left by a stopped worker is free again after a while."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from tremplin.core.bot.models import BotState
    from tremplin.core.bot.persistence import TURN, DatabasePersistence

    first, second = DatabasePersistence(app, shared=True), DatabasePersistence(app, shared=True)
    keys = [first.hash("user", 42)]
    assert first.read(keys, turn_of=42) == {}
    assert second.read(keys, turn_of=42) is None  # held
    assert second.read(keys, turn_of=43) == {}  # another chat: free
    first.release_turn(42)
    assert second.read(keys, turn_of=42) == {}
    with app.transaction() as session:  # the worker holding it stopped half a minute ago
        session.execute(
            update(BotState).where(BotState.kind == TURN).values(updated_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    assert first.read(keys, turn_of=42) == {}


def test_tremplin_bot_polls_answers_and_stops_on_ctrl_c(tmp_path: Path, fake_api: FakeBotAPI) -> None:
    """``tremplin bot`` as an operator runs it, in a process of its own: it polls the Bot API (on uvloop's
    event loop), answers a person, and stops cleanly on Ctrl-C."""
    import os
    import signal
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 't.db'}"
    assert run("--database-url", url, "init", "--centre", "bxl", "--centre-name", "Cité des métiers")[0] == 0
    env = {**os.environ, "TREMPLIN_SECRET_KEY": "a-secret-for-the-bot-test-0123456789", "TREMPLIN_LANGUAGE": "en"}
    command = [sys.executable, "-m", "tremplin.core.cli", "--database-url", url, "bot", "--token", TOKEN]
    bot = subprocess.Popen(
        [*command, "--base-url", fake_api.base_url], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        person = Person(fake_api, 555, "fr")
        deadline = time.monotonic() + 60  # the process starts (imports, migrations check) before it polls
        while "getUpdates" not in fake_api.calls and time.monotonic() < deadline and bot.poll() is None:
            time.sleep(0.1)
        replies = person.say("/start")
        assert replies and replies[0]["chat_id"] == 555
        assert "getUpdates" in fake_api.calls and "setMyCommands" in fake_api.calls
    finally:
        bot.send_signal(signal.SIGINT)
        out, _ = bot.communicate(timeout=60)
    assert bot.returncode == 0, out.decode()[-2000:]

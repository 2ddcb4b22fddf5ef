"""``tremplin serve`` and ``tremplin staff token``; the ASGI factory builds the app from the environment."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tremplin.core.cli import cli
from tremplin.core.models import Staff


def test_serve_runs_uvicorn_with_the_factory(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    import uvicorn

    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: calls.append((a, k)))
    monkeypatch.setenv("TREMPLIN_SECRET_KEY", "")  # recorded, so that what serve sets is undone after the test
    monkeypatch.delenv("TREMPLIN_SECRET_KEY")
    monkeypatch.setenv("TREMPLIN_SECRET_KEY_FILE", str(tmp_path / "no-key-stored"))
    monkeypatch.setenv("TREMPLIN_DATABASE_URL", "sqlite:///elsewhere.db")
    result = CliRunner().invoke(cli, ["--database-url", db_url, "serve", "--port", "8123", "--workers", "3"])
    assert result.exit_code == 0, result.output
    ((args, kwargs),) = calls
    assert args == ("tremplin.core.web.app:asgi_factory",) and kwargs["factory"] is True
    assert (kwargs["port"], kwargs["workers"], kwargs["host"]) == (8123, 3, "127.0.0.1")
    assert kwargs["access_log"] is False, "no list of the public's addresses unless asked for"
    result = CliRunner().invoke(cli, ["--database-url", db_url, "serve", "--access-log"])
    assert result.exit_code == 0, result.output
    assert calls[-1][1]["access_log"] is True
    import os

    assert os.environ["TREMPLIN_DATABASE_URL"] == db_url, "the workers build their app from the environment"
    assert len(os.environ["TREMPLIN_SECRET_KEY"]) >= 32, "the workers share one signing key"


def test_serve_refuses_a_database_without_schema(tmp_path: Any) -> None:
    result = CliRunner().invoke(cli, ["--database-url", f"sqlite:///{tmp_path}/empty.db", "serve"])
    assert result.exit_code == 1 and "tremplin init" in result.output


def test_staff_token_and_the_factory(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from starlette.testclient import TestClient

    from tests.conftest import make_app
    from tremplin.core.admin import add_staff

    app = make_app(db_url)
    with app.transaction() as session:
        add_staff(app, session, "api-client", "long-enough-pw", roles=["programme_lead"])
    app.close()
    result = CliRunner().invoke(cli, ["--database-url", db_url, "staff", "token", "api-client"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("tpl_")
    assert CliRunner().invoke(cli, ["--database-url", db_url, "staff", "token", "nobody"]).exit_code == 1

    monkeypatch.setenv("TREMPLIN_DATABASE_URL", db_url)
    import gc
    import sys

    from tremplin.core.web.app import asgi_factory

    interval = sys.getswitchinterval()
    web = asgi_factory()
    # A serving process: the start-up objects frozen for the collector, a short switch interval.
    frozen = gc.get_freeze_count()
    gc.unfreeze()
    shortened = sys.getswitchinterval()
    sys.setswitchinterval(interval)
    assert frozen > 10_000 and shortened == pytest.approx(0.0005)
    try:
        with TestClient(web) as client:
            me = client.get("/api/v1/me", headers={"authorization": f"Bearer {token}"})
            assert me.status_code == 200 and me.json()["username"] == "api-client"
    finally:
        web.state.tremplin.close()
    check = make_app(db_url)
    with check.session() as session:
        assert session.scalar(select(Staff.api_token_hash).where(Staff.username == "api-client")) is not None
    check.close()

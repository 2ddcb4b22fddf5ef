"""``tremplin demo`` with audience plugins left out: each run succeeds and writes the expected subset.

Every configuration runs the real command (``tremplin demo --no-serve``, through click) on the same
database, SQLite and PostgreSQL, with ``TREMPLIN_DISABLED_PLUGINS`` naming the plugins left out. What
each share writes does not depend on the others: the walk-in public's figures, and those of every audience
still present, are the same as with every plugin, figure by figure.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.conftest import make_app
from tremplin.core import demo, rollup
from tremplin.core.app import App
from tremplin.core.cli import cli
from tremplin.core.models import Contact, Staff

YEAR = 2019
SCALE = 0.03
AUDIENCES = ("neet", "schools", "prisons", "disability", "formtruck", "ukrainian")
#: Each audience plugin left out in turn, then all six (the walk-in public alone).
LEFT_OUT = [(a,) for a in AUDIENCES] + [AUDIENCES]


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2 hashes with the lightest parameters: eight demo runs create about fifty accounts."""
    from argon2 import PasswordHasher

    monkeypatch.setattr("tremplin.core.admin.hash_password", PasswordHasher(time_cost=1, memory_cost=64).hash)


def run_demo(url: str, left_out: tuple[str, ...]) -> str:
    env = {"TREMPLIN_DATABASE_URL": url, "TREMPLIN_DISABLED_PLUGINS": ",".join(left_out)}
    args = ["demo", "--year", str(YEAR), "--scale", str(SCALE), "--seed", "7", "--no-serve"]
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, (left_out, result.output, result.exception)
    return result.output


def by_audience(app: App) -> dict[tuple[str, str], int]:
    """Every counter of the app over the year, by audience, as the roll-up holds it."""
    with app.session() as session:
        keys = app.registry.counters.keys()
        figures = rollup.read(session, keys, date(YEAR, 1, 1), date(YEAR, 12, 31), dim="audience")
    return {key: n for key, n in figures.items() if n}


@pytest.fixture
def opened(db_url: str) -> Iterator[Any]:
    apps: list[App] = []

    def open_app(left_out: tuple[str, ...] = ()) -> App:
        app = make_app(db_url, disabled_plugins=left_out)
        apps.append(app)
        return app

    yield open_app
    for app in apps:
        app.close()


@pytest.mark.slow
def test_the_demo_runs_with_any_audience_plugin_left_out(db_url: str, opened: Any) -> None:
    output = run_demo(db_url, ())
    full = opened()
    everything = by_audience(full)
    assert {audience for _, audience in everything} == {"general", *AUDIENCES}
    assert "Shares: general, neet, schools, prisons, disability, formtruck, ukrainian" in output

    for left_out in LEFT_OUT:
        output = run_demo(db_url, left_out)
        app = opened(left_out)
        present = set(app.registry.audiences)
        assert present == {"general", *AUDIENCES} - set(left_out)
        assert f"Shares: {', '.join(s.key for s in demo.shares(app))}" in output

        # The subset, figure by figure: what is left is exactly what it was with every plugin.
        figures = by_audience(app)
        kept = {(key, audience): n for (key, audience), n in everything.items() if key in app.registry.counters}
        assert figures == {k: n for k, n in kept.items() if k[1] in present}, left_out

        # The totals are of the order the remaining shares aim at.
        with app.session() as session:
            totals = rollup.totals(session, app.registry.counters.keys(), date(YEAR, 1, 1), date(YEAR, 12, 31))
            audiences_written = set(session.scalars(select(Contact.audience).distinct()))
            accounts = {s.username: s.audiences for s in session.scalars(select(Staff))}
        for key, target in demo.expected_figures(app, SCALE).items():
            assert abs(totals[key] - target) <= max(0.1 * target, 3), (left_out, key, totals[key], target)
        assert audiences_written <= present

        # An account for each role that still has an audience, seeing only registered audiences.
        assert {"admin", "programme_lead", "counsellor", "reception"} <= set(accounts)
        for username, audiences in accounts.items():
            assert set(audiences) <= present | {"*"}, (username, audiences)
        assert ("neet_worker" in accounts) == ("neet" in present)
        assert ("formtruck_adviser" in accounts) == ("formtruck" in present)

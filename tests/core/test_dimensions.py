"""Plugin dimensions are kept in the roll-up like the core ones: exact on every write, equal to a rebuild.

Formtruck contacts by stop (a site) and by commune (an attribute), pupils by type of education and
by workshop, people reached by prison and by public: written one by one, edited, deleted, imported in
bulk (with stops the import creates, in one pass and in two processes), and read by day, month and
year, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.core.plugin_kit import assert_rollup_exact
from tests.core.test_import import csv_text, write
from tremplin.core import import_check, rollup
from tremplin.core.admin import ensure_centre, ensure_site
from tremplin.core.app import App
from tremplin.core.dimensions import Dimension
from tremplin.core.i18n import T
from tremplin.core.importer import import_file
from tremplin.core.models import Activity, Contact, CounterValue, Site
from tremplin.core.records import delete_contact, log_activity, log_contact, update_contact

STOPS = ("flagey", "anneessens", "gare-du-nord")
COMMUNES = ("ixelles", "bruxelles", "schaerbeek")
YEAR = 2024


@pytest.fixture
def sites(app: App) -> dict[str, int]:
    """A centre with three Formtruck stops and an advice desk; returns the site ids by code."""
    with app.transaction() as session:
        centre, _ = ensure_centre(session, "bxl", "Cité des métiers de Bruxelles")
        ids = {
            code: ensure_site(session, centre, code, f"Place {code.title()}", "formtruck_stop")[0].id for code in STOPS
        }
        ids["advice"] = ensure_site(session, centre, "advice", "Advice", "advice")[0].id
        return ids


def read(
    app: App, counter: str, dim: str, start: date = date(YEAR, 1, 1), end: date = date(YEAR, 12, 31)
) -> dict[str, int]:
    with app.session() as session:
        return {
            value: amount
            for (_c, value), amount in rollup.read(session, [counter], start, end, dim=dim).items()
            if amount
        }


def random_writes(app: App, sites: dict[str, int], seed: int = 8) -> None:
    """Formtruck, prison, disability and walk-in contacts and school visits, some edited, some deleted."""
    rng = random.Random(seed)
    with app.transaction() as session:
        contacts = []
        for _ in range(120):
            day = date(YEAR, rng.randint(1, 12), rng.randint(1, 28))
            when = f"{day.isoformat()}T{rng.randint(8, 18):02d}:{rng.choice(['00', '30'])}"
            audience = rng.choice(["formtruck", "formtruck", "general", "prisons", "disability"])
            values: dict[str, Any] = {
                "centre": "bxl",
                "occurred_at": when,
                "audience": audience,
                "headcount": rng.randint(1, 6),
            }
            attributes: dict[str, Any] = {}
            if audience == "formtruck":
                values.update(
                    modality="individual_advice", channel="field", themes=rng.choice(["work", "learn;work", ""])
                )
                if rng.random() < 0.8:
                    values["site"] = rng.choice(STOPS)
                attributes["commune"] = rng.choice(COMMUNES)
            elif audience == "general":
                values.update(modality="individual_advice", site="advice")
            elif audience == "prisons":
                values.update(modality="individual_advice")
                attributes.update(prison=rng.choice(["haren", "saint_gilles"]), session="individual")
            else:
                values.update(modality="reception")
                attributes["public"] = rng.choice(["target", "professional"])
            contacts.append((log_contact(app, session, values, attributes), values, attributes))
        for _ in range(12):
            day = date(YEAR, rng.randint(1, 12), rng.randint(1, 28))
            log_activity(
                app,
                session,
                {
                    "centre": "bxl",
                    "starts_at": f"{day.isoformat()}T10:00",
                    "audience": "schools",
                    "participants": rng.randint(10, 25),
                    "workshop": rng.choice(["explorama", "inforizon"]),
                },
                {
                    "school": "Athénée",
                    "education_type": rng.choice(["general", "vocational"]),
                    "year": "5",
                    "place": "at_centre",
                },
            )
        trucks = [(c, v, a) for c, v, a in contacts if c.audience == "formtruck"]
        for n, (contact, values, attributes) in enumerate(trucks[:10]):
            # Moved to another stop (or to none) and commune: the old values lose what the new ones gain.
            moved = {**values, "site": "" if n % 4 == 0 else STOPS[n % 3], "headcount": 2}
            update_contact(app, session, contact, moved, {**attributes, "commune": "bruxelles"})
        for contact, _values, _attributes in trucks[10:15]:
            delete_contact(app, session, contact)


def test_plugin_dimensions_equal_a_rebuild_and_the_rows(app: App, sites: dict[str, int]) -> None:
    random_writes(app, sites)
    assert_rollup_exact(app)
    stop_of = {str(i): code for code, i in sites.items()}
    with app.session() as session:
        contacts = session.scalars(select(Contact).where(Contact.audience == "formtruck")).all()
        visits = session.scalars(select(Activity).where(Activity.audience == "schools")).all()
    by_stop: dict[str, int] = defaultdict(int)
    by_commune: dict[str, int] = defaultdict(int)
    for c in contacts:
        by_stop[str(c.site_id) if c.site_id else "unknown"] += c.headcount
        by_commune[c.attributes["commune"]] += c.headcount
    assert read(app, "formtruck.users", "formtruck.stop") == dict(by_stop)
    assert "unknown" in by_stop and len(by_stop) == 4  # three stops and the contacts logged without one
    assert read(app, "formtruck.users", "formtruck.commune") == dict(by_commune)
    assert (
        sum(by_stop.values())
        == rollup.totals(app.session(), ["formtruck.users"], date(YEAR, 1, 1), date(YEAR, 12, 31))["formtruck.users"]
    )
    # A centre-wide counter is kept by the Formtruck's stops for the Formtruck's contacts only.
    assert read(app, "contacts.total", "formtruck.stop") == dict(by_stop)
    assert {stop_of[k] for k in by_stop if k != "unknown"} == set(STOPS)
    pupils: dict[str, int] = defaultdict(int)
    workshops: dict[str, int] = defaultdict(int)
    for v in visits:
        pupils[v.attributes["education_type"]] += v.participants or 0
        workshops[v.workshop] += v.participants or 0
    assert read(app, "schools.pupils", "schools.education_type") == dict(pupils)
    assert read(app, "schools.pupils", "schools.workshop") == dict(workshops)
    # Part of a month is counted from the records, with the same functions: it agrees with the rows.
    start, end = date(YEAR, 3, 10), date(YEAR, 5, 20)
    part: dict[str, int] = defaultdict(int)
    for c in contacts:
        if start <= c.day <= end:
            part[str(c.site_id) if c.site_id else "unknown"] += c.headcount
    assert read(app, "formtruck.users", "formtruck.stop", start, end) == dict(part)
    # Monthly rows add up to the year's.
    with app.session() as session:
        months = rollup.read(
            session, ["formtruck.users"], date(YEAR, 1, 1), date(YEAR, 12, 31), dim="formtruck.stop", by_month=True
        )
    summed: dict[str, int] = defaultdict(int)
    for (_c, value, _month), amount in months.items():
        summed[value] += amount
    assert {k: v for k, v in summed.items() if v} == dict(by_stop)


def test_only_the_declared_records_are_kept_by_a_dimension(app: App, sites: dict[str, int]) -> None:
    random_writes(app, sites)
    with app.session() as session:
        rows = session.execute(
            select(CounterValue.counter, CounterValue.dim).where(CounterValue.dim.like("formtruck.%")).distinct()
        ).all()
    counters = {counter for counter, _ in rows}
    # Counters that only walk-in, prison or disability contacts add to have no Formtruck stop rows.
    assert "formtruck.users" in counters and "contacts.total" in counters
    assert not counters & {"prisons.reached", "disability.reached", "general.reached", "schools.pupils"}
    assert read(app, "prisons.reached", "prisons.prison").keys() <= {"haren", "saint_gilles"}
    assert set(read(app, "disability.reached", "disability.public")) == {"target", "professional"}


def formtruck_rows(n: int, seed: int = 3) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        day = date(YEAR, rng.randint(1, 12), rng.randint(1, 28))
        rows.append(
            {
                "id": f"f-{i:05d}",
                "occurred_at": f"{day.isoformat()}T{rng.randint(9, 17):02d}:15",
                # New stops the import creates (--create-missing), known ones, and none.
                "site": rng.choice(["flagey", "parvis-st-gilles", "place-liedts", ""]),
                "audience": "formtruck",
                "modality": "individual_advice",
                "channel": "field",
                "themes": rng.choice(["work", "learn;work"]),
                "language": "fr",
                "headcount": str(rng.randint(1, 5)),
                "attr.commune": rng.choice(COMMUNES),
            }
        )
    return rows


def expected_by_stop(app: App, rows: list[dict[str, str]]) -> dict[str, int]:
    with app.session() as session:
        ids = {code: str(i) for i, code in session.execute(select(Site.id, Site.code))}
    out: dict[str, int] = defaultdict(int)
    for row in rows:
        out[ids[row["site"]] if row["site"] else "unknown"] += int(row["headcount"])
    return dict(out)


def test_import_keeps_the_stops_it_creates(app: App, sites: dict[str, int], tmp_path: Path) -> None:
    rows = formtruck_rows(300)
    result = import_file(app, "contacts", write(tmp_path, csv_text(rows)), create_missing=True)
    assert sorted(result.created_sites) == ["bxl/parvis-st-gilles", "bxl/place-liedts"]
    assert read(app, "formtruck.users", "formtruck.stop") == expected_by_stop(app, rows)
    assert_rollup_exact(app)


def test_import_in_two_processes_keeps_the_stops_it_creates(
    app: App, sites: dict[str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if app.db.dialect != "sqlite":
        pytest.skip("files are checked in two processes on SQLite only")
    monkeypatch.setattr(import_check, "SPLIT_FROM_BYTES", 1)
    answered: list[bool] = []
    real_receive = import_check._receive

    def receive(process: Any, receiver: Any, *more: Any) -> import_check.Checked:
        answered.append(True)
        return real_receive(process, receiver, *more)

    monkeypatch.setattr(import_check, "_receive", receive)
    rows = formtruck_rows(400, seed=5)
    import_file(app, "contacts", write(tmp_path, csv_text(rows)), create_missing=True)
    assert answered == [True]
    assert read(app, "formtruck.users", "formtruck.stop") == expected_by_stop(app, rows)
    assert_rollup_exact(app)


def test_a_dimension_is_checked_when_declared() -> None:
    label = T("x")
    for bad, message in (
        (lambda: Dimension("Formtruck.Stop", label, "site"), "lower-case words"),
        (lambda: Dimension("formtruck.stop_of_the_truck_today", label, "site"), "at most 24"),
        (lambda: Dimension("theme", label, "site"), "core dimension"),
        (lambda: Dimension("x.y", label, "site", records=("referrals",)), "records are some of"),
        (lambda: Dimension("x.y", label, "title"), "field is 'site', 'attr.<name>' or one of"),
    ):
        with pytest.raises(ValueError, match=message):
            bad()
    assert Dimension("x.y", label, "workshop", records=("activities",)).name == "workshop"

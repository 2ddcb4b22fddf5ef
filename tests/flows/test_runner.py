"""The flow runner and ``tremplin flows``: every registered flow is listed with its schedule."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tremplin.core.app import App


def test_collect_lists_every_registered_flow(app: App) -> None:
    from tremplin.flows.runner import collect, find

    flows = {item.name: item for item in collect(app)}
    assert {"neet-instagram-reach", "referral-expiry", "retention-purge"} <= set(flows)
    assert flows["neet-instagram-reach"].plugin == "tremplin.plugins.neet"
    assert flows["retention-purge"].plugin == "tremplin.core.builtins.flows"
    assert flows["referral-expiry"].schedule() == "15 1 * * *"
    # Every entry point names a Prefect flow that exists.
    from prefect import Flow

    for item in flows.values():
        assert isinstance(item.spec.load(), Flow), item.name
    try:
        find(app, "retention-purg")
    except KeyError as exc:
        assert "did you mean 'retention-purge'" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("an unknown flow must be refused")


def test_deployments_carry_schedules_in_the_centres_time_zone(app: App) -> None:
    from tremplin.flows.runner import deployments

    by_name = {d.name: d for d in deployments(app)}
    reach = by_name["neet-instagram-reach"]
    [schedule] = reach.schedules
    assert schedule.schedule.cron == "0 6 * * *" and schedule.schedule.timezone == "Europe/Brussels"
    assert reach.parameters == {}
    assert "tremplin" in reach.tags and "tremplin.plugins.neet" in reach.tags


def test_cli_flows_list(db_url: str) -> None:
    from tremplin.core.cli import cli

    result = CliRunner().invoke(cli, ["--database-url", db_url, "flows", "list"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert "0 6 * * *" in lines["neet-instagram-reach"] and "tremplin.plugins.neet" in lines["neet-instagram-reach"]
    assert "15 1 * * *" in lines["referral-expiry"]
    assert "30 1 * * *" in lines["retention-purge"] and "retention period" in lines["retention-purge"]

    unknown = CliRunner().invoke(cli, ["--database-url", db_url, "flows", "run", "no-such-flow"])
    assert unknown.exit_code == 1 and "unknown flow 'no-such-flow'" in unknown.output


# ------------------------------------------------------------------------------------------------
# Schedules are settings


def test_schedule_settings_are_read_and_checked() -> None:
    from tremplin.flows.schedules import FlowScheduleError, Schedule, parse, resolve, setting_name

    assert setting_name("referral-expiry") == "TREMPLIN_FLOW_SCHEDULE_REFERRAL_EXPIRY"
    assert parse("0 7 1 1,7 *") == Schedule(cron="0 7 1 1,7 *")
    assert parse("every 90s").seconds == 90 and parse("Every 5m").describe() == "every 5m"
    assert parse("off").on_demand and parse("off").describe() == "on demand"
    defaults = {"referral-expiry": "15 1 * * *", "outbox-delivery": "* * * * *", "by-hand": None}
    got = resolve(defaults, {"TREMPLIN_FLOW_SCHEDULE_REFERRAL_EXPIRY": "0 2 * * mon-fri"})
    assert got["referral-expiry"].cron == "0 2 * * mon-fri"
    assert got["referral-expiry"].source == "TREMPLIN_FLOW_SCHEDULE_REFERRAL_EXPIRY"
    assert got["outbox-delivery"].cron == "* * * * *" and got["by-hand"].on_demand
    for wrong in ("61 1 * * *", "15 1 * *", "every 0s", "every fortnight", "0 25 * * *", "*/0 * * * *"):
        with pytest.raises(FlowScheduleError, match="TREMPLIN_FLOW_SCHEDULE_REFERRAL_EXPIRY"):
            resolve(defaults, {"TREMPLIN_FLOW_SCHEDULE_REFERRAL_EXPIRY": wrong})
    with pytest.raises(FlowScheduleError, match="TREMPLIN_FLOW_SCHEDULE_REFERAL_EXPIRY names no registered flow"):
        resolve(defaults, {"TREMPLIN_FLOW_SCHEDULE_REFERAL_EXPIRY": "0 2 * * *"})


def test_a_changed_schedule_reaches_the_deployment(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    from tremplin.flows.runner import collect, deployments

    monkeypatch.setenv("TREMPLIN_FLOW_SCHEDULE_REFERRAL_EXPIRY", "every 2h")
    monkeypatch.setenv("TREMPLIN_FLOW_SCHEDULE_OUTBOX_DELIVERY", "off")
    flows = {item.name: item for item in collect(app)}
    assert flows["referral-expiry"].schedule() == "every 2h"
    assert flows["neet-instagram-reach"].audience == "neet" and flows["referral-expiry"].audience == "all"
    by_name = {d.name: d for d in deployments(app)}
    [schedule] = by_name["referral-expiry"].schedules
    assert schedule.schedule.interval.total_seconds() == 7200 and schedule.schedule.timezone == "Europe/Brussels"
    assert by_name["outbox-delivery"].schedules == []


def test_an_invalid_schedule_stops_every_flows_command(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from tremplin.core.cli import cli

    monkeypatch.setenv("TREMPLIN_FLOW_SCHEDULE_RETENTION_PURGE", "30 1 * * everyday")
    for args in (["list"], ["serve"], ["run", "referral-expiry"], ["deploy", "--pool", "centres"]):
        result = CliRunner().invoke(cli, ["--database-url", db_url, "flows", *args])
        assert result.exit_code == 1, (args, result.output)
        assert "invalid flow schedule: TREMPLIN_FLOW_SCHEDULE_RETENTION_PURGE='30 1 * * everyday'" in result.output


# ------------------------------------------------------------------------------------------------
# Last runs, and deployments on a work pool, against Prefect's API


def test_flows_list_shows_the_last_run_and_why_it_failed(
    prefect_harness: None, app: App, centre: int, tmp_path: Path
) -> None:
    from tremplin.core.cli import cli
    from tremplin.flows.runner import collect, last_runs, run, use_database

    use_database(app.db.url)
    assert run(app, "referral-expiry") == 0
    with pytest.raises(RuntimeError, match="nobody.here"):
        run(app, "neet-instagram-reach", {"profiles": ["nobody.here"], "source_dir": str(tmp_path)})
    runs = last_runs(collect(app))
    assert runs["referral-expiry"].state == "Completed" and runs["referral-expiry"].message == ""
    assert runs["neet-instagram-reach"].state == "Failed"
    assert "nobody.here" in runs["neet-instagram-reach"].message

    result = CliRunner().invoke(cli, ["--database-url", app.db.url, "flows", "list"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert "Completed" in lines["referral-expiry"]
    assert "Failed" in lines["neet-instagram-reach"] and "nobody.here" in lines["neet-instagram-reach"]

    args = ["flows", "run", "neet-instagram-reach", "-p", 'profiles=["nobody.here"]', "-p", f"source_dir={tmp_path}"]
    failed = CliRunner().invoke(cli, ["--database-url", app.db.url, *args])
    assert failed.exit_code == 1 and "flow 'neet-instagram-reach' failed: RuntimeError" in failed.output


def test_flows_deploy_creates_the_deployments_on_a_process_pool(
    prefect_harness: None, app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.client.schemas.sorting import DeploymentSort
    from prefect.workers.process import ProcessWorker

    from tremplin.core.cli import cli

    monkeypatch.setenv("TREMPLIN_FLOW_SCHEDULE_REFERRAL_EXPIRY", "0 2 * * *")
    missing = CliRunner().invoke(cli, ["--database-url", app.db.url, "flows", "deploy", "--pool", "nowhere"])
    assert missing.exit_code == 1 and "Could not find work pool 'nowhere'" in missing.output

    pool = f"centres-{app.db.engine.dialect.name}"  # the harness is shared by both engines' runs
    with get_client(sync_client=True) as client:
        client.create_work_pool(
            WorkPoolCreate(name=pool, type="process", base_job_template=ProcessWorker.get_default_base_job_template())
        )
    result = CliRunner().invoke(cli, ["--database-url", app.db.url, "flows", "deploy", "--pool", pool])
    assert result.exit_code == 0, result.output
    assert f"Deployed referral-expiry/referral-expiry on {pool}" in result.output
    with get_client(sync_client=True) as client:
        deployed = {
            d.name: d
            for d in client.read_deployments(limit=200, sort=DeploymentSort.NAME_ASC)
            if d.work_pool_name == pool
        }
    assert {"referral-expiry", "retention-purge", "outbox-delivery", "neet-instagram-reach"} <= set(deployed)
    expiry = deployed["referral-expiry"]
    # A worker imports the flow from the installed package: no source to copy around.
    assert expiry.entrypoint == "tremplin.flows.referrals:referral_expiry"
    [schedule] = expiry.schedules
    assert schedule.schedule.cron == "0 2 * * *" and schedule.schedule.timezone == "Europe/Brussels"
    assert "database_url" not in (expiry.parameters or {})

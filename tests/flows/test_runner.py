"""The flow runner and ``tremplin flows``: every registered flow is listed with its schedule."""

from __future__ import annotations

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

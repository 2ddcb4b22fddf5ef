"""When each flow runs: its plugin's default, or the centre's own choice in a setting.

A centre changes a flow's schedule with ``TREMPLIN_FLOW_SCHEDULE_<NAME>``, where ``<NAME>`` is the
flow's name in capitals with dashes as underscores (``TREMPLIN_FLOW_SCHEDULE_REFERRAL_EXPIRY``). The
value is one of:

* a cron expression of five fields, in the centre's time zone: ``15 1 * * *``;
* an interval: ``every 30s``, ``every 5m``, ``every 2h``, ``every 1d``;
* ``off`` (or ``manual``): the flow runs only when asked (``tremplin flows run``).

A value that is none of these, or a setting that names no registered flow (a typo would otherwise be
silently ignored), stops ``tremplin flows`` at start-up with a message naming the setting. Nothing here
imports Prefect: the schedules are checked before anything heavy is loaded.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PREFIX = "TREMPLIN_FLOW_SCHEDULE_"
_INTERVAL = re.compile(r"^every\s+(\d+)\s*(s|m|h|d)$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_OFF = ("off", "manual", "none")
#: Allowed values per cron field (minute, hour, day of month, month, day of week).
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_CRON_NAMES: tuple[dict[str, int], ...] = (
    {},
    {},
    {},
    {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())},
    {d: i for i, d in enumerate("sun mon tue wed thu fri sat".split())},
)


class FlowScheduleError(ValueError):
    """A schedule setting that cannot be used; the message names the setting and what is wrong."""


@dataclass(frozen=True)
class Schedule:
    """A flow's schedule: a cron expression, an interval in seconds, or neither (on demand)."""

    cron: str | None = None
    seconds: int | None = None
    #: Where it comes from: ``default`` (the plugin) or the name of the setting.
    source: str = "default"

    @property
    def on_demand(self) -> bool:
        return self.cron is None and self.seconds is None

    def describe(self) -> str:
        if self.cron:
            return self.cron
        if self.seconds:
            for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
                if self.seconds % size == 0:
                    return f"every {self.seconds // size}{unit}"
            return f"every {self.seconds}s"
        return "on demand"

    def to_prefect(self, timezone: str) -> Any:
        """A ``prefect.schedules.Schedule`` (``None`` for a flow run on demand)."""
        from datetime import timedelta

        from prefect.schedules import Cron, Interval

        if self.cron:
            return Cron(self.cron, timezone=timezone)
        if self.seconds:
            return Interval(timedelta(seconds=self.seconds), timezone=timezone)
        return None


def setting_name(flow_name: str) -> str:
    """The setting that changes ``flow_name``'s schedule."""
    return PREFIX + re.sub(r"[^A-Z0-9]+", "_", flow_name.upper()).strip("_")


def _check_cron_field(text: str, low: int, high: int, names: Mapping[str, int]) -> bool:
    for part in text.split(","):
        body, _, step = part.partition("/")
        if step and (not step.isdigit() or int(step) == 0):
            return False
        if body == "*":
            continue
        ends = body.split("-")
        if len(ends) > 2:
            return False
        values = []
        for end in ends:
            end = end.lower()
            if end in names:
                values.append(names[end])
            elif end.isdigit():
                values.append(int(end))
            else:
                return False
        if any(not low <= v <= high for v in values) or (len(values) == 2 and values[0] > values[1]):
            return False
    return True


def is_cron(text: str) -> bool:
    """A five-field cron expression with values in range (what Prefect's ``Cron`` accepts, checked early)."""
    fields = text.split()
    if len(fields) != 5:
        return False
    return all(_check_cron_field(f, lo, hi, names) for f, (lo, hi), names in zip(fields, _CRON_RANGES, _CRON_NAMES))


def parse(value: str, source: str = "default") -> Schedule:
    """The schedule a setting's value describes; ``FlowScheduleError`` (naming ``source``) otherwise."""
    text = " ".join(value.split())
    if text.lower() in _OFF:
        return Schedule(source=source)
    match = _INTERVAL.match(text)
    if match:
        seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
        if seconds <= 0:
            raise FlowScheduleError(f"{source}={value!r}: an interval must be longer than zero")
        return Schedule(seconds=seconds, source=source)
    if is_cron(text):
        return Schedule(cron=text, source=source)
    raise FlowScheduleError(
        f'{source}={value!r} is not a schedule: give a cron expression of five fields ("15 1 * * *"), '
        'an interval ("every 30s", "every 5m", "every 2h") or "off"'
    )


def resolve(flows: Mapping[str, str | None], environ: Mapping[str, str] | None = None) -> dict[str, Schedule]:
    """Each flow's schedule (``flows`` maps a flow's name to its plugin's default cron).

    Every problem is collected and raised at once, so that a centre fixes its settings in one go.
    """
    env = os.environ if environ is None else environ
    by_setting = {setting_name(name): name for name in flows}
    problems: list[str] = []
    result: dict[str, Schedule] = {}
    for name, default in flows.items():
        key = setting_name(name)
        try:
            if key in env:
                result[name] = parse(env[key], key)
            else:
                result[name] = parse(default, f"the default schedule of {name!r}") if default else Schedule()
        except FlowScheduleError as exc:
            problems.append(str(exc))
    unknown = sorted(key for key in env if key.startswith(PREFIX) and key not in by_setting)
    for key in unknown:
        problems.append(f"{key} names no registered flow (known: {', '.join(sorted(by_setting)) or 'none'})")
    if problems:
        raise FlowScheduleError("; ".join(problems))
    return result

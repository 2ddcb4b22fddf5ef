"""Built-in plugin: the core links of the free-text scrubber chain."""

from __future__ import annotations

from typing import Any

from tremplin.core import hookimpl
from tremplin.core.anonymity import Scrubber, core_scrubbers


@hookimpl
def register_scrubbers(app: Any) -> list[Scrubber]:
    return core_scrubbers()

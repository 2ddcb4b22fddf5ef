"""Built-in plugin: the core links of the free-text scrubber chain."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tremplin.core import hookimpl
from tremplin.core.anonymity import Scrubber, core_scrubbers

if TYPE_CHECKING:
    from tremplin.core.app import App


@hookimpl
def register_scrubbers(app: App) -> list[Scrubber]:
    return core_scrubbers()

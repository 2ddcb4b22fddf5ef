"""The demo toolkit for plugin authors: what a share of ``tremplin demo`` is made of.

A plugin's ``register_demo`` returns ``DemoShare`` objects; their ``records(ctx)`` function draws the
year with the helpers here::

    from tremplin.demo import Choice, DemoContext, DemoShare, Rec, contact

See ``tremplin.core.demo`` for how the demo runs and ``docs/plugins.md`` for an example.
"""

from __future__ import annotations

from tremplin.core.demo import *  # noqa: F403
from tremplin.core.demo import __all__  # noqa: F401

"""Tremplin's engine: anonymous contacts, referrals and cases, the plugin contract and the counters.

The core knows no audience: every audience, the walk-in public included, is a plugin (see
``tremplin.core.hookspecs`` for the contract and ``tremplin.core.plugins`` for how plugins are found).
Plugins mark their hook implementations with ``tremplin.core.hookimpl``.
"""

import pluggy

__version__ = "0.1.0"

#: Marks a function of a plugin as the implementation of the hook of the same name.
hookimpl = pluggy.HookimplMarker("tremplin")

"""The audiences of the Brussels Cité des métiers, each a plugin (see ``tremplin.core.hookspecs``).

The engine loads these by default, after its built-ins (``tremplin.core.plugins.DEFAULT_PLUGINS``); the
engine itself names none of them. Leave one out with ``TREMPLIN_DISABLED_PLUGINS``.
"""

#: The centre's audience plugins, in the order they register.
AUDIENCE_PLUGINS: tuple[str, ...] = (
    "tremplin.plugins.neet",
    "tremplin.plugins.schools",
    "tremplin.plugins.prisons",
    "tremplin.plugins.disability",
    "tremplin.plugins.formtruck",
    "tremplin.plugins.ukrainian",
)

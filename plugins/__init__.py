"""The audiences of the Brussels Cité des métiers, each a plugin (see ``tremplin.core.hookspecs``)."""

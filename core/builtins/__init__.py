"""Core features written as plugins, like any audience: they can be disabled or overridden."""

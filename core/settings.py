"""Settings: read once from the environment (``TREMPLIN_*``) or given explicitly by tests and the CLI."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path


def default_database_url() -> str:
    """The embedded default: a SQLite file in ``$TREMPLIN_HOME`` (or the working directory)."""
    home = Path(os.environ.get("TREMPLIN_HOME", "."))
    return f"sqlite:///{(home / 'tremplin.db').as_posix()}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
    #: Counts from 1 to ``disclosure_threshold - 1`` are hidden in published tables.
    disclosure_threshold: int = 5
    #: Time zone a centre falls back to when it names none; days are counted in local time.
    timezone: str = "Europe/Brussels"
    default_language: str = "fr"
    #: The day the centre opened: records dated before it are refused as typing mistakes
    #: (``TREMPLIN_OPENING_DATE``, ISO; empty for no bound).
    opening_date: date | None = date(2000, 1, 1)
    #: Plugins to leave out, by name (``tremplin.plugins.<audience>``, or an entry point's name).
    disabled_plugins: tuple[str, ...] = ()
    #: Load plugins from the ``tremplin.plugins`` entry-point group.
    load_entrypoints: bool = True
    secret_key: str = "change-me"
    echo_sql: bool = False
    #: Where links in e-mails point (``https://tremplin.example.org``), without a trailing slash.
    public_base_url: str = "http://127.0.0.1:8000"
    #: Outgoing e-mail (``tremplin.core.mail``). Without ``smtp_host``, messages are written as ``.eml``
    #: files to ``outbox_dir`` instead of being sent, so a demo works offline.
    smtp_host: str = ""
    smtp_port: int = 587
    #: ``starttls`` (port 587), ``tls`` (implicit TLS, port 465) or ``none`` (a local relay).
    smtp_security: str = "starttls"
    smtp_username: str = ""
    smtp_password: str = ""
    mail_from: str = "Tremplin <no-reply@localhost>"
    outbox_dir: str = field(default_factory=lambda: str(Path(os.environ.get("TREMPLIN_HOME", ".")) / "outbox"))

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        env = os.environ
        values: dict[str, object] = {}
        if "TREMPLIN_DATABASE_URL" in env:
            values["database_url"] = env["TREMPLIN_DATABASE_URL"]
        if "TREMPLIN_DISCLOSURE_THRESHOLD" in env:
            values["disclosure_threshold"] = int(env["TREMPLIN_DISCLOSURE_THRESHOLD"])
        if "TREMPLIN_TIMEZONE" in env:
            values["timezone"] = env["TREMPLIN_TIMEZONE"]
        if "TREMPLIN_DISABLED_PLUGINS" in env:
            values["disabled_plugins"] = tuple(p.strip() for p in env["TREMPLIN_DISABLED_PLUGINS"].split(",") if p.strip())
        if "TREMPLIN_SECRET_KEY" in env:
            values["secret_key"] = env["TREMPLIN_SECRET_KEY"]
        for name in ("public_base_url", "smtp_host", "smtp_security", "smtp_username", "smtp_password", "mail_from", "outbox_dir"):
            if f"TREMPLIN_{name.upper()}" in env:
                values[name] = env[f"TREMPLIN_{name.upper()}"]
        if "TREMPLIN_OPENING_DATE" in env:
            raw = env["TREMPLIN_OPENING_DATE"].strip()
            values["opening_date"] = date.fromisoformat(raw) if raw else None
        if "TREMPLIN_SMTP_PORT" in env:
            values["smtp_port"] = int(env["TREMPLIN_SMTP_PORT"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> "Settings":
        return replace(self, **changes)  # type: ignore[arg-type]

"""Settings: read once from the environment (``TREMPLIN_*``) or given explicitly by tests and the CLI."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path


def home() -> Path:
    """``$TREMPLIN_HOME``, or the working directory: where the database file and the secret key live."""
    return Path(os.environ.get("TREMPLIN_HOME", "."))


#: The key every installation starts with: ``tremplin serve`` refuses to listen beyond loopback with it.
DEFAULT_SECRET_KEY = "change-me"


def default_secret_key_file() -> str:
    return str(home() / "secret_key")


def read_secret_key(path: str) -> str | None:
    """The key ``tremplin init`` stored in ``path``, if there is one."""
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return text or None


def default_database_url() -> str:
    """The embedded default: a SQLite file in ``$TREMPLIN_HOME`` (or the working directory)."""
    return f"sqlite:///{(home() / 'tremplin.db').as_posix()}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
    #: Counts from 1 to ``disclosure_threshold - 1`` are hidden in published tables.
    disclosure_threshold: int = 5
    #: Time zone a centre falls back to when it names none; days are counted in local time.
    timezone: str = "Europe/Brussels"
    default_language: str = "fr"
    #: Plugins to leave out, by name (``tremplin.plugins.<audience>``, or an entry point's name).
    disabled_plugins: tuple[str, ...] = ()
    #: Load plugins from the ``tremplin.plugins`` entry-point group.
    load_entrypoints: bool = True
    #: Signs the session cookies. Read from ``TREMPLIN_SECRET_KEY``, else from ``secret_key_file`` (written by
    #: ``tremplin init``, readable by its owner only).
    secret_key: str = DEFAULT_SECRET_KEY
    secret_key_file: str = field(default_factory=default_secret_key_file)
    echo_sql: bool = False
    #: The address the public reaches the app at (``https://tremplin.example.org``, no trailing slash): every link
    #: the app writes (e-mails, a partner's ``/r`` address and its QR code) starts with it, never with the Host
    #: header a request came with. When it is ``https``, the session cookie is sent over HTTPS only.
    public_base_url: str = "http://127.0.0.1:8000"
    #: A staff session unused for this many minutes ends (the next request goes to the login page).
    session_idle_minutes: int = 120
    #: Addresses of the reverse proxies whose ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed
    #: (``TREMPLIN_TRUSTED_PROXIES=10.0.0.2,10.0.0.3``). None by default: the address the connection comes from
    #: is the client's, and the per-address login limits apply to it.
    trusted_proxies: tuple[str, ...] = ()
    #: Outgoing e-mail (``tremplin.core.mail``). Without ``smtp_host``, messages are written as ``.eml``
    #: files to ``outbox_dir`` instead of being sent, so a demo works offline.
    smtp_host: str = ""
    smtp_port: int = 587
    #: ``starttls`` (port 587), ``tls`` (implicit TLS, port 465) or ``none`` (a local relay).
    smtp_security: str = "starttls"
    smtp_username: str = ""
    smtp_password: str = ""
    mail_from: str = "Tremplin <no-reply@localhost>"
    outbox_dir: str = field(default_factory=lambda: str(home() / "outbox"))

    @property
    def https(self) -> bool:
        """Whether the public reaches the app over HTTPS (the session cookie is then ``Secure``)."""
        return self.public_base_url.lower().startswith("https://")

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
        if "TREMPLIN_SECRET_KEY_FILE" in env:
            values["secret_key_file"] = env["TREMPLIN_SECRET_KEY_FILE"]
        if env.get("TREMPLIN_SECRET_KEY"):
            values["secret_key"] = env["TREMPLIN_SECRET_KEY"]
        else:
            stored = read_secret_key(str(values.get("secret_key_file") or default_secret_key_file()))
            if stored:
                values["secret_key"] = stored
        if "TREMPLIN_SESSION_IDLE_MINUTES" in env:
            values["session_idle_minutes"] = int(env["TREMPLIN_SESSION_IDLE_MINUTES"])
        if "TREMPLIN_TRUSTED_PROXIES" in env:
            values["trusted_proxies"] = tuple(p.strip() for p in env["TREMPLIN_TRUSTED_PROXIES"].split(",") if p.strip())
        for name in ("public_base_url", "smtp_host", "smtp_security", "smtp_username", "smtp_password", "mail_from", "outbox_dir"):
            if f"TREMPLIN_{name.upper()}" in env:
                values[name] = env[f"TREMPLIN_{name.upper()}"]
        if "TREMPLIN_SMTP_PORT" in env:
            values["smtp_port"] = int(env["TREMPLIN_SMTP_PORT"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> "Settings":
        return replace(self, **changes)  # type: ignore[arg-type]

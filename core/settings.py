"""Settings: read once from the environment (``TREMPLIN_*``) or given explicitly by tests and the CLI."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import date
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


#: The longest the audit log may keep a client address (data minimisation: enough to see an attack).
MAX_ADDRESS_RETENTION_DAYS = 30


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
    #: A PEM file of the certificate authorities the SMTP server's certificate is checked against,
    #: instead of the system's (a relay with a certificate of the organisation's own authority).
    #: The certificate and its host name are always checked: there is no setting to turn that off.
    smtp_ca_file: str = ""
    mail_from: str = "Tremplin <no-reply@localhost>"
    outbox_dir: str = field(default_factory=lambda: str(home() / "outbox"))
    #: Days the audit log keeps the client address of a public request (failed logins, referral codes
    #: checked): from 1 to ``MAX_ADDRESS_RETENTION_DAYS``; the retention flow forgets older ones.
    audit_address_retention_days: int = 30
    #: Days the outbox keeps an e-mail it sent (failed ones stay for a coordinator to see).
    outbox_retention_days: int = 30
    #: The Telegram bot (``tremplin.core.bot``). The key seals chat ids (Fernet, urlsafe base64 of 32 bytes:
    #: ``python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"``);
    #: empty, it is derived from ``secret_key``. Changing it makes sealed chat ids unreadable (threads
    #: waiting for an answer can no longer be answered in the chat).
    bot_encryption_key: str = ""
    #: Days a thread's text, a chat's state and its sealed id are kept after the last message.
    bot_retention_days: int = 30
    #: Messages a chat may send in a minute before the bot asks it to slow down.
    bot_rate_limit: int = 20

    def __post_init__(self) -> None:
        days = self.audit_address_retention_days
        if not 1 <= days <= MAX_ADDRESS_RETENTION_DAYS:
            raise ValueError(
                f"audit_address_retention_days (TREMPLIN_AUDIT_ADDRESS_RETENTION_DAYS) is {days}: "
                f"client addresses are kept from 1 to {MAX_ADDRESS_RETENTION_DAYS} days"
            )

    @property
    def https(self) -> bool:
        """Whether the public reaches the app over HTTPS (the session cookie is then ``Secure``)."""
        return self.public_base_url.lower().startswith("https://")

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = os.environ
        values: dict[str, object] = {}
        if "TREMPLIN_DATABASE_URL" in env:
            values["database_url"] = env["TREMPLIN_DATABASE_URL"]
        if "TREMPLIN_DISCLOSURE_THRESHOLD" in env:
            values["disclosure_threshold"] = int(env["TREMPLIN_DISCLOSURE_THRESHOLD"])
        if "TREMPLIN_TIMEZONE" in env:
            values["timezone"] = env["TREMPLIN_TIMEZONE"]
        if "TREMPLIN_DISABLED_PLUGINS" in env:
            values["disabled_plugins"] = tuple(
                p.strip() for p in env["TREMPLIN_DISABLED_PLUGINS"].split(",") if p.strip()
            )
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
            values["trusted_proxies"] = tuple(
                p.strip() for p in env["TREMPLIN_TRUSTED_PROXIES"].split(",") if p.strip()
            )
        for name in (
            "public_base_url",
            "smtp_host",
            "smtp_security",
            "smtp_username",
            "smtp_password",
            "smtp_ca_file",
            "mail_from",
            "outbox_dir",
        ):
            if f"TREMPLIN_{name.upper()}" in env:
                values[name] = env[f"TREMPLIN_{name.upper()}"]
        if "TREMPLIN_BOT_ENCRYPTION_KEY" in env:
            values["bot_encryption_key"] = env["TREMPLIN_BOT_ENCRYPTION_KEY"]
        for name in ("bot_retention_days", "bot_rate_limit"):
            if f"TREMPLIN_{name.upper()}" in env:
                values[name] = int(env[f"TREMPLIN_{name.upper()}"])
        if "TREMPLIN_OPENING_DATE" in env:
            raw = env["TREMPLIN_OPENING_DATE"].strip()
            values["opening_date"] = date.fromisoformat(raw) if raw else None
        if "TREMPLIN_SMTP_PORT" in env:
            values["smtp_port"] = int(env["TREMPLIN_SMTP_PORT"])
        if "TREMPLIN_AUDIT_ADDRESS_RETENTION_DAYS" in env:
            values["audit_address_retention_days"] = int(env["TREMPLIN_AUDIT_ADDRESS_RETENTION_DAYS"])
        if "TREMPLIN_OUTBOX_RETENTION_DAYS" in env:
            values["outbox_retention_days"] = int(env["TREMPLIN_OUTBOX_RETENTION_DAYS"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

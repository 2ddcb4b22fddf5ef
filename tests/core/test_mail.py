"""E-mail through the outbox: rendered in the reader's language, sent once, retried with backoff, on
a real SMTP server on loopback (aiosmtpd), or written as .eml files when no server is set."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import make_app
from tremplin.core import mail
from tremplin.core.app import App
from tremplin.core.models import OutboxMessage

aiosmtpd = pytest.importorskip("aiosmtpd.controller", reason="the mail tests need aiosmtpd (pip install aiosmtpd)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """What the loopback SMTP server received; ``refuse`` makes it answer 550 to a recipient."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.content
        self.messages.append(email.message_from_bytes(content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, Any]]:
    inbox = Inbox()
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller
    controller.stop()


@pytest.fixture
def templates(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "mail"
    (folder / "tests").mkdir(parents=True)
    (folder / "tests" / "hello.fr.txt").write_text(
        "Subject: Bonjour {{ name }}\n\nBonjour {{ name }}, à bientôt.\n", encoding="utf-8"
    )
    (folder / "tests" / "hello.nl.txt").write_text(
        "Subject: Dag {{ name }}\n\nDag {{ name }}, tot binnenkort.\n", encoding="utf-8"
    )
    (folder / "tests" / "hello.html").write_text(
        '{% extends "mail_base.html" %}{% block body %}'
        "{% for p in paragraphs %}<p>{{ p }}</p>{% endfor %}{% endblock %}",
        encoding="utf-8",
    )
    mail.template_dirs.append(folder)
    yield folder
    mail.template_dirs.remove(folder)


def smtp_app(db_url: str, controller: Any, tmp_path: Path) -> App:
    return make_app(
        db_url,
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
        smtp_security="none",
        outbox_dir=str(tmp_path / "outbox"),
    )


def enqueue(app: App, key: str, to: str = "teacher@school.be", lang: str = "nl") -> None:
    with app.transaction() as session:
        mail.enqueue(
            session,
            key=key,
            to=to,
            template="tests/hello",
            lang=lang,
            context={"name": "Ann"},
            attachments=[
                mail.Attachment("a.ics", "text/calendar; method=REQUEST", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
            ],
        )


def test_a_message_is_sent_once_in_its_language(
    db_url: str, smtp: tuple[Inbox, Any], templates: Path, tmp_path: Path
) -> None:
    inbox, controller = smtp
    app = smtp_app(db_url, controller, tmp_path)
    enqueue(app, "tests:1")
    enqueue(app, "tests:1")  # a repeated run enqueues the same key: stored once
    with app.session() as session:
        assert session.scalar(select(func.count(OutboxMessage.id))) == 1
    assert mail.deliver(app).sent == 1
    assert mail.deliver(app).sent == 0, "a second run sends nothing"
    (received,) = inbox.messages
    assert received["Subject"] == "Dag Ann" and received["To"] == "teacher@school.be"
    assert received.get_body(("plain",)).get_content().strip() == "Dag Ann, tot binnenkort."
    assert "<p>Dag Ann, tot binnenkort.</p>" in received.get_body(("html",)).get_content()
    (attachment,) = list(received.iter_attachments())
    assert attachment.get_content_type() == "text/calendar" and attachment.get_param("method") == "REQUEST"
    with app.session() as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert message.state == "sent" and message.attempts == 1 and message.sent_at is not None
    app.close()


def test_a_language_without_a_template_falls_back_to_french(templates: Path) -> None:
    assert mail.render("tests/hello", "uk", {"name": "Olena"})[0] == "Bonjour Olena"
    with pytest.raises(mail.MailError, match="no mail template"):
        mail.render("tests/nothing", "fr", {})


def test_a_server_that_is_down_is_retried_with_backoff_then_sent_once(
    db_url: str, templates: Path, tmp_path: Path
) -> None:
    port = free_port()
    app = make_app(db_url, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")
    enqueue(app, "tests:down")
    now = datetime.now(UTC)
    report = mail.deliver(app, now=now)
    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    with app.session() as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert message.state == "pending" and message.attempts == 1 and "ConnectionRefusedError" in message.last_error
        assert message.next_attempt_at - now == mail.BACKOFF
    assert mail.deliver(app, now=now + timedelta(seconds=30)).retried == 0, "not due yet"
    report = mail.deliver(app, now=now + mail.BACKOFF)
    assert report.retried == 1
    with app.session() as session:
        assert session.scalars(select(OutboxMessage)).one().next_attempt_at - (now + mail.BACKOFF) == 2 * mail.BACKOFF
    inbox = Inbox()
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert mail.deliver(app, now=now + 3 * mail.BACKOFF).sent == 1
        assert mail.deliver(app, now=now + 10 * mail.BACKOFF).sent == 0
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    app.close()


def test_retries_end_and_a_refused_mailbox_fails_at_once(
    db_url: str, smtp: tuple[Inbox, Any], templates: Path, tmp_path: Path
) -> None:
    inbox, controller = smtp
    inbox.refuse.add("nobody@school.be")
    app = smtp_app(db_url, controller, tmp_path)
    enqueue(app, "tests:refused", to="nobody@school.be")
    assert mail.deliver(app).failed == 1
    with app.session() as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert message.state == "failed" and "550" in message.last_error and message.attempts == 1
    with app.transaction() as session:
        mail.retry_now(session, session.scalars(select(OutboxMessage)).one())
    inbox.refuse.clear()
    assert mail.deliver(app).sent == 1 and len(inbox.messages) == 1
    app.close()
    down = make_app(db_url, smtp_host="127.0.0.1", smtp_port=free_port(), smtp_security="none")
    enqueue(down, "tests:never")
    moment = datetime.now(UTC)
    for attempt in range(mail.MAX_ATTEMPTS):
        mail.deliver(down, now=moment)
        moment += mail.BACKOFF * 2**attempt
    with down.session() as session:
        message = session.scalars(select(OutboxMessage).where(OutboxMessage.key == "tests:never")).one()
        assert message.state == "failed" and message.attempts == mail.MAX_ATTEMPTS
    down.close()


def test_a_claimed_message_is_not_sent_by_another_run(
    db_url: str, smtp: tuple[Inbox, Any], templates: Path, tmp_path: Path
) -> None:
    from sqlalchemy import update

    inbox, controller = smtp
    app = smtp_app(db_url, controller, tmp_path)
    enqueue(app, "tests:claimed")
    now = datetime.now(UTC)
    with app.transaction() as session:  # a run that claimed it and crashed before sending
        session.execute(update(OutboxMessage).values(state="sending", claimed_at=now))
    assert mail.deliver(app, now=now + timedelta(minutes=1)).sent == 0
    assert mail.deliver(app, now=now + mail.CLAIM_LEASE + timedelta(seconds=1)).sent == 1, (
        "after the lease, another run takes it"
    )
    assert len(inbox.messages) == 1
    app.close()


def test_without_smtp_settings_messages_are_eml_files(db_url: str, templates: Path, tmp_path: Path) -> None:
    app = make_app(db_url, outbox_dir=str(tmp_path / "outbox"))
    enqueue(app, "tests:eml", lang="fr")
    assert mail.deliver(app).sent == 1
    (path,) = (tmp_path / "outbox").glob("*.eml")
    written = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert written["Subject"] == "Bonjour Ann" and written["Message-ID"].startswith("<")
    app.close()


# --------------------------------------------------------------------------------------------------
# Encrypted connections and credentials: a self-signed certificate made here, the client verifying it


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, and its key: ``(cert.pem, key.pem)``."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tremplin loopback relay")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class Logins:
    """The relay's accounts: one user, one password; every attempt is kept, with whether TLS carried it."""

    USER, PASSWORD = "relay-user", "quiet-harbour-2026"

    def __init__(self) -> None:
        self.attempts: list[tuple[str, bool]] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = (v.decode() if isinstance(v, bytes) else v for v in (auth_data.login, auth_data.password))
        self.attempts.append((user, server.transport.get_extra_info("ssl_object") is not None))
        # ``handled=False``: the server answers (235 or 535) itself.
        return AuthResult(success=(user, password) == (self.USER, self.PASSWORD), handled=False)


def tls_server(certificate: tuple[Path, Path], implicit: bool, logins: Logins | None) -> tuple[Inbox, Any]:
    """A loopback relay speaking STARTTLS (``implicit=False``, which it then requires) or TLS from the first
    byte; with ``logins``, it requires AUTH, over TLS only."""
    import ssl

    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(*certificate)
    inbox = Inbox()
    options: dict[str, Any] = {"hostname": "127.0.0.1", "port": free_port()}
    if implicit:
        options["ssl_context"] = server_context
    else:
        options.update(tls_context=server_context, require_starttls=True)
    if logins is not None:
        # AUTH over TLS only: after STARTTLS, or on a connection that is TLS from the start.
        options.update(authenticator=logins, auth_required=True, auth_require_tls=not implicit)
    controller = aiosmtpd.Controller(inbox, **options)
    controller.start()
    return inbox, controller


def tls_app(db_url: str, controller: Any, tmp_path: Path, **settings: Any) -> App:
    return make_app(
        db_url, smtp_host="127.0.0.1", smtp_port=controller.port, outbox_dir=str(tmp_path / "o"), **settings
    )


# aiosmtpd warns that AUTH does not wait for STARTTLS: with implicit TLS the whole connection is encrypted.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_encrypted_delivery_with_credentials_verifies_the_certificate(
    db_url: str, templates: Path, tmp_path: Path, certificate: tuple[Path, Path], security: str
) -> None:
    logins = Logins()
    inbox, controller = tls_server(certificate, implicit=security == "tls", logins=logins)
    cert_path = str(certificate[0])
    try:
        # The relay's certificate is unknown to the system: refused, nothing sent, tried again later.
        app = tls_app(db_url, controller, tmp_path, smtp_security=security)
        enqueue(app, f"tls:{security}:1")
        report = mail.deliver(app)
        assert (report.sent, report.retried) == (0, 1) and inbox.messages == [] and logins.attempts == []
        with app.session() as session:
            assert "CERTIFICATE_VERIFY_FAILED" in session.scalars(select(OutboxMessage)).one().last_error
        app.close()

        # Trusting its authority (TREMPLIN_SMTP_CA_FILE) but with a wrong password: refused for good.
        app = tls_app(
            db_url,
            controller,
            tmp_path,
            smtp_security=security,
            smtp_ca_file=cert_path,
            smtp_username=Logins.USER,
            smtp_password="not-the-password-2026",
        )
        enqueue(app, f"tls:{security}:2")
        # (The first message, due again, goes with the second: both refused, with the server's reason.)
        assert mail.deliver(app, now=datetime.now(UTC) + timedelta(hours=1)).failed == 2
        assert inbox.messages == [] and logins.attempts and set(logins.attempts) == {(Logins.USER, True)}
        with app.session() as session:
            assert all(m.last_error.startswith("535") for m in session.scalars(select(OutboxMessage)))
        app.close()

        # The right credentials: sent, once, the password carried by TLS.
        app = tls_app(
            db_url,
            controller,
            tmp_path,
            smtp_security=security,
            smtp_ca_file=cert_path,
            smtp_username=Logins.USER,
            smtp_password=Logins.PASSWORD,
        )
        enqueue(app, f"tls:{security}:3")
        assert mail.deliver(app, now=datetime.now(UTC) + timedelta(hours=1)).sent == 1
        assert mail.deliver(app, now=datetime.now(UTC) + timedelta(hours=2)).sent == 0, "sent once"
        assert [m["Subject"] for m in inbox.messages] == ["Dag Ann"]
        assert logins.attempts[-1] == (Logins.USER, True)
        with app.session() as session:
            states = {m.key: m.state for m in session.scalars(select(OutboxMessage))}
        assert states == {f"tls:{security}:1": "failed", f"tls:{security}:2": "failed", f"tls:{security}:3": "sent"}
        app.close()
    finally:
        controller.stop()


def test_a_relay_without_starttls_or_a_password_in_clear_gets_nothing(
    db_url: str, smtp: tuple[Inbox, Any], templates: Path, tmp_path: Path
) -> None:
    inbox, controller = smtp  # a plain relay: no STARTTLS offered
    app = tls_app(db_url, controller, tmp_path, smtp_security="starttls")
    enqueue(app, "plain:1")
    assert mail.deliver(app).retried == 1 and inbox.messages == [], "no fall back to an unencrypted session"
    app.close()
    app = tls_app(
        db_url,
        controller,
        tmp_path,
        smtp_security="none",
        smtp_username="relay-user",
        smtp_password="quiet-harbour-2026",
    )
    enqueue(app, "plain:2")
    assert mail.deliver(app).failed == 1 and inbox.messages == []
    with app.session() as session:
        refused = session.scalars(select(OutboxMessage).where(OutboxMessage.key == "plain:2")).one()
        assert "credentials" in refused.last_error and refused.state == "failed"
    app.close()

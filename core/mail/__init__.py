"""E-mail, once for the whole project: templates in four languages, an outbox, SMTP or ``.eml`` files.

Whoever writes to people (a booking confirmation, a reminder, a delivered report) does two things:

1. ``enqueue(session, key=..., to=..., template="bookings/confirmation", lang="nl", context={...})``
   inside the transaction that decided to write. The message is rendered now (subject, text part,
   HTML part) and stored in the outbox (``OutboxMessage``) under its idempotency key: enqueuing the
   same key again stores nothing, so a flow run repeated after a crash never sends twice.
2. ``deliver(app)`` later (right after the request, and every minute from the ``outbox-delivery``
   flow) sends what is due. Each message is claimed with a conditional UPDATE, so two runs never send
   the same one; a temporary failure is retried with exponential backoff (1, 2, 4... minutes, at most
   ``MAX_ATTEMPTS`` times); a permanent refusal (an unknown mailbox) fails at once. Failures keep
   their reason, for the coordinator to see.

Templates are Jinja2 files named ``<name>.<lang>.txt`` (first line ``Subject: ...``, then the text
part) and ``<name>.<lang>.html`` or, for every language, ``<name>.html`` (the HTML part, extending
``mail_base.html``; the shared one gets the text part as ``text`` and ``paragraphs``), looked up in
``template_dirs``, to which plugins append their own folders. A language without a template falls
back to French, then English.

SMTP settings (``TREMPLIN_SMTP_HOST``, ``_PORT``, ``_SECURITY`` = starttls | tls | none,
``_USERNAME``, ``_PASSWORD``, ``_CA_FILE``, ``TREMPLIN_MAIL_FROM``): without a host, each message is
written as an ``.eml`` file to ``TREMPLIN_OUTBOX_DIR`` (default ``outbox/`` next to the database) and counts as sent.
With ``starttls`` (port 587) the connection is upgraded before anything else is said, and a server that
does not offer STARTTLS gets nothing; with ``tls`` (port 465) it is encrypted from the first byte. The
server's certificate and host name are always verified, against the system's authorities or those of
``TREMPLIN_SMTP_CA_FILE``. Credentials are sent only over an encrypted connection.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import ssl
    from email.message import EmailMessage

    import jinja2
    from sqlalchemy import CursorResult
    from sqlalchemy.orm import Session

    from tremplin.core.app import App
    from tremplin.core.models import OutboxMessage
    from tremplin.core.settings import Settings

TEMPLATES = Path(__file__).with_name("templates")
#: Folders mail templates are looked up in, first match wins. Plugins append theirs.
template_dirs: list[str | os.PathLike[str]] = [TEMPLATES]

MAX_ATTEMPTS = 6
#: First retry after this long; each next one waits twice as long.
BACKOFF = timedelta(minutes=1)
#: A message claimed this long ago by a run that never finished (it crashed) may be claimed again.
CLAIM_LEASE = timedelta(minutes=10)


class MailError(RuntimeError):
    """A message that cannot be rendered (no template in any language)."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes

    def as_json(self) -> dict[str, str]:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "data": base64.b64encode(self.data).decode("ascii"),
        }


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    import jinja2

    from tremplin.core.web.templating import _LiveFolders

    return jinja2.Environment(
        loader=_LiveFolders(template_dirs),
        autoescape=jinja2.select_autoescape(("html",), default_for_string=False, default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def render(template: str, lang: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """``(subject, text, html)`` of ``template`` in ``lang`` (falling back to French, then English)."""
    import jinja2

    env = environment()
    for candidate in dict.fromkeys((lang, "fr", "en")):
        try:
            text_template = env.get_template(f"{template}.{candidate}.txt")
        except jinja2.TemplateNotFound:
            continue
        ctx = {**context, "lang": candidate}
        text = text_template.render(ctx)
        first, _, rest = text.partition("\n")
        if not first.startswith("Subject:"):
            raise MailError(f"{template}.{candidate}.txt must start with a 'Subject: ...' line")
        body = rest.lstrip("\n")
        # The HTML part: this language's own template, or one shared by the languages that lays out
        # the text part (``text``, ``paragraphs``) with the message's links as buttons.
        html = ""
        for name in (f"{template}.{candidate}.html", f"{template}.html"):
            try:
                html_template = env.get_template(name)
            except jinja2.TemplateNotFound:
                continue
            html = html_template.render(
                {**ctx, "text": body, "paragraphs": [p for p in body.split("\n\n") if p.strip()]}
            )
            break
        return first[len("Subject:") :].strip(), body, html
    raise MailError(
        f"no mail template {template!r} in {lang}, fr or en (looked in {', '.join(map(str, template_dirs))})"
    )


def enqueue(
    session: Session,
    *,
    key: str,
    to: str,
    template: str,
    lang: str,
    context: Mapping[str, Any],
    attachments: Iterable[Attachment] = (),
    centre_id: int | None = None,
    audience: str | None = None,
    subject_ref: str = "",
) -> OutboxMessage:
    """Render and store a message under ``key``; an existing message with that key is returned as is."""
    from sqlalchemy import select

    from tremplin.core.models import OutboxMessage

    existing = session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))
    if existing is not None:
        return existing
    subject, text, html = render(template, lang, context)
    message = OutboxMessage(
        key=key,
        channel="email",
        centre_id=centre_id,
        audience=audience,
        subject_ref=subject_ref,
        to_address=to,
        subject=subject[:300],
        body_text=text,
        body_html=html,
        attachments=[a.as_json() for a in attachments],
        state="pending",
        next_attempt_at=datetime.now(UTC),
    )
    session.add(message)
    session.flush()
    # What this transaction queued: a web request delivers just these once it has answered.
    session.info.setdefault("outbox", []).append(message.id)
    return message


def queued(session: Session) -> list[int]:
    """The ids of the messages ``session`` queued (and forgets them): hand them to ``deliver(only=...)``."""
    return list(session.info.pop("outbox", []))


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """The MIME message: a text part, an HTML alternative, the attachments. Its Message-ID comes from
    the idempotency key, so should a crash ever make a message leave twice, mail clients show it once."""
    from email.message import EmailMessage
    from email.utils import formatdate

    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to_address
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    domain = sender.rpartition("@")[2].rstrip(">").strip() or "localhost"
    mail["Message-ID"] = f"<{hashlib.sha256(message.key.encode()).hexdigest()[:32]}@{domain}>"
    mail.set_content(message.body_text)
    if message.body_html:
        mail.add_alternative(message.body_html, subtype="html")
    for item in message.attachments or []:
        maintype, _, subtype = item["content_type"].partition("/")
        params = {}
        if subtype.startswith("calendar"):
            # "text/calendar; method=REQUEST": calendar clients offer to add or update the event.
            subtype, _, rest = subtype.partition(";")
            for param in rest.split(";"):
                name, _, value = param.strip().partition("=")
                if name:
                    params[name] = value
        mail.add_attachment(
            base64.b64decode(item["data"]),
            maintype=maintype,
            subtype=subtype.strip(),
            filename=item["filename"],
            params=params,
        )
    return mail


class PermanentFailure(Exception):
    """The server refused the message for good (unknown mailbox, refused sender): no retry."""


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


SECURITY = ("starttls", "tls", "none")


def tls_context(settings: Settings) -> ssl.SSLContext:
    """The client's TLS context: certificates and host names verified, against ``smtp_ca_file`` if set."""
    import ssl

    context = ssl.create_default_context(cafile=settings.smtp_ca_file or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _send_smtp(settings: Settings, mail: EmailMessage) -> None:
    import smtplib

    security = settings.smtp_security.lower()
    if security not in SECURITY:
        raise PermanentFailure(
            f"TREMPLIN_SMTP_SECURITY is {settings.smtp_security!r}: use one of {', '.join(SECURITY)}"
        )
    if settings.smtp_username and security == "none":
        # A password is never sent in clear: a relay that needs one speaks TLS.
        raise PermanentFailure("SMTP credentials are set but TREMPLIN_SMTP_SECURITY is none: use starttls or tls")
    try:
        if security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=30, context=tls_context(settings)
            )
        else:
            client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
        with client:
            if security == "starttls":
                # Raises when the server does not offer STARTTLS: nothing goes out unencrypted.
                client.starttls(context=tls_context(settings))
            if settings.smtp_username:
                client.login(settings.smtp_username, settings.smtp_password)
            client.send_message(mail)
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentFailure(f"recipient refused: {exc.recipients}") from exc
    except smtplib.SMTPResponseException as exc:
        if 500 <= exc.smtp_code < 600:
            raise PermanentFailure(f"{exc.smtp_code} {_text(exc.smtp_error)}") from exc
        raise


def _write_eml(settings: Settings, message: OutboxMessage, mail: EmailMessage) -> Path:
    folder = Path(settings.outbox_dir)
    folder.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(message.key.encode()).hexdigest()[:16]
    path = folder / f"{message.id:06d}-{name}.eml"
    path.write_bytes(mail.as_bytes())
    return path


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def deliver(
    app: App, now: datetime | None = None, limit: int = 200, only: Iterable[int] | None = None
) -> DeliveryReport:
    """Send the messages that are due (or, with ``only``, those of them); returns how many were sent,
    put back for a retry, or failed."""
    from sqlalchemy import or_, select, update

    from tremplin.core.models import OutboxMessage

    now = now or datetime.now(UTC)
    report = DeliveryReport()
    settings = app.settings
    wanted = list(only) if only is not None else None
    if wanted == []:
        return report
    with app.transaction() as session:
        due = session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.id.in_(wanted) if wanted is not None else OutboxMessage.id.is_not(None))
            .where(
                or_(
                    (OutboxMessage.state == "pending") & (OutboxMessage.next_attempt_at <= now),
                    (OutboxMessage.state == "sending") & (OutboxMessage.claimed_at < now - CLAIM_LEASE),
                )
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        ).all()
    for message_id in due:
        with app.transaction() as session:
            claimed = cast(
                "CursorResult[Any]",
                session.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.id == message_id,
                        or_(
                            OutboxMessage.state == "pending",
                            (OutboxMessage.state == "sending") & (OutboxMessage.claimed_at < now - CLAIM_LEASE),
                        ),
                    )
                    .values(state="sending", claimed_at=now)
                ),
            ).rowcount
        if not claimed:
            continue  # another run has it
        with app.transaction() as session:
            message = session.get(OutboxMessage, message_id)
            assert message is not None
            mail = build_email(message, settings.mail_from)
            message.attempts += 1
            try:
                if settings.smtp_host:
                    _send_smtp(settings, mail)
                else:
                    _write_eml(settings, message, mail)
            except PermanentFailure as exc:
                message.state, message.last_error = "failed", str(exc)[:2000]
                report.failed += 1
            except Exception as exc:  # network, timeouts, 4xx: try again later
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if message.attempts >= MAX_ATTEMPTS:
                    message.state = "failed"
                    report.failed += 1
                else:
                    message.state = "pending"
                    message.next_attempt_at = now + BACKOFF * (2 ** (message.attempts - 1))
                    report.retried += 1
            else:
                message.state, message.sent_at, message.last_error = "sent", now, ""
                report.sent += 1
    return report


def retry_now(session: Session, message: OutboxMessage) -> None:
    """Put a failed message back in the queue (the coordinator fixed the address, the server is back)."""
    message.state = "pending"
    message.attempts = 0
    message.next_attempt_at = datetime.now(UTC)
    session.flush()

"""The audit log keeps no text a visitor typed, and forgets client addresses after their retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from tests.web.conftest import Web, login
from tremplin.core.audit import FORGOTTEN_ADDRESS, forget_addresses, username_key
from tremplin.core.models import AuditEvent
from tremplin.core.settings import Settings

TYPED = "jean.dupont@example.be"


def _audit_dump(web: Web) -> str:
    with web.app.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT actor, action, object_type, object_id, details FROM audit_events")).all()
    return repr(rows)


def test_an_unknown_username_is_kept_only_as_a_keyed_hash(web: Web) -> None:
    client = web.anonymous()
    assert login(client, TYPED, "not-the-password-at-all").status_code == 401
    assert login(client, "counsellor", "not-the-password-at-all").status_code == 401
    dump = _audit_dump(web)
    assert TYPED not in dump and "jean.dupont" not in dump, dump
    with web.app.session() as session:
        failed = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "login.failed").order_by(AuditEvent.id)
        ).all()
    key = username_key(web.app.settings.secret_key, TYPED)
    assert [e.object_id for e in failed] == [key, "counsellor"]
    assert key.startswith("h:") and len(key) == 34
    # Keyed: another secret gives another hash, so a list of guessed names cannot be hashed and matched.
    assert username_key("another-secret-key-entirely", TYPED) != key


def test_attempts_under_an_unknown_username_are_still_counted(web: Web) -> None:
    from tremplin.core.web.security import login_throttle

    client = web.anonymous()
    for _ in range(3):
        assert login(client, TYPED, "not-the-password-at-all").status_code == 401
    with web.app.session() as session:
        # From another address, the same unknown username is slowed down: its hash is counted.
        throttle = login_throttle(session, TYPED, "192.0.2.10")
    assert throttle.failures == 3 and throttle.wait_seconds > 0


def test_client_addresses_are_forgotten_after_their_retention(web: Web) -> None:
    now = datetime.now(UTC)
    with web.app.transaction() as session:
        for days, actor in ((45, "ip:198.51.100.7"), (31, "ip:198.51.100.8"), (29, "ip:198.51.100.9"), (45, "admin")):
            session.add(
                AuditEvent(action="login.failed", actor=actor, object_type="login", at=now - timedelta(days=days))
            )
        session.add(
            AuditEvent(action="referral.check_failed", actor="ip:198.51.100.10", object_type="referral", at=now)
        )
    with web.app.transaction() as session:
        assert forget_addresses(session, now - timedelta(days=30)) == 2
    with web.app.transaction() as session:
        assert forget_addresses(session, now - timedelta(days=30)) == 0, "nothing twice"
    dump = _audit_dump(web)
    assert "198.51.100.7" not in dump and "198.51.100.8" not in dump
    assert "198.51.100.9" in dump and "198.51.100.10" in dump and "'admin'" in dump
    with web.app.session() as session:
        forgotten = session.scalars(select(AuditEvent).where(AuditEvent.actor == FORGOTTEN_ADDRESS)).all()
    assert len(forgotten) == 2


def test_the_address_retention_is_a_setting_of_thirty_days_at_most(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(database_url="sqlite://").audit_address_retention_days == 30
    monkeypatch.setenv("TREMPLIN_AUDIT_ADDRESS_RETENTION_DAYS", "7")
    assert Settings.from_env(database_url="sqlite://").audit_address_retention_days == 7
    for days in ("31", "0", "365"):
        monkeypatch.setenv("TREMPLIN_AUDIT_ADDRESS_RETENTION_DAYS", days)
        with pytest.raises(ValueError, match="from 1 to 30 days"):
            Settings.from_env(database_url="sqlite://")

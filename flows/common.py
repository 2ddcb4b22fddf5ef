"""What every flow needs: an app for the run, the centres it works on, a logger that works anywhere.

Flows receive ``database_url`` as an optional parameter; without it they read ``TREMPLIN_DATABASE_URL``
(``tremplin flows`` sets it from ``--database-url``), so a served deployment never stores a database
password among its parameters.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tremplin.core.app import App
    from tremplin.core.models import Centre


@contextmanager
def open_app(database_url: str | None = None) -> Iterator[App]:
    """An app for one flow or task run, closed (its engine disposed) at the end."""
    from tremplin.core.app import create_app

    app = create_app(database_url=database_url)
    try:
        yield app
    finally:
        app.close()


def centres(session: Session, code: str | None = None) -> list[Centre]:
    """The centre named by ``code``, or every centre (by id) when ``code`` is ``None``."""
    from sqlalchemy import select

    from tremplin.core.models import Centre

    if code is None:
        return list(session.scalars(select(Centre).order_by(Centre.id)))
    centre = session.scalar(select(Centre).where(Centre.code == code))
    if centre is None:
        raise LookupError(f"unknown centre {code!r}")
    return [centre]


def one_centre(session: Session, code: str | None = None) -> Centre:
    """The centre named by ``code``; without a code, the only centre of the database."""
    found = centres(session, code)
    if not found:
        raise LookupError("the database has no centre: run `tremplin init --centre CODE` first")
    if len(found) > 1:
        raise LookupError(f"the database has {len(found)} centres: name one ({', '.join(c.code for c in found)})")
    return found[0]


def logger() -> Any:
    """Prefect's run logger inside a flow or task run, a plain logger elsewhere (``task.fn()``)."""
    try:
        from prefect import get_run_logger
        from prefect.exceptions import MissingContextError

        try:
            return get_run_logger()
        except MissingContextError:
            pass
    except ImportError:  # pragma: no cover - Prefect is a dependency
        pass
    return logging.getLogger("tremplin.flows")


def recipients(setting: str) -> list[str]:
    """The addresses a setting lists (``TREMPLIN_ADMIN_EMAILS="a@x.org, b@x.org"``), in order, once each.

    These are staff and partner offices' addresses, set by the centre, never a member of the public's.
    """
    import os

    found = [part.strip() for part in os.environ.get(setting, "").replace(";", ",").split(",")]
    return list(dict.fromkeys(address for address in found if address))


def centre_name(session: Session) -> str:
    """The name e-mails are signed with: the centre's, when the database has one."""
    from sqlalchemy import select

    from tremplin.core.models import Centre

    names = list(session.scalars(select(Centre.name).order_by(Centre.id).limit(2)))
    return names[0] if len(names) == 1 else "Tremplin"

"""The core's routers: pages (HTML) and the JSON API. Plugins add theirs through ``register_routes``."""

from __future__ import annotations

from typing import Any


def core_routers() -> list[Any]:
    # The API first: its routes are the busiest, and routes are matched in order.
    # The exports before the pages whose paths they share (``/contacts/export`` is not a contact).
    from tremplin.core.web import assets
    from tremplin.core.web.routes import (
        activities,
        admin,
        api,
        audit,
        auth,
        bot_texts,
        cases,
        corrections,
        dashboard,
        exports,
        field,
        inbox,
        log,
        public,
        referrals,
    )

    return [
        api.router,
        assets.router,
        auth.router,
        public.router,
        dashboard.router,
        field.router,
        log.router,
        exports.router,
        activities.router,
        corrections.router,
        referrals.router,
        inbox.router,
        cases.router,
        audit.router,
        bot_texts.router,
        admin.router,
    ]

"""The core's routers: pages (HTML) and the JSON API. Plugins add theirs through ``register_routes``."""

from __future__ import annotations

from typing import Any


def core_routers() -> list[Any]:
    from tremplin.core.web.routes import (
        activities,
        admin,
        api,
        auth,
        cases,
        dashboard,
        log,
        public,
        referrals,
    )

    # The API first: its routes are the busiest, and routes are matched in order.
    return [api.router, auth.router, public.router, dashboard.router, log.router, activities.router, referrals.router, cases.router, admin.router]

"""``/admin/bot-texts``: the bot's texts a centre edits (answers, addresses, hours), in the four languages.

The plugins declare which texts may be edited and their defaults (``register_bot_texts``); a centre's
version is a ``BotText`` row. An empty text goes back to the default.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from tremplin.core.bot.models import BotText
from tremplin.core.i18n import LANGUAGES
from tremplin.core.models import Staff
from tremplin.core.web.deps import form_data, get_app, get_session, require_capability
from tremplin.core.web.i18n import gettext_for
from tremplin.core.web.templating import flash, render

router = APIRouter(include_in_schema=False)
needs_admin = require_capability("admin")
MAX_LENGTH = 2000


def _page(request: Request, session: Session, error: str = "", status: int = 200) -> Response:
    from tremplin.core.bot.editable import editable_texts

    rows = {(r.key, r.language): r.body for r in session.scalars(select(BotText))}
    return render(
        request,
        "admin/bot_texts.html",
        {"texts": editable_texts(get_app(request)), "rows": rows, "languages": LANGUAGES, "error": error},
        status_code=status,
    )


@router.get("/admin/bot-texts")
def bot_texts(
    request: Request, staff: Staff = Depends(needs_admin), session: Session = Depends(get_session)
) -> Response:
    return _page(request, session)


@router.post("/admin/bot-texts")
def bot_text_save(
    request: Request,
    data: Any = Depends(form_data),
    staff: Staff = Depends(needs_admin),
    session: Session = Depends(get_session),
) -> Response:
    from tremplin.core.bot.editable import editable_texts, forget_cache

    _ = gettext_for(request)
    app = get_app(request)
    key, language = str(data.get("key") or ""), str(data.get("language") or "")
    body = str(data.get("body") or "").strip()
    if key not in {t.key for t in editable_texts(app)} or language not in LANGUAGES:
        return _page(request, session, _("This text cannot be edited."), status=422)
    if len(body) > MAX_LENGTH:
        return _page(request, session, _("The text is too long: at most %(n)d characters.", n=MAX_LENGTH), status=422)
    row = session.scalar(select(BotText).where(BotText.key == key, BotText.language == language))
    if not body:
        if row is not None:
            session.delete(row)
    else:
        if row is None:
            row = BotText(key=key, language=language, body=body)
            session.add(row)
        row.body, row.staff_id, row.updated_at = body, staff.id, datetime.now(UTC)
    session.commit()
    forget_cache(app)
    flash(request, _("Saved. The bot uses it within a few seconds."))
    return RedirectResponse("/admin/bot-texts", status_code=303)

"""The counsellors' inbox: questions people asked through the bot, answered from here.

``/inbox`` lists the open threads the account may see (its centre, its audiences): those waiting for an
answer first, the longest waiting on top, filtered by theme and language. A thread's page shows its
messages (only while it is open), and lets a counsellor answer (the bot sends it to the chat), hand it
to a colleague, or close it with an outcome: ``answered``, or ``referred`` with a referral code issued
here and sent in the chat. The menu shows how many threads wait (``waiting_count``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tremplin.core import vocab
from tremplin.core.bot.models import BotThread
from tremplin.core.models import Staff
from tremplin.core.web import policy
from tremplin.core.web.deps import (
    ensure_record,
    form_data,
    get_app,
    get_session,
    require_capability,
)
from tremplin.core.web.i18n import N_, gettext_for
from tremplin.core.web.templating import flash, render

router = APIRouter(include_in_schema=False)
needs_inbox = require_capability("inbox")

#: How a thread was closed, as the inbox names it.
OUTCOME_LABELS = {"answered": N_("Answered"), "referred": N_("Referred (a code is sent)"), "abandoned": N_("Abandoned")}
ERRORS = {
    "closed": N_("This conversation is closed: it can no longer be changed."),
    "empty": N_("Write an answer first."),
    "outcome": N_("Choose how the conversation ends."),
    "colleague": N_("Choose a colleague who sees this conversation."),
}


def visible_threads(staff: Any, app: Any) -> Any:
    """The threads the account may see: its centre (or all for network accounts), its audiences."""
    stmt = select(BotThread)
    centres = policy.centre_ids(staff)
    if centres is not None:
        stmt = stmt.where(BotThread.centre_id.in_(centres))
    if "*" not in (staff.audiences or ()):
        stmt = stmt.where(BotThread.audience.in_(list(staff.audiences or ()) or [""]))
    return stmt


def waiting_count(app: Any, staff: Any) -> int:
    """Open threads waiting for a counsellor's answer that the account sees: the menu's badge."""
    stmt = visible_threads(staff, app).where(BotThread.status == "open", BotThread.awaiting == "staff")
    with app.session() as session:
        return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def colleagues(session: Session, app: Any, thread: BotThread) -> list[Staff]:
    """Accounts that may take the thread: active, with the inbox, seeing its audience and its centre."""
    rows = session.scalars(select(Staff).where(Staff.active.is_(True)).order_by(Staff.display_name, Staff.username))
    return [
        s
        for s in rows
        if policy.can(app, s, "inbox") and s.may_see(thread.audience) and policy.may_see_centre(s, thread.centre_id)
    ]


@router.get("/inbox")
def inbox(
    request: Request,
    staff: Staff = Depends(needs_inbox),
    session: Session = Depends(get_session),
    theme: str = "",
    language: str = "",
) -> Response:
    app = get_app(request)
    stmt = visible_threads(staff, app).where(BotThread.status == "open")
    if theme:
        stmt = stmt.where(BotThread.theme == theme)
    if language:
        stmt = stmt.where(BotThread.language == language)
    # Waiting for an answer first ("staff" sorts after "person": descending), the longest waiting on top.
    rows = list(session.scalars(stmt.order_by(BotThread.awaiting.desc(), BotThread.last_message_at).limit(200)))
    closed = list(
        session.scalars(
            visible_threads(staff, app)
            .where(BotThread.status == "closed")
            .order_by(BotThread.closed_at.desc())
            .limit(20)
        )
    )
    names = {s.id: s.display_name or s.username for s in session.scalars(select(Staff))}
    return render(
        request,
        "inbox.html",
        {
            "rows": rows,
            "closed": closed,
            "theme": theme,
            "language": language,
            "names": names,
            "vocab": vocab,
            "outcomes": OUTCOME_LABELS,
            "bot_languages": ("uk", "fr", "nl", "en"),
        },
    )


def _thread(session: Session, staff: Staff, thread_id: int) -> BotThread:
    thread = session.get(BotThread, thread_id)
    if thread is None:
        raise HTTPException(status_code=404, detail="No such conversation.")
    ensure_record(staff, thread)
    return thread


def _page(
    request: Request, session: Session, staff: Staff, thread: BotThread, error: str = "", status: int = 200
) -> Response:
    app = get_app(request)
    names = {s.id: s.display_name or s.username for s in session.scalars(select(Staff))}
    return render(
        request,
        "inbox_thread.html",
        {
            "thread": thread,
            "messages": thread.messages if thread.status == "open" else [],
            "names": names,
            "colleagues": [c for c in colleagues(session, app, thread) if c.id != thread.staff_id],
            "vocab": vocab,
            "outcomes": OUTCOME_LABELS,
            "error": error,
        },
        status_code=status,
    )


@router.get("/inbox/{thread_id}")
def thread_page(
    request: Request, thread_id: int, staff: Staff = Depends(needs_inbox), session: Session = Depends(get_session)
) -> Response:
    return _page(request, session, staff, _thread(session, staff, thread_id))


def _refuse(request: Request, session: Session, staff: Staff, thread_id: int, code: str) -> Response:
    session.rollback()
    _ = gettext_for(request)
    return _page(request, session, staff, _thread(session, staff, thread_id), _(ERRORS[code]), status=422)


def _act(
    request: Request,
    session: Session,
    staff: Staff,
    thread_id: int,
    action: Callable[[Any, BotThread, Callable[..., str]], str],
    then: str,
) -> Response:
    """What answering, handing over and closing share: the thread the account may see, ``action(app, thread,
    _)`` on it, then the transaction committed, the message it returns flashed and a redirect to ``then``
    (``{id}``: the thread's id). A ``ThreadError`` it raises writes nothing and shows the thread's page with
    the reason (422)."""
    from tremplin.core.bot import threads

    thread = _thread(session, staff, thread_id)
    _ = gettext_for(request)
    try:
        message = action(get_app(request), thread, _)
    except threads.ThreadError as exc:
        return _refuse(request, session, staff, thread_id, exc.code)
    session.commit()
    flash(request, message)
    return RedirectResponse(then.format(id=thread_id), status_code=303)


@router.post("/inbox/{thread_id}/answer")
def answer(
    request: Request,
    thread_id: int,
    staff: Staff = Depends(needs_inbox),
    session: Session = Depends(get_session),
    form: Any = Depends(form_data),
) -> Response:
    from tremplin.core.bot import threads

    def act(app: Any, thread: BotThread, _: Callable[..., str]) -> str:
        threads.answer(app, session, thread, staff, str(form.get("text") or ""))
        return _("Your answer is on its way to the chat.")

    return _act(request, session, staff, thread_id, act, "/inbox/{id}")


@router.post("/inbox/{thread_id}/hand")
def hand(
    request: Request,
    thread_id: int,
    staff: Staff = Depends(needs_inbox),
    session: Session = Depends(get_session),
    form: Any = Depends(form_data),
) -> Response:
    from tremplin.core.bot import threads

    def act(app: Any, thread: BotThread, _: Callable[..., str]) -> str:
        wanted = str(form.get("staff_id") or "")
        colleague = next((c for c in colleagues(session, app, thread) if str(c.id) == wanted), None)
        if colleague is None:
            raise threads.ThreadError("colleague")
        threads.hand_over(session, thread, colleague)
        return _("Handed to %(name)s.", name=colleague.display_name or colleague.username)

    return _act(request, session, staff, thread_id, act, "/inbox")


@router.post("/inbox/{thread_id}/close")
def close(
    request: Request,
    thread_id: int,
    staff: Staff = Depends(needs_inbox),
    session: Session = Depends(get_session),
    form: Any = Depends(form_data),
) -> Response:
    from tremplin.core.anonymity import format_token
    from tremplin.core.bot import threads
    from tremplin.core.bot.texts import say
    from tremplin.core.records import issue_referral

    def act(app: Any, thread: BotThread, _: Callable[..., str]) -> str:
        outcome = str(form.get("outcome") or "")
        if outcome not in threads.OUTCOMES:
            raise threads.ThreadError("outcome")
        if thread.status != "open":
            raise threads.ThreadError("closed")
        closing = say(thread.language, "thread_closed")
        if outcome != "referred":
            threads.close(app, session, thread, outcome, staff, closing_text=closing)
            return _("Closed.")
        referral = issue_referral(
            app, session, thread.centre_id, theme=thread.theme, audience=thread.audience, staff=staff, valid_days=60
        )
        token = format_token(referral.token)
        closing = say(thread.language, "thread_referral", token=token) + "\n\n" + closing
        threads.close(app, session, thread, outcome, staff, closing_text=closing, referral=referral)
        return _("Closed. The referral code %(token)s is sent in the chat.", token=token)

    return _act(request, session, staff, thread_id, act, "/inbox")

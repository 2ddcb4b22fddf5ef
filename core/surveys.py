"""The satisfaction survey: anonymous, one answer per link, in four languages.

The centre asks three things, as it always has (its published figures: 94.1% satisfied or very
satisfied, 94% would recommend it, 54.3% on a first visit in 2023): how satisfied the person is,
whether they would recommend the centre, whether it was their first visit. Only coded choices are
stored, never free text, with the service the answer is about, the day, the language and how the
survey reached the person (``email`` after a class visit, ``desk`` on the reception tablet, ``bot``).

A ``SurveyLink`` is a one-time code (``/survey/<code>``): answering marks it answered with one
conditional UPDATE, so the same link cannot be answered twice, even by two requests at once. The answer does not
keep the link, so it cannot be traced back to a class or a visit.

``record_survey_answer`` is the one way in (the public page, the desk tablet, the bot); ``figures``
gives the counters the annual report publishes (``tremplin.core.builtins.surveys``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from tremplin.core.i18n import T

if TYPE_CHECKING:
    from sqlalchemy import CursorResult
    from sqlalchemy.orm import Session

    from tremplin.core.app import App
    from tremplin.core.models import SurveyAnswer, SurveyLink

QUESTIONNAIRE = "satisfaction"
CHANNELS = ("email", "desk", "bot")
#: A link sent after a visit may be answered within this many days.
LINK_VALID_DAYS = 30

SATISFACTION = {
    "very_satisfied": T("Very satisfied", fr="Très satisfait·e", nl="Zeer tevreden", uk="Дуже задоволений(-а)"),
    "satisfied": T("Satisfied", fr="Satisfait·e", nl="Tevreden", uk="Задоволений(-а)"),
    "dissatisfied": T("Dissatisfied", fr="Insatisfait·e", nl="Ontevreden", uk="Незадоволений(-а)"),
    "very_dissatisfied": T(
        "Very dissatisfied", fr="Très insatisfait·e", nl="Zeer ontevreden", uk="Дуже незадоволений(-а)"
    ),
}
SATISFIED = ("very_satisfied", "satisfied")
YES_NO = {
    "yes": T("Yes", fr="Oui", nl="Ja", uk="Так"),
    "no": T("No", fr="Non", nl="Nee", uk="Ні"),
}


@dataclass(frozen=True)
class Question:
    name: str
    text: Any  # Text
    choices: Mapping[str, Any]


QUESTIONS = (
    Question(
        "satisfaction",
        T(
            "How satisfied are you with your visit?",
            fr="Êtes-vous satisfait·e de votre visite ?",
            nl="Hoe tevreden bent u over uw bezoek?",
            uk="Наскільки ви задоволені візитом?",
        ),
        SATISFACTION,
    ),
    Question(
        "would_recommend",
        T(
            "Would you recommend us to someone you know?",
            fr="Nous recommanderiez-vous à une personne de votre entourage ?",
            nl="Zou u ons aanraden aan iemand die u kent?",
            uk="Чи порадили б ви нас знайомим?",
        ),
        YES_NO,
    ),
    Question(
        "first_visit",
        T(
            "Was this your first visit?",
            fr="Était-ce votre première visite ?",
            nl="Was dit uw eerste bezoek?",
            uk="Це був ваш перший візит?",
        ),
        YES_NO,
    ),
)


class SurveyError(ValueError):
    """An answer that cannot be recorded. ``reason`` is a stable code the pages translate:
    ``unknown``, ``answered``, ``expired``, ``invalid``; ``fields`` names the questions left unanswered."""

    def __init__(self, reason: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(f"{reason}: {', '.join(fields)}" if fields else reason)
        self.reason = reason
        self.fields = fields


def new_link(
    session: Session,
    service: str,
    centre_id: int | None = None,
    channel: str = "email",
    valid_days: int = LINK_VALID_DAYS,
) -> SurveyLink:
    """A fresh one-time link for ``service`` (an audience's key)."""
    import secrets

    from tremplin.core.anonymity import ALPHABET
    from tremplin.core.models import SurveyLink

    now = datetime.now(UTC)
    link = SurveyLink(
        code="".join(secrets.choice(ALPHABET) for _ in range(10)),
        centre_id=centre_id,
        service=service,
        channel=channel,
        created_at=now,
        expires_at=now + timedelta(days=valid_days),
    )
    session.add(link)
    session.flush()
    return link


#: The name plugins import from ``tremplin``.
new_survey_link = new_link


def find_link(session: Session, code: str) -> SurveyLink | None:
    from sqlalchemy import select

    from tremplin.core.models import SurveyLink

    return session.scalar(select(SurveyLink).where(SurveyLink.code == code.strip().upper()[:16]))


def link_state(link: SurveyLink | None, now: datetime | None = None) -> str:
    """``open``, or why the link cannot be answered: ``unknown``, ``answered``, ``expired``."""
    now = now or datetime.now(UTC)
    if link is None:
        return "unknown"
    if link.answered_at is not None:
        return "answered"
    if link.expires_at < now:
        return "expired"
    return "open"


#: The one question the bot asks at the end of a conversation (``tremplin.core.bot.satisfaction``).
BOT_QUESTIONS = ("satisfaction",)


def _choices(answers: Mapping[str, Any], asked: tuple[str, ...] | None = None) -> dict[str, str]:
    values: dict[str, str] = {}
    missing = []
    for question in QUESTIONS:
        if asked is not None and question.name not in asked:
            continue
        value = str(answers.get(question.name) or "").strip()
        if value not in question.choices:
            missing.append(question.name)
        values[question.name] = value
    if missing:
        raise SurveyError("invalid", tuple(missing))
    return values


def record_survey_answer(
    app: App,
    session: Session,
    answers: Mapping[str, Any],
    *,
    language: str,
    code: str | None = None,
    service: str | None = None,
    channel: str | None = None,
    centre_id: int | None = None,
    today: date | None = None,
    theme: str | None = None,
    asked: tuple[str, ...] | None = None,
) -> SurveyAnswer:
    """Record one answer: through a one-time ``code`` (its service, channel and centre come with it),
    or, for an authenticated channel (the desk tablet, the bot), for ``service`` directly.

    ``answers`` maps each question's name to one of its choices; ``asked`` names the questions the
    channel asked when not all (the bot asks only ``satisfaction``: the others stay unanswered, not
    "no"). ``theme`` is what the conversation was about, when the channel knows it. Raises
    ``SurveyError`` and writes nothing when a choice is missing or the link cannot be answered.
    """
    from tremplin.core import vocab
    from tremplin.core.i18n import LANGUAGES
    from tremplin.core.models import SurveyAnswer

    if asked is not None and (code is not None or "satisfaction" not in asked):
        raise SurveyError("invalid", ("asked",))
    if theme is not None and theme not in vocab.THEME:
        raise SurveyError("invalid", ("theme",))
    values = _choices(answers, asked)
    now = datetime.now(UTC)
    if code is not None:
        from sqlalchemy import update

        from tremplin.core.models import SurveyLink

        link = find_link(session, code)
        state = link_state(link, now)
        if state != "open":
            raise SurveyError(state)
        assert link is not None
        # One conditional UPDATE: of two answers sent at once through one link, one only finds it open.
        claimed = cast(
            "CursorResult[Any]",
            session.execute(
                update(SurveyLink)
                .where(SurveyLink.id == link.id, SurveyLink.answered_at.is_(None))
                .values(answered_at=now)
                .execution_options(synchronize_session=False)
            ),
        ).rowcount
        if claimed != 1:
            raise SurveyError("answered")
        service, channel, centre_id = link.service, link.channel, link.centre_id
    if not service or service not in app.registry.audiences:
        raise SurveyError("invalid", ("service",))
    if channel not in CHANNELS:
        raise SurveyError("invalid", ("channel",))
    if today is None:
        # The centre's day, not the server's: an answer given just after midnight in Brussels is that day's.
        if centre_id is not None:
            from tremplin.core.writes import local_day

            today = local_day(app, session, centre_id, now)
        else:
            today = now.astimezone(ZoneInfo(app.settings.timezone)).date()
    answer = SurveyAnswer(
        centre_id=centre_id,
        questionnaire=QUESTIONNAIRE,
        service=service,
        channel=channel,
        language=language if language in LANGUAGES else app.settings.default_language,
        day=today,
        satisfaction=values["satisfaction"],
        would_recommend=values["would_recommend"] == "yes" if "would_recommend" in values else None,
        first_visit=values["first_visit"] == "yes" if "first_visit" in values else None,
        theme=theme,
    )
    session.add(answer)
    session.flush()
    return answer


@dataclass
class Figures:
    """What the annual report publishes: counts, from which the shares are computed."""

    answers: int = 0
    satisfied: int = 0
    would_recommend: int = 0
    first_visit: int = 0
    #: Answers that were asked the question (the bot asks only how satisfied): the shares' denominators.
    asked_recommend: int = 0
    asked_first_visit: int = 0
    by_service: dict[str, tuple[int, int]] = field(default_factory=dict)  # service: (answers, satisfied)


def figures(session: Session, start: date, end: date, centre_ids: list[int] | None = None) -> Figures:
    from sqlalchemy import select

    from tremplin.core.models import SurveyAnswer

    query = select(SurveyAnswer).where(SurveyAnswer.day >= start, SurveyAnswer.day <= end)
    if centre_ids is not None:
        query = query.where(SurveyAnswer.centre_id.in_(centre_ids))
    out = Figures()
    services: dict[str, list[int]] = {}
    for answer in session.scalars(query):
        satisfied = answer.satisfaction in SATISFIED
        out.answers += 1
        out.satisfied += satisfied
        if answer.would_recommend is not None:
            out.asked_recommend += 1
            out.would_recommend += answer.would_recommend
        if answer.first_visit is not None:
            out.asked_first_visit += 1
            out.first_visit += answer.first_visit
        counts = services.setdefault(answer.service, [0, 0])
        counts[0] += 1
        counts[1] += satisfied
    out.by_service = {k: (v[0], v[1]) for k, v in sorted(services.items())}
    return out

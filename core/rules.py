"""The rules of a record, in one place: what a contact, an activity, a referral or a case may hold.

Every way in applies these and no other checks of its own: the web forms, the API (its models read
the limits below), the CSV import, the bot, the demo and the offline sync. A value that breaks a rule
gives a ``Problem``: the English reason (as the import and the logs show it), the rule's key (the same
for every way in) and the parameters of its message, which the catalogs translate (``MESSAGES``).

Some rules ask instead of refusing (``Problem.question``): a headcount far above what a form expects
is saved once the person confirms it ("really 100 000?"). The functions are plain Python on purpose:
the import runs them on a million rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

#: The largest count any record holds (fits every database); above it is refused, not questioned.
MAX_HEADCOUNT = 100_000
#: Lengths of free text, in characters.
NOTE_MAX = 2000
TITLE_MAX = 300
#: An organisation's name (a partner, a school, a place typed in a form).
NAME_MAX = 200
REASON_MAX = 500
#: A note more than this share of which is personal data is refused when typed: what would be left
#: ("[name], [phone], [address]") says nothing, and the worker should describe the situation instead.
MAX_PERSONAL_SHARE = 0.5
#: The headcount of a contact above which a confirmation is asked when its form declares no maximum
#: (``Form.plausible``). Crowds at a fair are logged as one contact of the ``event`` channel.
PLAUSIBLE_HEADCOUNT = 200
#: Participants above ``max(registered * factor, registered + slack)`` ask for a confirmation.
PARTICIPANTS_FACTOR = 2
PARTICIPANTS_SLACK = 10
#: A referral may be valid for at most this many days.
MAX_VALID_DAYS = 3650


def N_(message: str) -> str:
    """Marks a message for the catalogs (``tremplin.core.web.catalogs`` reads this file too)."""
    return message


#: Rule key -> message id in the catalogs (English; ``%(name)s`` are the problem's parameters).
MESSAGES: dict[str, str] = {
    "required": N_("This field is required."),
    "choice": N_("Choose one of the options."),
    "number": N_("Enter a whole number."),
    "range": N_("Enter a whole number from %(min)s to %(max)s."),
    "datetime": N_("Enter a date and time."),
    "date": N_("Enter a date."),
    "invalid": N_("This value is not valid."),
    "text.too_long": N_("This text is too long (at most %(max)s characters)."),
    "text.personal": N_(
        "This text must not identify a person: remove the name, phone number, e-mail, address or number it contains."
    ),
    "note.personal": N_("Describe the situation, not the person: this note is mostly personal data."),
    "date.future": N_("This date is in the future."),
    "date.before_opening": N_("This date is before the centre opened (%(opening)s)."),
    "count.implausible": N_(
        "Really %(value)s? This form usually counts at most %(max)s. Check the number, then confirm."
    ),
    "count.above_registered": N_(
        "Really %(value)s participants, with %(registered)s registered? Check the number, then confirm."
    ),
    "participants.not_happened": N_("Participants can be entered only once the activity has taken place."),
    "consent.required": N_("Confirm that the person gave consent before opening a case."),
    "outcome.duplicate": N_("This outcome is already recorded on this day."),
    "partner.required": N_("Choose the partner the person is referred to."),
}


class Problem(str):
    """What is wrong with one value: the English reason as a string, with the rule's ``key`` and
    ``params`` for the translated message. ``question``: a confirmation would accept the value."""

    key: str
    params: dict[str, Any]
    question: bool

    def __new__(cls, key: str, reason: str, question: bool = False, **params: Any) -> Problem:
        self = super().__new__(cls, reason)
        self.key = key
        self.params = params
        self.question = question
        return self

    def __reduce__(
        self,
    ) -> tuple[Any, ...]:  # the import's second process sends problems back
        return (_problem, (self.key, str(self), self.question, self.params))

    def message(self, gettext: Callable[..., str], locale: str | None = None) -> str:
        """The message in the reader's language (``gettext`` of the page); with a Babel ``locale``, counts
        are written as the reader writes them ("100 000", "100.000")."""
        if not self.params:
            return gettext(MESSAGES[self.key])
        params = self.params
        if locale is not None:
            from babel.numbers import format_decimal

            params = {k: format_decimal(v, locale=locale) if type(v) is int else v for k, v in params.items()}
        return gettext(MESSAGES[self.key], **params)


def _problem(key: str, reason: str, question: bool, params: dict[str, Any]) -> Problem:
    return Problem(key, reason, question, **params)


def key_of(reason: str) -> str:
    """The rule a reason breaks: its key, or a key guessed from an older English reason."""
    if isinstance(reason, Problem):
        return reason.key
    text = reason.lower()
    if "personal data" in text:
        return "note.personal"
    if "required" in text or "is empty" in text:
        return "required"
    if "not one of" in text or "is not a" in text or "unknown" in text or "use one of" in text:
        return "choice"
    if "whole number" in text:
        return "number"
    if "iso 8601" in text:
        return "datetime"
    return "invalid"


# ------------------------------------------------------------------------------------------------
# Free text


def too_long(text: str, limit: int) -> Problem | None:
    if len(text) > limit:
        return Problem(
            "text.too_long",
            f"is {len(text)} characters long; at most {limit} characters",
            max=limit,
        )
    return None


def short_text(scrub: Callable[[str], Any], text: str, limit: int) -> tuple[str, Problem | None]:
    """A title, an organisation's name, a text attribute: at most ``limit`` characters, and nothing the
    scrubber chain would remove (it is shown in lists and exports; a masked title says nothing)."""
    text = text.strip()
    problem = too_long(text, limit)
    if problem is not None or not text:
        return text, problem
    if "\x00" in text:
        return text, Problem("invalid", "contains a NUL character")
    scrubbed = scrub(text)
    if scrubbed.changed:
        kinds = ", ".join(k.replace("_", " ") for k in sorted(scrubbed.removed))
        return text, Problem("text.personal", f"contains personal data ({kinds}): name no person")
    return text, None


def masked_text(scrub: Callable[[str], Any], text: str, limit: int) -> tuple[str, Problem | None]:
    """A text attribute or an organisation's name: at most ``limit`` characters, stored with what the
    scrubber chain finds masked (a school's street is not a person's, but the chain cannot tell)."""
    text = text.strip()
    problem = too_long(text, limit)
    if problem is not None or not text:
        return text, problem
    return scrub(text).text, None


def note(scrub: Callable[[str], Any], text: str, strict: bool = True) -> tuple[str, Problem | None, bool]:
    """A note: at most ``NOTE_MAX`` characters, scrubbed. ``(stored text, problem, masked)``.

    A note mostly made of personal data is refused (``strict``), or stored with the personal data
    masked (``masked`` is then true: an import of old records says how many)."""
    problem = too_long(text, NOTE_MAX)
    if problem is not None or not text:
        return text, problem, False
    if "\x00" in text:
        return text, Problem("invalid", "contains a NUL character"), False
    scrubbed = scrub(text)
    if scrubbed.personal_share > MAX_PERSONAL_SHARE:
        if not strict:
            return scrubbed.text, None, True
        kinds = ", ".join(k.replace("_", " ") for k in sorted(scrubbed.removed))
        return (
            text,
            Problem(
                "note.personal",
                f"is mostly personal data ({kinds}): describe the situation, not the person",
            ),
            False,
        )
    return scrubbed.text, None, False


# ------------------------------------------------------------------------------------------------
# Dates and counts


def day_in_bounds(day: date, today: date, opening: date | None, future_allowed: bool = False) -> Problem | None:
    """A record's day: not after today in the centre's time (unless planned), not before the opening."""
    if not future_allowed and day > today:
        return Problem(
            "date.future",
            f"{day.isoformat()} is in the future (today is {today.isoformat()})",
        )
    if opening is not None and day < opening:
        return Problem(
            "date.before_opening",
            f"{day.isoformat()} is before the centre opened ({opening.isoformat()})",
            opening=opening.isoformat(),
        )
    return None


def plausible_count(value: int, maximum: int | None, confirmed: bool) -> Problem | None:
    """A count above the form's plausible maximum is a question, unless the person confirmed it."""
    if confirmed or maximum is None or value <= maximum:
        return None
    return Problem(
        "count.implausible",
        f"{value} is above the usual {maximum}: confirm it",
        question=True,
        value=value,
        max=maximum,
    )


def plausible_participants(participants: int, registered: int | None, confirmed: bool) -> Problem | None:
    """Far more participants than registered people asks for a confirmation."""
    if confirmed or not registered:
        return None
    limit = max(registered * PARTICIPANTS_FACTOR, registered + PARTICIPANTS_SLACK)
    if participants <= limit:
        return None
    return Problem(
        "count.above_registered",
        f"{participants} participants with {registered} registered: confirm it",
        question=True,
        value=participants,
        registered=registered,
    )


def participants_after_start(starts_at: datetime, now: datetime) -> Problem | None:
    """Participants are counted once the activity has started."""
    if starts_at > now:
        return Problem(
            "participants.not_happened",
            "cannot be entered before the activity takes place",
        )
    return None


def only_questions(errors: list[tuple[str, str]]) -> bool:
    """Whether every problem is a question (a confirmation would save the record)."""
    return bool(errors) and all(isinstance(r, Problem) and r.question for _f, r in errors)


def rule_keys(errors: list[tuple[str, str]] | Mapping[str, str]) -> dict[str, str]:
    """Field -> the key of the first rule it breaks."""
    items = errors.items() if isinstance(errors, Mapping) else errors
    out: dict[str, str] = {}
    for name, reason in items:
        out.setdefault(name, key_of(reason))
    return out

"""Turning a plugin's intake form (``tremplin.core.forms.Form``) into fields on a page, and a post back into values.

Nothing here knows an audience: labels, choices, help texts, what is required and what is fixed all
come from the form a plugin declared and from ``tremplin.core.vocab``. The page shows the form's core fields
and its own fields; what the form fixes (``channel=field`` on the Formtruck) is not asked. Errors are
found here first, in the user's language, so that they can be shown next to their field with what
was typed kept; ``tremplin.core.records`` then validates again, the same way for every way in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tremplin.core import rules, vocab
from tremplin.core.forms import Field, Form
from tremplin.core.i18n import Text, pick
from tremplin.core.rules import MAX_HEADCOUNT, NOTE_MAX, TITLE_MAX
from tremplin.core.web.i18n import N_

#: Largest whole number a form accepts where the form itself sets no bound (fits every database).
MAX_INT = 2_000_000_000

#: Core field -> the code list its choices come from (``app.registry.codes``: with the plugins' codes).
CODED: dict[str, str] = {
    "modality": "modality",
    "channel": "channel",
    "themes": "theme",
    "language": "language",
    "gender": "gender",
    "age_band": "age_band",
    "education": "education",
    "labour_status": "labour_status",
    "format": "format",
    "workshop": "workshop",
}

#: Labels of the core fields that are not code lists (translated through the catalogs).
PLAIN_LABELS: dict[str, str] = {
    "centre": N_("Centre"),
    "site": N_("Site"),
    "headcount": N_("Number of people"),
    "note": N_("Note"),
    "title": N_("Title"),
    "capacity": N_("Capacity"),
    "registered": N_("Registered"),
    "participants": N_("Participants (actual headcount)"),
    "occurred_at": N_("When"),
    "starts_at": N_("Starts at"),
}
HELP: dict[str, str] = {
    "note": N_("No names, phone numbers, addresses or other details that identify the person: notes are scrubbed."),
    "headcount": N_("Several people alike can be logged at once."),
    "participants": N_("Enter it after the activity."),
}

# The rules' messages (``tremplin.core.rules.MESSAGES``): a form says what the import and the API say.
MSG_REQUIRED = rules.MESSAGES["required"]
MSG_CHOICE = rules.MESSAGES["choice"]
MSG_NUMBER = rules.MESSAGES["number"]
MSG_RANGE = rules.MESSAGES["range"]
MSG_TOO_LONG = rules.MESSAGES["text.too_long"]
MSG_DATETIME = rules.MESSAGES["datetime"]
MSG_DATE = rules.MESSAGES["date"]
MSG_INVALID = rules.MESSAGES["invalid"]
MSG_PERSONAL = rules.MESSAGES["note.personal"]


#: Answers a detailed contact form (not a tally) requires when it shows them: an empty form is not a
#: contact with no theme and no site. Where the code list offers "unknown", it is a choice to make, not
#: a value assumed (nothing is pre-selected).
ANSWERED = ("site", "themes", "language", "gender", "age_band", "education", "labour_status")


def is_required(form: Form, name: str, ctx: FormContext) -> bool:
    """Whether the page requires the core field ``name`` of ``form``."""
    if name in ("modality", "workshop", "starts_at", "headcount"):
        return True
    if name == "centre":
        return len(ctx.centres) > 1
    if form.record != "contact" or form.tally or name not in ANSWERED:
        return False
    return bool(ctx.sites) if name == "site" else True


@dataclass
class Choice:
    code: str
    label: str


@dataclass
class FieldView:
    """One field as a page shows it."""

    name: str
    label: str
    widget: str  # radio | select | checkboxes | number | text | textarea | checkbox | datetime | date
    choices: list[Choice] = field(default_factory=list)
    required: bool = False
    help: str = ""
    min: int | None = None
    max: int | None = None
    maxlength: int | None = None
    value: Any = None
    error: str = ""
    #: The key of the rule the value breaks (``tremplin.core.rules``), shown with the error.
    rule: str = ""
    #: The first field in error: focused when the page opens.
    focus: bool = False
    #: Remembered from the last entry (site, channel...): shown pre-filled.
    remembered: bool = False

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-").replace("_", "-")

    @property
    def anchor(self) -> str:
        """The element the error summary links to: the input, or the first choice of a group."""
        if self.widget in ("radio", "checkboxes") and self.choices:
            return f"{self.id}-{self.choices[0].code}"
        return self.id

    def is_chosen(self, code: str) -> bool:
        if isinstance(self.value, (list, tuple)):
            return code in self.value
        return self.value == code


@dataclass
class FormContext:
    """What a form needs from around it: the language, the centre's sites and workshop kinds."""

    lang: str
    gettext: Callable[..., str]
    sites: Sequence[tuple[str, str]] = ()  # (code, name) of the working centre's active sites
    centres: Sequence[tuple[str, str]] = ()  # (code, name), shown only to network accounts with several centres
    workshops: Sequence[tuple[str, Text | str, str | None]] = ()  # custom kinds: (code, label, audience)
    tz: ZoneInfo = ZoneInfo("Europe/Brussels")
    now: datetime | None = None
    #: The app's code lists (``app.registry.codes``); the core's alone when not given.
    codes: Mapping[str, vocab.CodeList] = field(default_factory=lambda: dict(vocab.CODE_LISTS))

    def code_list(self, name: str) -> vocab.CodeList:
        """The code list behind the core field ``name``."""
        return self.codes[CODED[name]]


# ------------------------------------------------------------------------------------------------
# Which fields a form shows


def shown_core_fields(form: Form) -> list[str]:
    """The core fields the page asks, in order; fields the form fixes are never asked."""
    names: list[str] = []
    if form.record == "contact":
        if "modality" not in form.fixed and "modality" not in form.core_fields:
            names.append("modality")  # a contact needs one; the form may narrow the choices
    else:
        names.append("starts_at")
    names += [n for n in form.core_fields if n not in form.fixed and n not in names]
    if form.record == "contact":
        names.append("occurred_at")
    return names


def _widget_for(choices: Sequence[Choice], multi: bool = False) -> str:
    if multi:
        return "checkboxes"
    longest = max((len(c.label) for c in choices), default=0)
    return "radio" if len(choices) <= 8 and longest <= 32 else "select"


def core_choices(form: Form, name: str, ctx: FormContext) -> list[Choice]:
    if name == "site":
        return [Choice(code, label) for code, label in ctx.sites]
    if name == "centre":
        return [Choice(code, label) for code, label in ctx.centres]
    codes = ctx.code_list(name)
    allowed = form.core_choices.get(name)
    items = [(code, pick(codes.items[code], ctx.lang)) for code in codes if allowed is None or code in allowed]
    if name == "workshop":
        for code, label, audience in ctx.workshops:
            if (
                audience in (None, form.audience)
                and (allowed is None or audience == form.audience)
                and code not in {c for c, _ in items}
            ):
                items.append((code, pick(label, ctx.lang) if isinstance(label, Text) else str(label)))
    return [Choice(code, label) for code, label in items]


def default_value(form: Form, name: str, ctx: FormContext, remembered: Mapping[str, Any]) -> tuple[Any, bool]:
    if name in ("site", "channel", "centre") and remembered.get(name):
        choices = {c.code for c in core_choices(form, name, ctx)}
        if remembered[name] in choices:
            return remembered[name], True
    now = (ctx.now or datetime.now(ctx.tz)).astimezone(ctx.tz)
    if name in ("occurred_at", "starts_at"):
        return now.strftime("%Y-%m-%dT%H:%M"), False
    if name == "headcount":
        return "1", False
    if name == "themes":
        return [], False
    if name in CODED:
        codes = ctx.code_list(name)
        allowed = form.core_choices.get(name)
        default = codes.default
        if is_required(form, name, ctx) and name != "channel":
            default = None  # an answer to give, "unknown" included: nothing is assumed
        if default is not None and (allowed is None or default in allowed):
            return default, False
        if allowed and len(allowed) == 1:
            return allowed[0], False
        return "", False
    if name in ("site", "centre"):
        offered = core_choices(form, name, ctx)
        return (offered[0].code if len(offered) == 1 else ""), False
    return "", False


def attribute_default(form: Form, f: Field, remembered: Mapping[str, Any]) -> tuple[Any, bool]:
    value = remembered.get(f"attr.{f.name}")
    if f.kind == "choice" and value in f.choices:
        return value, True
    if f.kind == "multichoice":
        return [], False
    return "", False


def build_fields(
    form: Form,
    ctx: FormContext,
    posted: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    remembered: Mapping[str, Any] | None = None,
) -> list[FieldView]:
    """The fields of ``form`` as the page shows them, with posted values (kept) and errors."""
    _ = ctx.gettext
    errors = errors or {}
    remembered = remembered or {}
    views: list[FieldView] = []
    names = shown_core_fields(form)
    if len(ctx.centres) > 1:
        names = ["centre"] + names
    for name in names:
        view = _core_view(form, name, ctx)
        if posted is not None:
            view.value = posted.get(name, [] if view.widget == "checkboxes" else "")
        else:
            view.value, view.remembered = default_value(form, name, ctx, remembered)
        view.error = errors.get(name, "")
        views.append(view)
    for f in form.fields:
        view = _attribute_view(f, ctx)
        if posted is not None:
            view.value = posted.get(view.name, [] if view.widget == "checkboxes" else "")
        else:
            view.value, view.remembered = attribute_default(form, f, remembered)
        view.error = errors.get(view.name, "")
        views.append(view)
    mark_errors(views, errors)
    return views


def mark_errors(views: Sequence[FieldView], errors: Mapping[str, str]) -> None:
    """The rule behind each field's error, and the first field in error focused."""
    keys = getattr(errors, "rules", {})
    first = True
    for view in views:
        if view.error:
            view.rule = keys.get(view.name, "")
            view.focus, first = first, False


def _core_view(form: Form, name: str, ctx: FormContext) -> FieldView:
    _ = ctx.gettext
    if name in CODED:
        choices = core_choices(form, name, ctx)
        label = pick(ctx.code_list(name).label, ctx.lang)
        required = is_required(form, name, ctx)
        if name == "themes":
            return FieldView(name, label, "checkboxes", choices, required=required)
        if name == "workshop":
            return FieldView(name, label, "select", choices, required=True)
        return FieldView(name, label, _widget_for(choices), choices, required=required)
    label = _(PLAIN_LABELS.get(name, name))
    help_text = _(HELP[name]) if name in HELP else ""
    if name in ("site", "centre"):
        choices = core_choices(form, name, ctx)
        return FieldView(name, label, "select", choices, required=is_required(form, name, ctx), help=help_text)
    if name == "headcount":
        return FieldView(name, label, "number", required=True, min=1, max=MAX_HEADCOUNT, help=help_text)
    if name in ("capacity", "registered", "participants"):
        return FieldView(name, label, "number", min=0, max=MAX_HEADCOUNT, help=help_text)
    if name == "note":
        return FieldView(name, label, "textarea", maxlength=2000, help=help_text)
    if name == "title":
        return FieldView(name, label, "text", maxlength=300)
    if name == "occurred_at":
        return FieldView(name, label, "datetime", required=False)
    if name == "starts_at":
        return FieldView(name, label, "datetime", required=True)
    return FieldView(name, label, "text", maxlength=200)


def _attribute_view(f: Field, ctx: FormContext) -> FieldView:
    name = f"attr.{f.name}"
    label = pick(f.label, ctx.lang)
    help_text = pick(f.help, ctx.lang) if f.help else ""
    if f.kind in ("choice", "multichoice"):
        choices = [Choice(code, pick(text, ctx.lang)) for code, text in f.choices.items()]
        widget = "checkboxes" if f.kind == "multichoice" else _widget_for(choices)
        return FieldView(name, label, widget, choices, required=f.required, help=help_text)
    if f.kind == "int":
        return FieldView(name, label, "number", required=f.required, help=help_text, min=f.min, max=f.max)
    if f.kind == "bool":
        return FieldView(name, label, "checkbox", required=False, help=help_text)
    return FieldView(name, label, "text", required=f.required, help=help_text, maxlength=f.max_length)


# ------------------------------------------------------------------------------------------------
# Reading a post


def posted_values(form: Form, data: Any) -> dict[str, Any]:
    """The raw posted values of the fields ``form`` shows (lists for multi-valued ones)."""
    out: dict[str, Any] = {}
    for name in ["centre"] + shown_core_fields(form):
        if name == "themes":
            out[name] = [v for v in data.getlist(name) if isinstance(v, str)]
        else:
            value = data.get(name)
            out[name] = value.strip() if isinstance(value, str) else ""
    for f in form.fields:
        key = f"attr.{f.name}"
        if f.kind == "multichoice":
            out[key] = [v for v in data.getlist(key) if isinstance(v, str)]
        elif f.kind == "bool":
            out[key] = "1" if data.get(key) in ("1", "on", "true", "yes") else ""
        else:
            value = data.get(key)
            out[key] = value.strip() if isinstance(value, str) else ""
    return out


def _int(raw: str, low: int | None, high: int | None, _: Callable[..., str]) -> tuple[int | None, str]:
    text = raw.strip()
    if not text:
        return None, ""
    if not text.lstrip("-").isdigit() or len(text) > 12:
        return None, _(MSG_NUMBER)
    value = int(text)
    lo = low if low is not None else -MAX_INT
    hi = high if high is not None else MAX_INT
    if value < lo or value > hi:
        return None, _(MSG_RANGE, min=lo, max=hi)
    return value, ""


def _moment(raw: str, tz: ZoneInfo) -> datetime | None:
    text = raw.strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.year < 1900 or value.year > 2999:
        return None
    return value if value.tzinfo else value.replace(tzinfo=tz)


def clean(
    form: Form, posted: Mapping[str, Any], ctx: FormContext, centre_code: str
) -> tuple[dict[str, Any], dict[str, Any], FieldErrors]:
    """Check a post against the form: ``(values, attributes, errors)`` with errors in the user's language.

    ``values`` is what ``tremplin.core.records.log_contact``/``log_activity`` take (codes, not ids).
    """
    _ = ctx.gettext
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"audience": form.audience, "centre": centre_code}
    shown = shown_core_fields(form)
    if len(ctx.centres) > 1:
        code = posted.get("centre") or ""
        if code not in {c for c, _n in ctx.centres}:
            errors["centre"] = _(MSG_REQUIRED) if not code else _(MSG_CHOICE)
        else:
            values["centre"] = code
    for name in shown:
        raw = posted.get(name)
        if name == "themes":
            allowed = {c.code for c in core_choices(form, name, ctx)}
            chosen = list(dict.fromkeys(raw or []))
            if any(code not in allowed for code in chosen):
                errors[name] = _(MSG_CHOICE)
            elif not chosen and is_required(form, name, ctx):
                errors[name] = _(MSG_REQUIRED)
            values["themes"] = chosen
        elif name in CODED or name == "site":
            text = raw or ""
            allowed = {c.code for c in core_choices(form, name, ctx)}
            if not text:
                if is_required(form, name, ctx):
                    errors[name] = _(MSG_REQUIRED)
                continue
            if text not in allowed:
                errors[name] = _(MSG_CHOICE)
                continue
            values[name] = text
        elif name == "headcount":
            value, error = _int(raw or "", 1, MAX_HEADCOUNT, _)
            if error:
                errors[name] = error
            elif value is None:
                errors[name] = _(MSG_REQUIRED)
            else:
                values[name] = value
        elif name in ("capacity", "registered", "participants"):
            value, error = _int(raw or "", 0, MAX_HEADCOUNT, _)
            if error:
                errors[name] = error
            elif value is not None:
                values[name] = value
        elif name in ("occurred_at", "starts_at"):
            moment = _moment(raw or "", ctx.tz)
            if moment is None:
                if raw or name == "starts_at":
                    errors[name] = _(MSG_DATETIME) if raw else _(MSG_REQUIRED)
                else:
                    values[name] = (ctx.now or datetime.now(ctx.tz)).astimezone(ctx.tz)
            else:
                values[name] = moment
        elif name in ("note", "title"):
            # The length is the rules' (``tremplin.core.rules``), checked here too so that it shows at
            # once beside the other fields' errors; scrubbing is left to the rules when the record is checked.
            text = raw or ""
            problem = rules.too_long(text, NOTE_MAX if name == "note" else TITLE_MAX)
            if problem is not None:
                errors[name] = problem.message(_)
            values[name] = text
    for name, value in form.fixed.items():
        values[name] = value
    attributes: dict[str, Any] = {}
    for f in form.fields:
        key = f"attr.{f.name}"
        raw = posted.get(key)
        if f.kind == "multichoice":
            chosen = list(dict.fromkeys(raw or []))
            if any(code not in f.choices for code in chosen):
                errors[key] = _(MSG_CHOICE)
            elif chosen:
                attributes[f.name] = chosen
            elif f.required:
                errors[key] = _(MSG_REQUIRED)
        elif f.kind == "choice":
            text = raw or ""
            if not text:
                if f.required:
                    errors[key] = _(MSG_REQUIRED)
            elif f.choices and text not in f.choices:
                errors[key] = _(MSG_CHOICE)
            else:
                attributes[f.name] = text
        elif f.kind == "int":
            value, error = _int(raw or "", f.min, f.max, _)
            if error:
                errors[key] = error
            elif value is None:
                if f.required:
                    errors[key] = _(MSG_REQUIRED)
            else:
                attributes[f.name] = value
        elif f.kind == "bool":
            attributes[f.name] = bool(raw)
        else:
            text = raw or ""
            if not text:
                if f.required:
                    errors[key] = _(MSG_REQUIRED)
            elif (problem := rules.too_long(text, f.max_length)) is not None:
                errors[key] = problem.message(_)
            else:
                attributes[f.name] = text
    return values, attributes, _with_rules(form, errors, _)


def _with_rules(form: Form, errors: dict[str, str], _: Callable[..., str]) -> FieldErrors:
    """The messages found above with the key of the rule each names (the keys the import and the API give)."""
    known = {_(rules.MESSAGES[key]): key for key in ("required", "choice", "number", "datetime", "date", "invalid")}
    texts = {"note", "title"} | {f"attr.{f.name}" for f in form.fields if f.kind == "text"}
    out = FieldErrors()
    for name, message in errors.items():
        out[name] = message
        out.rules[name] = known.get(message) or ("text.too_long" if name in texts else "range")
    return out


class FieldErrors(dict[str, str]):
    """Messages by field, in the user's language; ``rules``: the key of the rule each field breaks, and
    ``questions``: the fields whose value is saved once confirmed (``tremplin.core.rules.Problem.question``)."""

    def __init__(self) -> None:
        super().__init__()
        self.rules: dict[str, str] = {}
        self.questions: dict[str, Any] = {}

    @property
    def questions_only(self) -> bool:
        return bool(self) and set(self) == set(self.questions)


def translate_record_errors(pairs: Sequence[tuple[str, str]] | Mapping[str, str], _: Callable[..., str]) -> FieldErrors:
    """The core's (field, reason) pairs as messages in the user's language by field: the message of the
    rule each breaks (``tremplin.core.rules``), or of the rule an older English reason names."""
    from tremplin.core.web.i18n import BABEL_LOCALES

    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    out = FieldErrors()
    # Counts in a question are written as the reader writes them ("100 000" in French).
    locale = BABEL_LOCALES.get(getattr(getattr(_, "__self__", None), "lang", ""))
    for name, reason in items:
        key = "site" if name == "centre" else name
        if key in out:
            continue
        if isinstance(reason, rules.Problem):
            rule, message = reason.key, reason.message(_, locale)
            if reason.question:
                out.questions[key] = reason.params.get("value")
        else:
            rule = rules.key_of(reason)
            if rule in ("range", "text.too_long", "date.before_opening", "count.implausible", "count.above_registered"):
                rule = "invalid"  # their message needs parameters an older reason does not carry
            message = _(rules.MESSAGES[rule])
        out[key] = message
        out.rules[key] = rule
    return out


def confirmed(posted: Mapping[str, Any], answers: Sequence[Any]) -> bool:
    """Whether the person confirmed the values questioned (``confirm`` answers ``name=value``), as posted now:
    a value changed after the question is checked again."""
    pairs = [str(a).partition("=") for a in answers if isinstance(a, str)]
    return bool(pairs) and all(str(posted.get(name, "")) == value for name, _sep, value in pairs)


def confirmations(posted: Mapping[str, Any], errors: FieldErrors) -> list[str]:
    """The ``confirm`` answers a page asks for when every error is a question."""
    if not errors.questions_only:
        return []
    return [f"{name}={posted.get(name, '')}" for name in errors.questions]


def remembered_from(values: Mapping[str, Any], attributes: Mapping[str, Any], form: Form) -> dict[str, Any]:
    """What the next entry should start from: site, channel and the form's required choices."""
    out: dict[str, Any] = {}
    for name in ("site", "channel", "centre"):
        if values.get(name):
            out[name] = values[name]
    for f in form.fields:
        if f.kind == "choice" and f.required and attributes.get(f.name):
            out[f"attr.{f.name}"] = attributes[f.name]
    return out


def parse_day(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None

"""Intake forms: what a worker fills in, declared once by a plugin, used everywhere.

A form is declarative: the web app renders it (labels, choices and help in four languages), the
import validates ``attr.*`` columns with it, the API documents it. Core fields (themes, language,
profile...) are shared by every audience and described by ``tremplin.core.vocab``; a form chooses which ones it
shows and fixes others (``fixed``: a Formtruck contact is always ``channel=field``). The audience's own
fields become the record's ``attributes`` and are validated here, through a pydantic model built from
the declaration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from tremplin.core.i18n import Text

FieldKind = Literal["choice", "multichoice", "int", "text", "bool"]
RecordKind = Literal["contact", "activity"]

#: Core fields a form may show; their choices come from ``tremplin.core.vocab``.
CORE_CONTACT_FIELDS = (
    "site",
    "modality",
    "channel",
    "themes",
    "language",
    "headcount",
    "gender",
    "age_band",
    "education",
    "labour_status",
    "note",
)
CORE_ACTIVITY_FIELDS = (
    "site",
    "title",
    "workshop",
    "format",
    "capacity",
    "registered",
    "participants",
    "language",
    "themes",
)


@dataclass(frozen=True)
class Field:
    """An audience-specific field, stored in the record's ``attributes`` under ``name``."""

    name: str
    label: Text
    kind: FieldKind = "choice"
    choices: Mapping[str, Text] = field(default_factory=dict)
    required: bool = False
    help: Text | None = None
    min: int | None = None
    max: int | None = None
    max_length: int = 200


@dataclass(frozen=True)
class Form:
    """An intake form of an audience.

    ``record`` says what it creates: a ``contact`` (one interaction or a tally) or an ``activity``
    (a group session with a headcount). ``tally`` forms offer one-tap +1 buttons by theme.
    ``fieldwork`` forms are used outdoors on a phone: their page (``/field/<key>``) installs as a web app
    and keeps logging with no network, sending the entries when the network returns.
    """

    key: str
    audience: str
    title: Text
    record: RecordKind = "contact"
    fields: tuple[Field, ...] = ()
    core_fields: tuple[str, ...] = ("themes", "language", "gender", "age_band")
    fixed: Mapping[str, Any] = field(default_factory=dict)
    #: Narrower choices for core fields on this form (``{"workshop": ("info_session", "erasmus_day")}``).
    core_choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    description: Text | None = None
    tally: bool = False
    fieldwork: bool = False
    #: The largest count this form expects, by field (``{"headcount": 30}``): above it, the person is
    #: asked to confirm ("really 100 000?") before the record is saved (``tremplin.core.rules``).
    plausible: Mapping[str, int] = field(default_factory=dict)
    #: The kinds of site this form offers (``("mobile_stop",)``, a ``site_kind`` code); every active site when empty.
    site_kinds: tuple[str, ...] = ()

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @cached_property
    def model(self) -> type[Any]:
        """A pydantic model validating this form's attributes (built lazily: pydantic is not cheap)."""
        return build_attribute_model(self.key, self.fields)


class FormError(ValueError):
    """Invalid values: ``errors`` maps each field to what is wrong with it."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


def build_attribute_model(name: str, fields: tuple[Field, ...]) -> type[Any]:
    from pydantic import ConfigDict, create_model
    from pydantic import Field as PydField

    definitions: dict[str, Any] = {}
    for f in fields:
        if f.kind == "choice":
            annotation: Any = Literal[tuple(f.choices)] if f.choices else str
            extra: dict[str, Any] = {}
        elif f.kind == "multichoice":
            annotation = list[Literal[tuple(f.choices)]]  # type: ignore[misc]
            extra = {}
        elif f.kind == "int":
            annotation = int
            extra = {"ge": f.min, "le": f.max}
        elif f.kind == "bool":
            annotation = bool
            extra = {}
        else:
            annotation = str
            extra = {"max_length": f.max_length}
        extra = {k: v for k, v in extra.items() if v is not None}
        if f.required:
            definitions[f.name] = (annotation, PydField(..., title=f.label.en, **extra))
        else:
            definitions[f.name] = (annotation | None, PydField(None, title=f.label.en, **extra))
    model = create_model("Attributes_" + name.replace(".", "_"), __config__=ConfigDict(extra="forbid"), **definitions)
    return model


def validate_attributes(
    fields: tuple[Field, ...], values: Mapping[str, Any], model: type[Any] | None = None
) -> dict[str, Any]:
    """Validate audience attributes; returns the cleaned dict without empty values."""
    from pydantic import ValidationError

    model = model or build_attribute_model("adhoc", fields)
    cleaned_in = {k: v for k, v in values.items() if v not in (None, "", [])}
    for f in fields:
        v = cleaned_in.get(f.name)
        if f.kind == "multichoice" and isinstance(v, str):
            cleaned_in[f.name] = [p for p in v.split(";") if p]
        if f.kind == "bool" and isinstance(v, str):
            cleaned_in[f.name] = v.strip().lower() in ("1", "true", "yes", "oui", "ja", "так")
    try:
        obj = model(**cleaned_in)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors():
            loc = str(err["loc"][0]) if err["loc"] else "?"
            if err["type"] == "extra_forbidden":
                errors[loc] = "is not a field of this audience"
            elif err["type"] == "literal_error":
                field = next((x for x in fields if x.name == loc), None)
                allowed = ", ".join(field.choices) if field else ""
                errors[loc] = f"{err['input']!r} is not one of: {allowed}"
            else:
                errors[loc] = err["msg"]
        raise FormError(errors) from None
    return {k: v for k, v in obj.model_dump().items() if v is not None}

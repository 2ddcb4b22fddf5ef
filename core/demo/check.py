"""Checking the demo's records against the intake forms that could have produced them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tremplin.core.app import App
    from tremplin.core.demo.share import Rec


class FormCheck:
    """Refuses a record its audience's intake form could not have produced.

    A form shows some core fields and fixes others; its attributes are validated strictly (required
    fields are required, unlike in an import). Checks are memoised: the demo has few distinct shapes.
    """

    ENVELOPE = {"centre", "audience", "occurred_at", "starts_at"}

    def __init__(self, app: App) -> None:
        self.forms = app.registry.forms
        self._shapes: set[tuple[str, frozenset[str]]] = set()
        self._attrs: set[tuple[str, str]] = set()

    def __call__(self, rec: Rec) -> None:
        form = self.forms[rec.form]
        raw = rec.raw
        if raw["audience"] != form.audience:
            raise ValueError(f"{rec.form}: audience {raw['audience']!r} is not the form's {form.audience!r}")
        shape = (rec.form, frozenset(raw))
        if shape not in self._shapes:
            allowed = self.ENVELOPE | set(form.core_fields) | set(form.fixed) | set(form.core_choices)
            extra = set(raw) - allowed
            if extra:
                raise ValueError(f"{rec.form} does not show {', '.join(sorted(extra))}")
            self._shapes.add(shape)
        for name, value in form.fixed.items():
            if raw.get(name) != value:
                raise ValueError(f"{rec.form} fixes {name}={value!r}, not {raw.get(name)!r}")
        for name, choices in form.core_choices.items():
            if name in raw and raw[name] not in choices:
                raise ValueError(f"{rec.form} offers {name} in {choices}, not {raw[name]!r}")
        key = (rec.form, repr(sorted(rec.attrs.items())))
        if key not in self._attrs:
            from tremplin.core.forms import validate_attributes

            validate_attributes(form.fields, rec.attrs, form.model)
            self._attrs.add(key)

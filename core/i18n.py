"""Translated strings for things plugins declare (labels, choices, help texts).

The user interface speaks French, Dutch, English and Ukrainian. Templates use gettext catalogs; what a
plugin declares in Python (a form label, a counter's name) carries its translations with it as a
``Text``, so an audience plugin ships its own words without touching the core catalogs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

LANGUAGES: tuple[str, ...] = ("fr", "nl", "en", "uk")
DEFAULT_LANGUAGE = "fr"


@dataclass(frozen=True)
class Text:
    """A string in several languages; falls back to English, then French, then any language."""

    en: str
    fr: str = ""
    nl: str = ""
    uk: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    def get(self, language: str | None = None) -> str:
        for lang in (language, "en", "fr", "nl", "uk"):
            if lang is None:
                continue
            value = getattr(self, lang, None) if lang in LANGUAGES else self.extra.get(lang)
            if value:
                return value
        return next(iter(self.extra.values()), "")

    def as_dict(self) -> dict[str, str]:
        out = {lang: getattr(self, lang) for lang in LANGUAGES if getattr(self, lang)}
        out.update(self.extra)
        return out

    def missing_languages(self) -> list[str]:
        return [lang for lang in LANGUAGES if not getattr(self, lang)]

    def __str__(self) -> str:
        return self.get()


def T(en: str, fr: str = "", nl: str = "", uk: str = "") -> Text:
    """Shorthand used in plugin declarations: ``T("Street", fr="Rue", nl="Straat", uk="Вулиця")``."""
    return Text(en=en, fr=fr, nl=nl, uk=uk)


def pick(text: Text | str | None, language: str | None) -> str:
    if text is None:
        return ""
    if isinstance(text, Text):
        return text.get(language)
    return text

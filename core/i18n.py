"""Translated strings for things plugins declare (labels, choices, help texts).

The user interface speaks French, Dutch, English and Ukrainian. Templates use gettext catalogs; what a
plugin declares in Python (a form label, a counter's name) carries its translations with it as a
``Text``, so an audience plugin ships its own words without touching the core catalogs.
"""

from __future__ import annotations

import re
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


# ------------------------------------------------------------------------------------------------
# French typography

NARROW_NBSP = "\u202f"
#: What HTML typography leaves alone: tags (attribute values included), comments, and the elements
#: whose text is code or typed by a person.
_UNTOUCHED = re.compile(r"<!--.*?-->|<(script|style|pre|code|textarea)\b.*?</\1\s*>|<[^>]*>", re.S | re.I)
#: ``:``, ``;``, ``?`` and ``!`` used as punctuation: followed by a space, the end of the text, or a
#: closing mark. ``10:30``, ``https://``, ``?q=1`` and ``a;b`` are not punctuation and do not match.
_PUNCTUATION = re.compile(r"[ \u00a0\u202f]?([:;?!]+)(?=[\s\u00a0)»\"'’]|$)")
_ENTITY_BEFORE = re.compile(r"&#?[A-Za-z0-9]+$")


def french_spacing(text: str) -> str:
    """Plain text with a narrow no-break space (U+202F) before ``:``, ``;``, ``?`` and ``!``."""

    def space(m: re.Match[str]) -> str:
        if m.group(1).startswith(";") and _ENTITY_BEFORE.search(text, 0, m.start()):
            return m.group(0)  # the end of an entity such as &amp;
        if m.start() > 0 and text[m.start() - 1] in "\n\t":
            return m.group(0)
        return NARROW_NBSP + m.group(1)

    return _PUNCTUATION.sub(space, text)


def typography(html: str, language: str) -> str:
    """``html`` with the typography of ``language`` applied to its text (French spacing; others as is).

    Only text between tags changes: attribute values, URLs, times (10:30), comments, scripts, styles
    and code are left alone. Applying it twice changes nothing more.
    """
    if language != "fr" or not html:
        return html
    out: list[str] = []
    pos = 0
    for m in _UNTOUCHED.finditer(html):
        if m.start() > pos:
            out.append(french_spacing(html[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(french_spacing(html[pos:]))
    return "".join(out)

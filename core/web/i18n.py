"""Four languages for the web app: gettext catalogs read with Babel, and the choice of language.

The catalogs are plain ``.po`` files under ``core/web/locale/<lang>/LC_MESSAGES/messages.po``. They
are read once, at start, with ``babel.messages.pofile.read_po`` and turned into
``babel.support.Translations`` in memory: there is no compile step to forget. Message ids are the
English text, so English needs no translation (an empty ``msgstr`` falls back to the id).

The language of a request is, in this order: the switch (a cookie set by ``/lang/<code>``), the
account's language, the browser's ``Accept-Language``, the default (French).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tremplin.core.i18n import DEFAULT_LANGUAGE, LANGUAGES

if TYPE_CHECKING:
    from babel.support import Translations
    from starlette.requests import Request

LOCALE_DIR = Path(__file__).with_name("locale")
LANG_COOKIE = "tremplin_lang"
#: Babel locales used to format numbers and dates in each language of the interface.
BABEL_LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "en": "en_GB", "uk": "uk_UA"}
#: The name of each language in itself, for the switch.
NATIVE_NAMES = {"fr": "Français", "nl": "Nederlands", "en": "English", "uk": "Українська"}


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"


@cache
def translations(lang: str) -> Translations:
    """The catalog of ``lang`` as Babel ``Translations`` (read from the ``.po`` file once)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import NullTranslations, Translations

    path = catalog_path(lang)
    if not path.exists():
        return NullTranslations()  # type: ignore[return-value]
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain="messages")


def load_all() -> None:
    """Read every catalog now (called when the web app is built), so a broken file fails at start."""
    for lang in LANGUAGES:
        translations(lang)


class Translator:
    """``_("Hello %(name)s", name=...)`` in one language; ``ngettext`` for plurals."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        self._t = translations(self.lang)

    def gettext(self, message: str, **values: Any) -> str:
        text = self._t.gettext(message)
        return text % values if values else text

    __call__ = gettext

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        text = self._t.ngettext(singular, plural, n)
        values.setdefault("num", n)
        return text % values


@cache
def translator(lang: str) -> Translator:
    return Translator(lang)


def parse_accept_language(header: str | None) -> list[str]:
    """Languages of an ``Accept-Language`` header that the interface speaks, best first."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        code, _, params = piece.partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        lang = code.strip().lower().split("-")[0]
        if lang in LANGUAGES and quality > 0:
            weighted.append((-quality, index, lang))
    return [lang for _, _, lang in sorted(weighted)]


def request_language(request: Request) -> str:
    """The language to answer ``request`` in (cached on the request)."""
    cached = getattr(request.state, "lang", None)
    if cached:
        return str(cached)
    lang = request.cookies.get(LANG_COOKIE)
    if lang not in LANGUAGES and request.url.path.startswith("/api/"):
        # An API client says per request what language its user reads: that wins over the account's.
        stated = parse_accept_language(request.headers.get("accept-language"))
        lang = stated[0] if stated else None
    if lang not in LANGUAGES:
        staff = getattr(request.state, "staff_view", None)
        lang = staff.language if staff is not None and staff.language in LANGUAGES else None
    if lang is None:
        preferred = parse_accept_language(request.headers.get("accept-language"))
        lang = preferred[0] if preferred else DEFAULT_LANGUAGE
    request.state.lang = lang
    return lang


def gettext_for(request: Request) -> Callable[..., str]:
    """``_ = gettext_for(request)``: translate Python-side messages into the request's language."""
    return translator(request_language(request)).gettext


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet (translated when shown)."""
    return message


class Msg(str):
    """A message that is translated when it is shown: ``Msg("“%(month)s” is not a month.", month=m)``.

    It reads as the English text with its values filled in (what the API answers and the log keeps);
    a page shows ``translated(_)`` in the reader's language. Raise it as an ``HTTPException`` detail.
    """

    msgid: str
    values: dict[str, Any]

    def __new__(cls, msgid: str, **values: Any) -> Msg:
        self = super().__new__(cls, msgid % values if values else msgid)
        self.msgid = msgid
        self.values = values
        return self

    def translated(self, gettext: Callable[..., str]) -> str:
        return gettext(self.msgid, **self.values)


def translated_or_none(message: str, lang: str) -> str | None:
    """``message`` in ``lang``: a ``Msg`` or a catalog entry, translated; ``None`` if it has no translation.

    Pages use it so that no English sentence reaches a French, Dutch or Ukrainian reader.
    """
    tr = translator(lang)
    if isinstance(message, Msg):
        return message.translated(tr.gettext)
    if lang == "en":
        return message
    text = tr._t.gettext(message)
    return text if text != message else None

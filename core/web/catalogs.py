"""The messages the web app uses, and the four catalogs that translate them.

``extract()`` reads every ``_("...")``, ``gettext``, ``ngettext``, ``N_("...")`` and ``Msg("...")`` in the
templates and the Python files of ``core/web``, ``core/reports`` and the built-in audience plugins
(``plugins/``: their pages use the same catalogs) with Babel's extractors (Jinja2's for templates).
``missing()`` says,
for each language, which of them its catalog lacks or leaves untranslated; the test suite fails on any
(English may leave ``msgstr`` empty: the English text is the message id). ``update()`` adds new
messages to the ``.po`` files, keeping every translation already there::

    .venv/bin/python -m tremplin.core.web.catalogs          # add new messages, list what needs translating
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from tremplin.core import __version__
from tremplin.core.i18n import LANGUAGES
from tremplin.core.web.i18n import LOCALE_DIR, catalog_path

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

WEB = Path(__file__).parent
#: The built-in plugins' folder (``tremplin.plugins``, wherever it is installed).
PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
METHOD_MAP = [
    ("**/templates/**.html", "jinja2.ext:babel_extract"),
    ("**.py", "python"),
]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "Msg": None}
#: Where messages are read: the web app, the report pages (``core/reports/web.py``), the built-in plugins' pages.
FOLDERS = (WEB, WEB.parent / "reports", WEB.parent / "builtins", PLUGINS)
#: Single files of the core whose messages every way in shows (the rules of a record), and those whose errors
#: the command line says too (the ESF+ operation's choice, the bot's centre and token, the flows' work pool).
FILES = (
    WEB.parent / "rules.py",
    WEB.parent / "registry.py",
    WEB.parent / "bot" / "app.py",
    WEB.parent.parent / "flows" / "runner.py",
)
#: Languages whose catalogs must translate every message (English is the source language).
MUST_TRANSLATE = ("fr", "nl", "uk")
LANGUAGE_NAMES = {"fr": "French", "nl": "Dutch", "en": "English", "uk": "Ukrainian"}


def extract(folders: Iterable[Path] = FOLDERS, files: Iterable[Path] = FILES) -> dict[str | tuple[str, str], list[str]]:
    """Message id (or (singular, plural)) -> where it is used."""
    from babel.messages.extract import extract_from_dir, extract_from_file

    found: dict[str | tuple[str, str], list[str]] = {}
    for path in files:
        for lineno, message, _comments, _context in extract_from_file("python", str(path), keywords=KEYWORDS):
            if isinstance(message, str) and message:
                found.setdefault(message, []).append(f"core/{path.name}:{lineno}")
    for folder in folders:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            str(folder),
            METHOD_MAP,
            keywords=KEYWORDS,
            options_map={"**/templates/**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}},
        ):
            # The plural keywords give (singular, plural, ...): the first two name the message.
            key = message if isinstance(message, str) else cast("tuple[str, str]", tuple(message[:2]))
            if not key or (isinstance(key, tuple) and not key[0]):
                continue
            found.setdefault(key, []).append(f"{filename}:{lineno}")
    return found


def read(lang: str) -> Catalog:
    from babel.messages.pofile import read_po

    path = catalog_path(lang)
    if not path.exists():
        from babel.messages.catalog import Catalog

        return Catalog(locale=lang)
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


def missing(lang: str, messages: Iterable[str | tuple[str, str]] | None = None) -> list[str | tuple[str, str]]:
    """Messages the ``lang`` catalog lacks, or (for fr/nl/uk) leaves untranslated."""
    catalog = read(lang)
    out = []
    for key in messages if messages is not None else extract():
        entry = catalog.get(key[0] if isinstance(key, tuple) else key)
        if entry is None:
            out.append(key)
            continue
        if lang in MUST_TRANSLATE:
            strings = entry.string if isinstance(entry.string, (list, tuple)) else [entry.string]
            if not all(strings) or entry.fuzzy:
                out.append(key)
    return out


def update() -> dict[str, int]:
    """Add every extracted message to each catalog (translations kept); returns untranslated counts."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    messages = extract()
    template = Catalog(project="Tremplin", msgid_bugs_address="", fuzzy=False)
    for key, locations in messages.items():
        template.add(key, locations=[(loc.rsplit(":", 1)[0], int(loc.rsplit(":", 1)[1])) for loc in locations[:3]])
    counts = {}
    for lang in LANGUAGES:
        catalog = read(lang)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.fuzzy = False
        catalog.project = "Tremplin"
        catalog.version = __version__
        catalog.header_comment = (
            f"# {LANGUAGE_NAMES[lang]} messages of the Tremplin web app (core/web).\n"
            "# Update with: python -m tremplin.core.web.catalogs"
        )
        path = catalog_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False, sort_output=False, include_previous=False)
        counts[lang] = len(missing(lang, messages))
    return counts


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    for language, count in update().items():
        print(f"{language}: {count} message(s) to translate in {catalog_path(language).relative_to(LOCALE_DIR.parent)}")

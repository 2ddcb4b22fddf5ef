"""Four languages: every message the templates and the web code use is in every catalog, translated."""

from __future__ import annotations

import re

import pytest

from tremplin.core.i18n import LANGUAGES
from tremplin.core.web import catalogs
from tremplin.core.web.i18n import parse_accept_language, translator

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.fixture(scope="module")
def messages() -> dict:
    found = catalogs.extract()
    assert len(found) > 150, "the extractor finds the templates' messages"
    return found


def test_the_extractor_reads_templates_and_python(messages: dict) -> None:
    assert "Log out" in messages and any(loc.startswith("templates/") for loc in messages["Log out"])
    assert "This field is required." in messages  # marked with N_() in formkit.py
    assert "Dashboard" in messages  # the menu, in templating.py


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_catalog_has_every_message(messages: dict, lang: str) -> None:
    lacking = catalogs.missing(lang, messages)
    assert not lacking, (
        f"{lang}: {len(lacking)} message(s) missing or untranslated (run python -m tremplin.core.web.catalogs): "
        f"{lacking[:20]}"
    )


@pytest.mark.parametrize("lang", catalogs.MUST_TRANSLATE)
def test_translations_keep_their_placeholders(messages: dict, lang: str) -> None:
    catalog = catalogs.read(lang)
    for key in messages:
        msgid = key[0] if isinstance(key, tuple) else key
        entry = catalog.get(msgid)
        # A plural message: every form keeps the placeholders of the plural message id.
        forms = entry.string if isinstance(entry.string, (list, tuple)) else [entry.string]
        wanted = key[1] if isinstance(key, tuple) else msgid
        for form in forms:
            assert sorted(PLACEHOLDER.findall(form)) == sorted(PLACEHOLDER.findall(wanted)), (lang, msgid, form)


def test_translators_translate_and_fall_back() -> None:
    assert translator("fr")("Log out") == "Se déconnecter"
    assert translator("nl")("Log out") == "Afmelden"
    assert translator("uk")("Log out") == "Вийти"
    assert translator("en")("Log out") == "Log out"
    assert (
        translator("fr")("Enter a whole number from %(min)s to %(max)s.", min=1, max=9)
        == "Entrez un nombre entier de 1 à 9."
    )
    assert translator("xx")("Log out") == "Se déconnecter", "an unknown language falls back to French"


def test_accept_language() -> None:
    assert parse_accept_language("de-DE,de;q=0.9,nl;q=0.8,en;q=0.7") == ["nl", "en"]
    assert parse_accept_language("uk, fr;q=0.5") == ["uk", "fr"]
    assert parse_accept_language("fr;q=0, en;q=bad") == []
    assert parse_accept_language(None) == []

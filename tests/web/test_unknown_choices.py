"""A filter's value that is none of its choices is refused, never ignored: a mistyped ``status=`` that lists
every referral reads as the filtered list. The API answers 422 naming the parameter, the value and the codes it
takes, in the request's language (``rules``: ``choice``, as its other 422s); a page answers a 422 page that says
the same with the filter's words, in the reader's language. Each list of the API and the web app, and the
exports' format."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from tests.web.conftest import Web
from tests.web.test_languages import offences, visible
from tremplin.core import vocab
from tremplin.core.web.errors import QUOTES
from tremplin.core.web.i18n import translator

LANGUAGES = ("fr", "nl", "en", "uk")
#: The words of the refusal in each language (the rest of the sentence quotes the reader's value and the choices).
SAYS = {
    "fr": "n'est pas une valeur valable pour",
    "nl": "is geen geldige waarde voor",
    "en": "is not a valid value for",
    "uk": "неприпустиме значення для",
}


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


#: API lists and the parameter each refuses: path, parameter, the codes it names.
API_CASES = (
    ("/api/v1/referrals", "status", ["issued", "received", "completed", "expired"]),
    ("/api/v1/contacts", "theme", list(vocab.THEME)),
    ("/api/v1/contacts", "language", list(vocab.LANGUAGE)),
    ("/api/v1/contacts", "audience", ["general", "neet"]),
    ("/api/v1/activities", "site", []),
    ("/api/v1/cases", "audience", ["neet"]),
    ("/api/v1/cases", "state", ["open", "closed", "all"]),
)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_api_refuses_an_unknown_choice_in_the_requests_language(web: Web, lang: str) -> None:
    api = web.api("programme_lead")
    api.headers["accept-language"] = lang
    for path, name, codes in API_CASES:
        answer = api.get(path, params={name: "bogus"})
        assert answer.status_code == 422, (path, name, answer.status_code, answer.text[:200])
        body = answer.json()
        assert body["rules"] == {name: "choice"}, (path, body)
        message = plain(body["messages"][name])
        assert body["detail"] == body["messages"][name] == body["errors"][name]
        assert SAYS[lang] in message and "bogus" in message and name in message, message
        assert set(codes) <= set(body["allowed"][name]), (path, body["allowed"])
        opening, closing = QUOTES[lang]
        assert all(f"{opening}{code}{closing}" in message for code in body["allowed"][name]), message
    referrals = api.get("/api/v1/referrals", params={"status": "bogus"}).json()
    assert referrals["allowed"] == {"status": ["issued", "received", "completed", "expired"]}
    dim = api.get("/api/v1/counters", params={"start": "2025-01-01", "end": "2025-12-31", "dim": "bogus"})
    assert dim.status_code == 422 and dim.json()["rules"] == {"dim": "choice"} and "*" in dim.json()["allowed"]["dim"]
    assert SAYS[lang] in plain(dim.json()["detail"])
    # A known value still filters; an empty one is no filter.
    assert api.get("/api/v1/referrals", params={"status": "expired"}).status_code == 200
    assert api.get("/api/v1/referrals", params={"status": ""}).status_code == 200


#: Web lists and exports, the parameter they refuse, and a choice the page names by its label.
WEB_CASES = (
    ("/referrals", "status", vocab.REFERRAL_STATUS.items["expired"]),
    ("/referrals/export", "status", vocab.REFERRAL_STATUS.items["completed"]),
    ("/contacts", "theme", vocab.THEME.items["learn"]),
    ("/contacts", "site", None),
    ("/activities", "language", vocab.LANGUAGE.items["nl"]),
    ("/cases", "state", "Closed"),
    ("/cases", "audience", None),
    ("/contacts/export", "format", "XLSX"),
    ("/activities/export", "audience", None),
    ("/reports/view?kind=audience", "audience", None),
    ("/reports/view?kind=esf", "operation", None),
)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_list_page_refuses_an_unknown_choice_in_the_readers_language(web: Web, lang: str) -> None:
    client = web.client("programme_lead")
    client.cookies.set("tremplin_lang", lang)
    _ = translator(lang).gettext
    for url, name, choice in WEB_CASES:
        path, _sep, query = url.partition("?")
        answer = client.get(path, params={**dict(parse_qsl(query)), name: "bogus"})
        assert answer.status_code == 422, (path, name, answer.status_code)
        assert answer.headers["content-type"].startswith("text/html"), "a page, not a file or JSON"
        text = plain(visible(answer.text))
        assert _("Some values are not valid.") in text and SAYS[lang] in text and "bogus" in text, (path, text)
        if choice is not None:
            label = choice if isinstance(choice, str) else choice.get(lang)
            opening, closing = QUOTES[lang]
            assert f"{opening}{_(label)}{closing}" in text, (path, label, text)
        if lang != "en":
            assert not offences(text), (path, offences(text))
    # The menus' own values are taken.
    assert client.get("/cases", params={"state": "closed"}).status_code == 200
    assert client.get("/referrals", params={"status": "received"}).status_code == 200


#: Lists and exports, and a parameter they cannot read: refused, never replaced by its default (a mistyped
#: ``from`` would list the last year under the reader's eyes as if it were the asked period).
UNREADABLE = (
    ("/contacts", "from", "junk", "From"),
    ("/contacts", "to", "2025-13-01", "To"),
    ("/activities", "from", "01/02/2025", "From"),
    ("/contacts", "after", "x", "Next page"),
    ("/activities", "after", "2025-01-01.abc", "Next page"),
    ("/contacts/export", "from", "junk", "From"),
    ("/activities/export", "to", "yesterday", "To"),
    ("/admin/audit", "from", "junk", "From"),
    ("/admin/audit", "after", "x", "Next page"),
    ("/admin/audit/export", "to", "junk", "To"),
)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_day_or_page_that_cannot_be_read_is_refused_in_the_readers_language(web: Web, lang: str) -> None:
    lead, admin = web.client("programme_lead"), web.client("admin")
    for client in (lead, admin):
        client.cookies.set("tremplin_lang", lang)
    _ = translator(lang).gettext
    opening, closing = QUOTES[lang]
    for path, name, value, label in UNREADABLE:
        client = admin if path.startswith("/admin") else lead
        answer = client.get(path, params={name: value, "format": "csv"} if "export" in path else {name: value})
        assert answer.status_code == 422, (path, name, answer.status_code)
        assert answer.headers["content-type"].startswith("text/html"), "a page, not a file"
        text = plain(visible(answer.text))
        assert _("Some values are not valid.") in text and SAYS[lang] in text, (path, text)
        assert f"{opening}{value}{closing}" in text and f"{opening}{_(label)}{closing}" in text, (path, text)
        if name != "after":
            assert "2" in text.split(f"{opening}{_(label)}{closing}", 1)[1], "how to write a day, with an example"
        if lang != "en":
            assert not offences(text), (path, offences(text))
    # Days as the filters' form sends them, and no day at all, are taken; so is the pager's own link.
    assert lead.get("/contacts", params={"from": "2025-01-01", "to": "2025-12-31"}).status_code == 200
    assert lead.get("/contacts", params={"from": "", "after": "2025-06-30.12"}).status_code == 200
    assert admin.get("/admin/audit", params={"from": "2025-01-01", "after": "40"}).status_code == 200


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_api_names_an_unreadable_page_cursor(web: Web, lang: str) -> None:
    """The API names the parameter itself (a page, its label), with the rule key ``invalid``."""
    api = web.api("programme_lead")
    api.headers["accept-language"] = lang
    answer = api.get("/api/v1/contacts", params={"after": "2025-01-01.x"})
    assert answer.status_code == 422, answer.text[:200]
    body = answer.json()
    assert body["rules"] == {"after": "invalid"} and body["detail"] == body["messages"]["after"]
    assert SAYS[lang] in plain(body["detail"]) and "after" in body["detail"] and "2025-01-01.x" in body["detail"]

"""No English, no raw key and no framework message on a French, Dutch or Ukrainian page.

Every GET page of the web app is opened by a programme lead (and an administrator, for the
administration pages) in each language, once as it is and once with invalid values in its path and
query string; the visible text of the answer must hold none of the English phrases and none of the
``snake_case`` codes below. The same is checked for the answers of a form posted with a future date
and of an unknown case code.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from tests.web.conftest import Web, csrf_of
from tests.web.test_access_matrix import make_objects
from tremplin.core.web.app import route_table

LANGUAGES = ("fr", "nl", "uk")

#: English that must not reach a reader of another language (framework, core and report words).
ENGLISH = re.compile(
    r"\b(the|not found|unknown|should be|valid integer|field required|input should|there is no|your account|"
    r"recorded|estimate|is not a|does not|must be|value error|not a month|download|sign up|previous period|"
    r"no data|something went wrong|internal server error|method not allowed)\b",
    re.I,
)
#: A code as the program spells it (``gender_unknown``, ``not_applicable``, ``individual_advice``).
SNAKE = re.compile(r"(?<![\w./@-])[a-z]+(?:_[a-z0-9]+)+(?![\w./@-])")
#: Words that are the same in every language, or names (brands, people's accounts in this test).
ALLOWED_SNAKE = {
    "programme_lead",
    "schools_coordinator",
    "neet_worker",
    "formtruck_adviser",
    "formtruck_coordinator",
    "network_admin",
}

#: Values that are invalid for any parameter of the kind named.
INVALID = {
    "year": "abc",
    "month": "2025-13",
    "on": "2025-02-30",
    "from": "junk",
    "to": "2025-99-01",
    "page": "-3",
    "after": "x",
}


#: Elements whose text is not words: scripts, and codes shown as codes on purpose (``<code>``: an
#: administrator's own codes, a referral token), and text being edited (``<textarea>``: the bot's texts in
#: each of its languages, English included, on ``/admin/bot-texts``).
SKIPPED = ("script", "style", "template", "code", "textarea")


class VisibleText(HTMLParser):
    """The text a person sees: no tags, attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def offences(text: str) -> list[str]:
    text = re.sub(r"“[^”]*”|«[^»]*»", "“…”", text)  # what the reader typed, quoted back, is theirs
    found = [m.group(0) for m in ENGLISH.finditer(text)]
    found += [m.group(0) for m in SNAKE.finditer(text) if m.group(0) not in ALLOWED_SNAKE]
    return found


def pages(web: Web) -> list[tuple[str, Any]]:
    """GET routes that answer a page (not the API, files (fingerprinted ones too), or the language switch)."""
    out = []
    for path, methods, route in route_table(web.asgi):
        prefixes = ("/api/", "/static", "/assets/", "/openapi", "/docs", "/redoc", "/lang/")
        if "GET" not in methods or path.startswith(prefixes):
            continue
        if (
            path.endswith((".css", ".js", ".json", ".webmanifest", ".svg", ".png"))
            or "download" in path
            or "export" in path
        ):
            continue
        out.append((path, route))
    return out


def query_names(route: Any) -> list[str]:
    dependant = getattr(route, "dependant", None)
    names: list[str] = []
    stack = [dependant] if dependant is not None else []
    while stack:
        dep = stack.pop()
        names += [p.alias or p.name for p in getattr(dep, "query_params", [])]
        stack.extend(getattr(dep, "dependencies", []) or [])
    return names


def invalid_url(path: str, route: Any) -> str:
    url = re.sub(r"\{[^}]+\}", "999999999", path)
    params = [f"{name}={INVALID.get(name, 'zz_not_a_value')}" for name in dict.fromkeys(query_names(route))]
    return url + ("?" + "&".join(params) if params else "")


def valid_url(path: str, objects: dict[str, Any]) -> str:
    values = dict(objects)
    if path.startswith("/admin/sites/"):
        values["item_id"] = objects["site_id"]
    elif path.startswith("/admin/partners/"):
        values["item_id"] = objects["partner_id"]
    return path.format(**values)


def in_language(web: Web, account: str, lang: str) -> Any:
    client = web.client(account)
    client.cookies.set("tremplin_lang", lang)
    return client


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_speaks_the_readers_language_even_when_refusing(web: Web, lang: str) -> None:
    objects = make_objects(web)
    clients = {account: in_language(web, account, lang) for account in ("programme_lead", "admin")}
    problems: dict[str, list[str]] = {}
    checked = 0
    for path, route in pages(web):
        account = "admin" if path.startswith("/admin") else "programme_lead"
        client = clients[account]
        urls = [invalid_url(path, route)]
        if "{" in path:
            urls.append(valid_url(path, objects))
        elif query_names(route):
            urls.append(path)
        for url in urls:
            response = client.get(url)
            assert response.status_code < 500, (url, response.status_code)
            if not response.headers.get("content-type", "").startswith("text/html"):
                continue
            found = offences(visible(response.text))
            if found:
                problems[f"{url} ({response.status_code})"] = sorted(set(found))
            checked += 1
    # The explicit cases of the issue, and the 404 page.
    client = clients["programme_lead"]
    for url in (
        "/reports/view?year=abc",
        "/reports/view?kind=monthly&month=2025-13",
        "/cases/NOPE-0000",
        "/no/such/page",
    ):
        response = client.get(url)
        assert 400 <= response.status_code < 500, url
        found = offences(visible(response.text))
        if found:
            problems[f"{url} ({response.status_code})"] = sorted(set(found))
        checked += 1
    assert checked > 40
    unknown_case = client.get("/cases/NOPE-0000")
    assert {
        "fr": "Aucun dossier ne porte ce code.",
        "nl": "Er is geen traject met deze code.",
        "uk": "Справи з таким кодом немає.",
    }[lang] in visible(unknown_case.text), "a refusal says what is wrong, in the reader's language"
    assert not problems, "\n".join(f"{url}: {', '.join(found)}" for url, found in problems.items())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_future_outcome_date_is_refused_in_the_readers_language(web: Web, lang: str) -> None:
    objects = make_objects(web)
    client = in_language(web, "programme_lead", lang)
    page = client.get(f"/cases/{objects['code']}")
    assert page.status_code == 200
    response = client.post(
        f"/cases/{objects['code']}/outcome",
        data={"kind": "employment", "on": "2999-01-01", "csrf_token": csrf_of(page.text)},
    )
    assert 400 <= response.status_code < 500
    assert not offences(visible(response.text)), offences(visible(response.text))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_esf_report_page_shows_words_not_codes(web: Web, lang: str) -> None:
    make_objects(web)
    client = in_language(web, "programme_lead", lang)
    response = client.get(
        "/reports/view",
        params={"kind": "esf", "operation": "neet", "from": "2025-01-01", "to": "2025-06-30", "language": lang},
    )
    assert response.status_code == 200
    text = visible(response.text)
    assert not offences(text), offences(text)
    assert "EECO01" in text  # the indicators' own codes stay: they are the managing authority's


def test_dutch_wording(web: Web) -> None:
    client = in_language(web, "programme_lead", "nl")
    page = visible(client.get("/reports/view", params={"kind": "annual", "year": 2025}).text)
    assert "HTML downloaden" in page and "Downloaden HTML" not in page  # the verb comes last in Dutch
    dashboard = visible(client.get("/dashboard").text)
    assert "Registreren" not in dashboard and "Invoeren" in dashboard  # "registreren" reads as "sign up"


def test_french_pages_have_french_typography_and_dates(web: Web) -> None:
    client = in_language(web, "programme_lead", "fr")
    html = client.get("/reports/view", params={"kind": "annual", "year": 2025}).text
    text = visible(html)
    assert "Période\u202f: 1 janv. 2025 – 31 déc. 2025" in html  # not "Période: 2025-01-01"
    assert "2025-01-01" not in text and " UTC" not in text
    assert 'href="/reports/download?' in html  # URLs untouched
    english = (
        in_language(web, "programme_lead", "en").get("/reports/view", params={"kind": "annual", "year": 2025}).text
    )
    assert "\u202f:" not in english and "Period: 1 Jan 2025 – 31 Dec 2025" in visible(english)

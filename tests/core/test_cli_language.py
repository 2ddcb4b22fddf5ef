"""The ``tremplin`` command in the operator's language: how it is chosen, and what it says in each of the four."""

from __future__ import annotations

import ast
import json
import re
import string
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tremplin.core.cli import cli
from tremplin.core.cli_text import MESSAGES, choose_language, language_of_locale
from tremplin.core.i18n import LANGUAGES
from tremplin.core.importer import COLUMNS

REPO = Path(__file__).resolve().parents[2]
#: What the command prints is said there (the demo's summary in ``core/demo/run.py``).
CLI_FILES = (REPO / "core" / "cli.py", REPO / "core" / "reports" / "cli.py", REPO / "core" / "demo" / "run.py")
#: The language variables cleared for a run, so that only what the test sets decides.
NO_LANGUAGE: dict[str, str | None] = {"TREMPLIN_LANGUAGE": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": None}
NNBSP = "\u202f"  # French puts a narrow no-break space before ":" and "?"


def run(*args: str, env: dict[str, str | None] | None = None, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env={**NO_LANGUAGE, **(env or {})}, input=input, catch_exceptions=False)


# ------------------------------------------------------------------------------------------------
# The catalogue


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_every_message_has_the_four_languages_with_the_same_fields() -> None:
    for key, text in MESSAGES.items():
        assert text.missing_languages() == [], key
        for lang in LANGUAGES:
            assert fields(text.get(lang)) == fields(text.en), (key, lang)


def test_no_message_is_left_in_english() -> None:
    # A word that is the same in the language (a technical name) is listed here, and nothing else.
    same = {("plugins.hooks", "nl"), ("import.kind.contacts", "fr")}
    for key, text in MESSAGES.items():
        for lang in ("fr", "nl", "uk"):
            if (key, lang) not in same:
                assert text.get(lang) != text.en, (key, lang)
        assert re.search("[а-яіїєґ]", text.uk.lower()) or key in {"bot.through"}, key


def test_the_bot_help_is_the_bots() -> None:
    from tremplin.core.bot.app import NO_TOKEN_HELP

    assert MESSAGES["bot.no_token"].en == NO_TOKEN_HELP
    assert MESSAGES["bot.no_token_env"].en == NO_TOKEN_HELP.replace("give --token or set", "set")


def said_keys() -> set[str]:
    keys: set[str] = set()
    for path in (*CLI_FILES, REPO / "core" / "cli_text.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "say" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    keys.add(first.value)
                elif isinstance(first, ast.IfExp) and isinstance(first.body, ast.Constant):
                    keys |= {str(first.body.value), str(getattr(first.orelse, "value", ast.unparse(first.orelse)))}
                elif isinstance(first, ast.JoinedStr) and isinstance(first.values[0], ast.Constant):
                    prefix = str(first.values[0].value)  # say(f"import.kind.{kind}")
                    keys |= {key for key in MESSAGES if key.startswith(prefix)}
                else:
                    keys.add(ast.unparse(first))  # a key made another way: fails below, name it plainly
    return keys


def test_the_catalogue_holds_what_the_command_says_and_nothing_else() -> None:
    used = said_keys()
    assert used - MESSAGES.keys() == set()
    assert MESSAGES.keys() - used == set()


PRINTERS = {"echo", "secho", "confirm", "fail", "_fail", "UsageError", "BadParameter"}


def english_words(node: ast.expr) -> list[str]:
    """The words written in a literal (a string or the fixed parts of an f-string)."""
    parts = [node] if isinstance(node, ast.Constant) else node.values if isinstance(node, ast.JoinedStr) else []
    return [
        word
        for part in parts
        if isinstance(part, ast.Constant) and isinstance(part.value, str)
        for word in re.findall(r"[A-Za-z]{3,}", part.value)
    ]


def test_the_command_prints_no_sentence_of_its_own() -> None:
    # Every message a person reads goes through ``say``: no literal sentence is printed or raised.
    found = []
    for path in CLI_FILES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args:
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name in PRINTERS and english_words(node.args[0]):
                    found.append(f"{path.name}:{node.lineno}: {ast.unparse(node.args[0])}")
    assert found == []


# ------------------------------------------------------------------------------------------------
# The choice of the language


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "nl_BE.UTF-8"}, "nl"),
        ({"LANG": "uk_UA"}, "uk"),
        ({"LC_MESSAGES": "fr_BE.UTF-8", "LANG": "nl_BE.UTF-8"}, "fr"),
        ({"LC_ALL": "uk_UA.UTF-8", "LC_MESSAGES": "fr_BE.UTF-8", "LANG": "nl_BE.UTF-8"}, "uk"),
        ({"LC_ALL": "de_DE.UTF-8", "LANG": "fr_BE.UTF-8"}, None),  # German decides, and is not spoken here
        ({"LANG": "C.UTF-8"}, None),
        ({"LANG": "fr_BE@euro"}, "fr"),
        ({"LC_ALL": "", "LANG": "en_GB.UTF-8"}, "en"),  # an empty variable is not set
        ({}, None),
    ],
)
def test_the_locale_names_the_language(environ: dict[str, str], expected: str | None) -> None:
    assert language_of_locale(environ) == expected


def test_an_option_wins_and_english_is_the_last_resort() -> None:
    assert choose_language("uk", {"LANG": "fr_BE.UTF-8"}) == "uk"
    assert choose_language(None, {"LANG": "fr_BE.UTF-8"}) == "fr"
    assert choose_language(None, {"LANG": "C"}) == "en"
    assert choose_language(None, {}) == "en"


def test_option_environment_and_locale_in_that_order() -> None:
    # The bot without a token fails before it needs a database: a message in each way of choosing.
    env = {"TREMPLIN_TELEGRAM_TOKEN": None}
    assert "немає токена бота" in run("bot", env={**env, "LC_ALL": "uk_UA.UTF-8"}).stderr
    assert "geen bottoken" in run("bot", env={**env, "LANG": "nl_BE.UTF-8"}).stderr
    assert "pas de jeton de bot" in run("bot", env={**env, "TREMPLIN_LANGUAGE": "fr", "LANG": "nl_BE.UTF-8"}).stderr
    chosen = run("--language", "uk", "bot", env={**env, "TREMPLIN_LANGUAGE": "fr", "LANG": "nl_BE.UTF-8"})
    assert "Помилка: немає токена бота" in chosen.stderr
    english = run("bot", env={**env, "LANG": "C.UTF-8"})
    assert (
        english.exit_code == 1 and "Error: no bot token: give --token or set TREMPLIN_TELEGRAM_TOKEN" in english.stderr
    )
    assert run("--language", "de", "bot").exit_code == 2  # click refuses a language it does not know


# ------------------------------------------------------------------------------------------------
# Commands, in each language

INIT = {
    "en": ("Database ready at revision", "Created centre 'bxl'", "Found centre 'bxl'"),
    "fr": ("Base de données prête à la révision", "Centre 'bxl' créé", "Centre 'bxl' trouvé"),
    "nl": ("Databank klaar op revisie", "Centrum 'bxl' aangemaakt", "Centrum 'bxl' gevonden"),
    "uk": ("Базу даних готово, ревізія", "Створено центр 'bxl'", "Знайдено центр 'bxl'"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_init_says_what_it_did(lang: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tremplin.db'}"
    ready, created, found = INIT[lang]
    result = run("--language", lang, "--database-url", url, "init", "--centre", "bxl")
    assert result.exit_code == 0, result.output
    assert ready in result.output and created in result.output
    if lang == "fr":
        assert f"{NNBSP}: sqlite:///" in result.output  # French spacing, and the URL untouched
    again = run("--database-url", url, "init", "--centre", "bxl", env={"TREMPLIN_LANGUAGE": lang})
    assert again.exit_code == 0 and found in again.output


IMPORT = {
    "en": ("Error", "Nothing was imported: 1 problem(s) in", "line 3, column headcount: 'abc' is not a whole number"),
    "fr": (
        "Erreur",
        f"Rien n'a été importé{NNBSP}: 1 problème(s) dans",
        f"ligne 3, colonne headcount{NNBSP}: Entrez un nombre entier.",
    ),
    "nl": (
        "Fout",
        "Er werd niets geïmporteerd: 1 probleem(en) in",
        "regel 3, kolom headcount: Vul een geheel getal in.",
    ),
    "uk": ("Помилка", "Нічого не імпортовано: у", "рядок 3, стовпець headcount: Введіть ціле число."),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_bad_csv_file_is_refused_in_the_language(lang: str, db_url: str, tmp_path: Path) -> None:
    good = "a-1,2024-03-04T09:15,bxl,reception,general,reception,walk_in,learn,fr,3,,,,,"
    bad = "a-2,2024-03-04T10:00,bxl,advice,general,individual_advice,walk_in,work,fr,abc,,,,,"
    path = tmp_path / "contacts.csv"
    path.write_text("\n".join([",".join(COLUMNS["contacts"]), good, bad]) + "\n", encoding="utf-8")
    _, failed, line = IMPORT[lang]
    result = run("--language", lang, "--database-url", db_url, "import", "contacts", str(path), "--create-missing")
    assert result.exit_code == 1
    assert failed in result.stderr and str(path) in result.stderr
    assert line in result.stderr


IMPORTED = {
    "en": "Imported contacts from",
    "fr": "Import des contacts depuis",
    "nl": "Import van contacten uit",
    "uk": "Імпортовано контакти з",
}


@pytest.mark.parametrize("lang", ["fr", "uk"])
def test_an_import_says_what_it_did(lang: str, db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    rows = [f"a-{n},2024-03-04T09:15,bxl,reception,general,reception,walk_in,learn,fr,3,,,,," for n in range(3)]
    path.write_text("\n".join([",".join(COLUMNS["contacts"]), *rows]) + "\n", encoding="utf-8")
    result = run("--language", lang, "--database-url", db_url, "import", "contacts", str(path), "--create-missing")
    assert result.exit_code == 0, result.output
    assert IMPORTED[lang] in result.stdout
    assert {"fr": "3 lignes lues, 3 ajoutées", "uk": "прочитано рядків: 3, додано: 3"}[lang] in result.stdout
    shown = run("--language", lang, "--database-url", db_url, "counters", "show", "--format", "json")
    figures = json.loads(shown.stdout)  # machine output: the same in every language
    assert figures["contacts.records"] == 3 and figures["contacts.total"] == 9
    table = run("--language", lang, "--database-url", db_url, "counters", "show", env={"COLUMNS": "200"})
    title, label = {
        "fr": ("Compteurs toutes les années", "Enregistrements"),
        "uk": ("Лічильники за всі роки", "Записи"),
    }[lang]
    assert title in table.stdout and label in table.stdout


FORGET = {
    "en": "Error: the database records no branch of an uninstalled plugin named 'nosuch'",
    "fr": f"Erreur{NNBSP}: la base de données ne mentionne aucune branche d'un plugin désinstallé nommé 'nosuch'",
    "nl": "Fout: de databank vermeldt geen tak van een verwijderde plug-in met de naam 'nosuch'",
    "uk": "Помилка: база даних не містить гілки видаленого плагіна з назвою 'nosuch'",
}
INSTALLED = {
    "en": "belongs to an installed plugin",
    "fr": "appartient à un plugin installé",
    "nl": "hoort bij een geïnstalleerde plug-in",
    "uk": "належить встановленому плагіну",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plugins_forget_refuses_an_unknown_plugin(lang: str, db_url: str) -> None:
    result = run("--language", lang, "--database-url", db_url, "plugins", "forget", "nosuch", "--yes")
    assert result.exit_code == 1
    assert FORGET[lang] in result.stderr
    installed = run("--language", lang, "--database-url", db_url, "plugins", "forget", "schools", "--yes")
    assert installed.exit_code == 1 and INSTALLED[lang] in installed.stderr


ROLE = {
    "en": "Error: unknown role(s) wizard; use: admin,",
    "fr": f"Erreur{NNBSP}: rôle(s) inconnu(s) wizard{NNBSP}; utilisez{NNBSP}: admin,",
    "nl": "Fout: onbekende rol(len) wizard; gebruik: admin,",
    "uk": "Помилка: невідомі ролі: wizard; використовуйте: admin,",
}
CREATED = {
    "en": "Created amina (counsellor; audiences:",
    "fr": f"Compte amina créé (counsellor{NNBSP}; publics{NNBSP}:",
    "nl": "Account amina aangemaakt (counsellor; doelgroepen:",
    "uk": "Створено обліковий запис amina (counsellor; аудиторії:",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_staff_add_in_the_language(lang: str, db_url: str) -> None:
    env = {"TREMPLIN_STAFF_PASSWORD": "correct horse battery", "TREMPLIN_LANGUAGE": lang}
    refused = run("--database-url", db_url, "staff", "add", "merlin", "--role", "wizard", env=env)
    assert refused.exit_code == 1 and ROLE[lang] in refused.stderr
    created = run("--database-url", db_url, "staff", "add", "amina", "--role", "counsellor", env=env)
    assert created.exit_code == 0 and CREATED[lang] in created.stdout
    # The list is tab-separated for scripts: the same words in every language.
    listed = run("--database-url", db_url, "staff", "list", env=env)
    assert listed.stdout.startswith("amina\tcounsellor\t") and listed.stdout.rstrip().endswith("\tactive")


REPORT_REFUSALS = {
    "en": ("unknown centre(s) zzz; known:", "the period ends (2024-01-01) before it starts (2024-06-30)"),
    "fr": (f"centre(s) inconnu(s) zzz{NNBSP}; connus{NNBSP}:", "la période se termine (2024-01-01) avant de commencer"),
    "nl": ("onbekend(e) centrum/centra zzz; bekend:", "de periode eindigt (2024-01-01) voordat ze begint"),
    "uk": ("невідомі центри: zzz; відомі:", "період закінчується (2024-01-01) раніше, ніж починається"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_report_is_refused_in_the_language(lang: str, db_url: str) -> None:
    """The reports' refusals are the pages' messages (``Msg``): the command reads them from the same catalogs."""
    centre, period = REPORT_REFUSALS[lang]
    unknown = run("--language", lang, "--database-url", db_url, "report", "annual", "--year", "2024", "--centre", "zzz")
    assert unknown.exit_code == 1 and centre in unknown.stderr, unknown.stderr
    backwards = run(
        "--language", lang, "--database-url", db_url, "report", "esf", "--from", "2024-06-30", "--to", "2024-01-01"
    )
    assert backwards.exit_code == 1 and period in backwards.stderr, backwards.stderr


def test_the_demo_summary_is_in_the_language() -> None:
    """What ``tremplin demo`` prints: the figures written as the reader writes numbers, the roles' labels."""
    from tremplin.core.demo.run import DemoSummary
    from tremplin.core.i18n import T

    summary = DemoSummary(year=2025, scale=1.0, seed=7, seconds=12.34)
    summary.written.update(contacts=12345, headcount=20000, activities=10, participants=300, cases=5)
    summary.shares = ["general", "neet"]
    summary.logins = [("admin", "tremplin-demo-admin", "Administrator"), ("reception", None, "Reception")]
    summary.role_labels = {"admin": T("Administrator", fr="Administrateur", nl="Beheerder", uk="Адміністратор")}
    english = summary.describe()
    head = "Demo year 2025 for Cité des métiers de Bruxelles (bxl), scale 1, seed 7: written in 12.3 s"
    assert english.startswith(head)
    assert "12,345 contact records (headcount 20,000)" in english and "(existing account, unchanged)" in english
    french = summary.describe("fr")
    assert french.startswith("Année de démonstration 2025") and f"graine 7{NNBSP}: écrite en 12,3 s" in french
    assert "12\u202f345 fiches de contact (20\u202f000 personnes)" in french
    assert "Administrateur" in french and "(compte existant, inchangé)" in french and "Reception" in french
    dutch = summary.describe("nl")
    assert "12.345 contactregistraties" in dutch and "Beheerder" in dutch and "Delen: general, neet" in dutch
    assert "Адміністратор" in summary.describe("uk")


CHECKED = {
    "en": "centre {centre}: 7 kept, 3 from the records",
    "fr": "centre {centre}\u202f: 7 conservé(s), 3 d'après les enregistrements",
    "nl": "centrum {centre}: 7 bewaard, 3 volgens de registraties",
    "uk": "центр {centre}: збережено 7, за записами 3",
}


@pytest.mark.parametrize("lang", ["fr", "uk"])
def test_counters_check_lists_the_differences_in_the_language(lang: str, db_url: str, tmp_path: Path) -> None:
    from sqlalchemy import select

    from tests.conftest import make_app
    from tremplin.core.models import CounterValue

    path = tmp_path / "contacts.csv"
    rows = ["a-1,2024-03-04T09:15,bxl,reception,general,reception,walk_in,learn,fr,3,,,,,"]
    path.write_text("\n".join([",".join(COLUMNS["contacts"]), *rows]) + "\n", encoding="utf-8")
    imported = run("--database-url", db_url, "import", "contacts", str(path), "--create-missing")
    assert imported.exit_code == 0, imported.output
    assert run("--language", lang, "--database-url", db_url, "counters", "check").exit_code == 0
    app = make_app(db_url)
    try:
        with app.transaction() as session:  # a figure goes wrong behind the application's back
            row = session.scalars(
                select(CounterValue).where(CounterValue.amount == 3, CounterValue.grain == "y", CounterValue.dim == "*")
            ).first()
            assert row is not None
            row.amount, centre = 7, row.centre_id
    finally:
        app.db.engine.dispose()
    checked = run("--language", lang, "--database-url", db_url, "counters", "check")
    assert checked.exit_code == 1
    assert CHECKED[lang].format(centre=centre) in checked.stdout, checked.stdout

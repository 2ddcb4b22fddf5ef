"""A refused import file is explained in the operator's language: its shape, its encoding, its codes."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest

from tests.core.test_cli_language import NNBSP, fields, run
from tremplin.core import rules
from tremplin.core.i18n import LANGUAGES
from tremplin.core.import_check import ProblemLine, Problems
from tremplin.core.import_messages import MESSAGES, ImportProblem, Reason
from tremplin.core.importer import COLUMNS

HEADER = ",".join(COLUMNS["contacts"])
OK1 = "a-1,2024-03-04T09:15,bxl,reception,general,reception,walk_in,learn,fr,3,,,,,"
OK2 = "a-2,2024-03-04T10:00,bxl,advice,general,individual_advice,walk_in,work,fr,1,,,,,"


# ------------------------------------------------------------------------------------------------
# The catalogue


def test_every_message_has_the_four_languages_with_the_same_fields() -> None:
    for key, text in MESSAGES.items():
        assert text.missing_languages() == [], key
        for lang in LANGUAGES:
            assert fields(text.get(lang)) == fields(text.en), (key, lang)
        for lang in ("fr", "nl", "uk"):
            assert text.get(lang) != text.en, (key, lang)
        assert re.search("[а-яіїєґ]", text.uk.lower()), key


def test_a_problem_is_its_english_text_and_travels_whole_by_pickle() -> None:
    # The second process of a large import sends its problems back by pickle: the parts must survive.
    problem = ImportProblem("id", Reason("id.repeated", ref="a-1"))
    assert problem == ", column id: 'a-1' already appears on line {other} for the same centre"
    back = pickle.loads(pickle.dumps(problem))
    assert (back, back.column, back.key, back.values) == (problem, "id", "id.repeated", {"ref": "a-1"})
    assert (
        pickle.loads(pickle.dumps(ImportProblem(None, Reason("file.no_rows")))) == ": the file has a header but no rows"
    )
    line = ProblemLine.of(3, Reason("csv.too_long", limit=131072))
    assert line == "line 3: a value is longer than 131,072 characters (a quoted value that is never closed?)"
    again = pickle.loads(pickle.dumps(line))
    assert (again.line, again.column, again.reason.key) == (3, None, "csv.too_long")
    # Counts as the reader writes them; French spacing before "?".
    assert (
        again.reason.say("fr")
        == f"une valeur dépasse 131{NNBSP}072 caractères (une valeur entre guillemets jamais fermée{NNBSP}?)"
    )
    assert "131.072" in again.reason.say("nl")


def test_an_id_repeated_across_the_halves_names_the_earlier_line_in_every_language() -> None:
    # As ``_join`` does: the second half's problems are offset, then an id of the first half is named.
    second = Problems()
    second.add(5, ImportProblem("id", Reason("id.repeated", ref="b-7")), 2)
    first = Problems()
    first.extend(pickle.loads(pickle.dumps(second)), offset=100)
    first.add(140, ImportProblem("id", Reason("id.repeated", ref="a-1")), 12)
    lines = first.lines()
    assert lines == [
        "line 105, column id: 'b-7' already appears on line 102 for the same centre",
        "line 140, column id: 'a-1' already appears on line 12 for the same centre",
    ]
    assert lines[1].reason is not None
    assert lines[1].reason.say("fr") == "'a-1' figure déjà à la ligne 12 pour le même centre"
    assert lines[1].reason.say("uk") == "'a-1' уже є в рядку 12 для того самого центру"


def test_the_web_and_the_api_see_the_centre_and_site_reasons_as_before() -> None:
    # Not rules' ``Problem``s: the API's rule key and the page's message come from the English words, as before.
    unknown = Reason("centre.unknown", code="lux")
    assert not isinstance(unknown, rules.Problem)
    assert unknown == "unknown centre code 'lux' (use --create-missing to create it)"
    assert rules.rule_keys([("centre", unknown), ("site", Reason("site.unknown", code="x", centre="bxl"))]) == {
        "centre": "choice",
        "site": "choice",
    }
    assert rules.key_of(Reason("required")) == "required"


# ------------------------------------------------------------------------------------------------
# The command


def refused(lang: str, db_url: str, path: Path, *options: str) -> list[str]:
    result = run("--language", lang, "--database-url", db_url, "import", "contacts", str(path), *options)
    assert result.exit_code == 1, result.output
    return [line.strip() for line in result.stderr.splitlines()[1:]]


def bad_rows(tmp_path: Path) -> Path:
    """An unknown site (line 3), a repeated id (line 4), a short row (line 5) and an unknown centre (line 6)."""
    path = tmp_path / "contacts.csv"
    first = OK1.replace(",bxl,reception,", ",bxl,,")
    rows = [
        HEADER,
        first,
        OK2,
        first.replace("09:15", "11:15"),
        "a-3,2024-03-04T10:00,bxl",
        OK2.replace("a-2,", "a-4,").replace(",bxl,advice,", ",lux,,"),
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


ROWS = {
    "en": [
        "line 3, column site: unknown site code 'advice' in centre 'bxl' (use --create-missing to create it)",
        "line 4, column id: 'a-1' already appears on line 2 for the same centre",
        "line 5: 3 values where the header has 15 columns (the row is truncated, or a line break inside a value is "
        "not quoted)",
        "line 6, column centre: unknown centre code 'lux' (use --create-missing to create it)",
    ],
    "fr": [
        f"ligne 3, colonne site{NNBSP}: code de site inconnu 'advice' dans le centre 'bxl' (utilisez --create-missing "
        "pour le créer)",
        f"ligne 4, colonne id{NNBSP}: 'a-1' figure déjà à la ligne 2 pour le même centre",
        f"ligne 5{NNBSP}: 3 valeurs alors que l'en-tête compte 15 colonnes (la ligne est tronquée, ou un saut de "
        "ligne dans une valeur n'est pas entre guillemets)",
        f"ligne 6, colonne centre{NNBSP}: code de centre inconnu 'lux' (utilisez --create-missing pour le créer)",
    ],
    "nl": [
        "regel 3, kolom site: onbekende vestigingscode 'advice' in centrum 'bxl' (gebruik --create-missing om de "
        "vestiging aan te maken)",
        "regel 4, kolom id: 'a-1' staat al op regel 2 voor hetzelfde centrum",
        "regel 5: 3 waarden terwijl de kopregel 15 kolommen heeft (de rij is afgebroken, of een regeleinde in een "
        "waarde staat niet tussen aanhalingstekens)",
        "regel 6, kolom centre: onbekende centrumcode 'lux' (gebruik --create-missing om het centrum aan te maken)",
    ],
    "uk": [
        "рядок 3, стовпець site: невідомий код місця 'advice' у центрі 'bxl' (щоб створити місце, додайте "
        "--create-missing)",
        "рядок 4, стовпець id: 'a-1' уже є в рядку 2 для того самого центру",
        "рядок 5: у рядку значень: 3, а в заголовку стовпців: 15 (рядок обрізано, або розрив рядка всередині "
        "значення не взято в лапки)",
        "рядок 6, стовпець centre: невідомий код центру 'lux' (щоб створити центр, додайте --create-missing)",
    ],
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_bad_rows_are_explained_in_the_language(lang: str, db_url: str, tmp_path: Path) -> None:
    run("--database-url", db_url, "init", "--centre", "bxl")
    assert refused(lang, db_url, bad_rows(tmp_path)) == ROWS[lang]


HEADER_TWICE = {
    "en": "line 1, column site: the column appears twice (columns 4 and 16)",
    "fr": f"ligne 1, colonne site{NNBSP}: la colonne apparaît deux fois (colonnes 4 et 16)",
    "nl": "regel 1, kolom site: de kolom komt twee keer voor (kolommen 4 en 16)",
    "uk": "рядок 1, стовпець site: стовпець трапляється двічі (стовпці 4 і 16)",
}
UTF16 = {
    "en": 'line 1: the file is in UTF-16; it must be in UTF-8 (in a spreadsheet, save it as "CSV UTF-8")',
    "fr": f"ligne 1{NNBSP}: le fichier est en UTF-16{NNBSP}; il doit être en UTF-8 (dans un tableur, enregistrez-le "
    "au format «\u00a0CSV UTF-8\u00a0»)",
    "nl": 'regel 1: het bestand is in UTF-16; het moet in UTF-8 zijn (sla het in een rekenblad op als "CSV UTF-8")',
    "uk": "рядок 1: файл у кодуванні UTF-16; він має бути в UTF-8 (в електронній таблиці збережіть його як "
    "«CSV UTF-8»)",
}
EMPTY = {
    "en": "the file has a header but no rows",
    "fr": "le fichier a un en-tête mais aucune ligne de données",
    "nl": "het bestand heeft een kopregel maar geen rijen",
    "uk": "у файлі є заголовок, але немає жодного рядка даних",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_shape_and_the_encoding_of_the_file_are_explained_in_the_language(
    lang: str, db_url: str, tmp_path: Path
) -> None:
    twice = tmp_path / "twice.csv"
    twice.write_text(f"{HEADER},site\n{OK1},reception\n", encoding="utf-8")
    assert refused(lang, db_url, twice, "--create-missing") == [HEADER_TWICE[lang]]
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(f"{HEADER}\n{OK1}\n".encode("utf-16"))
    assert refused(lang, db_url, utf16, "--create-missing") == [UTF16[lang]]
    header_only = tmp_path / "header.csv"
    header_only.write_text(HEADER + "\n", encoding="utf-8")
    assert refused(lang, db_url, header_only, "--create-missing") == [EMPTY[lang]]  # a problem of no line


@pytest.mark.parametrize("lang", ["fr", "uk"])
def test_bytes_that_are_not_utf8_are_located_in_the_language(lang: str, db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(f"{HEADER}\n{OK1}\n{OK2}Diplôme reconnu\n".encode("latin-1"))
    (line,) = refused(lang, db_url, path, "--create-missing")
    expected = {
        "fr": f"ligne 3{NNBSP}: l'octet 0xf4 à la position 85 de la ligne (octet 286 du fichier) n'est pas de l'UTF-8",
        "uk": "рядок 3: байт 0xf4 на позиції 85 рядка (байт 286 файлу) недопустимий в UTF-8",
    }
    assert line.startswith(expected[lang]), line

"""The scrubber chain on personal data typed with no cue word, and its figures on the corpus of notes.

The corpus (``tests/core/scrubber_corpus.py``) is 520 notes in French, Dutch, English and Ukrainian:
the chain must catch at least 95% of the personal-data strings they hold and keep at least 98% of their
other words (``bench/bench_scrubber.py`` prints the figures and what was missed).
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.core.scrubber_corpus import LANGUAGES, caught, corpus, score
from tremplin.core.anonymity import Scrubber, core_scrubbers, run_chain, scrub
from tremplin.core.personal_data import first_names, fold

CHAIN = core_scrubbers()
DAY = date(2026, 3, 12)

#: The strings that survived every note path before the chain caught them, and what each is.
ISSUE_EXAMPLES = [
    ("32 470 12 34 56", "phone"),
    ("jean.dupont[at]example[dot]be", "email"),
    ("jean.dupont at example dot be", "email"),
    ("jean.dupont＠example.be", "email"),
    ("BE68-5390-0754-7034", "iban"),
    ("30/07/1985", "birth_date"),
    ("1985-07-30", "birth_date"),
    ("Jean Dupont", "name"),
]

#: Sentences around them, in each language.
FRAMES = {
    "fr": "Entretien le 12/03/2026 : {v}, veut une formation d'aide-comptable (BF-2026-117), 1 250 EUR.",
    "nl": "Gesprek op 12 maart 2026: {v}, wil een opleiding boekhouder (VDAB-12345), 1 250 EUR.",
    "en": "Interview on 2026-03-12: {v}, wants an accounting course (BF-2026-117), EUR 1,250.",
    "uk": "Зустріч 12.03.2026: {v}, хоче курс бухгалтера (BF-2026-117), 1 250 EUR.",
}

PLACEHOLDER = {
    "phone": "[phone]",
    "email": "[e-mail]",
    "iban": "[IBAN]",
    "birth_date": "[birth date]",
    "name": "[name]",
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("value", "kind"), ISSUE_EXAMPLES)
def test_issue_examples_are_caught(language: str, value: str, kind: str) -> None:
    note = FRAMES[language].format(v=value)
    result = run_chain(note, CHAIN, today=DAY)
    assert caught(value, kind, result.text), result.text
    assert PLACEHOLDER[kind] in result.text
    assert result.removed[kind] == 1, result.removed
    # The rest of the note is as typed: its appointment date, course code and amount stay.
    for kept in ("2026", "117" if language != "nl" else "12345", "1"):
        assert kept in result.text


@pytest.mark.parametrize(
    "text",
    [
        "jean dot dupont at example dot be",
        "jean.dupont (at) example (dot) be",
        "jean.dupont [at] example [dot] be",
        "JEAN.DUPONT@EXAMPLE.BE",
        "jean.dupont @ example.be",
        "jean.dupont{at}example{dot}be",
        "jean.dupont arobase example point be",
    ],
)
def test_disguised_emails(text: str) -> None:
    out = scrub(f"Écrire à {text} avant lundi.", CHAIN).text
    assert out == "Écrire à [e-mail] avant lundi.", out


@pytest.mark.parametrize(
    "text",
    [
        "She stayed at home. Dot will call.",
        "Rendez-vous at Actiris, point de contact au 2e étage.",
        "Formation at BeCode dot the end of May.",
    ],
)
def test_at_and_dot_in_sentences_are_not_emails(text: str) -> None:
    assert scrub(text, CHAIN).text == text


@pytest.mark.parametrize(
    "number",
    [
        "32 470 12 34 56",
        "32470123456",
        "380 67 123 45 67",
        "380671234567",
        "0470 12 34 56",
        "+32 (0)470 12 34 56",
        "0032 470 12 34 56",
        "33 6 12 34 56 78",
    ],
)
def test_phone_numbers_with_or_without_plus(number: str) -> None:
    assert scrub(f"GSM {number} le matin.", CHAIN).text == "GSM [phone] le matin."


@pytest.mark.parametrize(
    "text",
    [
        "Budget 2 500 000 EUR pour 2026, 120 places.",
        "Dossier VDAB-12345, module 3 de 14:30 à 16:00.",
        "Du 01.03.2026 au 31.08.2026, 38 heures par semaine.",
        "ISCO 2411, NACE 6201, 35 000 EUR brut par an.",
    ],
)
def test_numbers_that_are_not_phones_stay(text: str) -> None:
    assert scrub(text, CHAIN, today=DAY).text == text


@pytest.mark.parametrize(
    "iban",
    [
        "BE68-5390-0754-7034",
        "BE68 5390 0754 7034",
        "be68539007547034",
        "UA21 3223 1300 0002 6007 2335 6600 1",
        "FR14 2004 1010 0505 0001 3M02 606",
        "NL91-ABNA-0417-1643-00",
    ],
)
def test_ibans_grouped_any_way(iban: str) -> None:
    assert scrub(f"Compte {iban} pour la prime.", CHAIN).text == "Compte [IBAN] pour la prime."


@pytest.mark.parametrize(
    "number", ["85.07.30-033.28", "85073003328", "850730 033 28", "1 85 07 75 123 456 08", "passeport EH123456"]
)
def test_national_and_identity_numbers(number: str) -> None:
    out = scrub(f"Document {number}, vu le 12/03/2026.", CHAIN, today=DAY).text
    assert "[national number]" in out and "123456" not in out.replace(" ", "") and "03328" not in out, out
    assert out.endswith(", vu le 12/03/2026.")


@pytest.mark.parametrize(
    "birth",
    [
        "30/07/1985",
        "1985-07-30",
        "30 juillet 1985",
        "30.07.1985",
        "30-07-85",
        "July 30, 1985",
        "30 липня 1985",
        "30 juli 1985",
        "02/01/2010",
    ],
)
def test_birth_dates_without_cue(birth: str) -> None:
    out = scrub(f"{birth}, arrivée en 2019, rendez-vous le 19/03/2026.", CHAIN, today=DAY).text
    assert out == "[birth date], arrivée en 2019, rendez-vous le 19/03/2026.", out


@pytest.mark.parametrize(
    "appointment",
    ["19/03/2026", "2026-03-19", "19 mars 2026", "March 19, 2026", "12.09.2025", "01/02/2020", "2017-06-30"],
)
def test_dates_that_can_be_appointments_stay(appointment: str) -> None:
    note = f"Rendez-vous le {appointment} à 14:30 chez Actiris."
    assert scrub(note, CHAIN, today=DAY).text == note


def test_the_notes_day_decides_what_is_a_birth_date() -> None:
    note = "Contrat signé le 15/09/2016, puis formation."
    assert scrub(note, CHAIN, today=date(2024, 1, 1)).text == note
    assert scrub(note, CHAIN, today=date(2027, 1, 1)).text == "Contrat signé le [birth date], puis formation."


@pytest.mark.parametrize(
    "name",
    [
        "Jean Dupont",
        "Fatima El Amrani",
        "Jan Van den Bossche",
        "Inès MARTIN",
        "DUPONT Jean",
        "Élodie Simon",
        "Олена Коваленко",
        "Sarah O'Connor",
        "Jean-Pierre Lambert",
        "VAN DAMME Bram",
        "Оленою Коваленко",
        "Андрія Мельника",
        "Наталією Шевченко",
    ],
)
def test_names_without_cue(name: str) -> None:
    assert scrub(f"Dossier transmis avec {name} hier.", CHAIN).text == "Dossier transmis avec [name] hier."


@pytest.mark.parametrize(
    "sentence",
    [
        "Les Ateliers du Web commencent lundi.",
        "Van Brussel naar Gent met De Lijn.",
        "Job Days à Tour & Taxis.",
        "Brussels Job Fair",
        "Inscrit au Job Day d'Actiris.",
        "Inscrite à l'Athénée Royal Jean Absil et au Lycée Émile Jacqmain.",
        "Rendez-vous rue Marie Depage.",
        "Stage à l'Institut Saint-Louis, puis CHU Saint-Pierre.",
        "Will Microsoft Teams work?",
        "Mei Taalcursus start.",
        "Formation Aide-Comptable chez Bruxelles Formation.",
        "Курси в Червоному Хресті, Київ.",
    ],
)
def test_capitalised_words_that_are_no_person(sentence: str) -> None:
    assert scrub(sentence, CHAIN).text == sentence


def test_full_width_and_compatibility_characters_are_normalised() -> None:
    out = scrub("ＧＳＭ ０４７０ １２ ３４ ５６, mail jean＠example.be", CHAIN).text
    assert out == "GSM [phone], mail [e-mail]"


def test_the_first_names_list_is_shipped_and_broad() -> None:
    names = first_names()
    assert len(names) > 20_000
    for name in (
        "Jean",
        "Fatima",
        "Mohamed",
        "Olena",
        "Олена",
        "Wouter",
        "Sarah",
        "Yassine",
        "Ayşe",
        "Élodie",
        "Андрій",
    ):
        assert fold(name) in names, name


def test_a_plugin_scrubber_runs_in_the_chain() -> None:
    # A plugin's link (registered through ``register_scrubbers``) runs after the core's, in order.
    def case_numbers(text: str) -> tuple[str, int]:
        return text.replace("DOSSIER-42", "[file]"), text.count("DOSSIER-42")

    extra = Scrubber("file_number", case_numbers, order=80, applies=lambda text: "DOSSIER" in text)
    result = run_chain("Jean Dupont, DOSSIER-42.", [*CHAIN, extra])
    assert result.text == "[name], [file]."
    assert result.removed == {"name": 1, "file_number": 1}


def test_corpus_is_large_realistic_and_annotated() -> None:
    notes = corpus()
    assert len(notes) >= 500
    assert {n.language for n in notes} == set(LANGUAGES)
    personal = [p for n in notes for p in n.personal]
    assert len(personal) >= 500
    assert {kind for _, kind in personal} == {
        "name",
        "phone",
        "email",
        "iban",
        "national_number",
        "birth_date",
        "address",
    }
    for note in notes:
        for value, _ in note.personal:
            assert value in note.text
    # Deterministic: the same notes every time.
    assert [n.text for n in corpus()] == [n.text for n in notes]


def test_corpus_figures_hold_their_floors() -> None:
    result = score(corpus(), lambda text, day: run_chain(text, CHAIN, today=day).text)
    assert result.caught_share >= 0.95, result.missed[:10]
    assert result.kept_share >= 0.98, result.lost[:10]
    for kind, (total, ok) in result.by_kind.items():
        assert ok / total >= 0.9, (kind, ok, total)

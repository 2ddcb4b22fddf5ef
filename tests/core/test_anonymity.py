"""The scrubber chain on realistic notes, and the check characters of referral tokens and case codes."""

from __future__ import annotations

import random
import re

import pytest
from sqlalchemy import select, text

from tremplin.core.anonymity import (
    ALPHABET,
    TokenError,
    check_character,
    core_scrubbers,
    format_token,
    iban_is_valid,
    new_case_code,
    new_referral_token,
    nrn_is_valid,
    parse_case_code,
    parse_token,
    run_chain,
)
from tremplin.core.app import App
from tremplin.core.models import Contact
from tremplin.core.records import log_contact, update_contact

CHAIN = core_scrubbers()


def scrub(note: str) -> str:
    return run_chain(note, CHAIN).text


# --------------------------------------------------------------------------------------------------
# Identifiers built in the test, with their check digits computed here


def national_number(yy: int, mm: int, dd: int, seq: int, born_2000_or_later: bool = False) -> str:
    """A Belgian national register number ``YY.MM.DD-SSS.CC`` with a valid check number."""
    body = f"{yy:02d}{mm:02d}{dd:02d}{seq:03d}"
    base = int(("2" if born_2000_or_later else "") + body)
    check = 97 - base % 97
    return f"{body[:2]}.{body[2:4]}.{body[4:6]}-{body[6:9]}.{check:02d}"


def iban(country: str, bban: str) -> str:
    """An IBAN with valid check digits (ISO 13616: mod 97 of the rearranged number is 1)."""
    numeric = "".join(str(int(ch, 36)) for ch in (bban + country + "00").upper())
    check = 98 - int(numeric) % 97
    compact = f"{country}{check:02d}{bban}"
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


NRN_1985 = national_number(85, 7, 30, 33)
NRN_2003 = national_number(3, 11, 2, 145, born_2000_or_later=True)
NRN_1990_COMPACT = national_number(90, 1, 15, 212).replace(".", "").replace("-", "")
NRN_2001_SPACED = national_number(1, 6, 9, 87, born_2000_or_later=True).replace(".", " ").replace("-", " ")
IBAN_BE = iban("BE", "539007547034")
IBAN_FR = iban("FR", "20041010050500013M02606")
IBAN_NL = iban("NL", "ABNA0417164300")
IBAN_DE = iban("DE", "370400440532013000")
IBAN_UA = iban("UA", "3223130000026007233566001")


def test_identifiers_built_here_are_valid() -> None:
    assert NRN_1985 == "85.07.30-033.28"
    for number in (NRN_1985, NRN_2003, NRN_1990_COMPACT, NRN_2001_SPACED):
        assert nrn_is_valid(number), number
    # The 2000+ numbers check only with the leading 2: the pre-2000 rule refuses them.
    digits = re.sub(r"\D", "", NRN_2003)
    assert int(digits[9:]) != 97 - int(digits[:9]) % 97
    assert not nrn_is_valid(NRN_1985[:-1] + str((int(NRN_1985[-1]) + 1) % 10))
    assert IBAN_BE == "BE68 5390 0754 7034"
    assert IBAN_DE == "DE89 3704 0044 0532 0130 00"
    assert IBAN_NL == "NL91 ABNA 0417 1643 00"
    for number in (IBAN_BE, IBAN_FR, IBAN_NL, IBAN_DE, IBAN_UA):
        assert iban_is_valid(number), number
    assert not iban_is_valid("DE88 3704 0044 0532 0130 00")


# --------------------------------------------------------------------------------------------------
# Realistic notes: what identifies a person goes, the rest of the sentence stays

NOTES = {
    "fr": (
        "Rendez-vous le 12/03/2024 à 14:30 avec Mme Fatima El Amrani (née le 3 mars 1990), "
        "qui habite rue de la Loi 16, 1000 Bruxelles. GSM 0470 12 34 56 ou 0470/12.34.56, fixe 02 555 12 34, "
        "sa sœur en France au +33 6 12 34 56 78. E-mail : fatima.elamrani@gmail.com. "
        f"Numéro national {NRN_1985}, compte {IBAN_BE}, ancien compte français {IBAN_FR}. "
        "Loyer 1 250 EUR par mois, 3 enfants, en Belgique depuis 2019, 2 formations suivies. "
        "Mise en place de 3 ateliers CV ; prochain entretien le 04.09.2024 à 09:00."
    ),
    "nl": (
        "Afspraak op 5 maart 2024 om 10:15. Mijn naam is Jan Van den Bossche, geboren op 12-05-1988, "
        "woont Kerkstraat 12 bus 3, 2000 Antwerpen. Bel +32 470 12 34 56 of 0032 2 555 12 34, "
        "zijn broer in Kyiv +380 67 123 4567. Mail: jan.vandenbossche@telenet.be. "
        f"Rijksregisternummer {NRN_1990_COMPACT}, rekening {IBAN_NL}. "
        "Hij verdient 1 250 EUR netto, zijn loopbaan 2 jaar geleden gestart, 4 sollicitaties sinds 2021, "
        "volgende afspraak om 14:30 op 19/03/2024."
    ),
    "en": (
        "Appointment on 2024-03-12 at 09:45. My name is Sarah O'Connor, date of birth: 14/02/1992, "
        "she lives at 221 Baker Street and has a room at Wetstraat 16 in Brussels. Call 0470 12 34 56, "
        "her father on +33 6 12 34 56 78, or 02 555 12 34. Email sarah.oconnor@example.co.uk. "
        f"National number {NRN_2003}, German account {IBAN_DE}. "
        "She earns 1 250 EUR, sent 4 applications since 2021 and has 2 interviews at 14:30 on 20 March 2024."
    ),
    "uk": (
        "Зустріч 15.04.2024 о 14:30. Мене звати Олена Коваленко, дата народження 01.02.1985, "
        "проживає вул. Хрещатик, 22 у Києві, а зараз avenue Louise 54 bte 3. Телефон +380 67 123 4567, "
        "бельгійський 0470/12.34.56 або +32 470 12 34 56, робочий 0032 2 555 12 34. Пошта olena.kovalenko@ukr.net. "
        f"IBAN {IBAN_UA}, бельгійський рахунок {IBAN_BE}, національний номер {NRN_2001_SPACED}. "
        "Отримує 1 250 EUR на місяць, 2 дитини, в Бельгії з 2022 року, наступна зустріч 22.04.2024 о 10:00."
    ),
}

PERSONAL = {
    "fr": [
        "Fatima",
        "El Amrani",
        "3 mars 1990",
        "Loi 16",
        "0470 12 34 56",
        "0470/12.34.56",
        "02 555 12 34",
        "+33 6 12 34 56 78",
        "fatima.elamrani@gmail.com",
        NRN_1985,
        IBAN_BE,
        IBAN_FR,
    ],
    "nl": [
        "Jan",
        "Bossche",
        "12-05-1988",
        "Kerkstraat 12",
        "+32 470 12 34 56",
        "0032 2 555 12 34",
        "+380 67 123 4567",
        "jan.vandenbossche@telenet.be",
        NRN_1990_COMPACT,
        IBAN_NL,
        "Antwerpen",
    ],
    "en": [
        "Sarah",
        "O'Connor",
        "14/02/1992",
        "221 Baker",
        "Wetstraat 16",
        "0470 12 34 56",
        "+33 6 12 34 56 78",
        "02 555 12 34",
        "sarah.oconnor@example.co.uk",
        NRN_2003,
        IBAN_DE,
    ],
    "uk": [
        "Олена",
        "Коваленко",
        "01.02.1985",
        "Хрещатик",
        "Louise 54",
        "+380 67 123 4567",
        "0470/12.34.56",
        "+32 470 12 34 56",
        "0032 2 555 12 34",
        "olena.kovalenko@ukr.net",
        IBAN_UA,
        IBAN_BE,
        NRN_2001_SPACED,
    ],
}

KEPT = {
    "fr": [
        "Rendez-vous le 12/03/2024 à 14:30 avec Mme ",
        "(née le ",
        "qui habite ",
        "GSM ",
        " ou ",
        "fixe ",
        "sa sœur en France au ",
        "E-mail : ",
        "Numéro national ",
        "compte ",
        "ancien compte français ",
        "Loyer 1 250 EUR par mois, 3 enfants, en Belgique depuis 2019, 2 formations suivies.",
        "Mise en place de 3 ateliers CV ; prochain entretien le 04.09.2024 à 09:00.",
    ],
    "nl": [
        "Afspraak op 5 maart 2024 om 10:15. Mijn naam is ",
        "geboren op ",
        "woont ",
        "Bel ",
        " of ",
        "zijn broer in Kyiv ",
        "Mail: ",
        "Rijksregisternummer ",
        "rekening ",
        "Hij verdient 1 250 EUR netto, zijn loopbaan 2 jaar geleden gestart, 4 sollicitaties sinds 2021, "
        "volgende afspraak om 14:30 op 19/03/2024.",
    ],
    "en": [
        "Appointment on 2024-03-12 at 09:45. My name is ",
        "date of birth: ",
        "she lives at ",
        "and has a room at ",
        " in Brussels. Call ",
        "her father on ",
        "Email ",
        "National number ",
        "German account ",
        "She earns 1 250 EUR, sent 4 applications since 2021 and has 2 interviews at 14:30 on 20 March 2024.",
    ],
    "uk": [
        "Зустріч 15.04.2024 о 14:30. Мене звати ",
        "дата народження ",
        "проживає ",
        " у Києві, а зараз ",
        "Телефон ",
        "бельгійський ",
        " або ",
        "робочий ",
        "Пошта ",
        "бельгійський рахунок ",
        "національний номер ",
        "Отримує 1 250 EUR на місяць, 2 дитини, в Бельгії з 2022 року, наступна зустріч 22.04.2024 о 10:00.",
    ],
}

EXPECTED_REMOVALS = {
    "fr": {"email": 1, "iban": 2, "national_number": 1, "birth_date": 1, "phone": 4, "address": 1, "name": 1},
    "nl": {"email": 1, "iban": 1, "national_number": 1, "birth_date": 1, "phone": 3, "address": 1, "name": 1},
    "en": {"email": 1, "iban": 1, "national_number": 1, "birth_date": 1, "phone": 3, "address": 2, "name": 1},
    "uk": {"email": 1, "iban": 2, "national_number": 1, "birth_date": 1, "phone": 4, "address": 2, "name": 1},
}


def _compact(value: str) -> str:
    return re.sub(r"[\s./()\-]", "", value)


@pytest.mark.parametrize("language", sorted(NOTES))
def test_realistic_note_loses_personal_data_and_keeps_the_rest(language: str) -> None:
    note = NOTES[language]
    result = run_chain(note, CHAIN)
    for value in PERSONAL[language]:
        assert value not in result.text, f"{value!r} survived: {result.text}"
        if sum(ch.isdigit() for ch in value) >= 8:
            # Not even with other separators: the digits themselves are gone.
            assert _compact(value) not in _compact(result.text), f"{value!r} survived: {result.text}"
    for fragment in KEPT[language]:
        assert fragment in result.text, f"{fragment!r} was damaged: {result.text}"
    assert dict(result.removed) == EXPECTED_REMOVALS[language], result.text
    for placeholder in ("[e-mail]", "[IBAN]", "[national number]", "[birth date]", "[phone]", "[address]", "[name]"):
        assert placeholder in result.text


@pytest.mark.parametrize(
    "phone",
    [
        "0470 12 34 56",
        "0470/12.34.56",
        "02 555 12 34",
        "+32 470 12 34 56",
        "0032 2 555 12 34",
        "+33 6 12 34 56 78",
        "+380 67 123 4567",
        "+380 (67) 123-45-67",
        "+32 (0)470 12 34 56",
        "0470123456",
        "+32470123456",
        "(02) 555 12 34",
        "02.555.12.34",
        "0470-12-34-56",
        "0033 6 12 34 56 78",
    ],
)
def test_phone_formats(phone: str) -> None:
    assert scrub(f"Joignable au {phone}, après 14:30.") == "Joignable au [phone], après 14:30."


@pytest.mark.parametrize(
    "number",
    [NRN_1985, NRN_1985.replace(".", "").replace("-", ""), NRN_2003, NRN_1990_COMPACT, NRN_2001_SPACED],
)
def test_national_number_formats(number: str) -> None:
    assert scrub(f"NN {number}; revoir en 2025.") == "NN [national number]; revoir en 2025."


@pytest.mark.parametrize(
    "number", [IBAN_BE, IBAN_FR, IBAN_NL, IBAN_DE, IBAN_UA, IBAN_NL.replace(" ", ""), IBAN_UA.replace(" ", "")]
)
def test_iban_formats(number: str) -> None:
    assert scrub(f"Versement sur {number} de 1 250 EUR.") == "Versement sur [IBAN] de 1 250 EUR."


@pytest.mark.parametrize(
    ("cue", "day"),
    [
        ("née le", "3 mars 1990"),
        ("né le", "1er janvier 1990"),
        ("geboren op", "12 mei 1988"),
        ("geb.", "12/05/1988"),
        ("born on", "14 February 1992"),
        ("born on", "February 14, 1992"),
        ("date of birth:", "1992-02-14"),
        ("DOB", "14.02.1992"),
        ("народилася", "3 березня 1990"),
        ("народився", "03.03.1990"),
        ("д.н.", "01.02.1985"),
        ("°", "12/03/1990"),
    ],
)
def test_birth_dates_after_cues(cue: str, day: str) -> None:
    out = scrub(f"Jeune {cue} {day}, vu le 12/03/2024.")
    assert day not in out
    assert out.endswith("[birth date], vu le 12/03/2024.")


@pytest.mark.parametrize(
    ("cue", "name"),
    [
        ("je m'appelle", "Fatima El Amrani"),
        ("Mme", "Dupont"),
        ("M.", "Jean-Pierre Van den Bossche"),
        ("Madame", "Dubois"),
        ("Monsieur", "Martin"),
        ("mijn naam is", "Jan Peeters"),
        ("ik heet", "Sara De Smet"),
        ("Mevrouw", "Claes"),
        ("Dhr.", "Janssens"),
        ("my name is", "John Smith"),
        ("Mr", "O'Brien"),
        ("Мене звати", "Олена Коваленко"),
        ("пані", "Ірина Шевченко"),
    ],
)
def test_names_after_cues(cue: str, name: str) -> None:
    assert scrub(f"Vu {cue} {name}, 2 rendez-vous.") == f"Vu {cue} [name], 2 rendez-vous."


@pytest.mark.parametrize(
    "address",
    [
        "rue de la Loi 16, 1000 Bruxelles",
        "avenue Louise 54 bte 3",
        "chaussée d'Ixelles 227",
        "place Flagey 18",
        "rue de la loi 16",
        "12 rue des Lilas",
        "Kerkstraat 12 bus 3, 2000 Antwerpen",
        "Koning Albertlaan 5",
        "Grote Markt 7",
        "Elsensesteenweg 227",
        "221 Baker Street",
        "42B Station Road",
        "вул. Хрещатик, 22",
        "вулиця Шевченка 5",
    ],
)
def test_street_addresses(address: str) -> None:
    assert scrub(f"Habite {address}, depuis 2019.") == "Habite [address], depuis 2019."


@pytest.mark.parametrize(
    "sentence",
    [
        "Mise en place de 3 ateliers CV le 12/03/2024 à 14h30 pour 15 jeunes.",
        "Il cherche une place de 2 mois en stage.",
        "Il veut travailler dans la rue 3 jours par semaine.",
        "Il habite sur la chaussée de Wavre depuis 2020.",
        "Zijn loopbaan 2 jaar geleden gestart; 3 sollicitaties in 2023.",
        "Op de arbeidsmarkt 2024 is er vraag naar 120 technici.",
        "Formation de 6 mois, coût 1 250 EUR, début le 04.09.2024 à 09:00.",
        "Salaire 2 150 EUR brut, 38 heures par semaine, contrat du 01.03.2024 au 31.08.2024.",
        "Heures: 09:00-12:30, 13:30-17:00, 2 500,00 € de prime.",
        "She met 3 people in the street on 12 March 2024.",
        "Зустріч 15.04.2024 о 14:30, 3 вакансії, 1 250 EUR на місяць.",
        "Né en 1990, il a 3 enfants; inscrit le 02/01/2024 sous le dossier 12345.",
        "Studies from 2015 to 2019, 120 ECTS, 3 years.",
    ],
)
def test_ordinary_sentences_are_left_alone(sentence: str) -> None:
    result = run_chain(sentence, CHAIN)
    assert result.text == sentence
    assert not result.changed


def test_empty_note() -> None:
    assert run_chain("", CHAIN).text == ""
    assert run_chain(None, CHAIN).text == ""  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# Through the records service: only the scrubbed text reaches the database


def test_log_contact_stores_only_scrubbed_text(app: App, centre: int) -> None:
    with app.transaction() as session:
        contact = log_contact(
            app,
            session,
            {
                "centre": "bxl",
                "occurred_at": "2024-03-12T14:30",
                "audience": "general",
                "modality": "individual_advice",
                "note": NOTES["fr"],
            },
        )
        contact_id = contact.id
    with app.db.engine.connect() as conn:
        stored = conn.execute(text("SELECT note FROM contacts WHERE id = :id"), {"id": contact_id}).scalar_one()
    for value in PERSONAL["fr"]:
        assert value not in stored
    assert "Loyer 1 250 EUR par mois, 3 enfants, en Belgique depuis 2019" in stored
    assert "[phone]" in stored and "[IBAN]" in stored and "[national number]" in stored

    # An edit and a direct write are scrubbed the same way.
    with app.transaction() as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        update_contact(
            app,
            session,
            contact,
            {
                "centre": "bxl",
                "occurred_at": "2024-03-12T14:30",
                "audience": "general",
                "modality": "individual_advice",
                "note": NOTES["uk"],
            },
        )
        raw = Contact(
            centre_id=centre,
            occurred_at=contact.occurred_at,
            day=contact.day,
            audience="general",
            modality="reception",
            channel="walk_in",
            language="fr",
            note=f"Mail {PERSONAL['en'][8]}, tél {PERSONAL['en'][5]}",
        )
        session.add(raw)
        session.flush()
        raw_id = raw.id
    with app.session() as session:
        notes = dict(session.execute(select(Contact.id, Contact.note)).all())
    for value in PERSONAL["uk"]:
        assert value not in notes[contact_id]
    assert "Отримує 1 250 EUR на місяць, 2 дитини" in notes[contact_id]
    assert notes[raw_id] == "Mail [e-mail], tél [phone]"


# --------------------------------------------------------------------------------------------------
# Referral tokens and case codes


def _tokens(n: int = 40) -> list[str]:
    return [new_referral_token() for _ in range(n)]


def test_new_tokens_parse() -> None:
    for token in _tokens():
        assert len(token) == 9 and set(token) <= set(ALPHABET)
        assert parse_token(token) == token
        assert parse_token(format_token(token)) == token
        assert parse_token(" " + format_token(token).replace("-", " ") + " ") == token


def test_every_single_substitution_is_refused() -> None:
    for token in _tokens():
        for i, original in enumerate(token):
            for ch in ALPHABET:
                if ch == original:
                    continue
                typo = token[:i] + ch + token[i + 1 :]
                with pytest.raises(TokenError, match="check character does not match"):
                    parse_token(typo)


def test_most_adjacent_transpositions_are_refused() -> None:
    rng = random.Random(7)
    swapped = caught = 0
    for _ in range(500):
        payload = "".join(rng.choice(ALPHABET) for _ in range(8))
        token = payload + check_character(payload)
        for i in range(len(token) - 1):
            if token[i] == token[i + 1]:
                continue
            swapped += 1
            try:
                parse_token(token[:i] + token[i + 1] + token[i] + token[i + 2 :])
            except TokenError:
                caught += 1
    assert swapped > 3500
    assert caught / swapped > 0.97


def test_lowercase_and_confusables_are_accepted() -> None:
    seen_confusable = 0
    for token in _tokens(200):
        assert parse_token(token.lower()) == token
        if "0" in token or "1" in token:
            seen_confusable += 1
            assert parse_token(token.replace("0", "O").replace("1", "I")) == token
            assert parse_token(token.replace("0", "o").replace("1", "l")) == token
            assert parse_token(token.replace("1", "L")) == token
    assert seen_confusable > 50


def test_token_messages_are_clear() -> None:
    token = new_referral_token()
    with pytest.raises(TokenError, match="empty"):
        parse_token("  ")
    with pytest.raises(TokenError, match="8 characters; it should have 9"):
        parse_token(token[:-1])
    with pytest.raises(TokenError, match="never used: U"):
        parse_token("U" + token[1:])
    with pytest.raises(TokenError, match="never used: # U"):
        parse_token("U#" + token[2:])
    wrong = token[:-1] + ("0" if token[-1] != "0" else "1")
    with pytest.raises(TokenError, match="probably mistyped"):
        parse_token(wrong)


def test_case_codes() -> None:
    for prefix in ("NEET", "PRI", "neet", "ukr-x", ""):
        code = new_case_code(prefix)
        head, _, body = code.partition("-")
        assert head == (re.sub(r"[^A-Z0-9]", "", prefix.upper())[:6] or "CASE")
        assert len(body) == 7 and set(body) <= set(ALPHABET)
        assert parse_case_code(code) == code
        assert parse_case_code(code.lower()) == code
        assert parse_case_code(f"  {code} ") == code
        assert parse_case_code(head + "-" + body.replace("0", "O").replace("1", "I")) == code
        for i, original in enumerate(body):
            for ch in ALPHABET:
                if ch != original:
                    with pytest.raises(TokenError, match="does not check"):
                        parse_case_code(f"{head}-{body[:i]}{ch}{body[i + 1 :]}")
    code = new_case_code("NEET")
    for bad in ("", "NEET", "NEET-", code + "X", code.split("-")[1], "NEET-ABCDEFU"):
        with pytest.raises(TokenError, match="is not a case code"):
            parse_case_code(bad)


def test_case_code_transpositions_mostly_refused() -> None:
    swapped = caught = 0
    for _ in range(300):
        code = new_case_code("NEET")
        body = code.split("-")[1]
        for i in range(len(body) - 1):
            if body[i] == body[i + 1]:
                continue
            swapped += 1
            try:
                parse_case_code("NEET-" + body[:i] + body[i + 1] + body[i] + body[i + 2 :])
            except TokenError:
                caught += 1
    assert caught / swapped > 0.97

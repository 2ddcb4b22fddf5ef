"""Finding personal data in free text typed without a cue word: the links of the scrubber chain that need
more than a pattern (``tremplin.core.anonymity`` runs them).

* **Phone numbers** are found with ``phonenumbers``' matcher (region BE), in the stretches of text that hold
  at least eight digits, plus numbers written with their country code but without ``+`` or ``00``
  (``32 470 12 34 56``, ``380671234567``).
* **E-mail addresses**, also when disguised: ``jean.dupont[at]example[dot]be``,
  ``jean.dupont at example dot be``, ``(at)``, ``arobase``, a full-width ``＠`` (NFKC makes it ``@``).
* **IBANs** (grouped by spaces or dashes, any country) checked with ``python-stdnum``.
* **National numbers**: Belgian (``stdnum.be.nn``, BIS numbers too) and French (``stdnum.fr.nir``); a
  passport, identity card or other registration number after its cue word.
* **Birth dates** with no cue: a full date that lies ten years or more before the note's day can only be
  a date of the person's life (a birth, mostly), never an appointment.
* **Names** with no cue: a first name from the list the project ships (``data/first_names.txt``, see
  ``scripts/build_first_names.py``) followed by a capitalised surname, or a surname in capitals
  followed by a first name. A first name that is also a common word, or that follows a word such as
  *Athénée*, *rue* or *Saint*, is not taken for a person.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache
from pathlib import Path

Span = tuple[int, int]


def words(text: str) -> frozenset[str]:
    """The words of a text written over several lines: a word list kept readable."""
    return frozenset(text.split())


def replace_spans(text: str, spans: list[Span], placeholder: str) -> tuple[str, int]:
    """``text`` with each span (sorted, possibly overlapping) replaced by ``placeholder``."""
    if not spans:
        return text, 0
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts: list[str] = []
    pos = 0
    for start, end in merged:
        parts += [text[pos:start], placeholder]
        pos = end
    parts.append(text[pos:])
    return "".join(parts), len(merged)


# --------------------------------------------------------------------------------------------------
# Phone numbers

#: A stretch of text that may hold a phone number: digits with the separators people type between them.
_DIGIT_RUN = re.compile(r"(?<![\w])[+(]?\d[\d \u00a0./()-]{6,}\d(?![\w])")
_AT_LEAST_8_DIGITS = re.compile(r"(?:\D*\d){8}")
#: Dates (12.03.2024, 2024-03-12) and times are not phone numbers.
_DATE_SHAPE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}")


def find_phones(text: str) -> list[Span]:
    import phonenumbers

    spans: list[Span] = []
    for run in _DIGIT_RUN.finditer(text):
        chunk = run.group(0)
        if not _AT_LEAST_8_DIGITS.match(chunk) or _DATE_SHAPE.fullmatch(chunk.strip()):
            continue
        # Most stretches are one number: parsing it whole costs a tenth of the matcher's search.
        try:
            whole = phonenumbers.parse(chunk, "BE")
        except phonenumbers.NumberParseException:
            whole = None
        if whole is not None and phonenumbers.is_valid_number(whole):
            skip = 1 if chunk.startswith("(") and ")" not in chunk else 0
            spans.append((run.start() + skip, run.end()))
            continue
        found = False
        for match in phonenumbers.PhoneNumberMatcher(chunk, "BE", leniency=phonenumbers.Leniency.VALID):
            if _DATE_SHAPE.fullmatch(match.raw_string):
                continue
            # An opening bracket that is not the area code's ("(32 470 12 34 56)") stays in the text.
            skip = 1 if match.raw_string.startswith("(") and ")" not in match.raw_string else 0
            spans.append((run.start() + match.start + skip, run.start() + match.end))
            found = True
        if found:
            continue
        digits = re.sub(r"\D", "", chunk)
        if chunk[0].isdigit() and chunk[0] != "0" and 10 <= len(digits) <= 15:
            # A country code typed without "+" or "00": "32 470 12 34 56", "380671234567".
            try:
                number = phonenumbers.parse("+" + digits, None)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                spans.append(run.span())
    return spans


# --------------------------------------------------------------------------------------------------
# E-mail addresses, plain and disguised

_TLDS = "be|com|net|org|eu|fr|nl|lu|de|uk|ua|info|io|me|ma|tn|dz|tr|ro|pl|es|it|pt|ch|us|edu|gov|biz|co|ru"
_AT = r"(?:\s*@\s*|\s*[\[({<]\s*(?:at|@|arobase|собака)\s*[\])}>]\s*)"
_AT_WORD = r"(?:\s+(?:at|arobase|apenstaartje|собака)\s+)"
_DOT = r"(?:\.|\s*[\[({<]\s*(?:dot|point|punt|крапка)\s*[\])}>]\s*)"
_DOT_WORD = r"(?:\s+(?:dot|point|punt|крапка)\s+)"
_LOCAL = r"[\w+'’-]+(?:(?:\.|\s*[\[(]\s*dot\s*[\])]\s*|\s+(?:dot|point|punt)\s+)[\w+'’-]+)*"
EMAIL_RE = re.compile(
    # user@host.tld, user[at]host[dot]tld, user (at) host.tld...
    rf"(?<![\w.])[\w+'’-]+(?:\.[\w+'’-]+)*{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}[a-z]{{2,12}}\b"
    # user at host dot tld: words for the signs only with a known top-level domain.
    rf"|(?<![\w.]){_LOCAL}(?:{_AT_WORD}|{_AT})[\w-]+(?:(?:{_DOT_WORD}|{_DOT})[\w-]+)*"
    rf"(?:{_DOT_WORD}|{_DOT})(?:{_TLDS})\b",
    re.IGNORECASE,
)
EMAIL_HINT = re.compile(r"@|\b(?:at|arobase|apenstaartje|собака)\b", re.IGNORECASE)


def find_emails(text: str) -> list[Span]:
    if not EMAIL_HINT.search(text):
        return []
    return [m.span() for m in EMAIL_RE.finditer(text)]


# --------------------------------------------------------------------------------------------------
# IBANs

_IBAN_CANDIDATE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ \-]?[A-Z0-9]{1,4}){3,8}\b", re.IGNORECASE)


def iban_is_personal(raw: str) -> bool:
    """A valid IBAN of any country, or a Belgian account number's shape even when mistyped."""
    from stdnum import iban

    compact = re.sub(r"[\s-]", "", raw).upper()
    if compact.startswith("BE") and len(compact) == 16 and compact[2:].isdigit():
        return True
    return 15 <= len(compact) <= 34 and iban.is_valid(compact, check_country=False)


def find_ibans(text: str) -> list[Span]:
    """IBANs; a candidate that runs into the next word ("BE68 5390 0754 7034 pour 1 250 EUR") is cut back
    group by group until what remains is an account number."""
    spans: list[Span] = []
    for match in _IBAN_CANDIDATE.finditer(text):
        raw = match.group(0)
        ends = [len(raw)] + [i for i in range(len(raw) - 1, 14, -1) if raw[i] in " -"]
        end = next((e for e in ends if iban_is_personal(raw[:e])), None)
        if end is not None:
            spans.append((match.start(), match.start() + end))
    return spans


# --------------------------------------------------------------------------------------------------
# National numbers and other identity numbers

#: Belgian national register (and BIS) number: YY.MM.DD-XXX.CC, with any separators or none.
_BE_NN = re.compile(r"(?<![\d.])\d{2}[.\s]?\d{2}[.\s]?\d{2}[-\s.]?\d{3}[.\s-]?\d{2}(?!\d)")
_BE_NN_CANONICAL = re.compile(r"^\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}$")
#: French social security number (NIR): 15 digits, often grouped 1 85 07 75 123 456 78.
_FR_NIR = re.compile(r"(?<!\d)[12]\s?\d{2}\s?\d{2}\s?(?:\d{2}|2[AB])\s?\d{3}\s?\d{3}\s?\d{2}(?!\d)", re.IGNORECASE)
#: Identity documents after their cue word: the number that follows holds at least four digits.
_ID_AFTER_CUE = re.compile(
    r"(?P<cue>\b(?:passeport|passport|paspoort|паспорт\w*|carte d'identité|carte d’identité|identiteitskaart|id card|"
    r"identity card|eID|titre de séjour|verblijfskaart|verblijfsvergunning|residence permit|посвідк\w*|BSN|"
    r"burgerservicenummer|sofinummer|РНОКПП|ІПН|ідентифікаційн\w+ код\w*|rijbewijs|permis de conduire|"
    r"driving licen[cs]e|n° de carte|kaartnummer|card number)\s*(?:n[°o]\.?|nr\.?|number|numéro|nummer|номер|№)?"
    r"\s*[:#]?\s*)(?=[A-Z0-9\s.-]*\d{4})[A-Z]{0,3}[\s-]?\d[\d\s.-]{3,18}\d[A-Z]?",
    re.IGNORECASE,
)


def national_number_is_valid(raw: str) -> bool:
    from stdnum.be import bis, nn

    digits = re.sub(r"\D", "", raw)
    return len(digits) == 11 and (nn.is_valid(digits) or bis.is_valid(digits))


def find_national_numbers(text: str) -> list[Span]:
    from stdnum.fr import nir

    spans = [
        m.span()
        for m in _BE_NN.finditer(text)
        if _BE_NN_CANONICAL.match(m.group(0)) or national_number_is_valid(m.group(0))
    ]
    spans += [m.span() for m in _FR_NIR.finditer(text) if nir.is_valid(re.sub(r"\s", "", m.group(0)))]
    spans += [(m.start() + len(m.group("cue")), m.end()) for m in _ID_AFTER_CUE.finditer(text)]
    return spans


# --------------------------------------------------------------------------------------------------
# Dates that can only be birth dates

#: Month names and abbreviations in French, Dutch, English and Ukrainian (the genitive of the dates).
_MONTH_PREFIXES: tuple[tuple[str, int], ...] = tuple(
    (prefix, month)
    for month, prefixes in enumerate(
        [
            "janv jan січ",
            "févr fevr feb лют",
            "mars maart mrt mar берез",
            "avr apr квіт",
            "mai mei may трав",
            "juin jun черв",
            "juil jul лип",
            "août aout aug серп",
            "sept sep верес",
            "oct okt жовт",
            "nov листоп",
            "déc dec груд",
        ],
        start=1,
    )
    for prefix in prefixes.split()
)
_MONTH_WORD = (
    r"janv\w*|févr\w*|fevr\w*|mars|avr\w*|mai|juin|juil\w*|août|aout|sept\w*|oct\w*|nov\w*|déc\w*|dec\w*|"
    r"jan\w*|feb\w*|mar\w*|apr\w*|may|jun\w*|jul\w*|aug\w*|"
    r"maart|mrt|mei|okt\w*|"
    r"січ\w*|лют\w*|берез\w*|квіт\w*|трав\w*|черв\w*|лип\w*|серп\w*|верес\w*|жовт\w*|листоп\w*|груд\w*"
)
DATE_RE = re.compile(
    r"(?<![\d.,/-])(?:"
    r"(?P<d1>\d{1,2})[./-](?P<m1>\d{1,2})[./-](?P<y1>\d{4}|\d{2})"
    r"|(?P<y2>\d{4})-(?P<m2>\d{1,2})-(?P<d2>\d{1,2})"
    rf"|(?P<d3>\d{{1,2}})(?:er|ste|de|st|nd|rd|th)?\s+(?P<m3>{_MONTH_WORD})\.?,?\s+(?P<y3>\d{{4}})"
    rf"|(?P<m4>{_MONTH_WORD})\.?\s+(?P<d4>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y4>\d{{4}})"
    r")(?![\d/-]|\.\d)",
    re.IGNORECASE,
)
#: A full date at least this many years before the note's day is taken for a birth date.
BIRTH_DATE_MIN_YEARS = 10


def _month_number(word: str) -> int | None:
    word = word.lower().rstrip(".")
    for prefix, month in _MONTH_PREFIXES:
        if word.startswith(prefix):
            return month
    return None


def parse_date(match: re.Match[str], today: date) -> date | None:
    """The date a ``DATE_RE`` match spells, or ``None`` when it is no calendar date."""
    g = match.groupdict()
    if g["d1"]:
        day, month, year_text = int(g["d1"]), int(g["m1"]), g["y1"]
    elif g["y2"]:
        day, month, year_text = int(g["d2"]), int(g["m2"]), g["y2"]
    else:
        raw_day, word, year_text = (g["d3"], g["m3"], g["y3"]) if g["d3"] else (g["d4"], g["m4"], g["y4"])
        day, found = int(raw_day), _month_number(word)
        if found is None:
            return None
        month = found
    year = int(year_text)
    if len(year_text) == 2:
        # Two-digit years: the most recent century that does not put the date in the future.
        year += 2000 if 2000 + year <= today.year else 1900
    try:
        return date(year, month, day)
    except ValueError:
        return None


#: What a full date must hold: a four-digit year, or a two-digit one. A text without it is scrubbed the same
#: whatever its day (the bulk paths remember it by its text alone).
YEAR_HINT = re.compile(r"(?<!\d)(?:(1[89]\d\d|20\d\d)(?!\d)|\d{1,2}[./-]\d{1,2}[./-]\d\d(?!\d))")


def find_birth_dates(text: str, today: date) -> list[Span]:
    try:
        limit = today.replace(year=today.year - BIRTH_DATE_MIN_YEARS)
    except ValueError:  # 29 February
        limit = today.replace(year=today.year - BIRTH_DATE_MIN_YEARS, day=28)
    # The cheap test first: most notes name no year old enough ("depuis 2019" in a note of 2025 does).
    if not any(year is None or int(year) <= limit.year for year in (m.group(1) for m in YEAR_HINT.finditer(text))):
        return []
    spans: list[Span] = []
    for match in DATE_RE.finditer(text):
        day = parse_date(match, today)
        if day is not None and day <= limit:
            spans.append(match.span())
    return spans


# --------------------------------------------------------------------------------------------------
# Names with no cue

_DATA = Path(__file__).resolve().parent / "data"


def fold(word: str) -> str:
    """A word without its accents, in lower case: the list writes "Elodie", a note "Élodie"."""
    if word.isascii():
        return word.lower()
    return "".join(ch for ch in unicodedata.normalize("NFD", word) if not unicodedata.combining(ch)).lower()


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """The first names the project ships (``data/first_names.txt``), folded (``fold``)."""
    lines = (_DATA / "first_names.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(fold(line.strip()) for line in lines if line.strip() and not line.startswith("#"))


#: First names that are also ordinary words in one of the four languages: taken for a name only in the
#: middle of a sentence, where the capital letter says it is one.
AMBIGUOUS = words(
    """
    Les Van Ben Dan Job Will Mark Rose Grace Mei May June April August Bill Hope Faith Joy Paris France Sol Dirk
    Marin Olive Ruby Amber Iris Lily Violet Daisy Jade Pearl Crystal Summer Autumn Dawn Eve Holly Ivy Sunny
    Angel Ange Noël Sterling Chase Hunter Miles Lane Gene Art Drew Hall King Prince Prins Baron Nord Sud Est
    West Oost Zuid Marine Tour Toussaint Mars Mai Juin Juillet Août Maart Juni Juli Augustus Justice Liberty
    Unity Page Wil Bo Do Ole Ma Mon Son Sa Ton Ta Non Nous Vous Elle Il Wij Hij Zij Віра Надія Любов Мир Слава
    Доля Зоря Квітка
    """
)

#: Words after which a first name belongs to a place, a school or a saint: "Athénée Royal Jean Absil",
#: "rue Marie Depage", "Sint-Jan Berchmans", "Lycée Émile Jacqmain".
_NOT_A_PERSON_BEFORE = words(
    """
    saint sainte st ste sint sint- santa san athénée lycée institut instituut école ecole collège college school
    campus atheneum athénée royal royale koninklijk koninklijke koning koningin prins prinses université
    universiteit university hôpital hopital hospital ziekenhuis centre center centrum fondation stichting
    foundation maison huis foyer espace rue avenue av place boulevard bd square chaussée straat laan plein markt
    dreef kaai quai street road station gare métro metro parc park pont prix prijs award fonds fund haute
    hogeschool académie academie academy lyceum musée museum stade stadion salle zaal théâtre theater theatre
    cinéma bibliothèque library bibliotheek résidence residentie hall gymnase piscine zwembad collège kollege
    basisschool gemeenteschool école- вулиця вул проспект площа школа гімназія ліцей університет імені ім
    бульвар провулок
    """
)
#: Capitalised words that are no surname: "Marie Curie" is a person, "Jean Formation" is not a sentence,
#: nor "Brussels Job Fair" or "au Job Day d'Actiris" (events are titled in capitals mid-sentence).
_NOT_A_SURNAME = words(
    """
    Formation Emploi Jeunesse Jeunes Brussel Bruxelles Brussels Belgique België Belgium Street Avenue School
    Institute Institut Academy College Centre Center Foundation Fondation Hall Park Station Road Square Lane
    Fair Fairs Day Days
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday Lundi Mardi Mercredi Jeudi Vendredi Samedi Dimanche
    Maandag Dinsdag Woensdag Donderdag Vrijdag Zaterdag Zondag CPAS OCMW VDAB CV NT2 FLE EUR ISCO BF CQ MOD
    Actiris Forem Syntra Fedasil IBAN GSM WhatsApp Viber Telegram Excel Word PowerPoint Google Microsoft
    """
)

_UP = "A-ZÀ-ÖØ-ÞĀ-ŽА-ЯІЇЄҐЁ"
_LOW = "a-zß-öø-ÿā-žа-яіїєґё"
_CAPITALISED = rf"[{_UP}][{_LOW}]+(?:[-'’][{_UP}]?[{_LOW}]+)*"
_UPPER_WORD = rf"(?:[{_UP}]['’])?[{_UP}]{{2,}}(?:[-'’][{_UP}]{{2,}})*"
_UPPER_PARTICLES = r"(?:(?:VAN|DE|DEN|DER|EL|AL|BEN|DA|DOS|DEL|LE|LA|TER|VON|ABU|IBN)\s+){0,2}"
_PARTICLES = (
    r"(?:(?:[Vv]an|[Vv]an\s+[Dd]e[nr]?|[Dd]e|[Dd]e[nr]|[Ee]l|[Aa]l|[Bb]en|[Dd]a|[Dd]os|[Dd]el|[Dd]e\s+[Ll]a|[Ll]e|"
    r"[Tt]er|[Vv]on|[Aa]bu|[Ii]bn|[Ee]l-|[Aa]l-|[Oo]')\s*)"
)
#: A first name and a surname: "Jean Dupont", "Jan Van den Bossche", "Inès MARTIN", "Олена Коваленко".
_FIRST_LAST = re.compile(
    rf"(?<![\w'’-])(?P<first>{_CAPITALISED})"
    rf"(?=\s+(?P<last>{_PARTICLES}?{_CAPITALISED}|{_UPPER_PARTICLES}{_UPPER_WORD})(?![\w'’-]))"
)
#: A surname in capitals then a first name: "DUPONT Jean", "VAN DEN BOSSCHE Jan".
_LAST_FIRST = re.compile(
    rf"(?<![\w'’-])(?P<last>(?:{_UPPER_WORD}\s+){{0,2}}{_UPPER_WORD})(?=\s+(?P<first>{_CAPITALISED})(?![\w'’-]))"
)
_NAME_HINT = re.compile(rf"[{_UP}][\w'’-]*\s+[{_UP}]")
_SENTENCE_END = re.compile(r"(?:^|[.!?:;\n\"«»()\[\]•-])\s*$")


#: Ukrainian case endings and the nominative endings they replace: a name in a sentence is declined
#: ("з Оленою", "справу Андрія"), the list holds it in the nominative ("Олена", "Андрій").
_UK_ENDINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ією", ("ія",)),
    ("єю", ("я",)),
    ("ою", ("а", "я")),
    ("ею", ("я", "а")),
    ("єм", ("й",)),
    ("ом", ("", "о")),
    ("ем", ("", "й")),
    ("ові", ("", "о")),
    ("еві", ("",)),
    ("єві", ("й",)),
    ("ії", ("ія",)),
    ("ї", ("я",)),
    ("и", ("а",)),
    ("і", ("а", "я")),
    ("у", ("", "а", "о")),
    ("ю", ("я", "й")),
    ("я", ("й",)),
    ("а", ("", "о")),
)


def _is_first_name(word: str) -> bool:
    names = first_names()
    folded = fold(word)
    if folded in names or ("-" in folded and all(part in names for part in folded.split("-"))):
        return True
    if "а" <= word[-1].lower() <= "я" or word[-1] in "іїєґ":
        lower = word.lower()
        for ending, nominatives in _UK_ENDINGS:
            if lower.endswith(ending) and len(lower) > len(ending) + 2:
                stem = lower[: -len(ending)]
                if any(fold(stem + nominative) in names for nominative in nominatives):
                    return True
    return False


def _person_follows(text: str, start: int) -> bool:
    """Whether a name starting at ``start`` is a person's, judging by the word before it."""
    before = text[max(0, start - 40) : start]
    words = re.findall(r"[\w-]+", before)
    return not words or words[-1].lower().rstrip("-") not in _NOT_A_PERSON_BEFORE


def find_names(text: str) -> list[Span]:
    if not _NAME_HINT.search(text):
        return []
    spans: list[Span] = []
    for match in _FIRST_LAST.finditer(text):
        first, last = match.group("first"), match.group("last")
        if not _is_first_name(first) or last in _NOT_A_SURNAME or _is_month(last):
            continue
        sentence_start = bool(_SENTENCE_END.search(text[: match.start()]))
        if first in AMBIGUOUS and sentence_start and not _SURNAME_SHAPE.match(last):
            continue
        if sentence_start and _is_first_name(last) and last in AMBIGUOUS:
            continue
        if _person_follows(text, match.start()):
            spans.append((match.start(), match.end("last")))
    for match in _LAST_FIRST.finditer(text):
        last, first = match.group("last"), match.group("first")
        if _is_first_name(first) and len(last) >= 3 and last not in _NOT_A_SURNAME:
            spans.append((match.start(), match.end("first")))
    return spans


#: Surnames that cannot be ordinary words: O'Connor, McCarthy, D'Hondt.
_SURNAME_SHAPE = re.compile(r"(?:O|D)['’][A-Z]|Mc[A-Z]|Mac[A-Z]")
_MONTH_NAMES = words(
    """
    janvier février fevrier mars avril mai juin juillet août aout septembre octobre novembre décembre decembre
    januari februari maart april mei juni juli augustus oktober january february march may june july august
    september october november december
    """
)


def _is_month(word: str) -> bool:
    return word.lower() in _MONTH_NAMES

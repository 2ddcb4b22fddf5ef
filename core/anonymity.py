"""Anonymity: the scrubber chain for free text, referral tokens and pseudonymous case codes.

The charter says *anonymous*: whatever a worker types in a note, what is stored must not identify a
member of the public. The scrubbers here are the core links of the chain; plugins add their own through
the ``register_scrubbers`` hook and the chain runs them all, in ``order``, each on the output of the
previous one. Scrubbers lean towards removing too much: a redacted date costs less than a leaked one.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from tremplin.core.personal_data import (
    EMAIL_HINT,
    EMAIL_RE,  # noqa: F401 - re-exported: the e-mail pattern has long been read from here
    Span,
    find_birth_dates,
    find_emails,
    find_ibans,
    find_names,
    find_national_numbers,
    find_phones,
    national_number_is_valid,
    replace_spans,
)

# --------------------------------------------------------------------------------------------------
# The scrubber chain


@dataclass(frozen=True)
class Scrubber:
    """One link of the chain: ``scrub(text)`` returns the text and how many things it removed."""

    name: str
    scrub: Callable[[str], tuple[str, int]]
    #: Lower runs first. Structured identifiers (IBAN, national numbers) run before phone numbers so
    #: that a long digit string is named for what it is.
    order: int = 100
    #: A cheap test (``applies(text)``): when it says no, the link is skipped. Most notes of a bulk
    #: import hold no digit and no "@", and need only the links that look for names. Any truthy answer
    #: says yes, so a compiled pattern's ``search`` serves as it is.
    applies: Callable[[str], object] | None = None


#: What a scrubber puts in place of what it removed: ``[phone]``, ``[e-mail]``...
PLACEHOLDER_RE = re.compile(r"\[[^\[\]\n]{1,40}\]")

#: The day the text being scrubbed was written (a note's own date): a date ten years before it is a
#: birth date, a date next week an appointment. Set by ``run_chain``; today when unset.
_REFERENCE_DAY: ContextVar[date | None] = ContextVar("tremplin_scrub_day", default=None)


def reference_day() -> date:
    """The day of the text being scrubbed (``run_chain(..., today=)``), for links that judge dates."""
    return _REFERENCE_DAY.get() or date.today()


@dataclass
class ScrubResult:
    text: str
    removed: Counter[str] = field(default_factory=Counter)
    original: str = ""

    @property
    def changed(self) -> bool:
        return sum(self.removed.values()) > 0

    @property
    def personal_share(self) -> float:
        """How much of the original text (0 to 1, ignoring spaces) the chain removed as personal data."""

        def size(text: str) -> int:
            return len(re.sub(r"\s", "", PLACEHOLDER_RE.sub("", text)))

        before = size(self.original)
        if not before or not self.changed:
            return 0.0
        return max(0.0, 1 - size(self.text) / before)


def run_chain(text: str, scrubbers: Iterable[Scrubber], today: date | None = None) -> ScrubResult:
    """Run every link on ``text``, in order. The text is NFKC-normalised first, so that a full-width "＠" or
    digits written in another script are matched like the plain ones (and stored so). ``today``: the
    day the text was written (a note's date), by default today."""
    original = text or ""
    result = ScrubResult(text=unicodedata.normalize("NFKC", original), original=original)
    if not result.text:
        return result
    token = _REFERENCE_DAY.set(today)
    try:
        for scrubber in sorted(scrubbers, key=lambda s: (s.order, s.name)):
            if scrubber.applies is not None and not scrubber.applies(result.text):
                continue
            result.text, count = scrubber.scrub(result.text)
            if count:
                result.removed[scrubber.name] += count
    finally:
        _REFERENCE_DAY.reset(token)
    return result


@lru_cache(maxsize=1)
def _core_chain() -> tuple[Scrubber, ...]:
    return tuple(core_scrubbers())


def scrub(text: str, scrubbers: Iterable[Scrubber] | None = None, today: date | None = None) -> ScrubResult:
    """Scrub ``text`` with ``scrubbers`` (the core links when none are given): the entry point for code
    that has no app at hand. With an app, ``app.scrub(text)`` runs the links every plugin registered."""
    return run_chain(text, _core_chain() if scrubbers is None else scrubbers, today=today)


def _regex_scrubber(
    name: str, pattern: re.Pattern[str], placeholder: str, accept: Callable[[re.Match[str]], bool] | None = None
) -> Callable[[str], tuple[str, int]]:
    def scrub(text: str) -> tuple[str, int]:
        count = 0

        def replace(match: re.Match[str]) -> str:
            nonlocal count
            if accept is not None and not accept(match):
                return match.group(0)
            count += 1
            prefix = match.groupdict().get("cue") or ""
            return prefix + placeholder

        return pattern.sub(replace, text), count

    scrub.__name__ = f"scrub_{name}"
    return scrub


def _then(
    first: Callable[[str], tuple[str, int]] | None, find: Callable[[str], list[Span]], placeholder: str
) -> Callable[[str], tuple[str, int]]:
    """A link that runs ``first`` (a pattern with its cue words), then masks what ``find`` finds."""

    def scrub(text: str) -> tuple[str, int]:
        count = 0
        if first is not None:
            text, count = first(text)
        text, more = replace_spans(text, find(text), placeholder)
        return text, count + more

    return scrub


def iban_is_valid(raw: str) -> bool:
    """ISO 13616's check (mod 97) of an IBAN typed with or without spaces or dashes."""
    from stdnum import iban

    return iban.is_valid(re.sub(r"[\s-]", "", raw), check_country=False)


def nrn_is_valid(raw: str) -> bool:
    """A Belgian national register number or BIS number, with any separators."""
    return national_number_is_valid(raw)


# Cue words before a birth date ("née le", "geboren op", "born on", "народилася", "°"): whatever date
# follows is masked, even a recent one.
_MONTHS = (
    r"janv\w*|févr\w*|fevr\w*|mars|avr\w*|mai|juin|juil\w*|août|aout|sept\w*|oct\w*|nov\w*|déc\w*|dec\w*|"
    r"jan\w*|feb\w*|mar\w*|apr\w*|may|jun\w*|jul\w*|aug\w*|"
    r"januari|februari|maart|mei|juni|juli|augustus|oktober|"
    r"січ\w*|лют\w*|берез\w*|квіт\w*|трав\w*|черв\w*|лип\w*|серп\w*|верес\w*|жовт\w*|листоп\w*|груд\w*"
)
_DATE = (
    rf"(?:\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|\d{{1,2}}(?:er|st|nd|rd|th)?\s+(?:{_MONTHS})\.?,?\s+\d{{4}}"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})"
)
BIRTH_RE = re.compile(
    r"(?P<cue>(?:\b(?:née?s?|né\(e\)|date de naissance|naissance|geboren|geb\.|geboortedatum|born|date of birth|"
    r"d\.?o\.?b\.?|народжен\w*|народи\w*|дата народження|д\.н\.)|°)\s*(?:le|op|on|:|-)?\s*)" + _DATE,
    re.IGNORECASE,
)

# Names introduced by a cue ("je m'appelle", "mijn naam is", "my name is", "мене звати", "M. ", "Mme").
NAME_RE = re.compile(
    r"(?P<cue>\b(?i:je m'appelle|je m’appelle|mon nom est|s'appelle|s’appelle|nommée?|mijn naam is|ik heet|"
    r"heet|my name is|named|called|мене звати|мене звуть|звати|прізвище|Mme\.?|Mlle\.?|M\.|Mr\.?|Mrs\.?|Ms\.?|"
    r"Madame|Mademoiselle|Monsieur|Mevr\.?|Mevrouw|Dhr\.?|Meneer|Mister|Miss|пан|пані)\s+)"
    r"(?:[A-ZÀ-ÖØ-ÞА-ЯІЇЄҐ][\w'’-]+)"
    r"(?:\s+(?:[A-ZÀ-ÖØ-ÞА-ЯІЇЄҐ][\w'’-]+|(?:van|der|den|de|le|la|du|el|al|ben|ter)\b))*"
    r"(?:\s+[A-ZÀ-ÖØ-ÞА-ЯІЇЄҐ][\w'’-]+)?",
)

# Phone numbers by their shape: Belgian national (0470 12 34 56, 02/555.12.34) and international
# (+32 ..., 0032 ..., +380 67 ...). ``phonenumbers`` finds the valid ones; this pattern also catches a
# number whose digits are wrong but whose shape says "phone" (a mistyped number is still personal).
PHONE_RE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\d{1,3}[\s./-]?(?:\(0\)[\s./-]?)?(?:\d{1,4}|\(\d{1,4}\))|0\d{1,3}|\(0\d{1,3}\))"
    r"(?:[\s./-]?\d{2,4}){1,5}(?![\w])"
)


def _phone_accept(match: re.Match[str]) -> bool:
    raw = match.group(0)
    digits = re.sub(r"\D", "", raw)
    if raw.startswith(("+", "00")):
        return 8 <= len(digits) <= 15
    # National Belgian numbers have 9 (landline) or 10 (mobile) digits with the leading 0.
    if not 9 <= len(digits) <= 10:
        return False
    # Dates written with dots or slashes (01.02.2020, 05/03/2019) are not phone numbers.
    return not re.fullmatch(r"\d{2}[./-]\d{2}[./-]\d{4}", raw)


def _phone_shapes(text: str) -> list[Span]:
    return [m.span() for m in PHONE_RE.finditer(text) if _phone_accept(m)]


# Street addresses in French, Dutch, English and Ukrainian, with a house number. A street word alone is
# not enough: "mise en place de 3 ateliers", "la rue 3 jours par semaine", "loopbaan 2 jaar" and
# "arbeidsmarkt 2024" are sentences, not addresses; a candidate whose "number" is followed by a unit
# (days, months, euros...) is left alone.
_STREET_FR = (
    r"rue|avenue|av\.|chaussée|chée|boulevard|bd|place|square|chemin|allée|quai|impasse|drève|clos|galerie|parvis"
)
_STREET_NL = r"straat|laan|steenweg|plein|lei|dreef|kaai|weg|baan|dijk|markt|singel|gracht|vest"
#: Words that open a Dutch street name written in two words ("Koning Albertlaan", "Grote Markt").
_NL_HEAD = (
    r"Koning|Koningin|Prins|Prinses|Keizer|Graaf|Gravin|Grote|Kleine|Oude|Nieuwe|Lange|Korte|Hoge|Lage|Sint|"
    r"Onze-Lieve-Vrouw|Burgemeester|Generaal|Kardinaal|Pater|Dokter|Van|De|Den|Ter"
)
_STREET_EN = r"street|st\.|road|rd\.|avenue|ave\.|lane|drive|close|crescent|square"
_STREET_UK = r"вул\.|вулиця|вулиці|просп\.|проспект|пров\.|провулок|бульв\.|бульвар|площа|пл\."
_UNIT = (
    r"\s*(?:jours?|mois|ans?|années?|semaines?|heures?|h\b|min\b|minutes?|fois|x\b|%|€|eur\b|euros?|personnes|"
    r"jeunes|dagen|dag|maand(?:en)?|jaar|jaren|weken|week|uur|keer|days?|months?|years?|weeks?|hours?|times|"
    r"дн\w*|місяц\w*|рок\w*|тижн\w*|годин\w*|раз\w*)"
)
_HOUSE = (
    rf"\d{{1,4}}(?:\s?(?:bis|ter|[a-z])\b)?(?!{_UNIT})(?![\d,.]\d)"
    r"(?:\s*,?\s*(?:bte|boîte|bus|box)\.?\s*\d{1,4}[a-z]?)?"
)
_CAP = r"(?-i:[A-ZÀ-ÖØ-ÞА-ЯІЇЄҐ])"
ADDRESS_RE = re.compile(
    rf"\b(?:(?:{_STREET_FR})\s+(?P<fr_name>(?:[^\W\d_][\w'’.-]*\s+){{0,5}}?[^\W\d_][\w'’.-]*),?\s+{_HOUSE}"
    rf"|\d{{1,4}}(?:\s?(?:bis|ter))?,?\s+(?:{_STREET_FR})\s+(?:(?:de|du|des|la|le|les)\s+)*(?:[dl]['’])?"
    rf"{_CAP}[\w'’-]*(?:\s+{_CAP}[\w'’-]*){{0,3}}"
    rf"|(?:(?-i:{_NL_HEAD})\s+){{0,2}}(?P<nl_word>[\w'’-]*(?:{_STREET_NL})),?\s+{_HOUSE}"
    rf"|\d{{1,4}}[a-z]?\s+(?:{_CAP}[\w'’-]+\s+){{1,3}}(?:{_STREET_EN})"
    rf"|(?:{_STREET_UK})\s*(?:[^\W\d_][\w'’-]*\.?\s*){{1,3}},?\s*\d{{1,4}}(?!{_UNIT})"
    r")(?:,?\s+(?:à\s+|te\s+|in\s+)?\d{4}\s+[A-ZÀ-Ö][\w'’-]+)?",
    re.IGNORECASE,
)
#: Lowercase words that carry a sentence on: a street name does not contain them.
_SENTENCE_WORDS = frozenset(
    "depuis pendant durant pour avec et ou en dans sur vers chez il elle on est a ont sont était avait "
    "since for during with and or in on at is was".split()
)
_PARTICLES = frozenset("de du des la le les aux au à l d".split())
#: Lowercase Dutch nouns that end like a street but are none ("loopbaan 2 jaar", "arbeidsmarkt 2024").
_NOT_A_STREET = frozenset(
    "loopbaan arbeidsmarkt jobmarkt woningmarkt huurmarkt supermarkt onderweg halfweg snelweg zijweg weg baan "
    "markt straat plein laan dijk".split()
)


def _address_accept(match: re.Match[str]) -> bool:
    name = match.group("fr_name")
    if name is not None:
        words = name.split()
        # "place de 3", "chaussée de Wavre depuis 2020": the words before the number are no street name.
        if all(w.lower().rstrip("'’") in _PARTICLES for w in words):
            return False
        return not any(w in _SENTENCE_WORDS for w in words)
    word = match.group("nl_word")
    if word is not None:
        return word not in _NOT_A_STREET  # a capitalised "Markt 7" stays an address
    return True


_has_digit = re.compile(r"\d").search
_has_upper = re.compile(r"[^\W\d_a-zß-ÿа-яіїєґё]").search


def _has_email_hint(text: str) -> bool:
    return "@" in text or bool(EMAIL_HINT.search(text))


def _birth_dates(text: str) -> list[Span]:
    return find_birth_dates(text, reference_day())


def core_scrubbers() -> list[Scrubber]:
    """The scrubbers the core ships; the built-in anonymity plugin registers them."""
    digits = _has_digit
    return [
        Scrubber("email", _then(None, find_emails, "[e-mail]"), order=10, applies=_has_email_hint),
        Scrubber("iban", _then(None, find_ibans, "[IBAN]"), order=20, applies=digits),
        Scrubber("national_number", _then(None, find_national_numbers, "[national number]"), order=30, applies=digits),
        Scrubber(
            "birth_date",
            _then(_regex_scrubber("birth_date", BIRTH_RE, "[birth date]"), _birth_dates, "[birth date]"),
            order=40,
            applies=digits,
        ),
        Scrubber(
            "phone",
            _then(None, lambda text: find_phones(text) + _phone_shapes(text), "[phone]"),
            order=50,
            applies=digits,
        ),
        Scrubber(
            "address", _regex_scrubber("address", ADDRESS_RE, "[address]", _address_accept), order=60, applies=digits
        ),
        Scrubber(
            "name",
            _then(_regex_scrubber("name", NAME_RE, "[name]"), find_names, "[name]"),
            order=70,
            applies=_has_upper,
        ),
    ]


# --------------------------------------------------------------------------------------------------
# Tokens and codes

#: Crockford's base-32 alphabet: no I, L, O or U, so nothing reads as something else.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


class TokenError(ValueError):
    """A token or code that is malformed or whose check character does not match."""


def check_character(payload: str) -> str:
    """Luhn mod 32: catches every single mistyped character and most swapped neighbours."""
    n = len(ALPHABET)
    factor, total = 2, 0
    for ch in reversed(payload):
        addend = factor * ALPHABET.index(ch)
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return ALPHABET[(n - total % n) % n]


def normalise_token(raw: str) -> str:
    return re.sub(r"[\s\-_.]", "", raw or "").upper().translate(_CONFUSABLE)


def _with_check(payload: str) -> str:
    return payload + check_character(payload)


def new_referral_token(length: int = 8) -> str:
    """A fresh token: ``length`` random characters and a check character (32^8 ≈ 10^12 tokens)."""
    return _with_check("".join(secrets.choice(ALPHABET) for _ in range(length)))


def format_token(token: str) -> str:
    """Groups of three for reading aloud and typing: ``K7P-4X2-M9Q``."""
    return "-".join(token[i : i + 3] for i in range(0, len(token), 3))


def parse_token(raw: str, length: int = 9) -> str:
    """Normalise a typed token and check it; raises ``TokenError`` naming what is wrong."""
    token = normalise_token(raw)
    if not token:
        raise TokenError("the token is empty")
    bad = sorted({ch for ch in token if ch not in ALPHABET})
    if bad:
        raise TokenError(f"the token contains characters that are never used: {' '.join(bad)}")
    if len(token) != length:
        raise TokenError(f"the token has {len(token)} characters; it should have {length}")
    if check_character(token[:-1]) != token[-1]:
        raise TokenError("the token's check character does not match: it was probably mistyped")
    return token


def new_case_code(prefix: str) -> str:
    """A pseudonymous case code such as ``NEET-4K7P2XQ``: random, never derived from the person."""
    clean = re.sub(r"[^A-Z0-9]", "", prefix.upper())[:6] or "CASE"
    return f"{clean}-{_with_check(''.join(secrets.choice(ALPHABET) for _ in range(6)))}"


def parse_case_code(raw: str) -> str:
    prefix, _, body = (raw or "").strip().upper().partition("-")
    body = normalise_token(body)
    if not prefix or len(body) != 7 or any(ch not in ALPHABET for ch in body):
        raise TokenError(f"{raw!r} is not a case code (expected PREFIX-XXXXXXX)")
    if check_character(body[:-1]) != body[-1]:
        raise TokenError(f"the case code {raw!r} does not check: it was probably mistyped")
    return f"{prefix}-{body}"

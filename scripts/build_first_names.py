"""Rebuild ``core/data/first_names.txt``: the first names the scrubber recognises without a cue word.

Two kept sources, both on PyPI, are read here and nowhere else (the engine ships only the text file):

* ``gender-guesser`` 0.4.0: Jörg Michael's ``nam_dict.txt``, about 48,000 first names with how common each
  is in 55 countries. The names common where Brussels' public comes from are kept: Belgium, France, the
  Netherlands, Luxembourg, Germany, Great Britain, Ireland, the USA, Southern and Eastern Europe, Turkey,
  the Arab world, Ukraine and Russia (transcribed in Latin letters).
* ``names-translator`` 2.1.0: about 11,000 Ukrainian first names in Cyrillic letters.

Usage (in a throwaway environment)::

    pip install gender-guesser==0.4.0 names-translator==2.1.0
    python scripts/build_first_names.py > core/data/first_names.txt
"""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

#: nam_dict.txt's country columns, in order (gender_guesser.detector.Detector.COUNTRIES).
COUNTRIES = [
    "great_britain",
    "ireland",
    "usa",
    "italy",
    "malta",
    "portugal",
    "spain",
    "france",
    "belgium",
    "luxembourg",
    "the_netherlands",
    "east_frisia",
    "germany",
    "austria",
    "swiss",
    "iceland",
    "denmark",
    "norway",
    "sweden",
    "finland",
    "estonia",
    "latvia",
    "lithuania",
    "poland",
    "czech_republic",
    "slovakia",
    "hungary",
    "romania",
    "bulgaria",
    "bosniaand",
    "croatia",
    "kosovo",
    "macedonia",
    "montenegro",
    "serbia",
    "slovenia",
    "albania",
    "greece",
    "russia",
    "belarus",
    "moldova",
    "ukraine",
    "armenia",
    "azerbaijan",
    "georgia",
    "the_stans",
    "turkey",
    "arabia",
    "israel",
    "china",
    "india",
    "japan",
    "korea",
    "vietnam",
    "other_countries",
]

#: Where the people a Brussels centre meets mostly come from, and how common a name must be there (1 to 13).
KEPT = {
    "belgium": 1,
    "france": 1,
    "the_netherlands": 1,
    "luxembourg": 1,
    "swiss": 2,
    "germany": 3,
    "austria": 4,
    "east_frisia": 1,
    "great_britain": 1,
    "ireland": 2,
    "usa": 2,
    "italy": 2,
    "spain": 2,
    "portugal": 2,
    "poland": 2,
    "romania": 2,
    "bulgaria": 3,
    "albania": 2,
    "kosovo": 3,
    "greece": 3,
    "turkey": 2,
    "arabia": 1,
    "ukraine": 1,
    "russia": 2,
    "india": 3,
    "belarus": 3,
    "moldova": 3,
    "armenia": 3,
    "georgia": 3,
}


def _frequency(char: str) -> int:
    return int(char, 16) if char in "123456789ABCDabcd" else 0


def latin_names(path: Path) -> set[str]:
    names: set[str] = set()
    columns = {COUNTRIES.index(country): floor for country, floor in KEPT.items()}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line[0] in "#=":
            continue
        name = line.split()[1].replace("+", "-")
        values = line[30:]
        if any(i < len(values) and _frequency(values[i]) >= floor for i, floor in columns.items()):
            names.add(name)
    return names


def cyrillic_names() -> set[str]:
    from names_translator.dicts import default_dicts

    return {key.capitalize() for key in default_dicts().as_dict("first") if key.isalpha() or "-" in key}


def main() -> None:
    import gender_guesser

    path = Path(gender_guesser.__file__).parent / "data" / "nam_dict.txt"
    names = {unicodedata.normalize("NFKC", n) for n in latin_names(path) | cyrillic_names()}
    # One-letter and two-letter "names" (initials, "Al", "Bo") match too much ordinary text.
    kept = sorted(n for n in names if len(n) >= 3)
    sys.stdout.write(
        "# First names (gender-guesser 0.4.0 nam_dict.txt; names-translator 2.1.0): scripts/build_first_names.py\n"
    )
    sys.stdout.write("\n".join(kept) + "\n")


if __name__ == "__main__":
    main()

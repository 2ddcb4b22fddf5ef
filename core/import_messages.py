"""What an import says about a file it refuses, in the four languages of the interface.

The rules of a record are the web app's and are translated from its catalogs (``tremplin.core.rules``); the
shape of the file (its header, its rows, its encoding) and the codes of the centres and sites concern the
import alone, and are said here. A problem is a ``str`` whose text is the English one the import has always
given (what scripts and tests read), carrying its message's key and values so that the command line says it
in the operator's language (``tremplin.core.cli``'s ``_import_problem``).

Counts are written as the reader writes them; line numbers, positions, paths and codes are kept as given.
"""

from __future__ import annotations

from typing import Any

from tremplin.core.i18n import T, Text

_SAVE_AS = {
    "en": 'in a spreadsheet, save it as "CSV UTF-8"',
    "fr": "dans un tableur, enregistrez-le au format «\u00a0CSV UTF-8\u00a0»",
    "nl": 'sla het in een rekenblad op als "CSV UTF-8"',
    "uk": "в електронній таблиці збережіть його як «CSV UTF-8»",
}

MESSAGES: dict[str, Text] = {
    # -- the header
    "column.twice": T(
        "the column appears twice (columns {first} and {second})",
        fr="la colonne apparaît deux fois (colonnes {first} et {second})",
        nl="de kolom komt twee keer voor (kolommen {first} en {second})",
        uk="стовпець трапляється двічі (стовпці {first} і {second})",
    ),
    "column.no_attribute": T(
        "{name!r} names no attribute (write attr.NAME)",
        fr="{name!r} ne nomme aucun attribut (écrivez attr.NOM)",
        nl="{name!r} noemt geen attribuut (schrijf attr.NAAM)",
        uk="{name!r} не називає жодного атрибута (пишіть attr.НАЗВА)",
    ),
    "columns.missing": T(
        "missing required column(s) {missing}; the header must have at least {required} (all columns: {columns})",
        fr="colonne(s) obligatoire(s) manquante(s) : {missing} ; l'en-tête doit contenir au moins {required} "
        "(toutes les colonnes : {columns})",
        nl="verplichte kolom(men) ontbreken: {missing}; de kopregel moet minstens {required} bevatten (alle "
        "kolommen: {columns})",
        uk="бракує обов'язкових стовпців: {missing}; заголовок має містити щонайменше {required} (усі стовпці: "
        "{columns})",
    ),
    # -- the rows
    "row.short.one": T(
        "{count} value where the header has {width} columns (the row is truncated, or a line break inside a value "
        "is not quoted)",
        fr="{count} valeur alors que l'en-tête compte {width} colonnes (la ligne est tronquée, ou un saut de ligne "
        "dans une valeur n'est pas entre guillemets)",
        nl="{count} waarde terwijl de kopregel {width} kolommen heeft (de rij is afgebroken, of een regeleinde in "
        "een waarde staat niet tussen aanhalingstekens)",
        uk="у рядку значень: {count}, а в заголовку стовпців: {width} (рядок обрізано, або розрив рядка всередині "
        "значення не взято в лапки)",
    ),
    "row.short": T(
        "{count} values where the header has {width} columns (the row is truncated, or a line break inside a value "
        "is not quoted)",
        fr="{count} valeurs alors que l'en-tête compte {width} colonnes (la ligne est tronquée, ou un saut de ligne "
        "dans une valeur n'est pas entre guillemets)",
        nl="{count} waarden terwijl de kopregel {width} kolommen heeft (de rij is afgebroken, of een regeleinde in "
        "een waarde staat niet tussen aanhalingstekens)",
        uk="у рядку значень: {count}, а в заголовку стовпців: {width} (рядок обрізано, або розрив рядка всередині "
        "значення не взято в лапки)",
    ),
    "row.long": T(
        "{count} values where the header has {width} columns (a value with a comma must be quoted)",
        fr="{count} valeurs alors que l'en-tête compte {width} colonnes (une valeur qui contient une virgule doit "
        "être entre guillemets)",
        nl="{count} waarden terwijl de kopregel {width} kolommen heeft (een waarde met een komma moet tussen "
        "aanhalingstekens staan)",
        uk="у рядку значень: {count}, а в заголовку стовпців: {width} (значення з комою треба брати в лапки)",
    ),
    "required": T(
        "is required",
        fr="valeur obligatoire manquante",
        nl="verplichte waarde ontbreekt",
        uk="бракує обов'язкового значення",
    ),
    "id.too_long": T(
        "{ref!r}... is longer than {longest} characters",
        fr="{ref!r}... dépasse {longest} caractères",
        nl="{ref!r}... is langer dan {longest} tekens",
        uk="{ref!r}... задовге (найбільше символів: {longest})",
    ),
    "id.nul": T(
        "contains a NUL character",
        fr="contient un caractère NUL",
        nl="bevat een NUL-teken",
        uk="містить символ NUL",
    ),
    "id.repeated": T(
        "{ref!r} already appears on line {other} for the same centre",
        fr="{ref!r} figure déjà à la ligne {other} pour le même centre",
        nl="{ref!r} staat al op regel {other} voor hetzelfde centrum",
        uk="{ref!r} уже є в рядку {other} для того самого центру",
    ),
    "csv.unclosed_quote": T(
        'a quoted value opened on this line is never closed (the file is truncated, or a closing " is missing)',
        fr="une valeur entre guillemets ouverte sur cette ligne n'est jamais fermée (le fichier est tronqué, ou "
        'il manque un " fermant)',
        nl="een waarde tussen aanhalingstekens die op deze regel begint, wordt nooit gesloten (het bestand is "
        'afgebroken, of er ontbreekt een sluitend ")',
        uk='значення в лапках, відкрите в цьому рядку, ніде не закрито (файл обрізано або бракує закривальної ")',
    ),
    "csv.too_long": T(
        "a value is longer than {limit} characters (a quoted value that is never closed?)",
        fr="une valeur dépasse {limit} caractères (une valeur entre guillemets jamais fermée ?)",
        nl="een waarde is langer dan {limit} tekens (een waarde tussen aanhalingstekens die nooit wordt gesloten?)",
        uk="значення задовге, найбільше символів: {limit} (можливо, значення в лапках ніде не закрито?)",
    ),
    "csv.malformed": T(
        "malformed CSV ({detail})",
        fr="CSV mal formé ({detail})",
        nl="ongeldige CSV ({detail})",
        uk="некоректний CSV ({detail})",
    ),
    "code.centre": T(
        "{code!r} cannot be a centre code (at most {longest} printable characters)",
        fr="{code!r} ne peut pas être un code de centre (au plus {longest} caractères imprimables)",
        nl="{code!r} kan geen centrumcode zijn (hoogstens {longest} afdrukbare tekens)",
        uk="{code!r} не може бути кодом центру (найбільше друкованих символів: {longest})",
    ),
    "code.site": T(
        "{code!r} cannot be a site code (at most {longest} printable characters)",
        fr="{code!r} ne peut pas être un code de site (au plus {longest} caractères imprimables)",
        nl="{code!r} kan geen vestigingscode zijn (hoogstens {longest} afdrukbare tekens)",
        uk="{code!r} не може бути кодом місця (найбільше друкованих символів: {longest})",
    ),
    # -- the centre and site codes of a record (``tremplin.core.validation``)
    "centre.unknown": T(
        "unknown centre code {code!r} (use --create-missing to create it)",
        fr="code de centre inconnu {code!r} (utilisez --create-missing pour le créer)",
        nl="onbekende centrumcode {code!r} (gebruik --create-missing om het centrum aan te maken)",
        uk="невідомий код центру {code!r} (щоб створити центр, додайте --create-missing)",
    ),
    "site.unknown": T(
        "unknown site code {code!r} in centre {centre!r} (use --create-missing to create it)",
        fr="code de site inconnu {code!r} dans le centre {centre!r} (utilisez --create-missing pour le créer)",
        nl="onbekende vestigingscode {code!r} in centrum {centre!r} (gebruik --create-missing om de vestiging aan "
        "te maken)",
        uk="невідомий код місця {code!r} у центрі {centre!r} (щоб створити місце, додайте --create-missing)",
    ),
    # -- the whole file
    "file.empty": T(
        "the file is empty: it must start with a header row ({columns})",
        fr="le fichier est vide : il doit commencer par une ligne d'en-tête ({columns})",
        nl="het bestand is leeg: het moet beginnen met een kopregel ({columns})",
        uk="файл порожній: він має починатися з рядка заголовка ({columns})",
    ),
    "file.no_rows": T(
        "the file has a header but no rows",
        fr="le fichier a un en-tête mais aucune ligne de données",
        nl="het bestand heeft een kopregel maar geen rijen",
        uk="у файлі є заголовок, але немає жодного рядка даних",
    ),
    "file.changed_meanwhile": T(
        "another import wrote to the same centre while this file was being checked: import the file again",
        fr="une autre importation a écrit dans le même centre pendant la vérification de ce fichier : importez le "
        "fichier à nouveau",
        nl="een andere import schreef naar hetzelfde centrum terwijl dit bestand werd gecontroleerd: importeer het "
        "bestand opnieuw",
        uk="інший імпорт записав дані до того самого центру, поки цей файл перевірявся: імпортуйте файл ще раз",
    ),
    # -- the encoding
    "utf8.utf16": T(
        f"the file is in UTF-16; it must be in UTF-8 ({_SAVE_AS['en']})",
        fr=f"le fichier est en UTF-16 ; il doit être en UTF-8 ({_SAVE_AS['fr']})",
        nl=f"het bestand is in UTF-16; het moet in UTF-8 zijn ({_SAVE_AS['nl']})",
        uk=f"файл у кодуванні UTF-16; він має бути в UTF-8 ({_SAVE_AS['uk']})",
    ),
    "utf8.byte": T(
        "byte {byte} at position {position} of the line (byte {offset} of the file) is not UTF-8; the file must be "
        f"in UTF-8 ({_SAVE_AS['en']})",
        fr="l'octet {byte} à la position {position} de la ligne (octet {offset} du fichier) n'est pas de l'UTF-8 ; "
        f"le fichier doit être en UTF-8 ({_SAVE_AS['fr']})",
        nl="byte {byte} op positie {position} van de regel (byte {offset} van het bestand) is geen UTF-8; het "
        f"bestand moet in UTF-8 zijn ({_SAVE_AS['nl']})",
        uk="байт {byte} на позиції {position} рядка (байт {offset} файлу) недопустимий в UTF-8; файл має бути в "
        f"UTF-8 ({_SAVE_AS['uk']})",
    ),
    "utf8.more": T(
        "... the file has more lines that are not UTF-8",
        fr="... le fichier a d'autres lignes qui ne sont pas en UTF-8",
        nl="... het bestand heeft nog meer regels die geen UTF-8 zijn",
        uk="... у файлі є й інші рядки не в UTF-8",
    ),
    "utf8.not": T(
        f"the file is not in UTF-8; it must be in UTF-8 ({_SAVE_AS['en']})",
        fr=f"le fichier n'est pas en UTF-8 ; il doit être en UTF-8 ({_SAVE_AS['fr']})",
        nl=f"het bestand is niet in UTF-8; het moet in UTF-8 zijn ({_SAVE_AS['nl']})",
        uk=f"файл не в кодуванні UTF-8; він має бути в UTF-8 ({_SAVE_AS['uk']})",
    ),
}

#: The fields that are counts, written as the reader writes them ("131,072", "131 072"). The other numbers are
#: line numbers and positions, which are written plainly, as the line numbers of every problem are.
COUNTS = frozenset({"limit"})


class _Kept(dict[str, Any]):
    """Values for ``str.format_map`` that leave a field not given yet as it is written (``{other}``)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _render(key: str, values: dict[str, Any], language: str) -> str:
    from tremplin.core.cli_text import number, render

    if COUNTS.intersection(values):
        values = {k: number(v, language) if k in COUNTS and type(v) is int else v for k, v in values.items()}
    return render(MESSAGES[key], language, _Kept(values))


class Reason(str):
    """A message of this catalogue: its English text, with the key and values to say it in another language.

    Not a ``tremplin.core.rules.Problem``: the web app and the API answer a reason that is not a rule's as
    they always have (by its English words); only the import, which knows these keys, translates it.
    """

    key: str
    values: dict[str, Any]

    def __new__(cls, key: str, **values: Any) -> Reason:
        self = super().__new__(cls, _render(key, values, "en"))
        self.key = key
        self.values = values
        return self

    def __reduce__(self) -> tuple[Any, ...]:  # the import's second process sends problems back by pickle
        return (_reason, (self.key, self.values))

    def filled(self, **values: Any) -> Reason:
        """The same message with more values (``other``: the line an id was first seen on, known later)."""
        return Reason(self.key, **{**self.values, **values})

    def say(self, language: str) -> str:
        return _render(self.key, self.values, language)


def _reason(key: str, values: dict[str, Any]) -> Reason:
    return Reason(key, **values)


class ImportProblem(str):
    """What follows ``line N`` in a problem of the import: ``, column NAME: reason``, or ``: reason`` when it
    names no column; ``reason`` and ``column`` are kept to say it in the operator's language."""

    column: str | None
    reason: Reason

    def __new__(cls, column: str | None, reason: Reason) -> ImportProblem:
        self = super().__new__(cls, f": {reason}" if column is None else f", column {column}: {reason}")
        self.column = column
        self.reason = reason
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (ImportProblem, (self.column, self.reason))

    @property
    def key(self) -> str:
        return self.reason.key

    @property
    def values(self) -> dict[str, Any]:
        return self.reason.values


__all__ = ["COUNTS", "MESSAGES", "ImportProblem", "Reason"]

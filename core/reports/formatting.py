"""Numbers, dates and the few words of the report layout, in the report's language."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from tremplin.core.i18n import T, Text

#: Thousands and decimal separators (a no-break space in French and Ukrainian).
SEPARATORS: dict[str, tuple[str, str]] = {
    "en": (",", "."),
    "fr": ("\u00a0", ","),
    "nl": (".", ","),
    "uk": ("\u00a0", ","),
}

WORDS: dict[str, Text] = {
    "period": T("Period", fr="Période", nl="Periode", uk="Період"),
    "previous": T("Previous period", fr="Période précédente", nl="Vorige periode", uk="Попередній період"),
    "change": T("Change", fr="Évolution", nl="Evolutie", uk="Зміна"),
    "value": T("Value", fr="Valeur", nl="Waarde", uk="Значення"),
    "share": T("Share", fr="Part", nl="Aandeel", uk="Частка"),
    "total": T("Total", fr="Total", nl="Totaal", uk="Усього"),
    "centres": T("Centres", fr="Centres", nl="Centra", uk="Центри"),
    "centre": T("Centre", fr="Centre", nl="Centrum", uk="Центр"),
    "month": T("Month", fr="Mois", nl="Maand", uk="Місяць"),
    "closed": T("Closed", fr="Fermé", nl="Gesloten", uk="Закрито"),
    "closures": T("Closure periods", fr="Périodes de fermeture", nl="Sluitingsperiodes", uk="Періоди закриття"),
    "generated": T("Generated on", fr="Produit le", nl="Aangemaakt op", uk="Створено"),
    "figure": T("Figure", fr="Indicateur", nl="Indicator", uk="Показник"),
    "source": T("Source", fr="Source", nl="Bron", uk="Джерело"),
    "measured_on": T("Measured on", fr="Relevé le", nl="Gemeten op", uk="Виміряно"),
    "scope": T("Scope", fr="Portée", nl="Bereik", uk="Обсяг"),
    "from": T("From", fr="Du", nl="Van", uk="З"),
    "to": T("To", fr="Au", nl="Tot", uk="По"),
    "label": T("Label", fr="Libellé", nl="Omschrijving", uk="Назва"),
    "key": T("Key", fr="Clé", nl="Sleutel", uk="Ключ"),
    "report": T("Report", fr="Rapport", nl="Verslag", uk="Звіт"),
    "contents": T("Contents", fr="Sommaire", nl="Inhoud", uk="Зміст"),
    "published": T(
        "Published figures: counts from 1 to {n} are shown as “{primary}”, and figures marked “{secondary}” are "
        "hidden so that a small count cannot be worked out from the totals.",
        fr=(
            "Chiffres publiés : les effectifs de 1 à {n} sont affichés « {primary} », et les chiffres marqués « "
            "{secondary} » sont masqués pour qu'un petit effectif ne puisse pas être déduit des totaux."
        ),
        nl=(
            "Gepubliceerde cijfers: aantallen van 1 tot {n} worden als “{primary}” getoond, en cijfers gemarkeerd "
            "met “{secondary}” zijn verborgen zodat een klein aantal niet uit de totalen kan worden afgeleid."
        ),
        uk=(
            "Опубліковані дані: кількості від 1 до {n} показано як «{primary}», а позначені «{secondary}» приховано, "
            "щоб мале число не можна було вирахувати з підсумків."
        ),
    ),
    "exact": T(
        "Exact figures, for internal use: do not publish as they are.",
        fr="Chiffres exacts, à usage interne : ne pas publier tels quels.",
        nl="Exacte cijfers, voor intern gebruik: niet zo publiceren.",
        uk="Точні дані для внутрішнього використання: не публікувати в такому вигляді.",
    ),
    "non_additive": T(
        "A contact may concern several themes: the rows do not add up to the total.",
        fr="Un contact peut porter sur plusieurs thèmes : les lignes ne s'additionnent pas au total.",
        nl="Een contact kan over meerdere thema's gaan: de rijen tellen niet op tot het totaal.",
        uk="Контакт може стосуватися кількох тем: рядки не складаються в загальну суму.",
    ),
    "no_data": T(
        "No figures for this period.",
        fr="Aucun chiffre pour cette période.",
        nl="Geen cijfers voor deze periode.",
        uk="Немає даних за цей період.",
    ),
    "no_previous": T("no data", fr="pas de données", nl="geen gegevens", uk="немає даних"),
    "of_which": T("of which", fr="dont", nl="waarvan", uk="з них"),
}


def word(key: str, language: str, **values: Any) -> str:
    text = WORDS[key].get(language)
    return text.format(**values) if values else text


def fmt_int(value: Any, language: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    thousands, decimal = SEPARATORS.get(language, SEPARATORS["en"])
    if isinstance(value, float) and not value.is_integer():
        whole = f"{value:,.1f}"
        return whole.replace(",", "\0").replace(".", decimal).replace("\0", thousands)
    return f"{int(value):,}".replace(",", thousands)


def fmt_pct(value: Any, language: str, signed: bool = False, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    _, decimal = SEPARATORS.get(language, SEPARATORS["en"])
    text = f"{value * 100:+.{digits}f}" if signed else f"{value * 100:.{digits}f}"
    text = text.replace(".", decimal).replace("-", "−")
    space = "\u00a0" if language in ("fr", "uk") else ""
    return f"{text}{space}%"


#: The Babel locale each language's dates are written in (Belgian conventions where they exist).
LOCALES: dict[str, str] = {"fr": "fr_BE", "nl": "nl_BE", "en": "en_GB", "uk": "uk_UA"}


def locale_of(language: str) -> str:
    return LOCALES.get(language, "fr_BE")


def fmt_month(day: date, language: str, with_year: bool = False) -> str:
    """A month as a column heading: ``mars``, ``mrt. 25`` (Babel's standalone abbreviation)."""
    from babel.dates import format_date

    name = format_date(day, "LLL", locale=locale_of(language))
    return f"{name} {day.year % 100:02d}" if with_year else name


def fmt_month_narrow(day: date, language: str) -> str:
    """A month as one letter, for a phone's chart axis (``J F M A``...)."""
    from babel.dates import format_date

    return format_date(day, "LLLLL", locale=locale_of(language))


def fmt_month_year(day: date, language: str) -> str:
    """``mars 2025``, ``maart 2025``, ``March 2025``, ``березень 2025``."""
    from babel.dates import format_date

    return format_date(day, "LLLL y", locale=locale_of(language))


def fmt_date(day: date | None, language: str) -> str:
    """A day in the reader's words: ``7 mars 2025``, ``7 mrt. 2025``, ``7 Mar 2025``."""
    from babel.dates import format_date

    if day is None:
        return "–"
    if isinstance(day, datetime):
        day = day.date()
    return format_date(day, "medium", locale=locale_of(language))


def fmt_datetime(moment: datetime | None, language: str, timezone: str = "Europe/Brussels") -> str:
    """A moment in the centre's time zone and the reader's words, to the minute (``7 mars 2025, 14:05``)."""
    from zoneinfo import ZoneInfo

    from babel.dates import format_date, format_time

    if moment is None:
        return "–"
    if moment.tzinfo is None:  # stored in UTC
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(ZoneInfo(timezone))
    loc = locale_of(language)
    return f"{format_date(local.date(), 'medium', locale=loc)}, {format_time(local.time(), 'HH:mm', locale=loc)}"


def fmt_period(start: date, end: date, language: str) -> str:
    """A period for people: ``2025``, ``mars 2025``, or ``1 janv. 2025 – 30 juin 2025``."""
    import calendar

    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        return str(start.year) if start.year == end.year else f"{start.year}–{end.year}"
    whole_month = start.day == 1 and end.day == calendar.monthrange(end.year, end.month)[1]
    if whole_month and (start.year, start.month) == (end.year, end.month):
        return fmt_month_year(start, language)
    return f"{fmt_date(start, language)} – {fmt_date(end, language)}"

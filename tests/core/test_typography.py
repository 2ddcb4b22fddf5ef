"""French typography and the reader's dates, applied to rendered text only."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tremplin.core.i18n import NARROW_NBSP, typography
from tremplin.core.reports.formatting import fmt_date, fmt_datetime, fmt_period

N = NARROW_NBSP


def test_a_narrow_no_break_space_before_high_punctuation_in_french_text() -> None:
    html = (
        '<p title="Note: a; b?">Période: 2025; vraiment? oui! à 10:30, '
        "https://x.be/a?b=1&amp;c=2 &amp; <code>a: b</code></p>"
    )
    out = typography(html, "fr")
    assert out == (
        f'<p title="Note: a; b?">Période{N}: 2025{N}; vraiment{N}? oui{N}! à 10:30, '
        "https://x.be/a?b=1&amp;c=2 &amp; <code>a: b</code></p>"
    )
    assert typography(out, "fr") == out  # applying it twice changes nothing more
    assert typography("Déjà : une espace\u00a0; remplacée", "fr") == f"Déjà{N}: une espace{N}; remplacée"
    assert typography(html, "en") == html and typography(html, "nl") == html
    assert (
        typography("<script>var a = {b: 1};</script><style>a:hover{x:y}</style>", "fr")
        == "<script>var a = {b: 1};</script><style>a:hover{x:y}</style>"
    )


def test_dates_in_the_readers_words_and_the_centres_time_zone() -> None:
    day = date(2025, 3, 7)
    assert (
        fmt_date(day, "fr") == "7 mars 2025"
        and fmt_date(day, "nl") == "7 mrt 2025"
        and fmt_date(day, "en") == "7 Mar 2025"
    )
    moment = datetime(2025, 7, 1, 22, 30, tzinfo=UTC)  # already 2 July in Brussels
    assert fmt_datetime(moment, "fr") == "2 juil. 2025, 00:30"
    assert fmt_period(date(2025, 1, 1), date(2025, 12, 31), "fr") == "2025"
    assert fmt_period(date(2025, 3, 1), date(2025, 3, 31), "nl") == "maart 2025"
    assert fmt_period(date(2025, 1, 1), date(2025, 6, 30), "fr") == "1 janv. 2025 – 30 juin 2025"

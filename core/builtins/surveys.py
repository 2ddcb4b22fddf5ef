"""Built-in plugin: the satisfaction survey (``tremplin.core.surveys``), its pages and its report section.

* ``/survey/<code>``: the public page a one-time link or QR code leads to. No account, nothing that
  identifies the person; the language is the visitor's (the switch, or the browser's). A link answered
  already, expired or unknown says so in the visitor's language, and records nothing.
* ``/survey/<code>/qr.svg``: the link as a QR code (segno), to print or show.
* ``/surveys/desk?service=general``: the reception tablet. Each visit to the page makes a fresh link of
  the ``desk`` channel: the visitor answers on the tablet or scans its QR code, and the tablet comes
  back to a new form for the next person. The menu offers it to the accounts that log the walk-in
  public's visits (``Survey tablet``).
* The annual report gets the section ``surveys.satisfaction``: answers, the share satisfied or very
  satisfied, the share who would recommend the centre, the share on a first visit, and answers by
  service, in the shape the centre publishes; with disclosure control when published.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tremplin.core import hookimpl
from tremplin.core.i18n import T

if TYPE_CHECKING:
    from tremplin.core.app import App

TITLE = T(
    "Satisfaction survey", fr="Enquête de satisfaction", nl="Tevredenheidsenquête", uk="Опитування щодо задоволеності"
)
INDICATORS = {
    "answers": T("Answers", fr="Réponses", nl="Antwoorden", uk="Відповіді"),
    "satisfied": T(
        "Satisfied or very satisfied",
        fr="Satisfaits ou très satisfaits",
        nl="Tevreden of zeer tevreden",
        uk="Задоволені або дуже задоволені",
    ),
    "would_recommend": T(
        "Would recommend the centre",
        fr="Recommanderaient le centre",
        nl="Zouden het centrum aanraden",
        uk="Порадили б центр",
    ),
    "first_visit": T("First visit", fr="Première visite", nl="Eerste bezoek", uk="Перший візит"),
}
COLUMNS = ("key", "indicator", "count", "share")
LABELS = (
    T("Key", fr="Clé", nl="Sleutel", uk="Ключ"),
    T("Indicator", fr="Indicateur", nl="Indicator", uk="Показник"),
    T("Number", fr="Nombre", nl="Aantal", uk="Кількість"),
    T("Share (%)", fr="Part (%)", nl="Aandeel (%)", uk="Частка (%)"),
)


#: The desk tablet's menu entry: reception opens it on the tablet the public answers on.
DESK = T("Survey tablet", fr="Tablette d'enquête", nl="Enquêtetablet", uk="Планшет для опитування")


@hookimpl
def register_menu_items(app: App, staff: Any) -> list[Any]:
    """The desk tablet, in the menu of the roles with the ``desk`` capability (reception, counsellors, and any
    plugin's role declared with it): the page itself stays open to every account that logs the walk-in
    public's visits (``log``), but a programme lead's menu, already long, does not carry it."""
    from tremplin.core.pages import MenuItem

    return [MenuItem(DESK, "/surveys/desk", "desk", audience="general")]


@hookimpl
def register_routes(app: App) -> list[Any]:
    from tremplin.core.builtins import survey_pages

    return [survey_pages.public, survey_pages.desk]


def _share(count: int, total: int, threshold: int, published: bool) -> Any:
    """The share, in percent to one decimal; hidden when published and it would reveal a small count
    (the count itself, or the rest of the answers)."""
    from tremplin.core.reports.model import PRIMARY, Num

    if not total:
        return None
    share = round(100 * count / total, 1)
    if published and (0 < count < threshold or 0 < total - count < threshold):
        return Num(share, hidden=PRIMARY)
    return share


def satisfaction_section(ctx: Any) -> Any:
    """The report section of the survey's counters over the report's period."""
    from tremplin.core.reports import model as m
    from tremplin.core.surveys import figures

    report = ctx.report
    centre_ids = None if ctx.all_centres else [c.id for c in report.centres]
    found = figures(ctx.session, report.period.start, report.period.end, centre_ids)
    if not found.answers:
        return None
    threshold, published = report.threshold, ctx.published
    rows: list[dict[str, Any]] = [
        {"key": "answers", "indicator": ctx.text(INDICATORS["answers"]), "count": found.answers, "share": None}
    ]
    asked = {
        "satisfied": found.answers,
        "would_recommend": found.asked_recommend,
        "first_visit": found.asked_first_visit,
    }
    for key in ("satisfied", "would_recommend", "first_visit"):
        count = getattr(found, key)
        rows.append(
            {
                "key": key,
                "indicator": ctx.text(INDICATORS[key]),
                "count": count,
                "share": _share(count, asked[key], threshold, published),
            }
        )
    audiences = ctx.app.registry.audiences
    for service, (answers, satisfied) in found.by_service.items():
        if report.audiences is not None and service not in report.audiences:
            continue
        label = ctx.text(audiences[service].label) if service in audiences else service
        satisfied_label = ctx.text(INDICATORS["satisfied"])
        rows.append(
            {
                "key": f"service:{service}",
                "indicator": f"{label}: {satisfied_label}",
                "count": answers,
                "share": _share(satisfied, answers, threshold, published),
            }
        )
    columns = [m.Column(k, ctx.text(label), k == "key", None) for k, label in zip(COLUMNS, LABELS)]
    return m.TableSection(
        "surveys.satisfaction",
        ctx.text(TITLE),
        columns,
        [
            {k: (m.Num(v) if isinstance(v, int | float) and not isinstance(v, bool) else v) for k, v in row.items()}
            for row in rows
        ],
        disclose=True,
    )


@hookimpl
def register_report_sections(app: App, report: str) -> list[Any]:
    from tremplin.core.reports.sections import Computed

    if report == "annual":
        return [Computed("surveys.satisfaction", satisfaction_section)]
    return []


#: The roll-up's name for satisfaction answers: audiences count theirs (``"surveys.answers:satisfied"``).
SOURCE = "surveys.answers"
ANSWER_COLUMNS = ("day", "centre_id", "service", "channel", "language", "satisfaction", "theme")


def answer_fact(get: Any) -> dict[str, Any] | None:
    """A satisfaction answer as the roll-up counts it: by service (its audience), channel, language and,
    from the bot, theme; ``satisfied`` is 1 for satisfied or very satisfied."""
    from tremplin.core.surveys import SATISFIED

    if get("day") is None:
        return None
    theme = get("theme")
    return {
        "day": get("day"),
        "centre_id": get("centre_id"),
        "audience": get("service"),
        "channel": get("channel"),
        "language": get("language"),
        "themes": (theme,) if theme else (),
        "satisfaction": get("satisfaction"),
        "measures": {"rows": 1, "satisfied": int(get("satisfaction") in SATISFIED)},
    }


@hookimpl
def register_fact_sources(app: App) -> list[Any]:
    """Satisfaction answers, so that an audience counts its own in its figures (the bot's, by language and
    theme) in the dashboard and its report, next to its contacts."""
    from tremplin.core.counters import FactSource
    from tremplin.core.models import SurveyAnswer

    return [
        FactSource(
            SOURCE,
            SurveyAnswer,
            ANSWER_COLUMNS,
            answer_fact,
            measures=("rows", "satisfied"),
            fields=("satisfaction",),
            label=T(
                "Satisfaction answers",
                fr="Réponses de satisfaction",
                nl="Tevredenheidsantwoorden",
                uk="Відповіді щодо задоволеності",
            ),
        )
    ]

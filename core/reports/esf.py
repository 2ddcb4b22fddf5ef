"""The ESF+ report: common indicators of Regulation (EU) 2021/1057, Annex I, for a cofinanced operation.

An *operation* is an audience declared ``esf_cofinanced``. Its *participants* are its cases (a case
exists only with the person's consent); anonymous contacts are never participants and feed the
programme's own indicators instead, read from the counters' roll-up.

What is computed how is written down in ``docs/esf.md``; in short:

* common output indicators (EECO01-EECO17) come from the profile recorded at entry, broken down by
  women, men and non-binary persons (a participant of unknown gender counts in the total only);
  EECO18 and EECO19 count entities, not persons, and are "not applicable";
* immediate results (EECR01-EECR04) come from outcomes dated from the exit day to 28 days after it;
  EECR01 (job searching) and EECR04 (employment) exclude each other, the last event wins, a tie goes
  to employment;
* longer-term results (EECR05, EECR06) come from outcomes dated 5 to 7 months after the exit;
* a person who leaves and comes back (``reenter_case``) is one participant: the entry date is the first
  one, the exit date the last one;
* values transmitted are cumulative since the operation began, at 30 June and 31 December;
* the point-1.2 indicators (EECO12-EECO17) may be replaced by informed estimates recorded in the audit
  log (action ``esf.estimate``) with their method; the report says which values are estimates.

Everything is computed from the case rows and their history as they stood at the cut-off, so a report
for a past cut-off gives the same figures later (unless the retention purge has deleted cases).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tremplin.core.i18n import LANGUAGES, T, Text, pick
from tremplin.core.models import AuditEvent, Case, CaseOutcome, CaseStageEvent, Centre
from tremplin.core.registry import PluginError
from tremplin.core.reports.sections import Note, Table
from tremplin.core.web.i18n import Msg

if TYPE_CHECKING:
    from tremplin.core.app import App
    from tremplin.core.models import Staff
    from tremplin.core.registry import Audience, Workflow


class EsfError(ValueError):
    """A request the ESF+ report cannot answer: an operation that is not cofinanced, a bad period..."""


# ------------------------------------------------------------------------------------------------
# Vocabulary of the report

GENDER_KEYS: tuple[str, ...] = ("women", "men", "non_binary")
BREAKDOWN_KEYS: tuple[str, ...] = (*GENDER_KEYS, "total")
#: Case.gender code → breakdown key; ``unknown`` is in no column but the total.
GENDER_OF: dict[str, str] = {"woman": "women", "man": "men", "non_binary": "non_binary"}

#: Outcome kinds (``CaseOutcome.kind``) by the result they stand for.
EMPLOYMENT = frozenset({"in_employment", "self_employed"})
EDUCATION_OR_TRAINING = frozenset({"in_education", "in_training"})
JOB_SEARCHING = frozenset({"job_searching"})
QUALIFICATION = frozenset({"qualification"})

#: An immediate result counts if dated from the exit day to this many days after it, inclusive.
IMMEDIATE_DAYS = 28
#: A longer-term result counts if dated from this many months after the exit to ...
LONGER_TERM_FROM_MONTHS = 5
#: ... this many months after it, inclusive.
LONGER_TERM_TO_MONTHS = 7

#: Labour-market status at entry (``Case.labour_status``) by output indicator.
UNEMPLOYED = frozenset({"unemployed", "long_term_unemployed"})
LONG_TERM_UNEMPLOYED = frozenset({"long_term_unemployed"})
INACTIVE = frozenset({"inactive", "in_education"})
EMPLOYED = frozenset({"employed", "self_employed"})


def _t(en: str, fr: str, nl: str, uk: str) -> Text:
    return Text(en=en, fr=fr, nl=nl, uk=uk)


@dataclass(frozen=True)
class Indicator:
    """A common indicator of Annex I with its SFC2021 code."""

    code: str
    label: Text
    #: ``output`` or ``result``.
    group: str
    #: The point of Annex I it belongs to: ``1.1``, ``1.2``, ``2``, ``3`` or ``4``.
    point: str
    #: Persons (``True``) or entities (``False``): entity indicators do not apply to this report.
    persons: bool = True

    @property
    def estimable(self) -> bool:
        """Point-1.2 values may be informed estimates (Annex I, point 1.2)."""
        return self.point == "1.2"


OUTPUT_INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "EECO01",
        _t(
            "Total number of participants",
            "Nombre total de participants",
            "Totaal aantal deelnemers",
            "Загальна кількість учасників",
        ),
        "output",
        "1.1",
    ),
    Indicator(
        "EECO02",
        _t(
            "Unemployed, including long-term unemployed",
            "Chômeurs, y compris les chômeurs de longue durée",
            "Werklozen, met inbegrip van langdurig werklozen",
            "Безробітні, включно з довготривало безробітними",
        ),
        "output",
        "1.1",
    ),
    Indicator(
        "EECO03",
        _t("Long-term unemployed", "Chômeurs de longue durée", "Langdurig werklozen", "Довготривало безробітні"),
        "output",
        "1.1",
    ),
    Indicator("EECO04", _t("Inactive", "Personnes inactives", "Inactieven", "Економічно неактивні"), "output", "1.1"),
    Indicator(
        "EECO05",
        _t(
            "Employed, including self-employed",
            "Personnes exerçant un emploi, y compris les indépendants",
            "Werkenden, met inbegrip van zelfstandigen",
            "Зайняті, включно із самозайнятими",
        ),
        "output",
        "1.1",
    ),
    Indicator(
        "EECO06",
        _t(
            "Children below 18 years of age",
            "Enfants de moins de 18 ans",
            "Kinderen jonger dan 18 jaar",
            "Діти віком до 18 років",
        ),
        "output",
        "1.1",
    ),
    Indicator(
        "EECO07",
        _t(
            "Young people between 18 and 29 years of age",
            "Jeunes âgés de 18 à 29 ans",
            "Jongeren tussen 18 en 29 jaar",
            "Молодь віком від 18 до 29 років",
        ),
        "output",
        "1.1",
    ),
    Indicator(
        "EECO08",
        _t(
            "Participants 55 years of age and above",
            "Participants âgés de 55 ans et plus",
            "Deelnemers van 55 jaar en ouder",
            "Учасники віком 55 років і старше",
        ),
        "output",
        "1.1",
    ),
    Indicator(
        "EECO09",
        _t(
            "With lower secondary education or less (ISCED 0–2)",
            "Niveau secondaire inférieur ou moins (CITE 0–2)",
            "Ten hoogste lager secundair onderwijs (ISCED 0–2)",
            "Базова середня освіта або нижче (МСКО 0–2)",
        ),
        "output",
        "1.1",
    ),
    Indicator(
        "EECO10",
        _t(
            "With upper secondary (ISCED 3) or post-secondary education (ISCED 4)",
            "Niveau secondaire supérieur (CITE 3) ou post-secondaire non supérieur (CITE 4)",
            "Hoger secundair (ISCED 3) of postsecundair onderwijs (ISCED 4)",
            "Повна середня (МСКО 3) або післясередня освіта (МСКО 4)",
        ),
        "output",
        "1.1",
    ),
    Indicator(
        "EECO11",
        _t(
            "With tertiary education (ISCED 5 to 8)",
            "Enseignement supérieur (CITE 5 à 8)",
            "Hoger onderwijs (ISCED 5 tot 8)",
            "Вища освіта (МСКО 5–8)",
        ),
        "output",
        "1.1",
    ),
    Indicator(
        "EECO12",
        _t(
            "Participants with disabilities",
            "Participants handicapés",
            "Deelnemers met een handicap",
            "Учасники з інвалідністю",
        ),
        "output",
        "1.2",
    ),
    Indicator(
        "EECO13",
        _t(
            "Third-country nationals",
            "Ressortissants de pays tiers",
            "Onderdanen van derde landen",
            "Громадяни третіх країн",
        ),
        "output",
        "1.2",
    ),
    Indicator(
        "EECO14",
        _t(
            "Participants with a foreign background",
            "Participants d'origine étrangère",
            "Deelnemers met een buitenlandse achtergrond",
            "Учасники іноземного походження",
        ),
        "output",
        "1.2",
    ),
    Indicator(
        "EECO15",
        _t(
            "Minorities (including marginalised communities such as the Roma)",
            "Minorités (y compris les communautés marginalisées telles que les Roms)",
            "Minderheden (met inbegrip van gemarginaliseerde gemeenschappen zoals de Roma)",
            "Меншини (включно з маргіналізованими спільнотами, як-от роми)",
        ),
        "output",
        "1.2",
    ),
    Indicator(
        "EECO16",
        _t(
            "Homeless or affected by housing exclusion",
            "Personnes sans abri ou touchées par l'exclusion du logement",
            "Daklozen of getroffen door uitsluiting op het gebied van huisvesting",
            "Безхатні або ті, хто зазнає житлового виключення",
        ),
        "output",
        "1.2",
    ),
    Indicator(
        "EECO17",
        _t(
            "Participants from rural areas",
            "Participants issus de zones rurales",
            "Deelnemers uit plattelandsgebieden",
            "Учасники із сільської місцевості",
        ),
        "output",
        "1.2",
    ),
    Indicator(
        "EECO18",
        _t(
            "Public administrations or public services supported at national, regional or local level",
            "Administrations ou services publics soutenus au niveau national, régional ou local",
            "Ondersteunde overheidsdiensten of openbare diensten op nationaal, regionaal of lokaal niveau",
            "Підтримані органи публічної адміністрації або публічні служби",
        ),
        "output",
        "2",
        persons=False,
    ),
    Indicator(
        "EECO19",
        _t(
            "Micro, small and medium-sized enterprises supported (including cooperative and social enterprises)",
            "Micro, petites et moyennes entreprises soutenues (y compris coopératives et entreprises sociales)",
            "Ondersteunde micro-, kleine en middelgrote ondernemingen (met inbegrip van coöperaties en sociale "
            "ondernemingen)",
            "Підтримані мікро-, малі та середні підприємства (включно з кооперативами і соціальними підприємствами)",
        ),
        "output",
        "2",
        persons=False,
    ),
)

RESULT_INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "EECR01",
        _t(
            "Participants engaged in job searching upon leaving",
            "Participants en recherche d'emploi au terme de leur participation",
            "Deelnemers die bij vertrek werk zoeken",
            "Учасники, які шукають роботу після виходу",
        ),
        "result",
        "3",
    ),
    Indicator(
        "EECR02",
        _t(
            "Participants in education or training upon leaving",
            "Participants suivant un enseignement ou une formation au terme de leur participation",
            "Deelnemers die bij vertrek onderwijs of opleiding volgen",
            "Учасники, які навчаються після виходу",
        ),
        "result",
        "3",
    ),
    Indicator(
        "EECR03",
        _t(
            "Participants gaining a qualification upon leaving",
            "Participants obtenant une qualification au terme de leur participation",
            "Deelnemers die bij vertrek een kwalificatie behalen",
            "Учасники, які здобули кваліфікацію після виходу",
        ),
        "result",
        "3",
    ),
    Indicator(
        "EECR04",
        _t(
            "Participants in employment, including self-employment, upon leaving",
            "Participants exerçant un emploi, y compris indépendant, au terme de leur participation",
            "Deelnemers die bij vertrek werk hebben, ook als zelfstandige",
            "Учасники, які працюють (зокрема самозайняті) після виходу",
        ),
        "result",
        "3",
    ),
    Indicator(
        "EECR05",
        _t(
            "Participants in employment, including self-employment, six months after leaving",
            "Participants exerçant un emploi, y compris indépendant, six mois après leur participation",
            "Deelnemers met werk, ook als zelfstandige, zes maanden na vertrek",
            "Учасники, які працюють (зокрема самозайняті) через шість місяців після виходу",
        ),
        "result",
        "4",
    ),
    Indicator(
        "EECR06",
        _t(
            "Participants with an improved labour market situation six months after leaving",
            "Participants dont la situation sur le marché du travail s'est améliorée six mois après leur participation",
            "Deelnemers met een verbeterde arbeidsmarktsituatie zes maanden na vertrek",
            "Учасники з покращеним становищем на ринку праці через шість місяців після виходу",
        ),
        "result",
        "4",
    ),
)

INDICATORS: dict[str, Indicator] = {i.code: i for i in (*OUTPUT_INDICATORS, *RESULT_INDICATORS)}
#: Point-1.2 indicators and the profile question (``Case.profile``) each is read from.
SENSITIVE: dict[str, str] = {
    "EECO12": "disability",
    "EECO13": "third_country_national",
    "EECO14": "foreign_background",
    "EECO15": "minority",
    "EECO16": "homeless",
    "EECO17": "rural",
}
NOT_APPLICABLE: dict[str, Text] = {
    i.code: _t(
        "Not applicable: the indicator counts entities, and the operation supports persons.",
        "Sans objet : l'indicateur compte des entités, et l'opération soutient des personnes.",
        "Niet van toepassing: de indicator telt entiteiten, en de concrete actie ondersteunt personen.",
        "Не застосовується: показник рахує організації, а операція підтримує людей.",
    )
    for i in OUTPUT_INDICATORS
    if not i.persons
}
PROFILE_ANSWERS: tuple[str, ...] = ("yes", "no", "declined", "unknown")


def empty_breakdown() -> dict[str, int]:
    return dict.fromkeys(BREAKDOWN_KEYS, 0)


# ------------------------------------------------------------------------------------------------
# Dates


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later, on the month's last day if it has fewer days."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cumulative_cutoffs(start: date, end: date) -> list[date]:
    """The 30 June and 31 December within [start, end]: the dates values are cumulated to.

    Values at 30 June go in the 31 July transmission, values at 31 December in the 31 January one.
    """
    out: list[date] = []
    for year in range(start.year, end.year + 1):
        for cutoff in (date(year, 6, 30), date(year, 12, 31)):
            if start <= cutoff <= end:
                out.append(cutoff)
    return out


def transmission_date(cutoff: date) -> date | None:
    """When the values cumulated to ``cutoff`` are transmitted (31 July, 31 January), if it is a cut-off."""
    if (cutoff.month, cutoff.day) == (6, 30):
        return date(cutoff.year, 7, 31)
    if (cutoff.month, cutoff.day) == (12, 31):
        return date(cutoff.year + 1, 1, 31)
    return None


MONTHS: dict[str, tuple[str, ...]] = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "nl": (
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "uk": (
        "січня",
        "лютого",
        "березня",
        "квітня",
        "травня",
        "червня",
        "липня",
        "серпня",
        "вересня",
        "жовтня",
        "листопада",
        "грудня",
    ),
}


def format_date(day: date, language: str) -> str:
    names = MONTHS.get(language, MONTHS["en"])
    return f"{day.day} {names[day.month - 1]} {day.year}"


def _text(templates: Mapping[str, str], **values: Any) -> Text:
    """A ``Text`` from one template per language; dates are written in each language's words."""
    out: dict[str, str] = {}
    for lang in LANGUAGES:
        template = templates.get(lang) or templates["en"]
        args = {k: format_date(v, lang) if isinstance(v, date) else v for k, v in values.items()}
        out[lang] = template.format(**args)
    return T(**out)


# ------------------------------------------------------------------------------------------------
# The operation


def esf_operation(app: App, operation: str) -> Audience:
    """The audience ``operation`` names; ``EsfError`` unless it exists and is declared ESF+-cofinanced."""
    audience = app.registry.audiences.get(operation)
    if audience is None:
        known = ", ".join(k for k, a in app.registry.audiences.items() if a.esf_cofinanced) or "none"
        raise EsfError(
            Msg(
                "unknown operation %(operation)r: no audience has this key (ESF+-cofinanced audiences: %(known)s)",
                operation=operation,
                known=known,
            )
        )
    if not audience.esf_cofinanced:
        raise EsfError(
            Msg(
                "the audience %(operation)r is not declared ESF+-cofinanced (Audience.esf_cofinanced), "
                "so it is not an ESF+ operation and has no ESF+ participants",
                operation=operation,
            )
        )
    if operation not in app.registry.workflows:
        raise EsfError(
            Msg("the operation %(operation)r has no case workflow, so it can have no participants", operation=operation)
        )
    return audience


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise EsfError(
            Msg("the period ends (%(end)s) before it starts (%(start)s)", end=end.isoformat(), start=start.isoformat())
        )


def operation_start(session: Session, operation: str, centre_ids: Sequence[int] | None = None) -> date | None:
    """The day the operation began: the earliest entry date of its cases."""
    stmt = select(func.min(Case.entered_on)).where(Case.audience == operation)
    if centre_ids is not None:
        stmt = stmt.where(Case.centre_id.in_(list(centre_ids)))
    return session.scalar(stmt)


# ------------------------------------------------------------------------------------------------
# Participants


@dataclass
class Participant:
    """What the report reads of one case: its profile at entry, its stage history, its outcomes."""

    case_id: int
    code: str
    centre_id: int
    entered_on: date
    gender: str
    age_band: str
    education: str
    labour_status: str
    profile: dict[str, str]
    left_on: date | None
    stage: str
    #: ``(local day, from_stage, to_stage)`` in the order they happened.
    moves: list[tuple[date, str | None, str]] = field(default_factory=list)
    #: ``(day, kind)`` in date order.
    outcomes: list[tuple[date, str]] = field(default_factory=list)

    def answer(self, question: str) -> str:
        value = (self.profile or {}).get(question) or "unknown"
        return value if value in PROFILE_ANSWERS else "unknown"


@dataclass(frozen=True)
class Pathway:
    """A participant as things stood on a day: the last exit (if out), re-entries, results and dates."""

    participant: Participant
    as_of: date
    #: The last exit on or before ``as_of``, or ``None`` if the person was in the operation that day.
    left_on: date | None
    reentries: int
    #: Result indicator code → the date of the event it was counted from.
    results: Mapping[str, date]


def _exit_as_of(p: Participant, as_of: date, workflow: Workflow) -> tuple[date | None, str | None, int]:
    """(last exit on or before ``as_of`` or None if in, the stage held just before that exit, re-entries)."""
    finals = {s.key for s in workflow.stages if s.final}
    moves = [m for m in p.moves if m[0] <= as_of]
    if not moves:
        # No history (an imported case): trust the columns.
        if p.left_on is not None and p.left_on <= as_of:
            return p.left_on, None, 0
        return None, None, 0
    exit_day: date | None = None
    before_exit: str | None = None
    reentries = 0
    for day, from_stage, to_stage in moves:
        if to_stage in finals:
            exit_day, before_exit = day, from_stage
        elif from_stage in finals:
            exit_day, before_exit = None, None
            reentries += 1
    # The move's timestamp gives the day in the centre's zone; the exit the staff gave is exact.
    if exit_day is not None and p.left_on is not None and len(moves) == len(p.moves) and p.stage in finals:
        exit_day = p.left_on if p.left_on <= as_of else exit_day
    return exit_day, before_exit, reentries


def _last(events: Iterable[tuple[date, str]], rank: Mapping[str, int]) -> tuple[date, str] | None:
    """The latest event of the kinds in ``rank``; on the same day the higher rank wins."""
    best: tuple[date, str] | None = None
    for day, kind in events:
        if kind not in rank:
            continue
        if best is None or (day, rank[kind]) > (best[0], rank[best[1]]):
            best = (day, kind)
    return best


#: EECR01 and EECR04 exclude each other: the last event counts, employment wins a tie.
_IMMEDIATE_RANK = {**dict.fromkeys(JOB_SEARCHING, 0), **dict.fromkeys(EMPLOYMENT, 1)}
#: The status six months after leaving is the last observation; on the same day employment, then
#: education or training, then job searching.
_LONGER_RANK = {
    **dict.fromkeys(JOB_SEARCHING, 0),
    **dict.fromkeys(EDUCATION_OR_TRAINING, 1),
    **dict.fromkeys(EMPLOYMENT, 2),
}


def pathway(p: Participant, as_of: date, workflow: Workflow) -> Pathway:
    """Exit and results of ``p`` counting only what had happened by ``as_of``."""
    left_on, before_exit, reentries = _exit_as_of(p, as_of, workflow)
    results: dict[str, date] = {}
    if left_on is not None:
        outcomes = [(day, kind) for day, kind in p.outcomes if day <= as_of]
        # The status held when leaving (the stage before "left", if it implies an outcome) is a
        # status on the exit day.
        if before_exit is not None:
            try:
                implied = workflow.stage(before_exit).outcome
            except KeyError:
                implied = None
            if implied:
                outcomes.append((left_on, implied))
        window_end = left_on + timedelta(days=IMMEDIATE_DAYS)
        immediate = [(d, k) for d, k in outcomes if left_on <= d <= window_end]
        last = _last(immediate, _IMMEDIATE_RANK)
        if last is not None:
            results["EECR04" if last[1] in EMPLOYMENT else "EECR01"] = last[0]
        for code, kinds in (("EECR02", EDUCATION_OR_TRAINING), ("EECR03", QUALIFICATION)):
            days = [d for d, k in immediate if k in kinds]
            if days:
                results[code] = min(days)
        lt_from, lt_to = add_months(left_on, LONGER_TERM_FROM_MONTHS), add_months(left_on, LONGER_TERM_TO_MONTHS)
        longer = [(d, k) for d, k in outcomes if lt_from <= d <= lt_to]
        status = _last(longer, _LONGER_RANK)
        if status is not None:
            day, kind = status
            if kind in EMPLOYMENT:
                results["EECR05"] = day
            entry = p.labour_status
            if (kind in EMPLOYMENT and entry in UNEMPLOYED | INACTIVE) or (
                kind in EDUCATION_OR_TRAINING and entry == "inactive"
            ):
                results["EECR06"] = day
    return Pathway(p, as_of, left_on, reentries, results)


def load_participants(
    app: App, session: Session, operation: str, end: date, centre_ids: Sequence[int] | None = None
) -> list[Participant]:
    """Every case of the operation that had entered by ``end``, with its history and outcomes."""
    conditions = [Case.audience == operation, Case.entered_on <= end]
    if centre_ids is not None:
        conditions.append(Case.centre_id.in_(list(centre_ids)))
    rows = session.execute(
        select(
            Case.id,
            Case.code,
            Case.centre_id,
            Case.entered_on,
            Case.gender,
            Case.age_band,
            Case.education,
            Case.labour_status,
            Case.profile,
            Case.left_on,
            Case.stage,
        )
        .where(*conditions)
        .order_by(Case.entered_on, Case.code)
    )
    by_id: dict[int, Participant] = {}
    for r in rows:
        by_id[r.id] = Participant(
            r.id,
            r.code,
            r.centre_id,
            r.entered_on,
            r.gender or "unknown",
            r.age_band or "unknown",
            r.education or "unknown",
            r.labour_status or "unknown",
            dict(r.profile or {}),
            r.left_on,
            r.stage,
        )
    if not by_id:
        return []
    moves = session.execute(
        select(CaseStageEvent.case_id, CaseStageEvent.at, CaseStageEvent.from_stage, CaseStageEvent.to_stage)
        .join(Case, Case.id == CaseStageEvent.case_id)
        .where(*conditions)
        .order_by(CaseStageEvent.case_id, CaseStageEvent.at, CaseStageEvent.id)
    )
    for case_id, at, from_stage, to_stage in moves:
        p = by_id[case_id]
        day = at.astimezone(app.timezone_of(session, p.centre_id)).date()
        p.moves.append((day, from_stage, to_stage))
    outcomes = session.execute(
        select(CaseOutcome.case_id, CaseOutcome.occurred_on, CaseOutcome.kind)
        .join(Case, Case.id == CaseOutcome.case_id)
        .where(*conditions)
        .order_by(CaseOutcome.case_id, CaseOutcome.occurred_on, CaseOutcome.id)
    )
    for case_id, day, kind in outcomes:
        by_id[case_id].outcomes.append((day, kind))
    return list(by_id.values())


def pathways(
    app: App,
    session: Session,
    operation: str,
    start: date,
    end: date,
    centre_ids: Sequence[int] | None = None,
    cumulative: bool = False,
) -> list[Pathway]:
    """The participants of a window, as things stood at its end.

    ``cumulative``: everyone who had entered by ``end`` (since the operation began; ``start`` is not
    used). Otherwise: those who had entered by ``end`` and had not left before ``start``.
    """
    _check_period(start, end)
    workflow = app.registry.workflows[operation]
    out: list[Pathway] = []
    for p in load_participants(app, session, operation, end, centre_ids):
        pw = pathway(p, end, workflow)
        if cumulative or pw.left_on is None or pw.left_on >= start:
            out.append(pw)
    return out


# ------------------------------------------------------------------------------------------------
# Estimates


ESTIMATE_ACTION = "esf.estimate"


@dataclass(frozen=True)
class Estimate:
    """An informed estimate of a point-1.2 indicator for an operation, at a cut-off, with its method.

    ``start=None`` means cumulative since the operation began (the transmitted values); a date makes it
    an estimate for the period [start, end] only. ``centre_ids=None`` means every centre.
    """

    indicator: str
    values: Mapping[str, int]
    method: str
    end: date
    start: date | None = None
    centre_ids: tuple[int, ...] | None = None
    recorded_at: datetime | None = None
    actor: str = ""

    def applies_to(self, start: date | None, end: date, centre_ids: Sequence[int] | None) -> bool:
        centres = tuple(sorted(centre_ids)) if centre_ids is not None else None
        return self.end == end and self.start == start and self.centre_ids == centres


def _clean_estimate_values(indicator: str, values: Mapping[str, Any]) -> dict[str, int]:
    unknown = set(values) - set(BREAKDOWN_KEYS)
    if unknown:
        raise EsfError(
            Msg(
                "estimate of %(indicator)s: unknown keys %(unknown)s; use %(keys)s",
                indicator=indicator,
                unknown=", ".join(sorted(unknown)),
                keys=", ".join(BREAKDOWN_KEYS),
            )
        )
    clean: dict[str, int] = {}
    for key in BREAKDOWN_KEYS:
        raw = values.get(key, 0 if key != "total" else None)
        if raw is None:
            continue
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            raise EsfError(
                Msg(
                    "estimate of %(indicator)s: %(key)s must be a whole number of 0 or more, not %(raw)r",
                    indicator=indicator,
                    key=key,
                    raw=raw,
                )
            )
        clean[key] = raw
    by_gender = sum(clean[k] for k in GENDER_KEYS)
    clean.setdefault("total", by_gender)
    if clean["total"] < by_gender:
        raise EsfError(
            Msg(
                "estimate of %(indicator)s: the total (%(total)s) is below women + men + non-binary (%(sum)s)",
                indicator=indicator,
                total=clean["total"],
                sum=by_gender,
            )
        )
    return clean


def record_estimate(
    app: App,
    session: Session,
    operation: str,
    indicator: str,
    end: date,
    values: Mapping[str, int],
    method: str,
    start: date | None = None,
    centre_ids: Sequence[int] | None = None,
    staff: Staff | None = None,
) -> Estimate:
    """Record an informed estimate (a point-1.2 indicator only) in the audit log, action ``esf.estimate``.

    ``values`` has ``women``, ``men``, ``non_binary`` and optionally ``total`` (default: their sum; more
    if some participants' gender is unknown). A later estimate for the same indicator, operation,
    period and centres replaces an earlier one; the earlier one stays in the log.
    """
    from tremplin.core.audit import audit

    esf_operation(app, operation)
    spec = INDICATORS.get(indicator)
    if spec is None or not spec.estimable:
        allowed = ", ".join(SENSITIVE)
        raise EsfError(
            Msg(
                "%(indicator)r cannot be estimated: only the point-1.2 indicators may be (%(allowed)s)",
                indicator=indicator,
                allowed=allowed,
            )
        )
    if not method or not method.strip():
        raise EsfError(
            Msg("an estimate of %(indicator)s needs its method (how the value was estimated)", indicator=indicator)
        )
    if start is not None:
        _check_period(start, end)
    clean = _clean_estimate_values(indicator, values)
    centres = tuple(sorted(centre_ids)) if centre_ids is not None else None
    event = audit(
        session,
        ESTIMATE_ACTION,
        staff,
        "esf_operation",
        operation,
        indicator=indicator,
        value=clean,
        method=method.strip(),
        period={"start": start.isoformat() if start else None, "end": end.isoformat()},
        centres=list(centres) if centres is not None else None,
    )
    session.flush()
    return Estimate(indicator, clean, method.strip(), end, start, centres, event.at, event.actor)


def withdraw_estimate(
    app: App,
    session: Session,
    operation: str,
    indicator: str,
    end: date,
    start: date | None = None,
    centre_ids: Sequence[int] | None = None,
    staff: Staff | None = None,
) -> None:
    """Record that an estimate no longer applies: the value computed from the records is used again."""
    from tremplin.core.audit import audit

    esf_operation(app, operation)
    centres = sorted(centre_ids) if centre_ids is not None else None
    audit(
        session,
        ESTIMATE_ACTION,
        staff,
        "esf_operation",
        operation,
        indicator=indicator,
        value=None,
        method="",
        period={"start": start.isoformat() if start else None, "end": end.isoformat()},
        centres=centres,
    )
    session.flush()


def load_estimates(session: Session, operation: str) -> list[Estimate]:
    """The estimates in force for an operation: the latest ``esf.estimate`` event for each key."""
    latest: dict[tuple[Any, ...], Estimate | None] = {}
    stmt = (
        select(AuditEvent)
        .where(
            AuditEvent.action == ESTIMATE_ACTION,
            AuditEvent.object_type == "esf_operation",
            AuditEvent.object_id == operation,
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    for event in session.scalars(stmt):
        d = event.details or {}
        try:
            period = d.get("period") or {}
            end = date.fromisoformat(period["end"])
            start = date.fromisoformat(period["start"]) if period.get("start") else None
            centres = tuple(sorted(int(c) for c in d["centres"])) if d.get("centres") is not None else None
            indicator = str(d["indicator"])
        except (KeyError, TypeError, ValueError):
            continue  # not an estimate this module wrote
        key = (indicator, start, end, centres)
        value = d.get("value")
        if value is None:
            latest[key] = None
            continue
        latest[key] = Estimate(
            indicator,
            {k: int(v) for k, v in value.items()},
            str(d.get("method") or ""),
            end,
            start,
            centres,
            event.at,
            event.actor,
        )
    return [e for e in latest.values() if e is not None]


# ------------------------------------------------------------------------------------------------
# Indicators


@dataclass
class EsfIndicators:
    """The common indicators of an operation for a window, each a breakdown by gender.

    ``outputs`` and ``results`` map an indicator code to ``{"women", "men", "non_binary", "total"}``;
    ``estimated`` names the codes whose value is an informed estimate (and gives it), ``recorded`` keeps
    the values computed from the participants' answers for those codes.
    """

    operation: str
    start: date
    end: date
    cumulative: bool
    outputs: dict[str, dict[str, int]]
    results: dict[str, dict[str, int]]
    estimated: dict[str, Estimate] = field(default_factory=dict)
    recorded: dict[str, dict[str, int]] = field(default_factory=dict)
    not_applicable: dict[str, Text] = field(default_factory=lambda: dict(NOT_APPLICABLE))
    #: Point-1.2 question → answer (yes, no, declined, unknown) → participants.
    answers: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Participants whose profile leaves an indicator undetermined (unknown gender, foreign diploma...).
    gaps: dict[str, int] = field(default_factory=dict)

    @property
    def participants(self) -> int:
        return self.outputs["EECO01"]["total"]

    def value(self, code: str) -> dict[str, int] | None:
        if code in self.outputs:
            return self.outputs[code]
        if code in self.results:
            return self.results[code]
        return None

    def is_estimate(self, code: str) -> bool:
        return code in self.estimated


def _add(breakdown: dict[str, int], gender: str) -> None:
    key = GENDER_OF.get(gender)
    if key is not None:
        breakdown[key] += 1
    breakdown["total"] += 1


def output_codes(p: Participant) -> list[str]:
    """The output indicators a participant counts in (from the profile at entry)."""
    codes = ["EECO01"]
    status = p.labour_status
    if status in UNEMPLOYED:
        codes.append("EECO02")
    if status in LONG_TERM_UNEMPLOYED:
        codes.append("EECO03")
    if status in INACTIVE:
        codes.append("EECO04")
    if status in EMPLOYED:
        codes.append("EECO05")
    age = p.age_band
    if age == "under_18":
        codes.append("EECO06")
    elif age in ("18_24", "25_29"):
        codes.append("EECO07")
    elif age in ("55_64", "65_plus"):
        codes.append("EECO08")
    education = p.education
    if education == "isced_0_2":
        codes.append("EECO09")
    elif education == "isced_3_4":
        codes.append("EECO10")
    elif education == "isced_5_8":
        codes.append("EECO11")
    for code, question in SENSITIVE.items():
        if p.answer(question) == "yes":
            codes.append(code)
    return codes


def compute_indicators(
    app: App,
    session: Session,
    operation: str,
    start: date,
    end: date,
    centre_ids: Sequence[int] | None = None,
    *,
    cumulative: bool = False,
    estimates: Sequence[Estimate] | None = None,
) -> EsfIndicators:
    """The common indicators for [start, end], or cumulated from the operation's start to ``end``.

    ``estimates``: the informed estimates to apply; ``None`` reads those in force from the audit log.
    """
    esf_operation(app, operation)
    _check_period(start, end)
    items = pathways(app, session, operation, start, end, centre_ids, cumulative)
    window_start = start
    if cumulative:
        window_start = operation_start(session, operation, centre_ids) or start
        window_start = min(window_start, end)
    outputs = {i.code: empty_breakdown() for i in OUTPUT_INDICATORS if i.persons}
    results = {i.code: empty_breakdown() for i in RESULT_INDICATORS}
    answers = {q: dict.fromkeys(PROFILE_ANSWERS, 0) for q in SENSITIVE.values()}
    gaps = dict.fromkeys(
        (
            "gender_unknown",
            "labour_status_unknown",
            "age_band_unknown",
            "education_unknown",
            "education_foreign_level_unknown",
        ),
        0,
    )
    for pw in items:
        p = pw.participant
        for code in output_codes(p):
            _add(outputs[code], p.gender)
        for question in SENSITIVE.values():
            answers[question][p.answer(question)] += 1
        gaps["gender_unknown"] += p.gender not in GENDER_OF
        gaps["labour_status_unknown"] += p.labour_status not in UNEMPLOYED | INACTIVE | EMPLOYED
        gaps["age_band_unknown"] += p.age_band == "unknown"
        gaps["education_unknown"] += p.education == "unknown"
        gaps["education_foreign_level_unknown"] += p.education in ("foreign_recognised", "foreign_unrecognised")
        # Results count for those who left within the window (all who left, when cumulative).
        if pw.left_on is not None and (cumulative or pw.left_on >= start):
            for code in pw.results:
                _add(results[code], p.gender)
    indicators = EsfIndicators(operation, window_start, end, cumulative, outputs, results, answers=answers, gaps=gaps)
    if estimates is None:
        estimates = load_estimates(session, operation)
    for estimate in estimates:
        if estimate.indicator in SENSITIVE and estimate.applies_to(None if cumulative else start, end, centre_ids):
            indicators.recorded[estimate.indicator] = dict(outputs[estimate.indicator])
            outputs[estimate.indicator] = {k: int(estimate.values.get(k, 0)) for k in BREAKDOWN_KEYS}
            indicators.estimated[estimate.indicator] = estimate
    return indicators


# ------------------------------------------------------------------------------------------------
# The per-participant file


PARTICIPANT_COLUMNS: tuple[str, ...] = (
    "case_code",
    "centre",
    "entered_on",
    "left_on",
    "reentries",
    "gender",
    "age_band",
    "education",
    "labour_status",
    "disability",
    "third_country_national",
    "foreign_background",
    "minority",
    "homeless",
    "rural",
    "EECR01",
    "EECR02",
    "EECR03",
    "EECR04",
    "EECR05",
    "EECR06",
    "outcomes",
)
PARTICIPANT_LABELS: tuple[Text, ...] = (
    _t("Case code", "Code du dossier", "Dossiercode", "Код справи"),
    _t("Centre", "Centre", "Centrum", "Центр"),
    _t("Entry date", "Date d'entrée", "Datum van instroom", "Дата входу"),
    _t("Exit date", "Date de sortie", "Datum van uitstroom", "Дата виходу"),
    _t("Re-entries", "Réentrées", "Herinstromen", "Повторні входи"),
    _t("Gender", "Genre", "Gender", "Стать"),
    _t("Age band at entry", "Tranche d'âge à l'entrée", "Leeftijdsgroep bij instroom", "Вікова група на вході"),
    _t("Education at entry", "Niveau d'études à l'entrée", "Opleidingsniveau bij instroom", "Освіта на вході"),
    _t(
        "Labour-market status at entry",
        "Statut à l'entrée",
        "Arbeidsmarktstatus bij instroom",
        "Статус на ринку праці на вході",
    ),
    _t("Disability", "Handicap", "Handicap", "Інвалідність"),
    _t(
        "Third-country national",
        "Ressortissant de pays tiers",
        "Onderdaan van een derde land",
        "Громадянин третьої країни",
    ),
    _t("Foreign background", "Origine étrangère", "Buitenlandse achtergrond", "Іноземне походження"),
    _t("Minority", "Minorité", "Minderheid", "Меншина"),
    _t(
        "Homeless or housing exclusion",
        "Sans abri ou exclusion du logement",
        "Dakloos of uitsluiting van huisvesting",
        "Безхатність або житлове виключення",
    ),
    _t("Rural area", "Zone rurale", "Plattelandsgebied", "Сільська місцевість"),
    *(
        Text(
            en=f"{code}: {INDICATORS[code].label.en} (date)",
            fr=f"{code} : {INDICATORS[code].label.fr} (date)",
            nl=f"{code}: {INDICATORS[code].label.nl} (datum)",
            uk=f"{code}: {INDICATORS[code].label.uk} (дата)",
        )
        for code in ("EECR01", "EECR02", "EECR03", "EECR04", "EECR05", "EECR06")
    ),
    _t(
        "Outcomes (kind date; ...)",
        "Résultats (type date ; ...)",
        "Resultaten (soort datum; ...)",
        "Результати (тип дата; ...)",
    ),
)


def participant_rows(
    app: App,
    session: Session,
    operation: str,
    start: date,
    end: date,
    centre_ids: Sequence[int] | None = None,
    *,
    cumulative: bool = False,
) -> Iterator[dict[str, Any]]:
    """One row per participant for the managing authority, keys ``PARTICIPANT_COLUMNS``, nothing else.

    The case code is the only handle; the row has the dates of entry and (last) exit, the profile at
    entry, the date each result indicator was counted from, and every outcome up to ``end``. Dates
    are ISO strings, empty when there is none. The operation and period are checked at the call.
    """
    esf_operation(app, operation)
    _check_period(start, end)
    return _participant_rows(app, session, operation, start, end, centre_ids, cumulative)


def _participant_rows(
    app: App,
    session: Session,
    operation: str,
    start: date,
    end: date,
    centre_ids: Sequence[int] | None,
    cumulative: bool,
) -> Iterator[dict[str, Any]]:
    centres = dict(session.execute(select(Centre.id, Centre.code)).tuples().all())
    for pw in pathways(app, session, operation, start, end, centre_ids, cumulative):
        p = pw.participant
        row: dict[str, Any] = {
            "case_code": p.code,
            "centre": centres.get(p.centre_id, ""),
            "entered_on": p.entered_on.isoformat(),
            "left_on": pw.left_on.isoformat() if pw.left_on else "",
            "reentries": pw.reentries,
            "gender": p.gender,
            "age_band": p.age_band,
            "education": p.education,
            "labour_status": p.labour_status,
        }
        for question in SENSITIVE.values():
            row[question] = p.answer(question)
        for indicator in RESULT_INDICATORS:
            day = pw.results.get(indicator.code)
            row[indicator.code] = day.isoformat() if day else ""
        row["outcomes"] = "; ".join(f"{kind} {day.isoformat()}" for day, kind in p.outcomes if day <= end)
        yield {column: row[column] for column in PARTICIPANT_COLUMNS}


def participant_table(
    app: App,
    session: Session,
    operation: str,
    start: date,
    end: date,
    centre_ids: Sequence[int] | None = None,
    language: str = "en",
    *,
    cumulative: bool = True,
) -> Table:
    """The per-participant file as a table section (``esf.participants``); never for publication.

    It is not part of ``build_esf_report``: it is microdata for the managing authority, rendered on
    its own (a separate file), and disclosure control of counts does not apply to it.
    """
    rows = tuple(participant_rows(app, session, operation, start, end, centre_ids, cumulative=cumulative))
    title = _text(
        {
            "en": "Participants of the operation, as at {end}",
            "fr": "Participants de l'opération au {end}",
            "nl": "Deelnemers van de concrete actie op {end}",
            "uk": "Учасники операції станом на {end}",
        },
        end=end,
    )
    return Table("esf.participants", title, PARTICIPANT_COLUMNS, PARTICIPANT_LABELS, rows, disclose=False)


# ------------------------------------------------------------------------------------------------
# Programme-specific indicators (anonymous contacts, from the roll-up)


def programme_rows(
    app: App,
    session: Session,
    operation: str,
    start: date,
    end: date,
    centre_ids: Sequence[int] | None = None,
    language: str = "en",
) -> list[dict[str, Any]]:
    """The programme's own indicators for [start, end]: rows ``{"key", "indicator", "value"}``.

    * every counter the operation's plugin registered (``Counter.audience == operation``) that counts
      contacts or activities, read from the roll-up (outreach encounters, group activities and their
      participants, people reached...); counters of cases (cases are participants) and of other sources
      (survey answers...) are left out;
    * the rows of the ``ProgrammeIndicators`` the plugins declare for the report ``esf`` and this
      operation (a programme's awareness actions, its reach on social media...).
    """
    from tremplin.core import rollup
    from tremplin.core.reports.build import declared_sections
    from tremplin.core.reports.sections import ProgrammeIndicators, ProgrammeQuery

    keys = [
        key
        for key, counter in app.registry.counters.items()
        # Contacts and activities only: cases are participants, and answers to surveys are not ESF+ indicators.
        if counter.audience == operation and counter.sources and counter.sources <= {"contacts", "activities"}
    ]
    values = rollup.totals(session, keys, start, end, centre_ids)
    rows: list[dict[str, Any]] = [
        {"key": key, "indicator": pick(app.registry.counters[key].label, language), "value": values[key]}
        for key in keys
    ]
    query = ProgrammeQuery(app, session, operation, start, end, centre_ids, language)
    for plugin, section in declared_sections(app, "esf"):
        if isinstance(section, ProgrammeIndicators) and section.audience == operation:
            try:
                found = section.rows(query)
            except Exception as exc:
                raise PluginError(
                    f"plugin {plugin} failed in the ESF+ programme indicators {section.key!r}: {exc!r}"
                ) from exc
            rows.extend(found)
    return rows


# ------------------------------------------------------------------------------------------------
# The report


INDICATOR_COLUMNS: tuple[str, ...] = ("code", "indicator", "women", "men", "non_binary", "total", "basis")
INDICATOR_LABELS: tuple[Text, ...] = (
    _t("Code", "Code", "Code", "Код"),
    _t("Indicator", "Indicateur", "Indicator", "Показник"),
    _t("Women", "Femmes", "Vrouwen", "Жінки"),
    _t("Men", "Hommes", "Mannen", "Чоловіки"),
    _t("Non-binary", "Non binaires", "Non-binair", "Небінарні особи"),
    _t("Total", "Total", "Totaal", "Усього"),
    _t("Basis", "Base", "Basis", "Основа"),
)
#: Values of the ``basis`` column.
BASIS_RECORDED = "recorded"
BASIS_ESTIMATE = "estimate"
BASIS_NOT_APPLICABLE = "not_applicable"
#: How the ``basis`` codes read in the report (the JSON keeps the codes).
BASIS_LABELS: dict[str, Text] = {
    BASIS_RECORDED: _t("Answers recorded", "Réponses enregistrées", "Geregistreerde antwoorden", "Зареєстровані"),
    BASIS_ESTIMATE: _t("Informed estimate", "Estimation éclairée", "Onderbouwde schatting", "Обґрунтована оцінка"),
    BASIS_NOT_APPLICABLE: _t("Not applicable", "Sans objet", "Niet van toepassing", "Не застосовується"),
}


def indicator_rows(ind: EsfIndicators, group: str, language: str = "en") -> tuple[dict[str, object], ...]:
    specs = OUTPUT_INDICATORS if group == "output" else RESULT_INDICATORS
    values = ind.outputs if group == "output" else ind.results
    rows: list[dict[str, object]] = []
    for spec in specs:
        row: dict[str, object] = {"code": spec.code, "indicator": pick(spec.label, language)}
        if spec.code in ind.not_applicable:
            row.update(dict.fromkeys(BREAKDOWN_KEYS, None))
            row["basis"] = BASIS_NOT_APPLICABLE
        else:
            row.update(values[spec.code])
            row["basis"] = BASIS_ESTIMATE if spec.code in ind.estimated else BASIS_RECORDED
        rows.append(row)
    return tuple(rows)


def _snapshot_titles(ind: EsfIndicators) -> tuple[Text, Text]:
    if not ind.cumulative:
        outputs = _text(
            {
                "en": "Common output indicators, participants from {start} to {end}",
                "fr": "Indicateurs communs de réalisation, participants du {start} au {end}",
                "nl": "Gemeenschappelijke outputindicatoren, deelnemers van {start} tot {end}",
                "uk": "Спільні показники результативності, учасники з {start} по {end}",
            },
            start=ind.start,
            end=ind.end,
        )
        results = _text(
            {
                "en": "Common result indicators, participants who left from {start} to {end}",
                "fr": "Indicateurs communs de résultat, participants sortis du {start} au {end}",
                "nl": "Gemeenschappelijke resultaatindicatoren, deelnemers uitgestroomd van {start} tot {end}",
                "uk": "Спільні показники результатів, учасники, які вийшли з {start} по {end}",
            },
            start=ind.start,
            end=ind.end,
        )
        return outputs, results
    sent = transmission_date(ind.end)
    if sent is not None:
        suffix = {
            "en": ", cumulative from {start} to {end} (transmission of {sent})",
            "fr": ", cumulés du {start} au {end} (transmission du {sent})",
            "nl": ", cumulatief van {start} tot {end} (overdracht van {sent})",
            "uk": ", наростаючим підсумком з {start} по {end} (передача {sent})",
        }
    else:
        suffix = {
            "en": ", cumulative from {start} to {end} (provisional: not a transmission cut-off)",
            "fr": ", cumulés du {start} au {end} (provisoire : pas une date d'arrêté)",
            "nl": ", cumulatief van {start} tot {end} (voorlopig: geen afsluitdatum)",
            "uk": ", наростаючим підсумком з {start} по {end} (попередньо: не дата звітності)",
        }
    heads_out = {
        "en": "Common output indicators",
        "fr": "Indicateurs communs de réalisation",
        "nl": "Gemeenschappelijke outputindicatoren",
        "uk": "Спільні показники результативності",
    }
    heads_res = {
        "en": "Common result indicators",
        "fr": "Indicateurs communs de résultat",
        "nl": "Gemeenschappelijke resultaatindicatoren",
        "uk": "Спільні показники результатів",
    }
    values = {"start": ind.start, "end": ind.end, "sent": sent or ind.end}
    outputs = _text({lang: heads_out[lang] + suffix[lang] for lang in LANGUAGES}, **values)
    results = _text({lang: heads_res[lang] + suffix[lang] for lang in LANGUAGES}, **values)
    return outputs, results


def indicator_sections(ind: EsfIndicators, language: str = "en") -> list[Table]:
    """The output and result tables of one snapshot (keys ``esf.outputs.<as-of>``, ``esf.results.<as-of>``)."""
    suffix = f"cumulative.{ind.end.isoformat()}" if ind.cumulative else "period"
    out_title, res_title = _snapshot_titles(ind)
    return [
        Table(
            f"esf.outputs.{suffix}",
            out_title,
            INDICATOR_COLUMNS,
            INDICATOR_LABELS,
            indicator_rows(ind, "output", language),
            values={"basis": BASIS_LABELS},
        ),
        Table(
            f"esf.results.{suffix}",
            res_title,
            INDICATOR_COLUMNS,
            INDICATOR_LABELS,
            indicator_rows(ind, "result", language),
            values={"basis": BASIS_LABELS},
        ),
    ]


QUESTION_LABELS: dict[str, Text] = {
    "disability": _t("Disability", "Handicap", "Handicap", "Інвалідність"),
    "third_country_national": _t(
        "Third-country national",
        "Ressortissant de pays tiers",
        "Onderdaan van een derde land",
        "Громадянин третьої країни",
    ),
    "foreign_background": _t(
        "Foreign background", "Origine étrangère", "Buitenlandse achtergrond", "Іноземне походження"
    ),
    "minority": _t("Minority", "Minorité", "Minderheid", "Меншина"),
    "homeless": _t(
        "Homeless or housing exclusion",
        "Sans abri ou exclusion du logement",
        "Dakloos of uitsluiting van huisvesting",
        "Безхатність або житлове виключення",
    ),
    "rural": _t("Rural area", "Zone rurale", "Plattelandsgebied", "Сільська місцевість"),
}
GAP_LABELS: dict[str, Text] = {
    "gender_unknown": _t(
        "Gender unknown (counted in totals only)",
        "Genre inconnu (compté dans les totaux seulement)",
        "Gender onbekend (alleen in de totalen geteld)",
        "Стать невідома (лише в загальних підсумках)",
    ),
    "labour_status_unknown": _t(
        "Labour-market status at entry unknown",
        "Statut à l'entrée inconnu",
        "Arbeidsmarktstatus bij instroom onbekend",
        "Статус на ринку праці на вході невідомий",
    ),
    "age_band_unknown": _t(
        "Age band unknown", "Tranche d'âge inconnue", "Leeftijdsgroep onbekend", "Вікова група невідома"
    ),
    "education_unknown": _t(
        "Education unknown", "Niveau d'études inconnu", "Opleidingsniveau onbekend", "Освіта невідома"
    ),
    "education_foreign_level_unknown": _t(
        "Foreign diploma, ISCED level not recorded (in no ISCED indicator)",
        "Diplôme étranger, niveau CITE non renseigné (dans aucun indicateur CITE)",
        "Buitenlands diploma, ISCED-niveau niet geregistreerd (in geen ISCED-indicator)",
        "Іноземний диплом, рівень МСКО не зазначено (не входить до показників МСКО)",
    ),
}


def answers_section(ind: EsfIndicators, language: str = "en") -> Table:
    rows = tuple(
        {"question": q, "label": pick(QUESTION_LABELS[q], language), **{a: ind.answers[q][a] for a in PROFILE_ANSWERS}}
        for q in SENSITIVE.values()
    )
    title = _text(
        {
            "en": (
                "Point-1.2 answers recorded at entry, participants to {end} (declined and unknown are not counted as "
                "yes)"
            ),
            "fr": (
                "Réponses du point 1.2 à l'entrée, participants au {end} (refus et inconnu ne comptent pas comme oui)"
            ),
            "nl": (
                "Antwoorden van punt 1.2 bij instroom, deelnemers tot {end} (geweigerd en onbekend tellen niet als ja)"
            ),
            "uk": "Відповіді пункту 1.2 на вході, учасники до {end} (відмова і невідомо не вважаються «так»)",
        },
        end=ind.end,
    )
    labels = (
        _t("Question", "Question", "Vraag", "Питання"),
        _t("Label", "Libellé", "Omschrijving", "Назва"),
        _t("Yes", "Oui", "Ja", "Так"),
        _t("No", "Non", "Nee", "Ні"),
        _t("Declined to answer", "Refus de répondre", "Wil niet antwoorden", "Відмова відповідати"),
        _t("Unknown", "Inconnu", "Onbekend", "Невідомо"),
    )
    return Table("esf.answers", title, ("question", "label", *PROFILE_ANSWERS), labels, rows, machine=("question",))


def gaps_section(ind: EsfIndicators, language: str = "en") -> Table:
    rows = tuple(
        {"item": key, "label": pick(GAP_LABELS[key], language), "participants": n} for key, n in ind.gaps.items()
    )
    title = _text(
        {
            "en": "Data completeness, participants to {end}",
            "fr": "Complétude des données, participants au {end}",
            "nl": "Volledigheid van de gegevens, deelnemers tot {end}",
            "uk": "Повнота даних, учасники до {end}",
        },
        end=ind.end,
    )
    labels = (
        _t("Item", "Élément", "Item", "Пункт"),
        _t("Label", "Libellé", "Omschrijving", "Назва"),
        _t("Participants", "Participants", "Deelnemers", "Учасники"),
    )
    return Table("esf.completeness", title, ("item", "label", "participants"), labels, rows, machine=("item",))


ESTIMATE_LINE: dict[str, str] = {
    "en": (
        "{code} {label}, {scope}: estimate {total} (women {women}, men {men}, non-binary {non_binary}) instead of "
        "{recorded} recorded 'yes' answers. Method: {method}{who}"
    ),
    "fr": (
        "{code} {label}, {scope} : estimation {total} (femmes {women}, hommes {men}, non binaires {non_binary}) au "
        "lieu de {recorded} réponses « oui » enregistrées. Méthode : {method}{who}"
    ),
    "nl": (
        "{code} {label}, {scope}: schatting {total} (vrouwen {women}, mannen {men}, non-binair {non_binary}) in "
        "plaats van {recorded} geregistreerde 'ja'-antwoorden. Methode: {method}{who}"
    ),
    "uk": (
        "{code} {label}, {scope}: оцінка {total} (жінки {women}, чоловіки {men}, небінарні {non_binary}) замість "
        "{recorded} зареєстрованих відповідей «так». Метод: {method}{who}"
    ),
}
ESTIMATE_SCOPE: dict[str, tuple[str, str]] = {
    "en": ("cumulative at {end}", "period from {start} to {end}"),
    "fr": ("cumulé au {end}", "période du {start} au {end}"),
    "nl": ("cumulatief op {end}", "periode van {start} tot {end}"),
    "uk": ("наростаючим підсумком на {end}", "період з {start} по {end}"),
}
ESTIMATE_WHO: dict[str, str] = {
    "en": " (recorded by {actor} on {day})",
    "fr": " (enregistrée par {actor} le {day})",
    "nl": " (geregistreerd door {actor} op {day})",
    "uk": " (записав {actor} {day})",
}
ESTIMATE_HEAD: dict[str, str] = {
    "en": "Values marked “Informed estimate” are informed estimates (Annex I, point 1.2), not counts of answers:",
    "fr": "Les valeurs marquées « Estimation éclairée » sont des estimations (annexe I, point 1.2), "
    "pas des comptes de réponses :",
    "nl": "Waarden gemarkeerd als “Onderbouwde schatting” zijn schattingen (bijlage I, punt 1.2), "
    "geen tellingen van antwoorden:",
    "uk": "Значення з позначкою «Обґрунтована оцінка» — оцінки (додаток I, пункт 1.2), а не підрахунок відповідей:",
}


def estimates_note(snapshots: Sequence[EsfIndicators], language: str = "en") -> Note | None:
    """A note listing every estimated value of the snapshots, with its method, who and when; None if none."""
    texts: dict[str, list[str]] = {lang: [ESTIMATE_HEAD[lang]] for lang in LANGUAGES}
    found = False
    for ind in snapshots:
        for code, estimate in sorted(ind.estimated.items()):
            found = True
            for lang in LANGUAGES:
                cumulative, period = ESTIMATE_SCOPE[lang]
                scope = (cumulative if ind.cumulative else period).format(
                    start=format_date(ind.start, lang), end=format_date(ind.end, lang)
                )
                who = ""
                if estimate.recorded_at is not None:
                    who = ESTIMATE_WHO[lang].format(
                        actor=estimate.actor, day=format_date(estimate.recorded_at.date(), lang)
                    )
                line = ESTIMATE_LINE[lang].format(
                    code=code,
                    label=pick(INDICATORS[code].label, lang),
                    scope=scope,
                    recorded=ind.recorded.get(code, {}).get("total", 0),
                    method=estimate.method,
                    who=who,
                    **{k: estimate.values.get(k, 0) for k in BREAKDOWN_KEYS},
                )
                texts[lang].append(f"- {line}")
    if not found:
        return None
    return Note(
        "esf.estimates",
        _t("Informed estimates", "Estimations éclairées", "Onderbouwde schattingen", "Обґрунтовані оцінки"),
        T(**{lang: "\n".join(lines) for lang, lines in texts.items()}),
    )


METHOD_NOTE = Note(
    "esf.method",
    _t(
        "How the indicators are computed",
        "Méthode de calcul des indicateurs",
        "Hoe de indicatoren berekend worden",
        "Як обчислюються показники",
    ),
    _t(
        "Participants are the consenting cases of the operation (anonymous contacts are never participants). "
        "A person who leaves and re-enters is counted once, with the first entry date and the last exit date. "
        "Output indicators use the profile recorded at entry; 'declined' and 'unknown' answers to point-1.2 questions "
        "are not counted as 'yes'; a participant of unknown gender counts in the total only; a foreign diploma whose "
        "ISCED level is not recorded counts in no ISCED indicator. Immediate results (EECR01-EECR04) count "
        "outcomes dated "
        "from the exit day to 28 days after it (day 28 counts, day 29 does not), the status held when leaving "
        "included; "
        "EECR01 and EECR04 exclude each other: the last event counts, employment wins a tie. Longer-term results "
        "(EECR05, EECR06) count outcomes dated 5 to 7 months after the exit. EECR06 counts participants unemployed or "
        "inactive at entry who are in employment, and participants inactive (not in education) at entry who are in "
        "education or training. Values are cumulative from the operation's first entry to each cut-off (30 June for "
        "the 31 July transmission, 31 December for the 31 January one), counting only what had happened by the "
        "cut-off. EECO18 and EECO19 count entities and do not apply. Programme-specific indicators come from "
        "anonymous contacts and activities over the period, read from the counters.",
        "Les participants sont les dossiers de l'opération ouverts avec consentement (les contacts anonymes ne sont "
        "jamais des participants). Une personne qui sort puis revient est comptée une fois, avec la première date "
        "d'entrée et la dernière date de sortie. Les indicateurs de réalisation utilisent le profil à l'entrée ; les "
        "réponses « refus » et « inconnu » aux questions du point 1.2 ne comptent pas comme « oui » ; un "
        "participant de "
        "genre inconnu n'est compté que dans le total ; un diplôme étranger dont le niveau CITE n'est pas renseigné "
        "n'entre dans aucun indicateur CITE. Les résultats immédiats (EECR01-EECR04) comptent les résultats datés du "
        "jour de sortie à 28 jours après (le 28e jour compte, le 29e non), y compris la situation au moment de la "
        "sortie ; EECR01 et EECR04 s'excluent : le dernier événement compte, l'emploi l'emporte en cas d'égalité. Les "
        "résultats à plus long terme (EECR05, EECR06) comptent les résultats datés de 5 à 7 mois après la sortie. "
        "EECR06 compte les participants chômeurs ou inactifs à l'entrée qui ont un emploi, et les inactifs (hors "
        "études) "
        "à l'entrée qui sont en études ou en formation. Les valeurs sont cumulées depuis la première entrée jusqu'à "
        "chaque date d'arrêté (30 juin pour la transmission du 31 juillet, 31 décembre pour celle du 31 janvier). "
        "EECO18 et EECO19 comptent des entités et sont sans objet. Les indicateurs propres au programme viennent des "
        "contacts anonymes et des activités de la période, lus dans les compteurs.",
        "Deelnemers zijn de dossiers van de concrete actie, geopend met toestemming (anonieme contacten zijn nooit "
        "deelnemers). Wie uitstroomt en terugkomt, telt één keer, met de eerste instroomdatum en de laatste "
        "uitstroomdatum. Outputindicatoren gebruiken het profiel bij instroom; 'geweigerd' en 'onbekend' tellen niet "
        "als 'ja'; een deelnemer van onbekend gender telt alleen in het totaal. Onmiddellijke resultaten "
        "(EECR01-EECR04) "
        "tellen resultaten van de uitstroomdag tot 28 dagen erna (dag 28 telt, dag 29 niet); EECR01 en EECR04 sluiten "
        "elkaar uit: de laatste gebeurtenis telt, werk wint bij gelijke datum. Langetermijnresultaten (EECR05, EECR06) "
        "tellen resultaten 5 tot 7 maanden na uitstroom. Waarden zijn cumulatief tot elke afsluitdatum (30 juni, 31 "
        "december). EECO18 en EECO19 tellen entiteiten en zijn niet van toepassing.",
        "Учасники — це справи операції, відкриті за згодою (анонімні контакти ніколи не є учасниками). Людина, яка "
        "вийшла й повернулася, рахується один раз. Показники результативності беруть профіль на вході; «відмова» і "
        "«невідомо» не рахуються як «так»; учасник невідомої статі входить лише до загального підсумку. Негайні "
        "результати (EECR01-EECR04) — від дня виходу до 28 днів після нього; EECR01 і EECR04 взаємовиключні: "
        "рахується остання подія, за рівності — зайнятість. Довгострокові (EECR05, EECR06) — від 5 до 7 місяців після "
        "виходу. Значення накопичуються до 30 червня і 31 грудня. EECO18 і EECO19 не застосовуються.",
    ),
)

PARTICIPANT_FILE_NOTE = Note(
    "esf.participant_file",
    _t("Per-participant file", "Fichier par participant", "Bestand per deelnemer", "Файл за учасниками"),
    _t(
        "The per-participant file for the managing authority (case code, centre, entry and exit dates, profile at "
        "entry, results with their dates) is produced separately and is never published: it holds no name, birth "
        "date, address or contact detail, but it is personal data.",
        "Le fichier par participant destiné à l'autorité de gestion (code du dossier, centre, dates d'entrée et de "
        "sortie, profil à l'entrée, résultats datés) est produit à part et n'est jamais publié : il ne contient "
        "ni nom, "
        "ni date de naissance, ni adresse, ni coordonnées, mais ce sont des données personnelles.",
        "Het bestand per deelnemer voor de beheersautoriteit (dossiercode, centrum, in- en uitstroomdatum, profiel bij "
        "instroom, resultaten met datum) wordt apart gemaakt en nooit gepubliceerd: het bevat geen naam, "
        "geboortedatum, "
        "adres of contactgegevens, maar het zijn persoonsgegevens.",
        "Файл за учасниками для керівного органу (код справи, центр, дати входу й виходу, профіль на вході, результати "
        "з датами) створюється окремо і ніколи не публікується: у ньому немає імен, дат народження, адрес чи "
        "контактів, "
        "але це персональні дані.",
    ),
)


def build_esf_report(
    app: App,
    session: Session,
    operation: str,
    start: date,
    end: date,
    centre_ids: list[int] | None = None,
    language: str = "en",
) -> list[Any]:
    """The ESF+ report of ``operation`` for [start, end], as a list of sections.

    Sections, in order: ``esf.about`` (note); for each cut-off in the period (30 June, 31 December) and
    for ``end`` if it is not one, ``esf.outputs.cumulative.<date>`` and ``esf.results.cumulative.<date>``;
    ``esf.outputs.period`` and ``esf.results.period`` (participants of the period alone);
    ``esf.answers`` and ``esf.completeness`` (at ``end``, cumulative); ``esf.estimates`` (note, if any
    value is an estimate); ``esf.programme`` (programme-specific indicators of the period);
    ``esf.method`` and ``esf.participant_file`` (notes).
    """
    audience = esf_operation(app, operation)
    _check_period(start, end)
    estimates = load_estimates(session, operation)
    cutoffs = cumulative_cutoffs(start, end)
    if not cutoffs or cutoffs[-1] != end:
        cutoffs.append(end)
    snapshots = [
        compute_indicators(app, session, operation, start, cutoff, centre_ids, cumulative=True, estimates=estimates)
        for cutoff in cutoffs
    ]
    period = compute_indicators(app, session, operation, start, end, centre_ids, cumulative=False, estimates=estimates)
    first = operation_start(session, operation, centre_ids)

    sections: list[Any] = []
    about = {
        "en": (
            "ESF+ operation {operation} ({label}). Period from {start} to {end}. {first} Cut-offs: {cutoffs}. "
            "Participants at {end}: {n} (cumulative), {m} in the period."
        ),
        "fr": (
            "Opération FSE+ {operation} ({label}). Période du {start} au {end}. {first} Dates d'arrêté : {cutoffs}. "
            "Participants au {end} : {n} (cumulé), {m} sur la période."
        ),
        "nl": (
            "ESF+-actie {operation} ({label}). Periode van {start} tot {end}. {first} Afsluitdata: {cutoffs}. "
            "Deelnemers op {end}: {n} (cumulatief), {m} in de periode."
        ),
        "uk": (
            "Операція ЄСФ+ {operation} ({label}). Період з {start} по {end}. {first} Дати звітності: {cutoffs}. "
            "Учасників на {end}: {n} (накопичено), {m} за період."
        ),
    }
    first_words = {
        "en": "The operation began on {d} (first entry).",
        "fr": "L'opération a commencé le {d} (première entrée).",
        "nl": "De actie begon op {d} (eerste instroom).",
        "uk": "Операція почалася {d} (перший вхід).",
    }
    texts: dict[str, str] = {}
    for lang in LANGUAGES:
        texts[lang] = about[lang].format(
            operation=operation,
            label=pick(audience.label, lang),
            start=format_date(start, lang),
            end=format_date(end, lang),
            first=first_words[lang].format(d=format_date(first, lang)) if first else "",
            cutoffs=", ".join(format_date(c, lang) for c in cutoffs),
            n=snapshots[-1].participants,
            m=period.participants,
        )
    sections.append(Note("esf.about", _t("ESF+ report", "Rapport FSE+", "ESF+-verslag", "Звіт ЄСФ+"), T(**texts)))
    for snapshot in snapshots:
        sections.extend(indicator_sections(snapshot, language))
    sections.extend(indicator_sections(period, language))
    sections.append(answers_section(snapshots[-1], language))
    sections.append(gaps_section(snapshots[-1], language))
    note = estimates_note([*snapshots, period], language)
    if note is not None:
        sections.append(note)
    programme_title = _text(
        {
            "en": "Programme-specific indicators (anonymous contacts, not participants), {start} to {end}",
            "fr": "Indicateurs propres au programme (contacts anonymes, pas des participants), du {start} au {end}",
            "nl": "Programmaspecifieke indicatoren (anonieme contacten, geen deelnemers), van {start} tot {end}",
            "uk": "Показники програми (анонімні контакти, не учасники), з {start} по {end}",
        },
        start=start,
        end=end,
    )
    programme_labels = (
        _t("Key", "Clé", "Sleutel", "Ключ"),
        _t("Indicator", "Indicateur", "Indicator", "Показник"),
        _t("Value", "Valeur", "Waarde", "Значення"),
    )
    programme = tuple(programme_rows(app, session, operation, start, end, centre_ids, language))
    # The key column is for automation (the JSON): people read the indicator.
    columns = ("key", "indicator", "value")
    sections.append(Table("esf.programme", programme_title, columns, programme_labels, programme, machine=("key",)))
    sections.append(METHOD_NOTE)
    sections.append(PARTICIPANT_FILE_NOTE)
    return sections


__all__ = [
    "BREAKDOWN_KEYS",
    "EsfError",
    "EsfIndicators",
    "Estimate",
    "INDICATORS",
    "PARTICIPANT_COLUMNS",
    "SENSITIVE",
    "build_esf_report",
    "compute_indicators",
    "cumulative_cutoffs",
    "esf_operation",
    "load_estimates",
    "participant_rows",
    "participant_table",
    "programme_rows",
    "record_estimate",
    "transmission_date",
    "withdraw_estimate",
]

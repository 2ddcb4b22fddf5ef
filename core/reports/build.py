"""Building a report: declared sections in, figures out, every one of them read from the roll-up.

``build_report`` collects the sections the plugins declare for a report key (the built-in ones come
from ``tremplin.core.builtins.reports``), reads what they need from the counters' roll-up (``tremplin.core.rollup``) in
a handful of queries, and returns a ``tremplin.core.reports.model.Report`` that every renderer formats. With
``published=True`` disclosure control (``tremplin.core.disclosure``) marks what may not be shown.

Report keys: ``annual``, ``monthly``, ``audience:<key>``, ``esf``. The previous period a key figure is
compared with is the same period one year earlier for whole years and whole months (the annual report,
the monthly dashboard), and the period of the same length just before otherwise.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from tremplin.core import rollup, vocab
from tremplin.core.i18n import T, Text
from tremplin.core.models import Centre, ClosurePeriod, OnlineMetric
from tremplin.core.registry import PluginError, collect
from tremplin.core.reports import model as m
from tremplin.core.reports import sections as s
from tremplin.core.reports.formatting import fmt_month_year, fmt_period
from tremplin.core.web.i18n import Msg

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tremplin.core.app import App


class ReportError(ValueError):
    """A report asked for with parameters that make no sense (an unknown centre, audience, period)."""


TITLES: dict[str, Text] = {
    "annual": T(
        "Annual activity report {period}",
        fr="Rapport annuel d'activité {period}",
        nl="Activiteitenverslag {period}",
        uk="Річний звіт про діяльність {period}",
    ),
    "monthly": T(
        "Monthly dashboard {period}",
        fr="Tableau de bord mensuel {period}",
        nl="Maandelijks dashboard {period}",
        uk="Щомісячна панель {period}",
    ),
    "audience": T(
        "{audience}: activity report {period}",
        fr="{audience} : rapport d'activité {period}",
        nl="{audience}: activiteitenverslag {period}",
        uk="{audience}: звіт про діяльність {period}",
    ),
    "esf": T(
        "ESF+ report: {operation}, {period}",
        fr="Rapport FSE+ : {operation}, {period}",
        nl="ESF+-rapport: {operation}, {period}",
        uk="Звіт ЄСФ+: {operation}, {period}",
    ),
}

#: Dimension -> the code list (``app.registry.codes``) its values come from: with the codes plugins add.
DIMENSION_LISTS: dict[str, str] = {
    "gender": "gender",
    "age_band": "age_band",
    "language": "language",
    "theme": "theme",
    "channel": "channel",
    "modality": "modality",
}


def _dim_list(ctx: Context, dim: str) -> vocab.CodeList | None:
    name = DIMENSION_LISTS.get(dim)
    return ctx.app.registry.codes.get(name) if name else None


AUDIENCE_DIM = T("Audience", fr="Public", nl="Doelgroep", uk="Аудиторія")
OTHER_AUDIENCES = T("Other audiences", fr="Autres publics", nl="Andere doelgroepen", uk="Інші аудиторії")
TOTAL = T("Total", fr="Total", nl="Totaal", uk="Усього")
#: Dimensions whose values do not add up to the total (a contact may have several themes).
NON_ADDITIVE = frozenset({"theme"})

ONLINE_METRICS: dict[str, Text] = {
    "followers": T("Followers", fr="Abonnés", nl="Volgers", uk="Підписники"),
    "subscribers": T("Subscribers", fr="Abonnés", nl="Abonnees", uk="Підписники"),
    "posts": T("Posts", fr="Publications", nl="Berichten", uk="Публікації"),
    "reach": T("Reach", fr="Portée", nl="Bereik", uk="Охоплення"),
    "impressions": T("Impressions", fr="Impressions", nl="Weergaven", uk="Покази"),
    "page_views": T("Page views", fr="Pages vues", nl="Paginaweergaven", uk="Перегляди сторінок"),
    "unique_visitors": T("Unique visitors", fr="Visiteurs uniques", nl="Unieke bezoekers", uk="Унікальні відвідувачі"),
    "faqbot_requests": T(
        "FAQbot requests", fr="Demandes via le FAQbot", nl="Vragen via de FAQbot", uk="Запити до FAQ-бота"
    ),
}


# ------------------------------------------------------------------------------------------------
# Periods


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def shift_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def is_whole_years(start: date, end: date) -> bool:
    return (start.month, start.day) == (1, 1) and (end.month, end.day) == (12, 31)


def is_whole_months(start: date, end: date) -> bool:
    return start.day == 1 and end == month_end(end)


def previous_period(start: date, end: date) -> m.Period:
    """The period a report compares with: a year earlier for whole years and months, else just before."""
    if is_whole_years(start, end) or is_whole_months(start, end):
        s_, e_ = shift_years(start, -1), shift_years(end, -1)
        if is_whole_months(start, end):
            e_ = month_end(e_)
        return m.Period(s_, e_)
    length = (end - start).days + 1
    return m.Period(start - timedelta(days=length), start - timedelta(days=1))


def month_starts(start: date, end: date) -> list[date]:
    out = []
    cursor = start.replace(day=1)
    while cursor <= end:
        out.append(cursor)
        cursor = month_end(cursor) + timedelta(days=1)
    return out


# ------------------------------------------------------------------------------------------------
# Reading the roll-up


class Reader:
    """Reads the roll-up for one report: per centre, cached by (dimension, period, monthly)."""

    def __init__(self, session: Session, centres: Sequence[m.CentreRef], all_centres: bool) -> None:
        self.session = session
        self.centre_ids = None if all_centres else [c.id for c in centres]
        self.codes = {c.id: c.code for c in centres}
        self._cache: dict[tuple[str, date, date, bool], dict[tuple[Any, ...], int]] = {}
        self._wanted: dict[tuple[str, date, date, bool], set[str]] = defaultdict(set)
        self._loaded: dict[tuple[str, date, date, bool], set[str]] = {}
        #: Queries sent to the roll-up (a report reads a handful, whatever its period).
        self.queries = 0

    def want(self, counters: Iterable[str], dim: str, start: date, end: date, by_month: bool = False) -> None:
        """Announce what a section will read, so that one query per dimension serves every section."""
        self._wanted[(dim, start, end, by_month)].update(counters)

    def _load(
        self, counters: Iterable[str], dim: str, start: date, end: date, by_month: bool
    ) -> dict[tuple[Any, ...], int]:
        key = (dim, start, end, by_month)
        needed = set(counters)
        if key in self._cache and needed <= self._loaded[key]:
            return self._cache[key]
        loaded = self._wanted.get(key, set()) | needed | self._loaded.get(key, set())
        self._cache[key] = rollup.read(
            self.session, sorted(loaded), start, end, self.centre_ids, dim=dim, by_centre=True, by_month=by_month
        )
        self._loaded[key] = loaded
        self.queries += 1
        return self._cache[key]

    def values(self, counter: str, dim: str, start: date, end: date) -> dict[str, dict[str, int]]:
        """``{value: {centre code: amount}}`` for one counter over a period."""
        data = self._load([counter], dim, start, end, False)
        out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for k, amount in data.items():
            if k[0] != counter:
                continue
            _, value, centre_id = k
            out[value][self.codes.get(centre_id, str(centre_id))] += amount
        return out

    def total(self, counter: str, start: date, end: date) -> dict[str, int]:
        return dict(self.values(counter, "*", start, end).get("*", {}))

    def monthly(self, counter: str, dim: str, start: date, end: date) -> dict[tuple[str, date], int]:
        data = self._load([counter], dim, start, end, True)
        out: dict[tuple[str, date], int] = defaultdict(int)
        for k, amount in data.items():
            if k[0] != counter:
                continue
            _, value, _centre, month = k
            out[(value, month)] += amount
        return out


# ------------------------------------------------------------------------------------------------
# Building


class Context:
    """Everything a section needs to resolve itself."""

    def __init__(
        self,
        app: App,
        session: Session,
        report: m.Report,
        reader: Reader,
        all_centres: bool = True,
        published: bool = False,
    ) -> None:
        self.app = app
        self.session = session
        self.report = report
        self.reader = reader
        self.lang = report.language
        #: Whether the report covers every centre, and will be published (disclosure control applied).
        self.all_centres = all_centres
        self.published = published
        self._values: dict[str, Any] = {}

    def dimension(self, dim: str) -> Any:
        """The codes and labels of a plugin dimension's values (``tremplin.core.dimensions.Values``), or ``None``."""
        if dim not in self.app.registry.dimensions:
            return None
        found = self._values.get(dim)
        if found is None:
            from tremplin.core.dimensions import Values

            found = self._values[dim] = Values(self.app, self.session, dim)
        return found

    def visible(self, counter: str) -> bool:
        c = self.app.registry.counters.get(counter)
        if c is None:
            return False
        if self.report.audiences is None:
            return True
        # Centre-wide figures mix every audience: only accounts that see every audience read them.
        return c.audience is not None and c.audience in self.report.audiences

    def label(self, counter: str) -> str:
        return self.app.registry.counters[counter].label.get(self.lang)

    def text(self, t: Text | str | None) -> str:
        if t is None:
            return ""
        return t.get(self.lang) if isinstance(t, Text) else str(t)

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.report.centres] if self.report.network else []

    def per_centre(self, values: dict[str, int]) -> dict[str, m.Num]:
        return {code: m.Num(values.get(code, 0)) for code in self.codes}


def resolve_centres(session: Session, codes: Sequence[str] | None) -> tuple[list[m.CentreRef], bool]:
    """The centres a report covers (all, when none are named) and whether that means every centre."""
    rows = session.execute(select(Centre.id, Centre.code, Centre.name).order_by(Centre.code)).all()
    known = {r.code: m.CentreRef(r.id, r.code, r.name) for r in rows}
    if not codes:
        return list(known.values()), True
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ReportError(
            Msg("unknown centre(s) %(unknown)s; known: %(known)s", unknown=", ".join(unknown), known=", ".join(known))
        )
    return [known[c] for c in dict.fromkeys(codes)], False


def declared_sections(app: App, key: str) -> list[tuple[str, Any]]:
    """The sections plugins declare for report ``key``: (plugin name, section), in plugin order."""
    out = collect(app.pm, "register_report_sections", app=app, report=key)
    allowed = (
        s.KeyFigures,
        s.Breakdown,
        s.MonthlyChart,
        s.FreeText,
        s.Table,
        s.Note,
        s.AudienceFigures,
        s.OnlineFigures,
        s.MoreFigures,
        s.ProgrammeIndicators,
        s.Computed,
    )
    for plugin, section in out:
        if not isinstance(section, allowed):
            raise PluginError(
                f"plugin {plugin} returned {type(section).__name__} for report {key!r}: not a report section "
                "(tremplin.core.reports.sections)"
            )
    return out


def _arrange(found: list[tuple[str, Any]], extra: Sequence[Any] = ()) -> list[Any]:
    """Built-in sections first; plugins' sections after the "specific audiences" section (or at the end).

    ``MoreFigures`` are merged into the section they name; ``ProgrammeIndicators`` belong to the ESF+
    computation (``tremplin.core.reports.esf``), which has read them already."""
    more = [(plugin, sec) for plugin, sec in found if isinstance(sec, s.MoreFigures)]
    found = [(plugin, sec) for plugin, sec in found if not isinstance(sec, (s.MoreFigures, s.ProgrammeIndicators))]
    builtin = [sec for plugin, sec in found if plugin.startswith("tremplin.core.builtins.")]
    others = [sec for plugin, sec in found if not plugin.startswith("tremplin.core.builtins.")]
    declared = [*extra, *builtin]
    anchor = next((i for i, sec in enumerate(declared) if isinstance(sec, s.AudienceFigures)), None)
    if anchor is None:
        declared += others
    else:
        declared[anchor + 1 : anchor + 1] = others
    seen: dict[str, Any] = {}
    for sec in declared:
        if sec.key in seen:
            raise PluginError(f"two sections of one report share the key {sec.key!r}")
        seen[sec.key] = sec
    for plugin, addition in more:
        target = seen.get(addition.key)
        if not isinstance(target, s.KeyFigures):
            raise PluginError(
                f"plugin {plugin} adds figures to {addition.key!r}, which is no key-figures section of this report"
            )
        merged = replace(target, counters=(*target.counters, *addition.counters))
        declared[declared.index(target)] = seen[addition.key] = merged
    return declared


def build_report(
    app: App,
    session: Session,
    key: str,
    start: date,
    end: date,
    *,
    centres: Sequence[str] | None = None,
    language: str | None = None,
    published: bool = False,
    audiences: Iterable[str] | None = None,
    title: str | None = None,
    previous: m.Period | None = None,
    sections: Sequence[Any] | None = None,
    parameters: dict[str, Any] | None = None,
) -> m.Report:
    """Resolve the report ``key`` over [start, end].

    ``centres`` are centre codes (none: every centre; several: a column per centre next to the
    total); ``audiences`` restricts the figures to those audiences (a staff account's); ``sections``
    are declared sections to put before the plugins' ones (the ESF+ computation's).
    """
    if end < start:
        raise ReportError(Msg("the period ends (%(end)s) before it starts (%(start)s)", end=end, start=start))
    language = language or app.settings.default_language
    refs, all_centres = resolve_centres(session, centres)
    report = m.Report(
        key=key,
        title=title or key,
        language=language,
        period=m.Period(start, end),
        previous=previous or previous_period(start, end),
        centres=refs,
        sections=[],
        published=False,
        threshold=app.settings.disclosure_threshold,
        generated_at=datetime.now(UTC),
        audiences=frozenset(audiences) if audiences is not None and "*" not in audiences else None,
        parameters=dict(parameters or {}),
        timezone=getattr(app.settings, "timezone", None) or "Europe/Brussels",
    )
    declared = _arrange(declared_sections(app, key), sections or ())
    ctx = Context(app, session, report, Reader(session, refs, all_centres), all_centres, published)
    _plan(ctx, declared)
    for sec in declared:
        resolved = resolve(ctx, sec, declared)
        report.sections.extend(resolved)
    if published:
        from tremplin.core import disclosure

        disclosure.apply(report)
    return report


def _plan(ctx: Context, declared: Sequence[Any]) -> None:
    """Tell the reader every (counter, dimension, period) the sections will read."""
    r = ctx.report
    cur, prev = r.period, r.previous
    for sec in declared:
        if isinstance(sec, s.KeyFigures):
            ctx.reader.want(sec.counters, "*", cur.start, cur.end)
            ctx.reader.want(sec.counters, "*", prev.start, prev.end)
        elif isinstance(sec, s.Breakdown):
            ctx.reader.want([sec.counter], sec.dim, cur.start, cur.end)
            ctx.reader.want([sec.counter], "*", cur.start, cur.end)
        elif isinstance(sec, s.MonthlyChart):
            a, b = chart_span(ctx, sec)
            ctx.reader.want(sec.counters[:1] if sec.dim else sec.counters, sec.dim or "*", a, b, True)
        elif isinstance(sec, s.AudienceFigures):
            keys = [k for k, c in ctx.app.registry.counters.items() if c.audience]
            ctx.reader.want(keys, "*", cur.start, cur.end)
            ctx.reader.want(keys, "*", prev.start, prev.end)


def resolve(ctx: Context, sec: Any, declared: Sequence[Any]) -> list[m.Section]:
    if isinstance(sec, s.KeyFigures):
        out = key_figures(ctx, sec.key, ctx.text(sec.title), sec.counters, sec.sums, sec.parts)
        return [out] if out.figures else []
    if isinstance(sec, s.Breakdown):
        b = breakdown(ctx, sec)
        return [b] if b else []
    if isinstance(sec, s.MonthlyChart):
        c = chart(ctx, sec)
        return [c] if c else []
    if isinstance(sec, s.AudienceFigures):
        return audience_figures(ctx, sec, declared)
    if isinstance(sec, s.OnlineFigures):
        o = online(ctx, sec)
        return [o] if o else []
    if isinstance(sec, s.Table):
        return [table(ctx, sec)]
    if isinstance(sec, s.Computed):
        built = sec.build(ctx)
        return [built] if built is not None else []
    if isinstance(sec, s.Note):
        return [m.TextSection(sec.key, ctx.text(sec.title), ctx.text(sec.text), kind="note")]
    if isinstance(sec, s.FreeText):
        return [m.TextSection(sec.key, ctx.text(sec.title), ctx.text(sec.text), kind="text")]
    raise TypeError(f"not a report section: {sec!r}")


def _change(value: int, previous: int) -> float | None:
    if not previous:
        return None
    return round((value - previous) / previous, 4)


def key_figures(
    ctx: Context,
    key: str,
    title: str,
    counters: Sequence[str],
    sums: Sequence[tuple[str, tuple[str, ...]]] = (),
    parts: Sequence[tuple[str, tuple[str, ...]]] = (),
) -> m.KeyFiguresSection:
    r = ctx.report
    whole_of = {p: whole for whole, ps in [*sums, *parts] for p in ps if whole in counters and ctx.visible(whole)}
    figures = []
    for counter in counters:
        if not ctx.visible(counter):
            continue
        now = ctx.reader.total(counter, r.period.start, r.period.end)
        before = ctx.reader.total(counter, r.previous.start, r.previous.end)
        value, prev = sum(now.values()), sum(before.values())
        figures.append(
            m.Figure(
                counter, ctx.label(counter), m.Num(value), m.Num(prev), m.Num(_change(value, prev)), ctx.per_centre(now)
            )
        )
        figures[-1].part_of = whole_of.get(counter)
    shown = {f.key for f in figures}
    kept = [(t, p) for t, p in sums if t in shown and all(x in shown for x in p)]
    return m.KeyFiguresSection(key, title, figures, kept)


def _row_label(ctx: Context, dim: str, code: str) -> str:
    declared = ctx.dimension(dim)
    if declared is not None:
        return str(declared.text(code, ctx.lang))
    if code == rollup.UNKNOWN:
        return vocab.UNKNOWN.get(ctx.lang)
    if dim == "audience":
        a = ctx.app.registry.audiences.get(code)
        return a.label.get(ctx.lang) if a else code
    codes = _dim_list(ctx, dim)
    return codes.label_of(code, ctx.lang) if codes else code


def _dim_title(ctx: Context, dim: str) -> str:
    codes = _dim_list(ctx, dim)
    return codes.label.get(ctx.lang) if codes is not None and codes.label is not None else dim


def _dim_codes(ctx: Context, dim: str) -> list[str]:
    if dim == "audience":
        return list(ctx.app.registry.audiences)
    codes = _dim_list(ctx, dim)
    return list(codes.codes()) if codes else []


def _order(ctx: Context, dim: str, present: Iterable[str]) -> list[str]:
    declared = ctx.dimension(dim)
    if declared is not None:
        return list(declared.order(present))
    codes = [c for c in _dim_codes(ctx, dim) if c != rollup.UNKNOWN]
    extra = sorted(v for v in present if v not in codes and v != rollup.UNKNOWN)
    return codes + extra + [rollup.UNKNOWN]


def breakdown(ctx: Context, sec: s.Breakdown) -> m.BreakdownSection | None:
    if not ctx.visible(sec.counter):
        return None
    r = ctx.report
    data = _public_codes(ctx, sec.dim, ctx.reader.values(sec.counter, sec.dim, r.period.start, r.period.end))
    total_by_centre = ctx.reader.total(sec.counter, r.period.start, r.period.end)
    total = sum(total_by_centre.values())
    rows_data: dict[str, dict[str, int]] = {code: dict(data.get(code, {})) for code in _order(ctx, sec.dim, data)}
    if sec.dim == "audience" and r.audiences is not None:
        hidden = [code for code in rows_data if code not in r.audiences]
        other: dict[str, int] = defaultdict(int)
        for code in hidden:
            for centre, amount in rows_data.pop(code).items():
                other[centre] += amount
        rows_data["_other"] = dict(other)
    rows = []
    for code, by_centre in rows_data.items():
        value = sum(by_centre.values())
        if code == rollup.UNKNOWN and value == 0 and sec.dim not in ("gender", "age_band"):
            continue  # "unknown" is a row only where it is a real answer, or where it happened
        label = OTHER_AUDIENCES.get(ctx.lang) if code == "_other" else _row_label(ctx, sec.dim, code)
        share = round(value / total, 4) if total else None
        rows.append(m.Row(code, label, m.Num(value), m.Num(share), ctx.per_centre(by_centre)))
    declared = ctx.dimension(sec.dim)
    if declared is not None:
        dim_label = declared.label.get(ctx.lang)
    elif sec.dim == "audience":
        dim_label = AUDIENCE_DIM.get(ctx.lang)
    else:
        dim_label = _dim_title(ctx, sec.dim)
    additive = declared.additive if declared is not None else sec.dim not in NON_ADDITIVE
    total_row = m.Row(
        "total", TOTAL.get(ctx.lang), m.Num(total), m.Num(1.0 if total else None), ctx.per_centre(total_by_centre)
    )
    return m.BreakdownSection(
        sec.key, ctx.text(sec.title), sec.counter, ctx.label(sec.counter), sec.dim, dim_label, additive, rows, total_row
    )


def _public_codes(ctx: Context, dim: str, data: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Stored values as their public codes: a site's code rather than its id (the stable JSON key)."""
    declared = ctx.dimension(dim)
    if declared is None:
        return data
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for value, by_centre in data.items():
        target = out[declared.code(value)]
        for centre, amount in by_centre.items():
            target[centre] += amount
    return out


def chart_span(ctx: Context, sec: s.MonthlyChart) -> tuple[date, date]:
    r = ctx.report
    if sec.months:
        first = r.period.end.replace(day=1)
        for _ in range(sec.months - 1):
            first = (first - timedelta(days=1)).replace(day=1)
        return first, r.period.end
    return r.period.start, r.period.end


def chart(ctx: Context, sec: s.MonthlyChart) -> m.ChartSection | None:
    start, end = chart_span(ctx, sec)
    months = month_starts(start, end)
    series: list[m.Series] = []
    if sec.dim:
        counter = sec.counters[0]
        if not ctx.visible(counter):
            return None
        data = ctx.reader.monthly(counter, sec.dim, start, end)
        declared = ctx.dimension(sec.dim)
        if declared is not None:
            coded: dict[tuple[str, date], int] = defaultdict(int)
            for (value, month), amount in data.items():
                coded[(declared.code(value), month)] += amount
            data = coded
        present = {v for v, _ in data}
        for code in _order(ctx, sec.dim, present):
            if sec.dim == "audience" and ctx.report.audiences is not None and code not in ctx.report.audiences:
                continue
            values = [data.get((code, mo), 0) for mo in months]
            if any(values):
                series.append(
                    m.Series(code, _row_label(ctx, sec.dim, code), [m.Num(v) for v in values], m.Num(sum(values)))
                )
    else:
        for counter in sec.counters:
            if not ctx.visible(counter):
                continue
            data = ctx.reader.monthly(counter, "*", start, end)
            values = [data.get(("*", mo), 0) for mo in months]
            series.append(m.Series(counter, ctx.label(counter), [m.Num(v) for v in values], m.Num(sum(values))))
        if not series:
            return None
    return m.ChartSection(
        sec.key,
        ctx.text(sec.title),
        sec.dim,
        months,
        series,
        closures(ctx, start, end, sec.closure_scope),
        sec.closure_scope,
    )


def closures(ctx: Context, start: date, end: date, scope: str) -> list[m.Closure]:
    r = ctx.report
    codes = {c.id: c.code for c in r.centres}
    stmt = select(ClosurePeriod).where(
        ClosurePeriod.starts_on <= end, ClosurePeriod.ends_on >= start, ClosurePeriod.centre_id.in_(list(codes))
    )
    if scope != "*":
        stmt = stmt.where(ClosurePeriod.scope.in_(["all", scope]))
    out = []
    for c in ctx.session.scalars(stmt.order_by(ClosurePeriod.starts_on, ClosurePeriod.id)):
        out.append(m.Closure(max(c.starts_on, start), min(c.ends_on, end), c.scope, c.label, codes[c.centre_id]))
    return out


def audience_figures(ctx: Context, sec: s.AudienceFigures, declared: Sequence[Any]) -> list[m.Section]:
    shown: set[str] = set()
    for other in declared:
        if other is sec:
            continue
        if isinstance(other, s.KeyFigures):
            shown.update(other.counters)
    out: list[m.Section] = []
    reg = ctx.app.registry
    for aud_key, aud in reg.audiences.items():
        if aud_key in sec.exclude or (sec.only is not None and aud_key not in sec.only):
            continue
        if ctx.report.audiences is not None and aud_key not in ctx.report.audiences:
            continue
        counters = [k for k, c in reg.counters.items() if c.audience == aud_key]
        if sec.remaining:
            counters = [k for k in counters if k not in shown]
        elif any(k in shown for k in counters):
            continue  # a plugin's own section shows this audience
        if not counters:
            continue
        title = f"{ctx.text(sec.title)}: {aud.label.get(ctx.lang)}" if sec.title else aud.label.get(ctx.lang)
        kf = key_figures(ctx, f"{sec.key}.{aud_key}", title, counters)
        if kf.figures:
            out.append(kf)
    return out


def online(ctx: Context, sec: s.OnlineFigures) -> m.OnlineSection | None:
    r = ctx.report

    def latest(a: date, b: date) -> dict[tuple[str, str], tuple[date, dict[str, int]]]:
        codes = {c.id: c.code for c in r.centres}
        stmt = (
            select(
                OnlineMetric.centre_id, OnlineMetric.source, OnlineMetric.metric, OnlineMetric.day, OnlineMetric.value
            )
            .where(OnlineMetric.day >= a, OnlineMetric.day <= b, OnlineMetric.centre_id.in_(list(codes)))
            .order_by(OnlineMetric.day)
        )
        per: dict[tuple[str, str, int], tuple[date, int]] = {}
        for centre_id, source, metric, day, value in ctx.session.execute(stmt):
            per[(source, metric, centre_id)] = (day, int(value))  # ordered by day: the last one wins
        out: dict[tuple[str, str], tuple[date, dict[str, int]]] = {}
        for (source, metric, centre_id), (day, value) in per.items():
            d, values = out.get((source, metric), (day, {}))
            values[codes[centre_id]] = value
            out[(source, metric)] = (max(d, day), values)
        return out

    now = latest(r.period.start, r.period.end)
    if not now:
        return None
    before = latest(r.previous.start, r.previous.end)
    rows = []
    for source, metric in sorted(now):
        day, values = now[(source, metric)]
        prev = before.get((source, metric))
        label = f"{source} · {ONLINE_METRICS[metric].get(ctx.lang) if metric in ONLINE_METRICS else metric}"
        rows.append(
            m.OnlineRow(
                source,
                metric,
                label,
                m.Num(sum(values.values())),
                day,
                m.Num(sum(prev[1].values()) if prev else None),
                ctx.per_centre(values),
            )
        )
    return m.OnlineSection(sec.key, ctx.text(sec.title), rows)


def _labels(ctx: Context, values: dict[str, Text] | None) -> dict[str, str] | None:
    """A column's coded values and their labels in the report's language."""
    return {code: ctx.text(t) for code, t in values.items()} if values else None


def table(ctx: Context, sec: s.Table) -> m.TableSection:
    columns = [
        m.Column(k, ctx.text(label), k in sec.machine, _labels(ctx, sec.values.get(k)))
        for k, label in zip(sec.columns, sec.labels)
    ]
    if not sec.disclose:
        return m.TableSection(sec.key, ctx.text(sec.title), columns, sec.rows, disclose=False)
    rows = [
        {k: (m.Num(v) if isinstance(v, int | float) and not isinstance(v, bool) else v) for k, v in row.items()}
        for row in sec.rows
    ]
    return m.TableSection(sec.key, ctx.text(sec.title), columns, rows, disclose=True)


# ------------------------------------------------------------------------------------------------
# The built-in reports


def _title(key: str, language: str, **values: str) -> str:
    return TITLES[key].get(language).format(**values)


def annual_report(app: App, session: Session, year: int, **kw: Any) -> m.Report:
    lang = kw.get("language") or app.settings.default_language
    kw.setdefault("parameters", {"year": year})
    return build_report(
        app,
        session,
        "annual",
        date(year, 1, 1),
        date(year, 12, 31),
        title=_title("annual", lang, period=str(year)),
        **kw,
    )


def monthly_report(app: App, session: Session, year: int, month: int, **kw: Any) -> m.Report:
    lang = kw.get("language") or app.settings.default_language
    start = date(year, month, 1)
    kw.setdefault("parameters", {"month": f"{year}-{month:02d}"})
    title = _title("monthly", lang, period=fmt_month_year(start, lang))
    return build_report(app, session, "monthly", start, month_end(start), title=title, **kw)


def audience_report(app: App, session: Session, audience: str, start: date, end: date, **kw: Any) -> m.Report:
    aud = app.registry.audiences.get(audience)
    if aud is None:
        raise ReportError(
            Msg(
                "unknown audience %(audience)r; known: %(known)s",
                audience=audience,
                known=", ".join(app.registry.audiences),
            )
        )
    allowed = kw.get("audiences")
    if allowed is not None and "*" not in allowed and audience not in allowed:
        raise PermissionError(Msg("this account may not see the audience %(audience)r", audience=audience))
    lang = kw.get("language") or app.settings.default_language
    kw.setdefault("parameters", {"audience": audience, "from": start.isoformat(), "to": end.isoformat()})
    title = _title("audience", lang, audience=aud.label.get(lang), period=fmt_period(start, end, lang))
    return build_report(app, session, f"audience:{audience}", start, end, title=title, **kw)


def esf_report(app: App, session: Session, operation: str, start: date, end: date, **kw: Any) -> m.Report:
    """The ESF+ report: the operation's indicators (``tremplin.core.reports.esf``) and the plugins' ``esf`` sections."""
    # Computed by its own module, imported only when asked for.
    from tremplin.core.reports.esf import build_esf_report

    if operation not in app.registry.audiences:
        raise ReportError(
            Msg(
                "unknown operation %(operation)r: name an audience (%(known)s)",
                operation=operation,
                known=", ".join(app.registry.audiences),
            )
        )
    allowed = kw.get("audiences")
    if allowed is not None and "*" not in allowed and operation not in allowed:
        raise PermissionError(Msg("this account may not see the audience %(audience)r", audience=operation))
    lang = kw.get("language") or app.settings.default_language
    refs, all_centres = resolve_centres(session, kw.get("centres"))
    centre_ids = None if all_centres else [c.id for c in refs]
    sections = build_esf_report(app, session, operation, start, end, centre_ids, lang)
    kw.setdefault("parameters", {"operation": operation, "from": start.isoformat(), "to": end.isoformat()})
    aud = app.registry.audiences[operation]
    title = _title("esf", lang, operation=aud.label.get(lang), period=fmt_period(start, end, lang))
    return build_report(app, session, "esf", start, end, title=title, sections=list(sections), **kw)


def participants_report(app: App, session: Session, operation: str, start: date, end: date, **kw: Any) -> m.Report:
    """The per-participant file of an ESF+ operation, as a one-table report streamed to the file.

    Microdata for the managing authority: never published, and only for roles that see exact figures.
    """
    from tremplin.core.reports.esf import PARTICIPANT_COLUMNS, PARTICIPANT_LABELS, participant_rows

    if kw.get("published"):
        raise PermissionError(Msg("the per-participant file is personal data: it is never published"))
    if operation not in app.registry.audiences:
        raise ReportError(
            Msg(
                "unknown operation %(operation)r: name an audience (%(known)s)",
                operation=operation,
                known=", ".join(app.registry.audiences),
            )
        )
    allowed = kw.get("audiences")
    if allowed is not None and "*" not in allowed and operation not in allowed:
        raise PermissionError(Msg("this account may not see the audience %(audience)r", audience=operation))
    lang = kw.get("language") or app.settings.default_language
    refs, all_centres = resolve_centres(session, kw.get("centres"))
    centre_ids = None if all_centres else [c.id for c in refs]
    rows = participant_rows(app, session, operation, start, end, centre_ids, cumulative=True)
    title = T("Participants", fr="Participants", nl="Deelnemers", uk="Учасники").get(lang)
    table_sec = s.Table(
        "esf.participants",
        T(title),
        tuple(PARTICIPANT_COLUMNS),
        tuple(PARTICIPANT_LABELS),
        rows,  # type: ignore[arg-type]
        disclose=False,
    )
    kw.setdefault(
        "parameters", {"operation": operation, "from": start.isoformat(), "to": end.isoformat(), "participants": True}
    )
    aud = app.registry.audiences[operation]
    full = f"{_title('esf', lang, operation=aud.label.get(lang), period=fmt_period(start, end, lang))} · {title}"
    return build_report(app, session, "esf.participants", start, end, title=full, sections=[table_sec], **kw)

"""Report pages in the web app: pick a report, read it, download it in every format.

``router`` is included by the web app (``tremplin.core.web.app``) and returned by the built-in reports plugin's
``register_routes``. Every logged-in account may open the reports; programme leads and
administrators (``tremplin.core.disclosure.EXACT_ROLES``) see exact figures, every other role gets published,
disclosure-controlled figures, on the page and in the downloads. An account sees only its audiences
(centre-wide figures only if it sees every audience) and, if it is bound to a centre, only that
centre. Every download is recorded in the audit log (``report.export``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from tremplin.core.i18n import LANGUAGES, T, Text
from tremplin.core.models import Centre, Staff
from tremplin.core.web.deps import current_staff, get_app, get_session
from tremplin.core.web.errors import ChoiceError
from tremplin.core.web.i18n import N_, Msg
from tremplin.core.web.templating import render, template_dirs

TEMPLATES = Path(__file__).with_name("templates")
if TEMPLATES not in template_dirs:
    template_dirs.append(TEMPLATES)

KINDS = ("annual", "monthly", "audience", "esf")

WORDS: dict[str, Text] = {
    "reports": T("Reports", fr="Rapports", nl="Rapporten", uk="Звіти"),
    "annual": T("Annual activity report", fr="Rapport annuel d'activité", nl="Activiteitenverslag", uk="Річний звіт"),
    "monthly": T("Monthly dashboard", fr="Tableau de bord mensuel", nl="Maandelijks dashboard", uk="Щомісячна панель"),
    "audience": T("Audience report", fr="Rapport par public", nl="Rapport per doelgroep", uk="Звіт за аудиторією"),
    "esf": T("ESF+ report", fr="Rapport FSE+", nl="ESF+-rapport", uk="Звіт ЄСФ+"),
    "year": T("Year", fr="Année", nl="Jaar", uk="Рік"),
    "month": T("Month", fr="Mois", nl="Maand", uk="Місяць"),
    "from": T("From", fr="Du", nl="Van", uk="З"),
    "to": T("To", fr="Au", nl="Tot", uk="По"),
    "centres": T(
        "Centres (none: all)", fr="Centres (aucun : tous)", nl="Centra (geen: alle)", uk="Центри (жодного: усі)"
    ),
    "language": T("Language of the report", fr="Langue du rapport", nl="Taal van het rapport", uk="Мова звіту"),
    "published": T(
        "Published figures (disclosure control)",
        fr="Chiffres publiés (contrôle de divulgation)",
        nl="Gepubliceerde cijfers (openbaarmakingscontrole)",
        uk="Опубліковані дані (контроль розкриття)",
    ),
    "show": T("Show", fr="Afficher", nl="Tonen", uk="Показати"),
    # The verb comes last in Dutch: "HTML downloaden".
    "download": T("Download {format}", fr="Télécharger {format}", nl="{format} downloaden", uk="Завантажити {format}"),
    "operation": T("Operation", fr="Opération", nl="Concrete actie", uk="Операція"),
    "exact_note": T(
        "Your role sees exact figures. Downloads for publication: tick “published figures”.",
        fr="Votre rôle voit les chiffres exacts. Pour publier : cochez « chiffres publiés ».",
        nl="Uw rol ziet exacte cijfers. Om te publiceren: vink “gepubliceerde cijfers” aan.",
        uk="Ваша роль бачить точні дані. Для публікації позначте «опубліковані дані».",
    ),
    "published_note": T(
        "Your role sees published figures: small counts are hidden.",
        fr="Votre rôle voit les chiffres publiés : les petits effectifs sont masqués.",
        nl="Uw rol ziet gepubliceerde cijfers: kleine aantallen zijn verborgen.",
        uk="Ваша роль бачить опубліковані дані: малі числа приховано.",
    ),
}


def _lang(request: Request) -> str:
    from tremplin.core.web.i18n import request_language

    return request_language(request)


def _params(
    app: Any,
    kind: str,
    year: int | None,
    month: str | None,
    audience: str | None,
    operation: str | None,
    start: date | None,
    end: date | None,
) -> dict[str, Any]:
    if kind not in KINDS:
        raise HTTPException(404, Msg("There is no report “%(kind)s”.", kind=kind[:40]))
    today = date.today()
    if kind == "annual":
        return {"year": year or today.year - 1}
    if kind == "monthly":
        if month:
            try:
                y, m = (int(x) for x in month.split("-"))
                date(y, m, 1)
            except ValueError:
                raise HTTPException(400, Msg("“%(month)s” is not a month like 2025-03.", month=month[:40])) from None
        else:
            y, m = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
        return {"month": f"{y}-{m:02d}"}
    if kind == "audience":
        if not audience:
            raise HTTPException(400, Msg("Choose an audience."))
        if audience not in app.registry.audiences:
            choices = {k: a.label for k, a in app.registry.audiences.items()}
            raise ChoiceError("audience", audience, choices, N_("Audience"))
        y = year or today.year - 1
        return {
            "audience": audience,
            "from": (start or date(y, 1, 1)).isoformat(),
            "to": (end or date(y, 12, 31)).isoformat(),
        }
    y = year or today.year
    if operation and operation not in app.registry.esf_operations():
        choices = {k: app.registry.audiences[k].label for k in app.registry.esf_operations()}
        raise ChoiceError("operation", operation, choices, N_("Audience"))
    if not operation:
        from tremplin.core.registry import PluginError

        try:
            operation = app.registry.default_esf_operation()
        except PluginError as exc:
            raise HTTPException(404, _message(exc)) from None
    return {
        "operation": operation,
        "from": (start or date(y, 1, 1)).isoformat(),
        "to": (end or date(y, 6, 30)).isoformat(),
    }


def _centres(session: Session, staff: Staff, wanted: list[str]) -> list[str] | None:
    """The centre codes the report covers: an account bound to a centre sees only its own."""
    if staff.centre_id is None:
        return wanted or None
    own = session.scalar(select(Centre.code).where(Centre.id == staff.centre_id))
    if wanted and wanted != [own]:
        raise HTTPException(403, Msg("Your account does not see these centres."))
    return [own] if own else None


def build_for(
    app: Any,
    session: Session,
    staff: Staff,
    kind: str,
    params: dict[str, Any],
    centres: list[str],
    language: str,
    published: bool,
) -> Any:
    from tremplin.core.disclosure import sees_exact
    from tremplin.core.reports import build as b

    kw = {
        "centres": _centres(session, staff, centres),
        "language": language if language in LANGUAGES else None,
        "published": published or not sees_exact(staff),
        "audiences": None if "*" in (staff.audiences or []) else list(staff.audiences or []),
    }
    try:
        if kind == "annual":
            return b.annual_report(app, session, int(params["year"]), **kw)
        if kind == "monthly":
            y, m = (int(x) for x in params["month"].split("-"))
            return b.monthly_report(app, session, y, m, **kw)
        start, end = date.fromisoformat(params["from"]), date.fromisoformat(params["to"])
        if kind == "audience":
            return b.audience_report(app, session, params["audience"], start, end, **kw)
        return b.esf_report(app, session, params["operation"], start, end, **kw)
    except PermissionError as exc:
        raise HTTPException(403, _message(exc)) from None
    except ModuleNotFoundError:
        raise HTTPException(404, Msg("This report is not available.")) from None
    except ValueError as exc:  # ReportError, and the ESF+ computation's own refusals
        raise HTTPException(400, _message(exc)) from None


def _message(exc: Exception) -> str:
    """The refusal as raised (a ``Msg`` is shown in the reader's language), or its text."""
    return exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)


def _query(kind: str, params: dict[str, Any], centres: list[str], language: str, published: bool, **extra: str) -> str:
    from urllib.parse import urlencode

    pairs: list[tuple[str, Any]] = [("kind", kind), *params.items()]
    pairs += [("centre", c) for c in centres]
    if language:
        pairs.append(("language", language))
    if published:
        pairs.append(("published", "1"))
    pairs += list(extra.items())
    return urlencode(pairs)


# Pages and downloads, not the JSON API: out of its OpenAPI schema, as every page is.
router = APIRouter(include_in_schema=False)


@router.get("/reports", response_class=HTMLResponse)
def reports_index(
    request: Request, staff: Staff = Depends(current_staff), session: Session = Depends(get_session)
) -> HTMLResponse:
    """The reports this account may open, with their parameters."""
    from tremplin.core.disclosure import sees_exact

    app = get_app(request)
    lang = _lang(request)
    audiences = [(k, a.label.get(lang)) for k, a in app.registry.audiences.items() if staff.may_see(k)]
    operations = [
        (k, a.label.get(lang)) for k, a in app.registry.audiences.items() if a.esf_cofinanced and staff.may_see(k)
    ]
    stmt = select(Centre.code, Centre.name).order_by(Centre.code)
    if staff.centre_id is not None:
        stmt = stmt.where(Centre.id == staff.centre_id)
    centres = session.execute(stmt).all()
    today = date.today()
    return render(
        request,
        "reports_index.html",
        {
            "rw": lambda key: WORDS[key].get(lang),
            "audiences": audiences,
            "operations": operations,
            "centres": centres,
            "exact": sees_exact(staff),
            "all_audiences": "*" in (staff.audiences or []),
            "last_year": today.year - 1,
            "last_month": f"{today.year}-{today.month - 1:02d}" if today.month > 1 else f"{today.year - 1}-12",
            "languages": LANGUAGES,
        },
    )


@dataclass
class ReportQuery:
    """The query string naming a report, shared by its page and its downloads."""

    kind: str = Query("annual")
    year: int | None = Query(None)
    month: str | None = Query(None)
    audience: str | None = Query(None)
    operation: str | None = Query(None)
    start: date | None = Query(None, alias="from")
    end: date | None = Query(None, alias="to")
    centre: list[str] = Query(default=[])
    language: str = Query("")
    published: bool = Query(False)

    def build(self, request: Request, session: Session, staff: Staff) -> tuple[Any, Any, str]:
        """The report (with the account's rules applied), its parameters and its language."""
        app = get_app(request)
        params = _params(app, self.kind, self.year, self.month, self.audience, self.operation, self.start, self.end)
        lang = self.language if self.language in LANGUAGES else _lang(request)
        return build_for(app, session, staff, self.kind, params, self.centre, lang, self.published), params, lang


@router.get("/reports/view", response_class=HTMLResponse)
def reports_view(
    request: Request,
    query: ReportQuery = Depends(),
    staff: Staff = Depends(current_staff),
    session: Session = Depends(get_session),
) -> HTMLResponse:
    """A report as a page, with a download button per format."""
    from tremplin.core.reports.render import FORMATS, template_context

    report, params, lang = query.build(request, session, staff)
    q = _query(query.kind, params, query.centre, lang, query.published)
    label = WORDS["download"].get(lang)
    downloads = [(label.format(format=fmt.upper()), f"/reports/download?{q}&format={fmt}") for fmt in FORMATS]
    ctx = template_context(report, downloads=downloads, for_print=False)
    ctx.pop("lang", None)
    return render(
        request, "reports_page.html", ctx | {"report_lang": report.language, "rw": lambda key: WORDS[key].get(lang)}
    )


@router.get("/reports/download")
def reports_download(
    request: Request,
    query: ReportQuery = Depends(),
    format: str = Query("pdf"),
    staff: Staff = Depends(current_staff),
    session: Session = Depends(get_session),
) -> Response:
    """The report as a file; recorded in the audit log."""
    from tremplin.core.reports.export import record_export, report_parameters
    from tremplin.core.reports.render import FORMATS, render_bytes

    if format not in FORMATS:
        formats = ", ".join(FORMATS)
        message = Msg("“%(format)s” is not a format; use one of: %(formats)s.", format=format[:20], formats=formats)
        raise HTTPException(400, message)
    report, _params_, _lang_ = query.build(request, session, staff)
    body = render_bytes(report, format)
    session.close()
    ext, media, _ = FORMATS[format]
    period = report.period.label.replace(" ", "").replace("–", "_")
    name = f"{report.key.replace(':', '-')}-{period}{'-published' if report.published else ''}.{ext}"
    record_export(
        get_app(request),
        "report",
        report.key,
        format,
        staff=staff,
        via="web",
        **{k: v for k, v in report_parameters(report, format).items() if k != "format"},
    )
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@router.get("/reports/report.css")
def reports_css(staff: Staff = Depends(current_staff)) -> Response:
    """The reports' stylesheet (served from here: the pages allow no inline style)."""
    return Response(
        (TEMPLATES / "report.css").read_text(encoding="utf-8"),
        media_type="text/css",
        headers={"Cache-Control": "max-age=3600"},
    )

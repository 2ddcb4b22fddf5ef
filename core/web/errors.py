"""Every refusal is a 4xx with a message: one place turns the core's exceptions into answers.

| exception                                   | status | why                                     |
| ------------------------------------------- | ------ | --------------------------------------- |
| ``RecordError``, ``FormError``, ``AdminError`` | 422 | invalid values, with the field errors   |
| ``TokenError``                              | 400    | a mistyped token or case code           |
| ``PermissionError``                         | 403    | the account may not do this             |
| ``LookupError`` (``KeyError`` included)     | 404    | no such record                          |
| ``WorkflowError``                           | 409    | a move the workflow does not allow      |
| ``IntegrityError``                          | 409    | a duplicate code or a dangling reference |
| ``DataError``                               | 422    | a value the database cannot hold        |
| ``ChoiceError``                             | 422    | a filter's value that is none of its choices |
| ``ParameterError``                          | 422    | a filter's day or page that cannot be read   |

API paths (``/api/...``) answer JSON ``{"detail": ..., "errors": {...}, "rules": {...}}`` (``rules``: the key of
the rule each field breaks, ``tremplin.core.rules.MESSAGES``, the same whatever way the record came in;
``messages``: the rule's message by field in the request's language, for a client to show as it is;
``"confirm": true`` when sending it again with ``confirm`` would save it); pages answer the error page
in the user's language (401 on a page redirects to the login form). Anything else unexpected is
logged and answered as a 500 page without details; the tests make sure no request gets there.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from tremplin.core.admin import AdminError
from tremplin.core.anonymity import TokenError
from tremplin.core.forms import FormError
from tremplin.core.records import WorkflowError
from tremplin.core.validation import RecordError
from tremplin.core.web.i18n import N_, gettext_for, request_language, translated_or_none, translator
from tremplin.core.web.templating import render

log = logging.getLogger("tremplin.web")


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def field_errors(exc: Exception) -> dict[str, str]:
    if isinstance(exc, RecordError):
        out: dict[str, str] = {}
        for name, reason in exc.errors:
            out.setdefault(name, reason)
        return out
    if isinstance(exc, FormError):
        return {f"attr.{k}" if not k.startswith("attr.") else k: v for k, v in exc.errors.items()}
    return {}


#: Refusals the routes raise as plain text: listed so that the catalogs translate them, and the error
#: page can show them in the reader's language (a detail without a translation is not shown at all).
REFUSALS = (
    N_("Choose a form first."),
    N_("No centre exists yet: an administrator must create one first."),
    N_("Only network administrators create centres."),
    N_("There is no case with this code."),
    N_("There is no such account."),
    N_("There is no such activity."),
    N_("There is no such centre."),
    N_("There is no such closure period."),
    N_("There is no such referral."),
    N_("There is no such workshop kind."),
    N_("This account belongs to another centre."),
    N_("This audience has no activity form to edit with."),
    N_("This form has no tallies."),
    N_("Your account does not see this audience."),
    N_("Your account does not see this centre."),
    N_("Your role does not give access to this page."),
)


class ChoiceError(Exception):
    """A query parameter (a list's filter, an export's format) whose value is none of the choices it takes.

    Refused rather than ignored: a list that silently drops a mistyped ``status=`` shows everything, and
    the reader takes it for the filtered list. Answered 422 in the request's language, naming the
    parameter and its choices: the API names the codes (``rules``: ``choice``, and ``allowed``); a page
    names the choices by their labels, as the filter's menu shows them.
    """

    def __init__(self, name: str, value: str, choices: Mapping[str, Any], label: Any = None) -> None:
        """``choices``: each allowed code and its label (a ``Text``, a catalog message, or ``None``: the code);
        ``label``: the filter's name on the page (likewise; ``None``: the parameter's name)."""
        self.name = name
        self.value = str(value)[:40]
        self.choices = dict(choices)
        self.label = label
        super().__init__(f"{name}: {self.value!r} is not one of {', '.join(self.choices)}")


class ParameterError(Exception):
    """A query parameter that cannot be read: a list's ``from=junk``, ``after=x``.

    Refused rather than replaced by its default: a list that silently shows the last year for a mistyped
    ``from`` is taken for the asked period. Answered 422 in the request's language, naming the parameter
    (its label on the page, its name in the API) and how to write it (``hint``, a catalog message with
    ``%(example)s``, or none)."""

    def __init__(self, name: str, value: str, label: Any, hint: str | None = None, example: str = "") -> None:
        self.name = name
        self.value = str(value)[:40]
        self.label = label
        self.hint = hint
        self.example = example
        super().__init__(f"{name}: {self.value!r} cannot be read")


#: How a refused day is written (``ParameterError``'s hint).
DAY_HINT = N_("Write a day as YYYY-MM-DD, for example %(example)s.")
#: The hint of a refused page cursor: it comes from the list's own link.
PAGE_HINT = N_("Follow the list's own “Next page” link.")


#: Quotation marks around the choices of a refusal, as each language writes them (the message's own quotes
#: are the catalog's).
QUOTES = {"fr": ("« ", " »"), "nl": ("“", "”"), "en": ("“", "”"), "uk": ("«", "»")}


def _label(value: Any, lang: str, fallback: str) -> str:
    from tremplin.core.i18n import Text

    if isinstance(value, Text):
        return value.get(lang)
    if isinstance(value, str) and value:
        return translator(lang).gettext(value)
    return fallback


def _page(request: Request, status: int, message: str, details: list[str] | None = None) -> Response:
    _ = gettext_for(request)
    titles = {
        400: _("This request is not valid."),
        403: _("You do not have access to this page."),
        404: _("This page does not exist."),
        405: _("This action is not possible here."),
        409: _("This change is not possible."),
        413: _("The request is too large."),
        422: _("Some values are not valid."),
        429: _("Too many attempts. Wait a moment and try again."),
    }
    text = titles.get(status, _("Something went wrong."))
    # The detail is shown only in the reader's language: an English sentence without a translation
    # (a framework's "Not Found", a core refusal not in the catalog) is left out, the title says enough.
    detail = translated_or_none(message, request_language(request)) if message else None
    if detail == text:
        detail = None
    lines = list(dict.fromkeys(details or []))
    context = {"status": status, "message": text, "detail": detail, "details": lines}
    return render(request, "error.html", context, status_code=status)


def answer(
    request: Request,
    status: int,
    message: str,
    errors: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    details: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """The refusal as JSON (API) or as the error page; ``details`` are lines for the page, translated;
    ``extra``: more keys of the JSON answer."""
    if wants_json(request):
        body: dict[str, Any] = {"detail": message}
        if errors:
            body["errors"] = errors
        body.update(extra or {})
        return JSONResponse(body, status_code=status, headers=headers)
    if status == 401:
        target = request.url.path + ("?" + request.url.query if request.url.query else "")
        return RedirectResponse("/login?next=" + quote(target, safe="/"), status_code=303)
    response = _page(request, status, message, details)
    if headers:
        response.headers.update(headers)
    return response


def _invalid_inputs(request: Request, errors: Any) -> list[str]:
    """One line per value the framework refused, naming the value as typed (never pydantic's words)."""
    from tremplin.core.web.i18n import gettext_for

    _ = gettext_for(request)
    lines = []
    for err in errors:
        value = err.get("input")
        if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value) != "":
            lines.append(_("“%(value)s” is not a valid value here.", value=str(value)[:80]))
        else:
            lines.append(_("A required value is missing or not valid."))
    return lines


#: A value the API's models refuse (their limits are the rules'), by pydantic's error type -> the rule key.
PYDANTIC_RULES = {
    "string_too_long": "text.too_long",
    "too_long": "text.too_long",
    "missing": "required",
    "literal_error": "choice",
    "enum": "choice",
    "string_pattern_mismatch": "choice",
    "int_parsing": "number",
    "int_from_float": "number",
    "less_than_equal": "range",
    "greater_than_equal": "range",
    "less_than": "range",
    "greater_than": "range",
    "datetime_parsing": "datetime",
    "datetime_from_date_parsing": "datetime",
    "date_parsing": "date",
    "date_from_datetime_parsing": "date",
}


def install(web: FastAPI) -> None:
    """Register the exception handlers on ``web``."""

    async def invalid(request: Request, exc: Exception) -> Response:
        from tremplin.core.i18n import typography
        from tremplin.core.rules import rule_keys
        from tremplin.core.web.formkit import translate_record_errors

        errors = field_errors(exc)
        extra: dict[str, Any] = {"rules": rule_keys(exc.errors if isinstance(exc, RecordError) else errors)}
        if isinstance(exc, RecordError) and exc.questions_only:
            extra["confirm"] = True
        # The rule's message by field, in the request's language (its parameters kept: "really 100 000?").
        messages = translate_record_errors(exc.errors if isinstance(exc, RecordError) else errors, gettext_for(request))
        lang = request_language(request)
        extra["messages"] = {name: typography(message, lang) for name, message in messages.items()}
        details = list(messages.values())
        return answer(request, 422, str(exc) or "invalid values", errors, details=details, extra=extra)

    async def token(request: Request, exc: Exception) -> Response:
        return answer(request, 400, str(exc))

    async def forbidden(request: Request, exc: Exception) -> Response:
        return answer(request, 403, str(exc) or "forbidden")

    async def missing(request: Request, exc: Exception) -> Response:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        return answer(request, 404, str(message) or "not found")

    async def conflict(request: Request, exc: Exception) -> Response:
        return answer(request, 409, str(exc))

    async def integrity(request: Request, exc: Exception) -> Response:
        log.info("integrity error on %s: %s", request.url.path, exc)
        return answer(
            request,
            409,
            "This conflicts with an existing record (a code already used, or a record that no longer exists).",
        )

    async def data(request: Request, exc: Exception) -> Response:
        log.info("data error on %s: %s", request.url.path, exc)
        return answer(request, 422, "A value is too long or too large to be stored.")

    async def http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return answer(request, exc.status_code, detail, headers=getattr(exc, "headers", None))

    async def validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors: dict[str, str] = {}
        keys: dict[str, str] = {}
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header", "cookie")]
            name = ".".join(loc) or "body"
            errors.setdefault(name, str(err.get("msg", "invalid")))
            keys.setdefault(name, PYDANTIC_RULES.get(str(err.get("type")), "invalid"))
        return answer(
            request,
            422,
            "Some values are not valid: " + "; ".join(f"{k}: {v}" for k, v in errors.items()),
            errors,
            details=_invalid_inputs(request, exc.errors()),
            extra={"rules": keys},
        )

    async def choice(request: Request, exc: Exception) -> Response:
        from tremplin.core.i18n import typography

        assert isinstance(exc, ChoiceError)
        lang = request_language(request)
        _ = gettext_for(request)
        api = wants_json(request)
        opening, closing = QUOTES.get(lang, QUOTES["en"])
        if api:
            name, words = exc.name, list(exc.choices)
        else:
            name = _label(exc.label, lang, exc.name)
            words = [_label(label, lang, code) for code, label in exc.choices.items()]
        allowed = [f"{opening}{word}{closing}" for word in words]
        message = typography(
            _(
                "“%(value)s” is not a valid value for “%(name)s”. Choose one of: %(allowed)s.",
                value=exc.value,
                name=name,
                allowed=", ".join(allowed),
            ),
            lang,
        )
        extra = {
            "rules": {exc.name: "choice"},
            "messages": {exc.name: message},
            "allowed": {exc.name: list(exc.choices)},
        }
        # The page shows the message once, as the list of what is wrong; the API's detail is the message itself.
        return answer(request, 422, message if api else "", {exc.name: message}, details=[message], extra=extra)

    async def unreadable(request: Request, exc: Exception) -> Response:
        from tremplin.core.i18n import typography

        assert isinstance(exc, ParameterError)
        lang = request_language(request)
        _ = gettext_for(request)
        api = wants_json(request)
        name = exc.name if api else _label(exc.label, lang, exc.name)
        message = _("“%(value)s” is not a valid value for “%(name)s”.", value=exc.value, name=name)
        if exc.hint:
            message += " " + _(exc.hint, example=exc.example)
        message = typography(message, lang)
        extra = {"rules": {exc.name: "invalid"}, "messages": {exc.name: message}}
        return answer(request, 422, message if api else "", {exc.name: message}, details=[message], extra=extra)

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return answer(request, 500, "Something went wrong on the server; it has been logged.")

    web.add_exception_handler(RecordError, invalid)
    web.add_exception_handler(FormError, invalid)
    web.add_exception_handler(AdminError, invalid)
    web.add_exception_handler(TokenError, token)
    web.add_exception_handler(PermissionError, forbidden)
    web.add_exception_handler(LookupError, missing)
    web.add_exception_handler(OverflowError, missing)  # an id too large for the database names nothing
    web.add_exception_handler(WorkflowError, conflict)
    web.add_exception_handler(IntegrityError, integrity)
    web.add_exception_handler(DataError, data)
    web.add_exception_handler(ChoiceError, choice)
    web.add_exception_handler(ParameterError, unreadable)
    web.add_exception_handler(StarletteHTTPException, http)
    web.add_exception_handler(HTTPException, http)
    web.add_exception_handler(RequestValidationError, validation)
    web.add_exception_handler(Exception, unexpected)


async def refuse(scope: Any, receive: Any, send: Any, status: int, message: str) -> None:
    """A request the CSRF middleware refuses (``tremplin.core.web.security``): JSON for the API, a page otherwise."""
    from starlette.requests import Request

    from tremplin.core.web.security import refuse_as_json

    if scope["path"].startswith("/api/"):
        await refuse_as_json(scope, receive, send, status, message)
        return
    request = Request(scope, receive)
    _ = gettext_for(request)
    if status == 413:
        text = _("The request is too large.")
    else:
        text = _("This form has expired or did not come from this site. Reload the page and try again.")
    response = render(request, "error.html", {"status": status, "message": text}, status_code=status)
    await response(scope, receive, send)

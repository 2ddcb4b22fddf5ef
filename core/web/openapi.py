"""The API's OpenAPI schema says every answer a route can give.

FastAPI documents each route's success and, for routes with parameters, a 422 shaped as its own validation
error. The API answers every refusal in one shape (``tremplin.core.web.errors``): ``{"detail": "...", "errors":
{"field": "reason"}}``. So the schema is completed once, for every operation under ``/api/`` (the core's and the
plugins'):

* 400 (a malformed request), 401 (no token, or a bad one), 403 (the role may not), 404 (missing, or not visible
  to the account), 409 (a conflict) and 422 (values refused, with the fields) are documented with that shape;
* FastAPI's own validation-error schemas, which the API never sends, are removed.

``tests/web/test_api_schema.py`` runs schemathesis against it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "description": "What is wrong, in a sentence."},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "For invalid values (422): each refused field and why.",
        },
    },
}

ERRORS: dict[str, str] = {
    "400": "The request is malformed.",
    "401": "No API token (or session), or one that is not valid.",
    "403": "The account's role may not do this.",
    "404": "No such record, or none this account may see.",
    "409": "The change conflicts with the record's state or another record.",
    "422": "Some values are refused: `errors` names each field and why.",
}

REF = "#/components/schemas/Error"


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """Document the API's error answers in ``schema`` (FastAPI's ``openapi()`` result), in place."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status, description in ERRORS.items():
                responses[status] = {
                    "description": description,
                    "content": {"application/json": {"schema": {"$ref": REF}}},
                }
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    return schema


def install(web: FastAPI) -> None:
    """Serve the completed schema at ``/openapi.json``."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if web.openapi_schema is None:
            generated = get_openapi(
                title=web.title, version=web.version, description=web.description, routes=web.routes
            )
            web.openapi_schema = complete(generated)
        return web.openapi_schema

    web.openapi = openapi  # type: ignore[method-assign]

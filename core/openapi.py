"""The errors each operation can answer, written into the OpenAPI document in one place.

Handlers declare their successes (and may declare errors); everything an operation can fail with
for reasons common to the whole API is added here from what the generated document already says
about the operation, every time with the one error schema ``ErrorOut``:

=====  ==============================================  ==========================================
400    every operation                                 malformed body, NUL characters, bad input
401    operations that need a sign-in                  no or an invalid token / session
403    operations that need a sign-in                  role not allowed, CSRF check failed
404    paths with an id or code in them                not found, or not yours
409    writes that need a sign-in                      the state does not allow it (see code)
413    operations with a body                          over the upload limit
415    operations with a JSON body                     a body that is not application/json
422    operations with a body, query parameters, or a  schema validation, per field
       number in the path (``/orders/abc``)
=====  ==============================================  ==========================================

A status an operation declares itself is kept as declared.
"""

from typing import Any

from .schemas import ErrorOut

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}

DESCRIPTIONS = {
    400: "Bad request: malformed body, NUL characters (invalid_characters), a value the "
    "database cannot store (invalid_input), or a domain rule with its own code",
    401: "Not signed in, or the token is invalid or expired (not_authenticated)",
    403: "Your role may not do this (role_not_allowed), or a page's CSRF token is missing "
    "(csrf_failed)",
    404: "Not found, or not yours",
    409: "The current state does not allow this; the code says which rule",
    413: "The body is over the upload limit (payload_too_large)",
    415: "The body is not application/json (unsupported_media_type)",
    422: "Schema validation failed (validation_error); detail.errors lists each field",
}

WRITES = {"post", "put", "patch", "delete"}


def _error_response(status: int) -> dict[str, Any]:
    return {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": dict(ERROR_REF)}},
    }


def _validated(parameter: dict[str, Any]) -> bool:
    """A query parameter, or a path parameter that is not just any text: ``/orders/abc`` is
    answered 422 naming ``order_id``, as a bad query parameter would be."""
    where = parameter.get("in")
    return where == "query" or (
        where == "path" and parameter.get("schema", {}).get("type") != "string"
    )


def error_statuses(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    parameters = operation.get("parameters", [])
    body = operation.get("requestBody", {}).get("content", {})
    signed_in = bool(operation.get("security"))
    statuses = [400]
    if signed_in:
        statuses += [401, 403]
    if "{" in path:
        statuses.append(404)
    if method in WRITES and signed_in:
        statuses.append(409)
    if body:
        statuses.append(413)
    if "application/json" in body:
        statuses.append(415)
    if body or any(_validated(p) for p in parameters):
        statuses.append(422)
    return statuses


def document_errors(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(
        "ErrorOut", ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    for path, methods in document.get("paths", {}).items():
        for method, operation in methods.items():
            # ninja keys responses by int; JSON makes them strings either way.
            responses = {int(k): v for k, v in operation.get("responses", {}).items()}
            for status in error_statuses(path, method, operation):
                responses.setdefault(status, _error_response(status))
            operation["responses"] = dict(sorted(responses.items()))
    return document

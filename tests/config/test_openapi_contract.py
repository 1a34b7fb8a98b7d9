"""The OpenAPI document tells clients the truth: one schema per name, every error documented."""

import types
import typing

import pytest
from pydantic import BaseModel

from config.api import api as ninja_api

pytestmark = pytest.mark.django_db

WRITES = {"post", "put", "patch", "delete"}


@pytest.fixture
def document(api) -> dict:
    """The document as clients read it (JSON: statuses are strings)."""
    response = api.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document: dict):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def models_in(annotation, seen: set[type]) -> None:
    """Every pydantic model an annotation reaches, through unions, lists, dicts and fields."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        for field in annotation.model_fields.values():
            models_in(field.annotation, seen)
        return
    for arg in typing.get_args(annotation):
        models_in(arg, seen)
    if isinstance(annotation, types.UnionType):
        for arg in annotation.__args__:
            models_in(arg, seen)


def schema_models() -> set[type]:
    """The models documented by the API: responses, bodies, query and form schemas."""
    seen: set[type] = set()
    for _prefix, router in ninja_api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for response_model in (operation.response_models or {}).values():
                    if isinstance(response_model, type):
                        models_in(response_model.model_fields["response"].annotation, seen)
                for param_model in operation.models:
                    for field in param_model.model_fields.values():
                        models_in(field.annotation, seen)
    return seen


def test_every_schema_has_a_name_of_its_own():
    by_name: dict[str, set[str]] = {}
    for model in schema_models():
        by_name.setdefault(model.__name__, set()).add(f"{model.__module__}.{model.__qualname__}")
    clashes = {name: sorted(owners) for name, owners in by_name.items() if len(owners) > 1}
    assert not clashes, clashes


def test_order_progress_is_documented_as_the_orders_own(document):
    schemas = document["components"]["schemas"]
    ref = schemas["OrderOut"]["properties"]["progress"]["$ref"]
    progress = schemas[ref.rsplit("/", 1)[-1]]
    assert {"open", "claimed", "in_production", "returned", "accepted"} <= set(
        progress["properties"]
    )
    photos = schemas["OrderOut"]["properties"]["photos"]["items"]["$ref"]
    assert "caption" in schemas[photos.rsplit("/", 1)[-1]]["properties"]


def test_every_signed_in_operation_documents_401_and_403(document):
    missing = [
        f"{method.upper()} {path}"
        for path, method, operation in operations(document)
        if operation.get("security") and not {"401", "403"} <= set(operation["responses"])
    ]
    assert not missing, missing


def test_public_operations_do_not_claim_a_sign_in(document):
    public = [
        (path, method)
        for path, method, operation in operations(document)
        if not operation.get("security")
    ]
    assert ("/api/v1/statements/{token}", "get") in public
    paths = document["paths"]
    assert "401" not in paths["/api/v1/statements/{token}"]["get"]["responses"]
    assert "401" in paths["/api/v1/auth/token"]["post"]["responses"]  # wrong password


def test_every_operation_that_takes_input_documents_422(document):
    missing = []
    for path, method, operation in operations(document):
        takes_input = "requestBody" in operation or any(
            p["in"] == "query" for p in operation.get("parameters", [])
        )
        if takes_input and "422" not in operation["responses"]:
            missing.append(f"{method.upper()} {path}")
    assert not missing, missing


def test_paths_with_ids_document_404_and_writes_document_409(document):
    missing = []
    for path, method, operation in operations(document):
        responses = operation["responses"]
        if "{" in path and "404" not in responses:
            missing.append(f"404 {method.upper()} {path}")
        if method in WRITES and operation.get("security") and "409" not in responses:
            missing.append(f"409 {method.upper()} {path}")
        if "400" not in responses:
            missing.append(f"400 {method.upper()} {path}")
        if "requestBody" in operation and "413" not in responses:
            missing.append(f"413 {method.upper()} {path}")
    assert not missing, missing


def test_every_error_response_is_the_one_error_schema(document):
    assert set(document["components"]["schemas"]["ErrorOut"]["properties"]) == {
        "code",
        "message",
        "detail",
    }
    wrong = []
    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            if schema.get("$ref") != "#/components/schemas/ErrorOut":
                wrong.append(f"{status} {method.upper()} {path}")
    assert not wrong, wrong


def test_paginated_lists_document_their_bounds(document):
    from core.pagination import MAX_LIMIT, MAX_OFFSET

    for path, _method, operation in operations(document):
        query = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
        if "limit" in query:
            assert query["limit"]["schema"]["maximum"] <= 2000, path
            # pages by offset (bounded), or by a keyset cursor (``before``: older than this id)
            if "offset" in query:
                assert query["offset"]["schema"]["maximum"] == MAX_OFFSET, path
            else:
                before = query["before"]["schema"]
                bounds = next((s for s in before.get("anyOf", [before]) if "maximum" in s), {})
                assert bounds.get("exclusiveMinimum") == 0 and bounds["maximum"] <= 2**63, path
    paths = document["paths"]
    limit = next(p for p in paths["/api/v1/workshops"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == MAX_LIMIT


def test_a_status_declared_by_a_handler_is_listed_once(document):
    responses = document["paths"]["/api/v1/payouts/periods/{period_id}/approve"]["post"][
        "responses"
    ]
    assert list(responses) == sorted(set(responses), key=int)
    assert {"202", "401", "403", "404", "409"} <= set(responses)  # approval runs in the background

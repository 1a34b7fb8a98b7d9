"""The OpenAPI document tells clients the truth: one schema per name."""

import types
import typing

import pytest
from pydantic import BaseModel

from config.api import api as ninja_api

pytestmark = pytest.mark.django_db


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

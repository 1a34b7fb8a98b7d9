"""Hostile or absurd input is refused at the edge with a 4xx and a code, never a 500 from the
database, and changes nothing. No sign-in is needed to try any of these, so each must hold for
anyone, on SQLite and on PostgreSQL."""

import pytest

from accounts.models import User
from tests.factories import make_user

from .test_error_shape import assert_error_shape

pytestmark = pytest.mark.django_db


# --- huge limit and offset on paginated lists ------------------------------------------------


def paginated_list_paths(api) -> list[str]:
    """Every GET of the API that takes limit/offset, with its path ids filled in."""
    import re

    document = api.get("/openapi.json").json()
    paths = []
    for path, operations in document["paths"].items():
        get = operations.get("get")
        if not get:
            continue
        names = {p["name"] for p in get.get("parameters", []) if p["in"] == "query"}
        if {"limit", "offset"} <= names:
            paths.append(re.sub(r"\{[^}]+\}", "1", path.removeprefix("/api/v1")))
    return paths


def test_there_are_paginated_lists_to_check(api):
    assert len(paginated_list_paths(api)) >= 15


def test_a_huge_offset_on_any_list_is_422_not_a_database_error(api, operator):
    api.as_user(operator)
    for path in paginated_list_paths(api):
        response = api.get(path, {"offset": 10**20})
        body = assert_error_shape(response, 422, "validation_error")
        assert body["detail"]["errors"][0]["loc"][-1] == "offset", path


def test_a_huge_limit_on_any_list_is_422(api, operator):
    api.as_user(operator)
    for path in paginated_list_paths(api):
        response = api.get(path, {"limit": 10**20})
        body = assert_error_shape(response, 422, "validation_error")
        assert body["detail"]["errors"][0]["loc"][-1] == "limit", path


def test_limit_up_to_the_maximum_and_a_deep_offset_are_answered(api, operator, workshop):
    from core.pagination import MAX_LIMIT, MAX_OFFSET

    api.as_user(operator)
    assert api.get("/workshops", {"limit": MAX_LIMIT}).json()["count"] == 1
    assert api.get("/workshops", {"offset": MAX_OFFSET}).json()["items"] == []
    assert api.get("/orders", {"limit": MAX_LIMIT, "offset": MAX_OFFSET}).status_code == 200
    assert_error_shape(api.get("/workshops", {"limit": MAX_LIMIT + 1}), 422, "validation_error")


def test_a_huge_offset_from_a_lead_is_422_too(api, workshop):
    lead = make_user(User.Role.LEAD, organisation=workshop.organisation)
    response = api.as_user(lead).get("/batches", {"offset": 10**20})
    assert_error_shape(response, 422, "validation_error")

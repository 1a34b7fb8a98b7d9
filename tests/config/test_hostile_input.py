"""Hostile or absurd input is refused at the edge with a 4xx and a code, never a 500 from the
database, and changes nothing. No sign-in is needed to try any of these, so each must hold for
anyone, on SQLite and on PostgreSQL."""

import uuid
from datetime import timedelta

import pytest
from django.db import DataError
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken, User
from quality.models import ScanEvent
from tests.factories import make_user
from tests.quality.factories import lot_with_households
from workshops.models import Workshop

from .test_error_shape import assert_error_shape, workshop_body

pytestmark = pytest.mark.django_db

NUL = "\x00"


# --- NUL characters (PostgreSQL cannot store them) --------------------------------------------


def test_nul_in_the_sign_in_username_is_400_invalid_characters(api, operator):
    response = api.post("/auth/token", {"username": f"operator{NUL}", "password": "x" * 12})
    body = assert_error_shape(response, 400, "invalid_characters")
    assert body["detail"]["errors"][0]["loc"][-1] == "username"
    assert not ApiToken.objects.exists()


def test_nul_in_a_json_field_is_400_and_nothing_is_written(api, operator, workshop):
    center_id = workshop.organisation.service_center_id
    response = api.as_user(operator).post(
        "/workshops", workshop_body(center_id, name=f"新{NUL}工坊")
    )
    body = assert_error_shape(response, 400, "invalid_characters")
    assert body["detail"]["errors"][0]["loc"] == ["body", "payload", "name"]
    assert body["detail"]["errors"][0]["type"] == "invalid_characters"
    assert Workshop.objects.count() == 1


def test_nul_deep_in_a_json_list_is_refused_naming_the_field(api, operator):
    response = api.as_user(operator).post("/labels/sheets", {"codes": ["A1", f"B{NUL}2"]})
    body = assert_error_shape(response, 400, "invalid_characters")
    assert body["detail"]["errors"][0]["loc"] == ["body", "payload", "codes"]


def test_nul_in_a_dict_key_is_refused(api, operator, workshop):
    center_id = workshop.organisation.service_center_id
    response = api.as_user(operator).post(
        "/workshops", workshop_body(center_id, skills={f"rao{NUL}xian": 1})
    )
    assert_error_shape(response, 400, "invalid_characters")
    assert Workshop.objects.count() == 1


def test_nul_in_a_query_parameter_is_400(api, operator):
    response = api.as_user(operator).get("/workshops", {"search": f"丹{NUL}巴"})
    body = assert_error_shape(response, 400, "invalid_characters")
    assert body["detail"]["errors"][0]["loc"] == ["query", "search"]


def test_nul_in_a_path_is_400(api, lead):
    response = api.as_user(lead).get("/lots/AB%00CD")
    assert_error_shape(response, 400, "invalid_characters")


def test_nul_without_signing_in_is_still_400_not_a_database_error(api):
    assert_error_shape(api.get("/statements/abc%00def"), 400, "invalid_characters")


def test_nul_in_a_multipart_form_field_is_400(api, merchant):
    from django.core.files.uploadedfile import SimpleUploadedFile

    image = SimpleUploadedFile("a.png", b"not really a png", content_type="image/png")
    response = api.as_user(merchant).client.post(
        "/api/v1/orders/1/photos",
        {"image": image, "caption": f"样{NUL}品"},
        headers=api.headers,
    )
    body = assert_error_shape(response, 400, "invalid_characters")
    assert body["detail"]["errors"][0]["loc"] == ["form", "caption"]


def test_nul_in_the_page_sign_in_form_is_400_and_records_no_attempt():
    from axes.models import AccessAttempt

    client = Client()
    response = client.post("/login/", {"username": f"lead{NUL}", "password": "whatever-123"})
    assert response.status_code == 400, response.content
    assert "字符" in response.content.decode()
    assert not AccessAttempt.objects.exists()


def test_nul_in_one_scan_of_a_bulk_queue_rejects_that_scan_only(api, lead, workshop):
    lot, _ = lot_with_households(workshop, [10])
    when = (timezone.now() - timedelta(hours=1)).isoformat()
    good = {"key": str(uuid.uuid4()), "code": lot.code, "action": "shipped", "device_time": when}
    bad = {**good, "key": str(uuid.uuid4()), "note": f"坏{NUL}"}
    response = api.as_user(lead).post("/scans/bulk", {"scans": [bad, good]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["rejected"]) == (1, 1)
    assert body["results"][0]["status"] == "rejected"
    assert ScanEvent.objects.count() == 1


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


# --- media types -------------------------------------------------------------------------------


def test_multipart_without_a_boundary_is_400_in_the_error_shape(api, merchant):
    response = api.as_user(merchant).post(
        "/orders/1/photos", b"--x\r\n", content_type="multipart/form-data"
    )
    assert_error_shape(response, 400, "malformed_multipart")


def test_a_json_body_sent_as_text_plain_is_415_and_nothing_is_written(api, operator, workshop):
    import json

    center_id = workshop.organisation.service_center_id
    response = api.as_user(operator).post(
        "/workshops", json.dumps(workshop_body(center_id)), content_type="text/plain"
    )
    body = assert_error_shape(response, 415, "unsupported_media_type")
    assert body["detail"]["content_type"] == "text/plain"
    assert Workshop.objects.count() == 1


def test_a_json_media_type_with_charset_is_accepted(api, operator, workshop):
    import json

    center_id = workshop.organisation.service_center_id
    response = api.as_user(operator).post(
        "/workshops",
        json.dumps(workshop_body(center_id)),
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 201, response.content


# --- the safety net -----------------------------------------------------------------------------


def test_any_remaining_data_error_is_400_invalid_input_and_logged(
    api, operator, monkeypatch, caplog
):
    import workshops.api

    def overflow(**kwargs):
        raise DataError('value "99999999999999999999" is out of range for type bigint')

    monkeypatch.setattr(workshops.api, "workshop_list", overflow)
    response = api.as_user(operator).get("/workshops")
    body = assert_error_shape(response, 400, "invalid_input")
    assert "bigint" not in response.content.decode()
    assert body["detail"] == {}
    assert any("DataError" in record.getMessage() for record in caplog.records)


def test_a_huge_offset_from_a_lead_is_422_too(api, workshop):
    lead = make_user(User.Role.LEAD, organisation=workshop.organisation)
    response = api.as_user(lead).get("/batches", {"offset": 10**20})
    assert_error_shape(response, 422, "validation_error")

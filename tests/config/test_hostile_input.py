"""Hostile or absurd input is refused at the edge with a 4xx and a code, never a 500 from the
database, and changes nothing. No sign-in is needed to try any of these, so each must hold for
anyone, on SQLite and on PostgreSQL."""

import typing
import uuid
from datetime import date, timedelta

import pytest
from django.db import DataError
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken, User
from orders.models import MinimumWage
from payouts.models import PayoutAdjustment
from quality.models import ScanEvent
from tests.factories import make_household, make_user
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


# --- scan times, capacities, money ------------------------------------------------------------


@pytest.mark.parametrize(
    "device_time",
    ["0001-01-01T00:00:00+08:00", "9999-12-31T23:00:00-10:00", "1999-12-31T12:00:00+08:00"],
)
def test_scan_device_time_far_outside_now_is_422(api, lead, workshop, device_time):
    lot, _ = lot_with_households(workshop, [10])
    body = {"key": str(uuid.uuid4()), "code": lot.code, "action": "shipped"}
    response = api.as_user(lead).post("/scans", {**body, "device_time": device_time})
    body = assert_error_shape(response, 422, "validation_error")
    assert body["detail"]["errors"][0]["loc"][-1] == "device_time"
    assert not ScanEvent.objects.exists()


def test_scan_device_time_more_than_a_day_ahead_is_422(api, lead, workshop):
    lot, _ = lot_with_households(workshop, [10])
    ahead = (timezone.now() + timedelta(days=2)).isoformat()
    body = {"key": str(uuid.uuid4()), "code": lot.code, "action": "shipped", "device_time": ahead}
    assert_error_shape(api.as_user(lead).post("/scans", body), 422, "validation_error")


def test_bulk_refuses_an_impossible_device_time_for_that_scan_only(api, lead, workshop):
    lot, _ = lot_with_households(workshop, [10])
    when = (timezone.now() - timedelta(hours=1)).isoformat()
    good = {"key": str(uuid.uuid4()), "code": lot.code, "action": "shipped", "device_time": when}
    bad = {**good, "key": str(uuid.uuid4()), "device_time": "0001-01-01T00:00:00+08:00"}
    response = api.as_user(lead).post("/scans/bulk", {"scans": [good, bad]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["rejected"]) == (1, 1)
    assert body["results"][1]["error"]["detail"]["errors"][0]["loc"] == ["device_time"]
    assert ScanEvent.objects.count() == 1


def test_absurd_daily_capacity_on_patch_is_422_and_changes_nothing(api, operator, workshop):
    before = workshop.daily_capacity
    response = api.as_user(operator).patch(f"/workshops/{workshop.pk}", {"daily_capacity": 10**12})
    body = assert_error_shape(response, 422, "validation_error")
    assert body["detail"]["errors"][0]["loc"][-1] == "daily_capacity"
    workshop.refresh_from_db()
    assert workshop.daily_capacity == before


def test_a_minimum_wage_of_ten_to_the_thirty_is_422(api, operator):
    before = MinimumWage.objects.count()
    response = api.as_user(operator).post(
        "/minimum-wages",
        {
            "province": "四川",
            "hourly": "1" + "0" * 30,
            "effective_from": "2026-01-01",
            "source": "川府规〔2025〕1号",
        },
    )
    body = assert_error_shape(response, 422, "validation_error")
    assert body["detail"]["errors"][0]["loc"][-1] == "hourly"
    assert MinimumWage.objects.count() == before


def test_an_adjustment_of_ten_to_the_thirty_is_422(api, operator, workshop):
    from payouts.services import period_create

    period = period_create(
        actor=operator, name="三月", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    household = make_household(workshop)
    response = api.as_user(operator).post(
        f"/payouts/periods/{period.pk}/adjustments",
        {"household_id": household.pk, "kind": "bonus", "amount": "1e30", "reason": "奖励"},
    )
    body = assert_error_shape(response, 422, "validation_error")
    assert body["detail"]["errors"][0]["loc"][-1] == "amount"
    assert not PayoutAdjustment.objects.exists()


def input_schemas() -> list[type]:
    import config.api  # noqa: F401  (imports every app's schemas)
    from core.schemas import InSchema

    found, todo = [], [InSchema]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def constraints(field) -> list:
    """A field's constraints, also those inside ``Annotated`` members of ``X | None``."""
    found = list(field.metadata)
    todo = list(typing.get_args(field.annotation))
    while todo:
        arg = todo.pop()
        for extra in getattr(arg, "__metadata__", ()):
            found.extend(getattr(extra, "metadata", [extra]))
        todo.extend(typing.get_args(arg))
    return found


def bounded(field) -> bool:
    """A bound on the value, or digits and places that together bound it (a DecimalField)."""
    found = constraints(field)
    lt_le = any(
        getattr(m, "lt", None) is not None or getattr(m, "le", None) is not None for m in found
    )
    digits = any(getattr(m, "max_digits", None) is not None for m in found) and any(
        getattr(m, "decimal_places", None) is not None for m in found
    )
    return lt_le or digits


def test_every_decimal_field_of_every_input_schema_is_bounded():
    unbounded = [
        f"{schema.__name__}.{name}"
        for schema in input_schemas()
        for name, field in schema.model_fields.items()
        if "Decimal" in str(field.annotation) and not bounded(field)
    ]
    assert not unbounded, unbounded


# --- conflicts and media types ----------------------------------------------------------------


def test_a_second_workshop_with_the_same_name_is_409_workshop_name_taken(api, operator, workshop):
    center_id = workshop.organisation.service_center_id
    response = api.as_user(operator).post(
        "/workshops", workshop_body(center_id, name=workshop.organisation.name)
    )
    body = assert_error_shape(response, 409, "workshop_name_taken")
    assert body["detail"] == {"name": workshop.organisation.name}
    assert Workshop.objects.count() == 1


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

"""Statuses operations answer that their OpenAPI document did not list (found by tests/fuzz)."""

import pytest
from django.test.client import MULTIPART_CONTENT

pytestmark = pytest.mark.django_db

MISSING = 999_999


@pytest.fixture
def document(api) -> dict:
    return api.get("/openapi.json").json()


def documented(document: dict, method: str, path: str) -> set[str]:
    return set(document["paths"][f"/api/v1{path}"][method]["responses"])


def test_an_id_in_the_path_that_is_not_a_number_is_a_documented_422(api, merchant, document):
    response = api.as_user(merchant).get("/orders/abc")

    assert response.status_code == 422, response.content
    assert response.json()["detail"]["errors"][0]["loc"] == ["path", "order_id"]
    assert "422" in documented(document, "get", "/orders/{order_id}")
    assert "422" in documented(document, "post", "/batches/{batch_id}/claim")


def test_a_code_in_the_path_is_any_text_and_claims_no_422(document):
    assert "422" not in documented(document, "get", "/lots/{code}")
    assert "422" not in documented(document, "get", "/statements/{token}")


def lot_code() -> str:
    from quality.codes import new_code

    return new_code()


# A write that names another resource in its body answers 404 when that one is not found (or
# not the caller's), as a path would.
BODY_REFERENCES = {
    "lots": ("lead", "/lots", lambda: {"batch_id": MISSING, "kind": "material", "quantity": 10}),
    "label sheets": ("lead", "/labels/sheets", lambda: {"codes": [lot_code()]}),
    "scans": (
        "lead",
        "/scans",
        lambda: {
            "code": lot_code(),
            "action": "shipped",
            "key": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "device_time": "2026-01-01T00:00:00+08:00",
        },
    ),
    "cohorts": (
        "operator",
        "/cohorts",
        lambda: {
            "programme_id": MISSING,
            "name": "丹巴一班",
            "start_date": "2026-01-01",
            "place_kind": "village",
            "place": "丹巴县",
            "trainer_ids": [],
        },
    ),
    "trainees": (
        "operator",
        "/trainees",
        lambda: {
            "cohort_id": MISSING,
            "name": "学员",
            "province": "四川",
            "county": "丹巴县",
            "background": "villager",
        },
    ),
    "progress": (
        "trainer",
        "/progress",
        lambda: {
            "trainee_ids": [MISSING],
            "module_id": MISSING,
            "hours": "1",
            "date": "2026-01-01",
            "activity": "绕线",
        },
    ),
}


@pytest.mark.parametrize("case", BODY_REFERENCES.values(), ids=BODY_REFERENCES.keys())
def test_a_write_naming_a_missing_resource_is_a_documented_404(case, api, request, document):
    role, path, body = case
    response = api.as_user(request.getfixturevalue(role)).post(path, body())

    assert response.status_code == 404, response.content
    assert response.json()["code"].endswith("not_found")
    assert "404" in documented(document, "post", path)


def test_a_progress_upload_naming_a_missing_trainee_is_a_documented_404(api, trainer, document):
    fields = {
        "trainee_ids": [MISSING],
        "module_id": MISSING,
        "hours": "1",
        "date": "2026-01-01",
        "activity": "绕线",
    }
    response = api.as_user(trainer).post("/progress/upload", fields, content_type=MULTIPART_CONTENT)

    assert response.status_code == 404, response.content
    assert "404" in documented(document, "post", "/progress/upload")

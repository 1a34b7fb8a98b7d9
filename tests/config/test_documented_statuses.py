"""Statuses operations answer that their OpenAPI document did not list (found by tests/fuzz)."""

import pytest

pytestmark = pytest.mark.django_db


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

"""Every 4xx answers {code, message, detail}, in the request's language, and changes nothing."""

import pytest

from accounts.models import Organisation, User
from workshops.models import Workshop

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "detail"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    return body


def workshop_body(center_id: int, **overrides) -> dict:
    body = {
        "name": "新工坊",
        "province": "四川",
        "county": "丹巴县",
        "service_center_id": center_id,
        "daily_capacity": 300,
        "skills": {"raoxian": 2},
    }
    body.update(overrides)
    return body


def test_400_malformed_json(api, operator):
    response = api.as_user(operator).post(
        "/workshops", "{not json", content_type="application/json"
    )
    assert_error_shape(response, 400, "malformed_body")
    assert Workshop.objects.count() == 0


def test_400_domain_error_names_unknown_skill(api, operator, workshop):
    center_id = workshop.organisation.service_center_id
    response = api.as_user(operator).post(
        "/workshops", workshop_body(center_id, skills={"juggling": 1})
    )
    body = assert_error_shape(response, 400, "unknown_skill")
    assert body["detail"] == {"unknown": ["juggling"]}
    assert Workshop.objects.count() == 1


def test_401_without_credentials(api):
    assert_error_shape(api.get("/workshops"), 401, "not_authenticated")


def test_403_wrong_role_and_nothing_created(api, lead):
    center_id = lead.organisation.service_center_id
    response = api.as_user(lead).post("/workshops", workshop_body(center_id))
    body = assert_error_shape(response, 403, "role_not_allowed")
    assert body["detail"]["allowed"] == ["operator"]
    assert Workshop.objects.count() == 1
    assert not Organisation.objects.filter(name="新工坊").exists()


def test_404_for_another_workshops_record(api, workshop):
    from tests.factories import make_workshop

    other = make_workshop()
    assert_error_shape(
        api.as_user(workshop.lead).get(f"/workshops/{other.pk}"), 404, "workshop_not_found"
    )


def test_404_for_unknown_api_path(api, operator):
    assert_error_shape(api.as_user(operator).get("/no-such-thing"), 404, "not_found")


def test_422_unknown_field(api, operator, workshop):
    center_id = workshop.organisation.service_center_id
    response = api.as_user(operator).post("/workshops", workshop_body(center_id, colour="red"))
    body = assert_error_shape(response, 422, "validation_error")
    assert ["body", "payload", "colour"] in [error["loc"] for error in body["detail"]["errors"]]
    assert Workshop.objects.count() == 1


def test_422_impossible_value(api, operator, workshop):
    center_id = workshop.organisation.service_center_id
    response = api.as_user(operator).post("/workshops", workshop_body(center_id, daily_capacity=0))
    body = assert_error_shape(response, 422, "validation_error")
    assert body["detail"]["errors"][0]["loc"][-1] == "daily_capacity"


def test_message_follows_accept_language(api):
    zh = api.get("/me")
    en = api.get("/me", headers={"Accept-Language": "en"})
    assert zh.json()["message"] == "请先登录。"
    assert en.json()["message"] == "Please sign in first."
    assert en.json()["code"] == zh.json()["code"]


def test_403_message_in_english(api, lead):
    center_id = lead.organisation.service_center_id
    response = api.as_user(lead).post(
        "/workshops", workshop_body(center_id), headers={"Accept-Language": "en"}
    )
    assert response.json()["message"] == "Your role is not allowed to do this."


def test_messages_in_french_for_accept_language_fr(api, lead):
    assert api.get("/me", headers={"Accept-Language": "fr"}).json()["message"] == (
        "Veuillez d'abord vous connecter."
    )
    center_id = lead.organisation.service_center_id
    response = api.as_user(lead).post(
        "/workshops", workshop_body(center_id), headers={"Accept-Language": "fr-FR,fr;q=0.9"}
    )
    body = assert_error_shape(response, 403, "role_not_allowed")
    assert body["message"] == "Votre rôle ne permet pas de faire ceci."


def test_500_is_json_without_traceback(api, operator, monkeypatch, settings):
    settings.DEBUG = False
    import workshops.api

    def explode(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(workshops.api, "workshop_list", explode)
    response = api.as_user(operator).get("/workshops")
    body = assert_error_shape(response, 500, "server_error")
    assert "secret internals" not in response.content.decode()
    assert body["detail"] == {}


def test_openapi_document_is_served(api):
    response = api.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/auth/token" in paths
    assert "/api/v1/me" in paths
    assert api.get("/docs").status_code == 200


def test_user_role_label_translates(operator):
    from django.utils import translation

    with translation.override("en"):
        assert str(User.Role(operator.role).label) == "Operator"


def test_413_body_over_the_limit_changes_nothing(api, operator, workshop, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    center_id = workshop.organisation.service_center_id
    body = workshop_body(center_id, name="大" * 40, village="x" * 2000)
    response = api.as_user(operator).post("/workshops", body)
    body = assert_error_shape(response, 413, "payload_too_large")
    assert body["detail"] == {"max_bytes": 1024}
    assert Workshop.objects.count() == 1


def test_405_is_the_error_body_and_names_the_allowed_methods(api, operator):
    response = api.as_user(operator).delete("/workshops")
    body = assert_error_shape(response, 405, "method_not_allowed")
    assert body["detail"] == {"allowed": ["GET", "POST"]}
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    assert api.put("/me").json()["code"] == "method_not_allowed"


def test_write_without_any_credentials_is_401_not_a_csrf_failure(workshop):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)  # a phone or script: no cookie, no token
    center_id = workshop.organisation.service_center_id
    response = client.post(
        "/api/v1/workshops", workshop_body(center_id), content_type="application/json"
    )
    assert_error_shape(response, 401, "not_authenticated")
    assert_error_shape(client.delete("/api/v1/auth/token"), 401, "not_authenticated")
    assert Workshop.objects.count() == 1


def test_session_cookie_write_without_csrf_token_stays_403_csrf_failed(operator, workshop):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    center_id = workshop.organisation.service_center_id
    response = client.post(
        "/api/v1/workshops", workshop_body(center_id), content_type="application/json"
    )
    assert_error_shape(response, 403, "csrf_failed")
    assert Workshop.objects.count() == 1


def test_unknown_api_path_is_the_error_body_with_debug_on(api, operator, settings):
    settings.DEBUG = True
    response = api.as_user(operator).get("/no-such-thing")
    assert_error_shape(response, 404, "not_found")
    assert response["Content-Type"].startswith("application/json")
    assert_error_shape(api.post("/v2/orders", {}), 404, "not_found")

import hashlib

from django.db import connection

from accounts.models import User
from config.api import api as ninja_api
from integrations.keys import api_key_create
from integrations.models import ApiKey
from integrations.scopes import ENDPOINT_SCOPES
from orders.models import Order
from tests.factories import make_skill, make_user
from tests.orders.factories import make_order


def key_client(api, raw_key):
    api.headers = {"Authorization": f"Bearer {raw_key}"}
    return api


def order_body(**fields):
    from datetime import timedelta

    from django.utils import timezone

    body = {
        "product_name": "绳编腰带",
        "quantity": 600,
        "batch_size": 300,
        "fee_per_piece": "0.50",
        "standard_minutes": "1.00",
        "deadline": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "required_skills": ["raoxian"],
    }
    return {**body, **fields}


def test_key_is_shown_once_and_stored_hashed(api, merchant):
    response = api.as_user(merchant).post("/api-keys", {"name": "ERP", "scopes": ["orders:read"]})
    assert response.status_code == 201, response.content
    raw = response.json()["key"]
    assert raw.startswith("sck_")
    key = ApiKey.objects.get(pk=response.json()["id"])
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {key.key_prefix, key.key_hash, key.name}
    listed = api.get("/api-keys").json()["items"]
    assert [k["id"] for k in listed] == [key.pk]
    assert "key" not in listed[0]


def test_read_scope_key_reads_its_orders_but_cannot_publish(api, merchant):
    order = make_order(merchant)
    _key, raw = api_key_create(actor=merchant, name="ERP", scopes=["orders:read"])
    client = key_client(api, raw)
    assert client.get(f"/orders/{order.pk}").status_code == 200
    response = client.post(f"/orders/{order.pk}/publish", {"acknowledge_below_minimum_wage": True})
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "api_key_scope_missing"
    assert response.json()["detail"] == {"required": "orders:write", "granted": ["orders:read"]}
    order.refresh_from_db()
    assert order.status == Order.Status.DRAFT


def test_write_scope_key_creates_and_publishes_as_the_organisation(api, merchant):
    make_skill("raoxian")
    _key, raw = api_key_create(actor=merchant, name="ERP", scopes=["orders:write"])
    client = key_client(api, raw)
    response = client.post("/orders", order_body())
    assert response.status_code == 201, response.content
    order = Order.objects.get(pk=response.json()["id"])
    assert order.merchant_id == merchant.organisation_id
    assert order.created_by.username == f"apikey-{merchant.organisation_id}"
    assert not order.created_by.has_usable_password()
    published = client.post(f"/orders/{order.pk}/publish", {"acknowledge_below_minimum_wage": True})
    assert published.status_code == 200, published.content
    assert published.json()["status"] == "published"


def test_key_sees_its_company_orders_and_not_another_companys(api, merchant):
    colleague = make_user(User.Role.MERCHANT, organisation=merchant.organisation)
    ours = make_order(colleague)
    theirs = make_order(make_user(User.Role.MERCHANT))
    _key, raw = api_key_create(actor=merchant, name="ERP", scopes=["orders:read"])
    client = key_client(api, raw)
    listed = client.get("/orders").json()["items"]
    assert [o["id"] for o in listed] == [ours.pk]
    assert client.get(f"/orders/{theirs.pk}").status_code == 404


def test_revoked_key_is_refused_at_once(api, merchant):
    order = make_order(merchant)
    key, raw = api_key_create(actor=merchant, name="ERP", scopes=["orders:read"])
    client = key_client(api, raw)
    assert client.get(f"/orders/{order.pk}").status_code == 200  # in use (and in any cache)
    revoked = api.__class__().as_user(merchant).post(f"/api-keys/{key.pk}/revoke")
    assert revoked.status_code == 200, revoked.content
    response = client.get(f"/orders/{order.pk}")
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "api_key_revoked"


def test_each_use_is_recorded(api, merchant):
    key, raw = api_key_create(actor=merchant, name="ERP", scopes=["orders:read"])
    client = key_client(api, raw)
    for _ in range(3):
        assert client.get("/orders").status_code == 200
    key.refresh_from_db()
    assert key.use_count == 3
    assert key.last_used_at is not None


def test_key_cannot_call_what_no_scope_covers(api, merchant):
    _key, raw = api_key_create(
        actor=merchant, name="ERP", scopes=["orders:read", "orders:write", "quality:read"]
    )
    client = key_client(api, raw)
    for method, path in [("get", "/api-keys"), ("post", "/batches/1/claim"), ("get", "/webhooks")]:
        response = getattr(client, method)(path)
        assert response.status_code == 403, (path, response.content)
        assert response.json()["code"] == "api_key_endpoint_not_allowed"
    assert ApiKey.objects.count() == 1


def test_unknown_key_is_401(api, db):
    response = key_client(api, "sck_not-a-key").get("/orders")
    assert response.status_code == 401
    assert response.json()["code"] == "api_key_invalid"


def test_unknown_scope_is_400_and_operator_cannot_make_keys(api, merchant):
    response = api.as_user(merchant).post("/api-keys", {"name": "x", "scopes": ["orders:all"]})
    assert response.status_code == 400
    assert response.json()["code"] == "api_key_unknown_scope"
    operator = make_user(User.Role.OPERATOR)
    response = api.as_user(operator).post("/api-keys", {"name": "x", "scopes": ["orders:read"]})
    assert response.status_code == 403, response.content
    assert ApiKey.objects.count() == 0


def test_another_merchants_key_cannot_be_revoked(api, merchant):
    key, _raw = api_key_create(actor=merchant, name="ERP", scopes=["orders:read"])
    other = make_user(User.Role.MERCHANT)
    response = api.as_user(other).post(f"/api-keys/{key.pk}/revoke")
    assert response.status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_every_scoped_endpoint_exists_in_the_api(db):
    paths = ninja_api.get_openapi_schema()["paths"]
    documented = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in paths.items()
        for method in operations
    }
    assert set(ENDPOINT_SCOPES) <= documented, set(ENDPOINT_SCOPES) - documented
    assert connection.vendor in {"sqlite", "postgresql"}

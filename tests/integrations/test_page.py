"""The merchant's integrations page: make a key and an endpoint, each shown once; revoke."""

import re

from django.test import Client

from integrations.models import ApiKey, WebhookEndpoint


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_key_is_made_shown_once_and_revoked_on_the_page(merchant):
    client = signed_in(merchant)
    response = client.post(
        "/shop/integrations/",
        {"action": "key_create", "name": "ERP", "scopes": ["orders:read", "quality:read"]},
    )
    assert response.status_code == 302
    page = client.get("/shop/integrations/").content.decode()
    [raw] = re.findall(r'class="linkbox">(sck_[\w-]+)<', page)
    key = ApiKey.objects.get()
    assert key.scopes == ["orders:read", "quality:read"]
    assert raw not in client.get("/shop/integrations/").content.decode()  # once only
    client.post("/shop/integrations/", {"action": "key_revoke", "id": key.pk})
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert raw.startswith(key.key_prefix)


def test_private_endpoint_is_refused_on_the_page_with_a_message(merchant):
    client = signed_in(merchant)
    response = client.post(
        "/shop/integrations/",
        {"action": "endpoint_create", "url": "http://10.0.0.5/hook", "events": ["order.published"]},
        follow=True,
    )
    assert "内网" in response.content.decode()
    assert WebhookEndpoint.objects.count() == 0


def test_page_is_for_merchants_only(lead):
    response = signed_in(lead).get("/shop/integrations/")
    assert response.status_code == 403


def test_the_merchants_order_list_links_to_the_page(merchant):
    page = signed_in(merchant).get("/shop/").content.decode()
    assert 'href="/shop/integrations/"' in page

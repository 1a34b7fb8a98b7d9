import pytest
from django.test import Client

from accounts.models import User
from orders.models import Batch, BatchEvent
from tests.factories import make_user, make_workshop

from .factories import batch_in_production, claimed_batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    admin_user = make_user(User.Role.OPERATOR, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin_user)
    return client, admin_user


def test_admin_release_goes_through_the_service_and_reports_refusals(admin_client):
    client, admin_user = admin_client
    workshop = make_workshop()
    claimed = claimed_batch(workshop)
    started = batch_in_production(workshop)
    response = client.post(
        "/admin/orders/batch/",
        {"action": "release_claims", "_selected_action": [claimed.pk, started.pk]},
        follow=True,
    )
    assert response.status_code == 200
    claimed.refresh_from_db()
    started.refresh_from_db()
    assert claimed.status == Batch.Status.OPEN
    assert started.status == Batch.Status.IN_PRODUCTION
    event = BatchEvent.objects.filter(batch=claimed).latest("pk")
    assert (event.to_status, event.actor) == ("open", admin_user)
    text = response.content.decode()
    assert "已退回 1 个批次。" in text
    assert f"#{started.pk}" in text


def test_admin_start_production(admin_client):
    client, _ = admin_client
    batch = claimed_batch(make_workshop())
    client.post(
        "/admin/orders/batch/", {"action": "start_production", "_selected_action": [batch.pk]}
    )
    batch.refresh_from_db()
    assert batch.status == Batch.Status.IN_PRODUCTION

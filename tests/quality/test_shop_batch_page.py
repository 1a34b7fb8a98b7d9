"""The merchant's batch page (/shop/batches/<id>/): workshop, region, lots with their stages and
verdicts, a timeline of the batch's events and its lots' scans; the merchant's own only."""

import re
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from quality.scans import scan_record
from quality.services import lot_inspect
from tests.factories import make_household, make_skill, make_user, make_workshop
from tests.ui.factories import (
    hand_out_and_back,
    make_batch_in_production,
    make_finished_lot,
    make_published_order,
)

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def inspected_batch(db):
    make_skill("raoxian", "绕线")
    workshop = make_workshop(name="聂呷乡绳编工坊")
    zhuoma = make_household(workshop, name="卓玛家")
    batch = make_batch_in_production(workshop, quantity=200)
    hand_out_and_back(batch, {zhuoma: 200})
    lot = make_finished_lot(batch, {zhuoma: 200})
    checker = make_user(User.Role.CHECKER, organisation=workshop.organisation.service_center)
    scan_record(
        actor=checker,
        key=str(uuid.uuid4()),
        code=lot.code,
        action="received",
        device_time=timezone.now(),
    )
    lot_inspect(actor=checker, code=lot.code, defects=[])
    return batch, lot


def test_the_batch_page_shows_workshop_region_lots_and_a_timeline(inspected_batch):
    batch, lot = inspected_batch
    response = signed_in(batch.order.created_by).get(f"/shop/batches/{batch.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "聂呷乡绳编工坊" in page
    region = batch.workshop.organisation.service_center
    assert f'<dd class="region">{region.name}' in page
    assert f"成品包 {lot.code}" in page and ">合格<" in page
    moments = [
        re.sub(r"\s+", " ", m)
        for m in re.findall(r"<li class=\"(?:batch|scan)\">.*?<strong>(.*?)</strong>", page)
    ]
    # published → claimed → in production (events), then the lot's scans in device time.
    assert moments[:3] == ["待认领", "已认领", "生产中"]
    assert f"成品包 {lot.code}：签收" in moments
    assert "订单发布，等待认领" in page and "材料已签收，开工" in page


def test_the_order_page_links_each_batch_to_its_page(inspected_batch):
    batch, _lot = inspected_batch
    page = signed_in(batch.order.created_by).get(f"/shop/orders/{batch.order_id}/")
    assert f'href="/shop/batches/{batch.pk}/"' in page.content.decode()


def test_an_open_batch_says_no_workshop_has_it_yet(db):
    make_skill("raoxian", "绕线")
    merchant = make_user(User.Role.MERCHANT)
    order = make_published_order(merchant, quantity=100, batch_size=100)
    page = signed_in(merchant).get(f"/shop/batches/{order.batches.get().pk}/").content.decode()
    assert "还没有工坊认领" in page and "还没有货批。" in page


def test_another_merchant_gets_the_404_page(inspected_batch):
    batch, _lot = inspected_batch
    assert (
        signed_in(make_user(User.Role.MERCHANT)).get(f"/shop/batches/{batch.pk}/").status_code
        == 404
    )


def test_a_lead_is_not_let_in(inspected_batch):
    batch, _lot = inspected_batch
    assert signed_in(batch.workshop.lead).get(f"/shop/batches/{batch.pk}/").status_code == 403

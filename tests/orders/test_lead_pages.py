"""The lead's batch page (issue 12): what the work is before claiming, starting production by
hand when the materials came without a label, households told apart in the picker, and a
wrong return corrected by a new entry from the page."""

import re
import uuid

import pytest

from orders.models import Batch, BatchEvent, Ticket, TicketReturn, TicketReturnCorrection
from orders.services import ticket_return_record
from tests.factories import make_household, make_user, make_workshop
from tests.ui.factories import add_product_photo

from .factories import batch_in_production, claimed_batch, make_published_order, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead_client(client, workshop):
    client.force_login(workshop.lead)
    return client


def test_a_lead_reads_spec_photo_hours_and_deadline_of_an_open_batch_before_claiming(
    lead_client,
):
    order = make_published_order(
        quantity=100, batch_size=100, spec="红黄双色绕线，收口打死结。", minutes="3"
    )
    add_product_photo(order)
    batch = order.batches.get()
    page = lead_client.get(f"/work/batches/{batch.pk}/").content.decode()
    assert "红黄双色绕线，收口打死结。" in page
    photo = order.photos.get()
    assert f"/media/{photo.thumbnail.name}" in page
    assert "约 5 小时" in page  # 100 pieces × 3 minutes
    assert f'datetime="{order.deadline.isoformat()}"' in page
    assert f'action="/work/batches/{batch.pk}/claim/"' in page
    # The open-batch card links to it.
    assert f'href="/work/batches/{batch.pk}/"' in lead_client.get("/work/").content.decode()


def test_claiming_from_the_batch_page_lands_on_it_waiting_for_materials(lead_client, workshop):
    batch = make_published_order(quantity=100, batch_size=100).batches.get()
    response = lead_client.post(f"/work/batches/{batch.pk}/claim/", follow=True)
    batch.refresh_from_db()
    assert (batch.status, batch.workshop_id) == (Batch.Status.CLAIMED, workshop.pk)
    page = response.content.decode()
    assert "等待送料" in page
    assert "物料已到，开工" in page


def test_an_open_batch_the_workshop_may_not_claim_is_404(lead_client):
    batch = make_published_order(quantity=100, batch_size=100, skills=("gouzhen",)).batches.get()
    assert lead_client.get(f"/work/batches/{batch.pk}/").status_code == 404


def test_materials_without_a_label_start_production_by_hand_with_an_event(lead_client, workshop):
    batch = claimed_batch(workshop, quantity=100, batch_size=100)
    response = lead_client.post(f"/work/batches/{batch.pk}/start/", follow=True)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.IN_PRODUCTION
    event = BatchEvent.objects.filter(batch=batch).latest("pk")
    assert (event.to_status, event.actor, event.reason) == (
        "in_production",
        workshop.lead,
        "materials_received",
    )
    assert "批次开工了" in response.content.decode()
    # Twice is refused with the message, nothing changes.
    again = lead_client.post(f"/work/batches/{batch.pk}/start/", follow=True)
    assert "批次当前状态不允许这一步" in again.content.decode()
    assert BatchEvent.objects.filter(batch=batch, to_status="in_production").count() == 1


def test_another_lead_cannot_start_my_batch(client, workshop):
    batch = claimed_batch(workshop, quantity=100, batch_size=100)
    client.force_login(make_workshop().lead)
    response = client.post(f"/work/batches/{batch.pk}/start/", follow=True)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.CLAIMED
    assert "批次不存在，或不属于您" in response.content.decode()


def test_the_household_picker_tells_apart_two_of_the_same_name(lead_client, workshop):
    first = make_household(workshop, name="卓玛家", village="聂呷村", phone="13800001111")
    second = make_household(workshop, name="卓玛家", village="甲居村", phone="13900002222")
    batch = batch_in_production(workshop, quantity=100, batch_size=100)
    page = lead_client.get(f"/work/batches/{batch.pk}/").content.decode()
    for household, village, tail in ((first, "聂呷村", "1111"), (second, "甲居村", "2222")):
        option = f"卓玛家 · {household.pk}号 · {village} · 尾号{tail}"
        assert f'<option value="{household.pk}">{option}</option>' in page
    assert "13800001111" not in page and "13900002222" not in page


def test_a_wrong_return_is_corrected_from_the_page_as_a_new_row(lead_client, workshop):
    batch = batch_in_production(workshop, quantity=100, batch_size=100)
    ticket = make_ticket(batch, 60)
    ticket_return_record(actor=workshop.lead, ticket_id=ticket.pk, returned=55)
    form = {
        f"c{ticket.pk}-direction": "-",
        f"c{ticket.pk}-pieces": "5",
        f"c{ticket.pk}-reason": "数错了",
        f"c{ticket.pk}-key": str(uuid.uuid4()),
    }
    url = f"/work/batches/{batch.pk}/tickets/{ticket.pk}/corrections/"
    response = lead_client.post(url, form, follow=True)
    page = response.content.decode()
    assert "已更正交回件数 -5，原记录保留。" in page
    assert "交回 50 / 60" in page and "更正 -5 件" in page and "交回 55 件" in page
    ticket.refresh_from_db()
    assert ticket.returned == 50
    assert list(TicketReturn.objects.values_list("returned", flat=True)) == [55]
    assert list(TicketReturnCorrection.objects.values_list("returned_change", flat=True)) == [-5]
    # The same form sent again (a double tap) counts once.
    lead_client.post(url, form)
    assert TicketReturnCorrection.objects.count() == 1


@pytest.mark.parametrize(
    ("direction", "pieces", "reason", "message"),
    [
        ("+", "6", "漏记", "更正后交回与损耗合计会超过发放件数。"),
        ("-", "56", "多记", "更正后交回件数会小于零。"),
        ("-", "1", "", "这个字段是必填项。"),
    ],
)
def test_a_refused_correction_says_why_next_to_the_form_and_changes_nothing(
    lead_client, workshop, direction, pieces, reason, message
):
    batch = batch_in_production(workshop, quantity=100, batch_size=100)
    ticket = make_ticket(batch, 60)
    ticket_return_record(actor=workshop.lead, ticket_id=ticket.pk, returned=55)
    response = lead_client.post(
        f"/work/batches/{batch.pk}/tickets/{ticket.pk}/corrections/",
        {
            f"c{ticket.pk}-direction": direction,
            f"c{ticket.pk}-pieces": pieces,
            f"c{ticket.pk}-reason": reason,
            f"c{ticket.pk}-key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Ticket.objects.get().returned == 55
    assert not TicketReturnCorrection.objects.exists()


def test_a_merchant_cannot_open_the_lead_pages(client):
    client.force_login(make_user("merchant"))
    batch = make_published_order(quantity=100, batch_size=100).batches.get()
    assert client.get(f"/work/batches/{batch.pk}/").status_code == 403


def test_the_open_batch_page_shows_twenty_at_a_time_best_first(db):
    """Thousands may be open at once: the page is a slice from the database, with a link on."""
    from django.test import Client

    from orders.models import Batch
    from tests.factories import make_skill, make_user, make_workshop
    from tests.ui.factories import make_published_order

    make_skill("raoxian", "绕线")
    workshop = make_workshop()
    merchant = make_user("merchant")
    make_published_order(merchant, quantity=25 * 10, batch_size=10)
    client = Client()
    client.force_login(workshop.lead)
    first = client.get("/work/").content.decode()
    assert first.count('class="card" id="batch-') == 20
    assert 'href="?from=20" rel="next"' in first
    second = client.get("/work/", {"from": "20"}).content.decode()
    assert second.count('class="card" id="batch-') == 5
    assert 'rel="next"' not in second and 'href="?from=0" rel="prev"' in second
    shown = {int(pk) for page in (first, second) for pk in re.findall(r'id="batch-(\d+)"', page)}
    assert shown == set(Batch.objects.filter(status="open").values_list("pk", flat=True))
    # a nonsense cursor is the first page
    assert client.get("/work/", {"from": "-3"}).content.decode().count('id="batch-') == 20

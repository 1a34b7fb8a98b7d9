"""The merchant's order pages: draft, edit, publish and cancel a draft; cancel a published
order's unclaimed batches; a photo chosen before the fair-pay step survives it (issue 12)."""

import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from orders.models import Batch, BatchEvent, Order, OrderPhoto, PendingPhoto
from orders.services import batch_claim
from tests.factories import make_skill, make_workshop

from .factories import make_merchant, make_order, make_published_order

pytestmark = pytest.mark.django_db

DEADLINE = str(timezone.localdate() + timedelta(days=40))
# 0.10 ¥ a piece at 2 minutes is ¥3.00 an hour: below every seeded minimum wage.
BELOW_MINIMUM = {"fee_per_piece": "0.10", "standard_minutes": "2"}


def form(**changes) -> dict:
    data = {
        "product_name": "绳编挂饰",
        "spec": "红绳，长 12 cm",
        "quantity": "300",
        "batch_size": "100",
        "fee_per_piece": "1.20",
        "standard_minutes": "2",
        "deadline": DEADLINE,
        "aql": "2.5",
        "inspection_level": "II",
        "required_skills": ["raoxian"],
    }
    data.update(changes)
    return data


def jpeg(name: str = "sample.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (200, 150), (180, 40, 40)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture(autouse=True)
def _skill(db):
    make_skill("raoxian", "绕线")


# --- a photo chosen before the fair-pay confirmation -------------------------------------------


def test_a_photo_chosen_before_the_fair_pay_confirmation_is_published_with_the_order():
    """Regression (issue 12): the form came back asking for the acknowledgement, the browser
    does not re-send the file, and the order was published without its photo."""
    merchant = make_merchant()
    client = signed_in(merchant)
    first = client.post("/shop/orders/new/", {**form(**BELOW_MINIMUM), "photo": jpeg()})
    assert first.status_code == 200
    page = first.content.decode()
    assert "折合时薪低于当地最低小时工资" in page
    assert not Order.objects.exists()
    token = re.search(r'name="kept_photo" value="([0-9a-f-]{36})"', page)
    assert token, "the form must carry the photo it was sent with"
    assert "已选照片「sample.jpg」已保存" in page

    # What the browser sends back: the fields, the tick, no file.
    second = client.post(
        "/shop/orders/new/",
        {**form(**BELOW_MINIMUM), "acknowledge_below_minimum_wage": "on", "kept_photo": token[1]},
    )
    assert second.status_code == 302
    order = Order.objects.get()
    assert order.status == Order.Status.PUBLISHED
    assert order.fair_pay_acknowledged_by == merchant
    photo = OrderPhoto.objects.get(order=order)
    assert (photo.width, photo.height) == (200, 150)
    assert not PendingPhoto.objects.exists()


def test_a_kept_photo_token_of_someone_else_attaches_nothing_and_says_so():
    owner, other = make_merchant(), make_merchant()
    page = signed_in(owner).post("/shop/orders/new/", {**form(**BELOW_MINIMUM), "photo": jpeg()})
    token = re.search(r'name="kept_photo" value="([0-9a-f-]{36})"', page.content.decode())[1]
    response = signed_in(other).post(
        "/shop/orders/new/",
        {**form(**BELOW_MINIMUM), "acknowledge_below_minimum_wage": "on", "kept_photo": token},
    )
    assert response.status_code == 200
    assert "先前选的照片已失效，请重新选择。" in response.content.decode()
    assert not Order.objects.exists()
    assert PendingPhoto.objects.get().owner == owner


def test_a_file_that_is_not_a_picture_is_refused_at_the_first_post():
    bogus = SimpleUploadedFile("x.jpg", b"not a picture", content_type="image/jpeg")
    response = signed_in(make_merchant()).post("/shop/orders/new/", {**form(), "photo": bogus})
    assert response.status_code == 200
    assert not Order.objects.exists() and not PendingPhoto.objects.exists()


def test_unused_kept_photos_are_purged_with_their_files_and_a_second_run_finds_nothing():
    from orders.services import pending_photo_keep, pending_photos_purge

    merchant = make_merchant()
    old, fresh = pending_photo_keep(actor=merchant, upload=jpeg()), None
    fresh = pending_photo_keep(actor=merchant, upload=jpeg("new.jpg"))
    PendingPhoto.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    storage = old.image.storage
    assert storage.exists(old.image.name)
    assert pending_photos_purge() == 1
    assert not storage.exists(old.image.name)
    assert list(PendingPhoto.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert pending_photos_purge() == 0


# --- drafts -----------------------------------------------------------------------------------


def test_save_draft_keeps_the_order_unpublished_with_its_photo():
    merchant = make_merchant()
    response = signed_in(merchant).post(
        "/shop/orders/new/", {**form(), "photo": jpeg(), "then": "draft"}, follow=True
    )
    order = Order.objects.get()
    assert order.status == Order.Status.DRAFT
    assert not order.batches.exists()
    assert order.photos.count() == 1
    assert "草稿已保存。可以继续修改，准备好了再发布。" in messages_of(response)
    page = response.content.decode()
    assert "发布并拆分批次" in page and "修改草稿" in page and "取消这个草稿" in page


def test_the_edit_form_is_prefilled_and_saves_the_changes():
    merchant = make_merchant()
    order = make_order(merchant, quantity=600, batch_size=200, fee="1.20", minutes="2.00")
    client = signed_in(merchant)
    page = client.get(f"/shop/orders/{order.pk}/edit/").content.decode()
    assert 'value="600"' in page and 'value="200"' in page and 'value="1.2000"' in page
    assert '<option value="2.5" selected>' in page
    response = client.post(
        f"/shop/orders/{order.pk}/edit/",
        form(product_name="改名挂饰", quantity="500", then="draft"),
        follow=True,
    )
    order.refresh_from_db()
    assert (order.product_name, order.quantity, order.status) == ("改名挂饰", 500, "draft")
    assert "草稿已保存。可以继续修改，准备好了再发布。" in messages_of(response)


def test_saving_and_publishing_from_the_edit_form_splits_the_order():
    merchant = make_merchant()
    order = make_order(merchant, quantity=600, batch_size=200)
    response = signed_in(merchant).post(
        f"/shop/orders/{order.pk}/edit/", form(quantity="250", then="publish"), follow=True
    )
    order.refresh_from_db()
    assert order.status == Order.Status.PUBLISHED
    assert list(order.batches.values_list("quantity", flat=True)) == [100, 100, 50]
    assert "订单已发布，拆成 3 个批次，等待工坊认领。" in messages_of(response)


def test_an_impossible_edit_changes_nothing_and_says_why():
    merchant = make_merchant()
    order = make_order(merchant, quantity=600, batch_size=200)
    response = signed_in(merchant).post(
        f"/shop/orders/{order.pk}/edit/", form(quantity="50", batch_size="100", then="draft")
    )
    assert response.status_code == 200
    assert "每批件数不能大于订单数量。" in response.content.decode()
    order.refresh_from_db()
    assert (order.quantity, order.batch_size) == (600, 200)


def test_a_published_order_cannot_be_edited_and_the_page_says_why():
    merchant = make_merchant()
    order = make_published_order(merchant, quantity=600, batch_size=200)
    client = signed_in(merchant)
    response = client.get(f"/shop/orders/{order.pk}/edit/", follow=True)
    assert response.redirect_chain[-1][0] == f"/shop/orders/{order.pk}/"
    assert messages_of(response) == [
        "订单已发布，条款不能再改：工坊是按这些条款认领的。"
        "如需更改，请取消未认领的批次，再发布一个新订单。"
    ]
    response = client.post(f"/shop/orders/{order.pk}/edit/", form(quantity="900"))
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.quantity == 600 and order.batches.count() == 3


def test_publishing_a_draft_from_its_page_splits_it_into_batches():
    merchant = make_merchant()
    order = make_order(merchant, quantity=600, batch_size=200, fee="1.20", minutes="2.00")
    response = signed_in(merchant).post(f"/shop/orders/{order.pk}/publish/", follow=True)
    order.refresh_from_db()
    assert order.status == Order.Status.PUBLISHED
    assert order.batches.count() == 3
    assert BatchEvent.objects.filter(batch__order=order, reason="published").count() == 3
    assert "订单已发布，拆成 3 个批次，等待工坊认领。" in messages_of(response)


def test_publishing_a_draft_below_the_minimum_wage_asks_first_and_then_records_who_agreed():
    merchant = make_merchant()
    order = make_order(merchant, fee="0.10", minutes="2.00")
    client = signed_in(merchant)
    response = client.post(f"/shop/orders/{order.pk}/publish/")
    assert response.status_code == 200
    assert "我已知晓折合时薪低于当地最低工资，仍然发布" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.DRAFT
    response = client.post(f"/shop/orders/{order.pk}/publish/", {"confirm": "1"})
    assert "请先勾选确认，再发布。" in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == Order.Status.DRAFT
    client.post(
        f"/shop/orders/{order.pk}/publish/",
        {"confirm": "1", "acknowledge_below_minimum_wage": "on"},
    )
    order.refresh_from_db()
    assert order.status == Order.Status.PUBLISHED
    assert order.fair_pay_acknowledged_by == merchant


def test_publishing_twice_says_the_order_is_published_and_adds_no_batches():
    merchant = make_merchant()
    order = make_published_order(merchant, quantity=600, batch_size=200)
    response = signed_in(merchant).post(f"/shop/orders/{order.pk}/publish/", follow=True)
    assert messages_of(response)[0].startswith("订单已发布，条款不能再改")
    assert order.batches.count() == 3


def test_cancelling_a_draft_from_its_page():
    merchant = make_merchant()
    order = make_order(merchant)
    response = signed_in(merchant).post(f"/shop/orders/{order.pk}/cancel/", follow=True)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert "草稿已取消。" in messages_of(response)
    assert "发布并拆分批次" not in response.content.decode()


def test_the_draft_cancel_button_does_not_cancel_a_published_order():
    merchant = make_merchant()
    order = make_published_order(merchant, quantity=600, batch_size=200)
    response = signed_in(merchant).post(f"/shop/orders/{order.pk}/cancel/", follow=True)
    order.refresh_from_db()
    assert order.status == Order.Status.PUBLISHED
    assert set(order.batches.values_list("status", flat=True)) == {"open"}
    assert messages_of(response)[0].startswith("订单已发布，条款不能再改")


@pytest.mark.parametrize(
    "path", ["edit/", "publish/", "cancel/", "batches/cancel/"], ids=lambda p: p.strip("/")
)
def test_another_merchant_gets_the_404_page_and_changes_nothing(path):
    order = make_order(make_merchant())
    client = signed_in(make_merchant())
    assert client.get(f"/shop/orders/{order.pk}/{path}").status_code == 404
    assert client.post(f"/shop/orders/{order.pk}/{path}", form()).status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.DRAFT and order.product_name == "绳编腰带"


# --- unclaimed batches of a published order --------------------------------------------------


def published_with_one_claimed(merchant):
    order = make_published_order(merchant, quantity=400, batch_size=100)
    first, second, third, fourth = order.batches.order_by("number")
    batch_claim(actor=make_workshop().lead, batch_id=second.pk)
    return order, (first, second, third, fourth)


def statuses(order) -> dict[int, str]:
    return dict(Batch.objects.filter(order=order).values_list("number", "status"))


def test_the_order_page_offers_only_open_batches_and_says_why_claimed_ones_are_not():
    merchant = make_merchant()
    order, (first, _second, third, fourth) = published_with_one_claimed(merchant)
    page = signed_in(merchant).get(f"/shop/orders/{order.pk}/").content.decode()
    offered = re.findall(r'name="batch" value="(\d+)"', page)
    assert offered == [str(first.pk), str(third.pk), str(fourth.pk)]
    assert "1 个批次已被工坊认领，不能在这里取消：工坊接下后可能已在备料。" in page
    assert "取消全部 3 个未认领批次" in page


def test_cancelling_chosen_open_batches():
    merchant = make_merchant()
    order, (first, _second, third, _fourth) = published_with_one_claimed(merchant)
    response = signed_in(merchant).post(
        f"/shop/orders/{order.pk}/batches/cancel/",
        {"batch": [first.pk, third.pk], "which": "chosen"},
        follow=True,
    )
    assert statuses(order) == {1: "cancelled", 2: "claimed", 3: "cancelled", 4: "open"}
    assert messages_of(response) == ["已取消 2 个批次：#1、#3。"]
    events = BatchEvent.objects.filter(to_status="cancelled").order_by("batch__number")
    assert [(e.batch.number, e.from_status, e.actor_id) for e in events] == [
        (1, "open", merchant.pk),
        (3, "open", merchant.pk),
    ]
    order.refresh_from_db()
    assert order.status == Order.Status.PUBLISHED


def test_cancelling_all_open_batches_leaves_the_claimed_one():
    merchant = make_merchant()
    order, _batches = published_with_one_claimed(merchant)
    response = signed_in(merchant).post(
        f"/shop/orders/{order.pk}/batches/cancel/", {"which": "all"}, follow=True
    )
    assert statuses(order) == {1: "cancelled", 2: "claimed", 3: "cancelled", 4: "cancelled"}
    assert messages_of(response) == ["已取消 3 个批次：#1、#3、#4。"]


def test_choosing_a_claimed_batch_cancels_nothing_and_says_why():
    merchant = make_merchant()
    order, (first, second, _third, _fourth) = published_with_one_claimed(merchant)
    response = signed_in(merchant).post(
        f"/shop/orders/{order.pk}/batches/cancel/",
        {"batch": [first.pk, second.pk], "which": "chosen"},
        follow=True,
    )
    assert statuses(order) == {1: "open", 2: "claimed", 3: "open", 4: "open"}
    assert messages_of(response) == [
        "只能取消还没有工坊认领的批次：已认领的批次工坊可能已在备料，这次没有取消任何批次。"
    ]
    assert not BatchEvent.objects.filter(to_status="cancelled").exists()


def test_choosing_nothing_cancels_nothing():
    merchant = make_merchant()
    order, _batches = published_with_one_claimed(merchant)
    response = signed_in(merchant).post(
        f"/shop/orders/{order.pk}/batches/cancel/", {"which": "chosen"}, follow=True
    )
    assert messages_of(response) == ["请选择要取消的批次。"]
    assert statuses(order) == {1: "open", 2: "claimed", 3: "open", 4: "open"}


def test_cancelling_every_batch_cancels_the_order_too():
    merchant = make_merchant()
    order = make_published_order(merchant, quantity=200, batch_size=100)
    response = signed_in(merchant).post(
        f"/shop/orders/{order.pk}/batches/cancel/", {"which": "all"}, follow=True
    )
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and order.cancelled_at is not None
    assert messages_of(response) == [
        "已取消 2 个批次：#1、#2。",
        "所有批次都已取消，订单随之取消。",
    ]

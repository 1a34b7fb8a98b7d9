from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from orders.models import Batch, BatchEvent, MinimumWage, Order
from orders.services import split_quantity
from tests.factories import make_service_center, make_skill

from .factories import make_merchant, make_order

pytestmark = pytest.mark.django_db


def order_body(**overrides):
    make_skill("raoxian")
    body = {
        "product_name": "绳编腰带",
        "spec": "双色绕线，长 110 cm",
        "required_skills": ["raoxian"],
        "quantity": 1000,
        "fee_per_piece": "0.35",
        "standard_minutes": "0.80",
        "deadline": (timezone.localdate() + timedelta(days=20)).isoformat(),
        "batch_size": 300,
        "aql": "2.5",
        "inspection_level": "II",
    }
    body.update(overrides)
    return body


def test_merchant_drafts_an_order_with_string_money(api, merchant):
    response = api.as_user(merchant).post("/orders", order_body())
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "draft"
    assert data["fee_per_piece"] == "0.35"
    assert data["required_skills"] == [{"code": "raoxian", "name": "raoxian"}]
    assert data["progress"] == {
        "open": 0,
        "claimed": 0,
        "in_production": 0,
        "returned": 0,
        "accepted": 0,
        "cancelled": 0,
    }
    order = Order.objects.get()
    assert order.merchant_id == merchant.organisation_id
    assert order.fee_per_piece == Decimal("0.3500")


@pytest.mark.parametrize(
    ("quantity", "batch_size", "expected"),
    [
        (1000, 300, [300, 300, 300, 100]),
        (900, 300, [300, 300, 300]),
        (7, 7, [7]),
        (1, 1, [1]),
        (10, 3, [3, 3, 3, 1]),
    ],
)
def test_publishing_splits_exactly_with_the_last_batch_taking_the_remainder(
    api, merchant, quantity, batch_size, expected
):
    order = make_order(merchant, quantity=quantity, batch_size=batch_size)
    response = api.as_user(merchant).post(f"/orders/{order.pk}/publish")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "published"
    batches = list(Batch.objects.filter(order=order).order_by("number"))
    assert [b.quantity for b in batches] == expected
    assert [b.number for b in batches] == list(range(1, len(expected) + 1))
    assert {b.status for b in batches} == {Batch.Status.OPEN}
    assert BatchEvent.objects.filter(batch__order=order, to_status="open").count() == len(expected)
    assert response.json()["progress"]["open"] == quantity
    assert response.json()["batch_count"] == len(expected)


@given(quantity=st.integers(1, 100_000), batch_size=st.integers(1, 100_000))
def test_split_sums_to_the_quantity_and_only_the_last_batch_is_short(quantity, batch_size):
    if batch_size > quantity:
        return
    sizes = split_quantity(quantity, batch_size)
    assert sum(sizes) == quantity
    assert all(size == batch_size for size in sizes[:-1])
    assert 1 <= sizes[-1] <= batch_size


def test_publishing_twice_is_409_and_adds_no_batches(api, merchant):
    order = make_order(merchant, quantity=600, batch_size=300)
    api.as_user(merchant).post(f"/orders/{order.pk}/publish")
    response = api.post(f"/orders/{order.pk}/publish")
    assert response.status_code == 409
    assert response.json()["code"] == "order_not_draft"
    assert Batch.objects.filter(order=order).count() == 2


def test_publishing_below_the_minimum_wage_needs_an_acknowledgement(api, merchant):
    center = make_service_center(name="丹巴中心", province="四川")
    # 0.10 yuan per 1 minute = 6.00 yuan/hour, below Sichuan's 20.00.
    order = make_order(merchant, fee="0.10", minutes="1.00", service_center_id=center.pk)
    response = api.as_user(merchant).post(f"/orders/{order.pk}/publish")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "fair_pay_below_minimum"
    assert body["detail"]["implied_hourly"] == "6.00"
    assert body["detail"]["minimum_hourly"] == "20.00"
    assert body["detail"]["province"] == "四川"
    assert "四川省人民政府" in body["detail"]["source"]
    assert not Batch.objects.filter(order=order).exists()
    order.refresh_from_db()
    assert order.status == Order.Status.DRAFT

    response = api.post(f"/orders/{order.pk}/publish", {"acknowledge_below_minimum_wage": True})
    assert response.status_code == 200, response.content
    order.refresh_from_db()
    assert order.status == Order.Status.PUBLISHED
    assert order.fair_pay_acknowledged_by == merchant
    assert order.fair_pay_acknowledged_at is not None
    assert order.fair_pay_hourly == Decimal("6.00")
    assert order.fair_pay_minimum.province == "四川"
    assert response.json()["fair_pay"]["below_minimum"] is True


def test_a_fair_fee_publishes_without_acknowledgement_and_records_none(api, merchant):
    order = make_order(merchant, fee="0.50", minutes="1.00")  # 30 yuan/hour
    response = api.as_user(merchant).post(f"/orders/{order.pk}/publish")
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.fair_pay_hourly == Decimal("30.00")
    assert order.fair_pay_acknowledged_at is None
    assert response.json()["fair_pay"]["below_minimum"] is False


def test_the_newest_minimum_of_the_province_is_used(api, merchant, operator):
    center = make_service_center(name="巴中中心", province="四川省")
    response = api.as_user(operator).post(
        "/minimum-wages",
        {
            "province": "四川",
            "hourly": "40.00",
            "tier": "测试档",
            "effective_from": timezone.localdate().isoformat(),
            "source": "测试用的新标准",
        },
    )
    assert response.status_code == 201, response.content
    order = make_order(merchant, fee="0.50", minutes="1.00", service_center_id=center.pk)
    response = api.as_user(merchant).get(f"/orders/{order.pk}")
    assert response.json()["fair_pay"]["minimum_hourly"] == "40.00"
    assert response.json()["fair_pay"]["below_minimum"] is True


def test_seeded_minimum_wages_name_their_source():
    rows = {row.province: row for row in MinimumWage.objects.all()}
    assert {"浙江", "四川", "新疆"} <= set(rows)
    assert all(row.source for row in rows.values())
    assert rows["浙江"].hourly == Decimal("20.00")


def test_only_an_operator_records_minimum_wages(api, merchant):
    response = api.as_user(merchant).post(
        "/minimum-wages",
        {
            "province": "四川",
            "hourly": "1.00",
            "effective_from": "2030-01-01",
            "source": "商家自己写的",
        },
    )
    assert response.status_code == 403
    assert not MinimumWage.objects.filter(hourly=Decimal("1.00")).exists()


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"quantity": 0}, "quantity_not_positive"),
        ({"quantity": -5}, "quantity_not_positive"),
        ({"batch_size": 0}, "batch_size_not_positive"),
        ({"batch_size": -1}, "batch_size_not_positive"),
        ({"quantity": 100, "batch_size": 101}, "batch_size_above_quantity"),
        ({"quantity": 100_000, "batch_size": 1}, "too_many_batches"),
        ({"fee_per_piece": "0.12345"}, "fee_too_precise"),
        ({"fee_per_piece": "0"}, "fee_not_positive"),
        ({"fee_per_piece": "-0.35"}, "fee_not_positive"),
        ({"rework_fee_per_piece": "0.00001"}, "fee_too_precise"),
        ({"standard_minutes": "0"}, "standard_minutes_invalid"),
        ({"deadline": "2020-01-01"}, "deadline_in_past"),
        ({"required_skills": ["feixing"]}, "unknown_skill"),
        ({"aql": "3.0"}, "aql_not_standard"),
        ({"service_center_id": 999999}, "unknown_service_center"),
    ],
)
def test_bad_order_input_is_400_with_its_own_code_and_nothing_is_written(
    api, merchant, overrides, code
):
    response = api.as_user(merchant).post("/orders", order_body(**overrides))
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert not Order.objects.exists()


def test_todays_deadline_is_refused_too(api, merchant):
    body = order_body(deadline=timezone.localdate().isoformat())
    response = api.as_user(merchant).post("/orders", body)
    assert response.json()["code"] == "deadline_in_past"


def test_bad_input_message_is_in_english_when_asked(api, merchant):
    response = api.as_user(merchant).post(
        "/orders", order_body(quantity=0), headers={"Accept-Language": "en"}
    )
    assert response.json()["code"] == "quantity_not_positive"
    assert response.json()["message"] == "The quantity must be a positive whole number."


def test_unknown_fields_are_422(api, merchant):
    response = api.as_user(merchant).post("/orders", order_body(colour="red"))
    assert response.status_code == 422
    assert not Order.objects.exists()


def test_only_merchants_draft_orders(api, lead):
    response = api.as_user(lead).post("/orders", order_body())
    assert response.status_code == 403
    assert response.json()["code"] == "role_not_allowed"


def test_publishing_after_the_deadline_passed_is_refused(api, merchant):
    order = make_order(merchant)
    Order.objects.filter(pk=order.pk).update(deadline=timezone.localdate())
    response = api.as_user(merchant).post(f"/orders/{order.pk}/publish")
    assert response.status_code == 400
    assert response.json()["code"] == "deadline_in_past"
    assert not Batch.objects.exists()


def test_a_merchant_cannot_see_or_publish_another_merchants_orders(api, merchant):
    other = make_merchant()
    order = make_order(other)
    client = api.as_user(merchant)
    assert client.get(f"/orders/{order.pk}").status_code == 404
    assert client.get("/orders").json() == {"items": [], "count": 0}
    assert client.get(f"/orders/{order.pk}/batches").status_code == 404
    response = client.post(f"/orders/{order.pk}/publish")
    assert response.status_code == 404
    assert response.json()["code"] == "order_not_found"
    assert client.post(f"/orders/{order.pk}/cancel").status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.DRAFT


def test_a_lead_sees_no_orders(api, lead):
    make_order()
    assert api.as_user(lead).get("/orders").json()["count"] == 0


def test_a_merchant_edits_a_draft(api, merchant):
    make_skill("dajie")
    order = make_order(merchant, quantity=1000, batch_size=300)
    response = api.as_user(merchant).patch(
        f"/orders/{order.pk}",
        {"quantity": 1200, "fee_per_piece": "0.4", "required_skills": ["dajie"]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    order.refresh_from_db()
    assert (order.quantity, order.fee_per_piece) == (1200, Decimal("0.4"))
    assert list(order.required_skills.values_list("code", flat=True)) == ["dajie"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"quantity": 100}, "batch_size_above_quantity"),
        ({"fee_per_piece": "0.123456"}, "fee_too_precise"),
        ({"required_skills": ["feixing"]}, "unknown_skill"),
    ],
)
def test_bad_draft_edits_are_400_and_change_nothing(api, merchant, body, code):
    order = make_order(merchant, quantity=1000, batch_size=300)
    response = api.as_user(merchant).patch(
        f"/orders/{order.pk}", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == code
    order.refresh_from_db()
    assert (order.quantity, order.fee_per_piece) == (1000, Decimal("0.5"))
    assert list(order.required_skills.values_list("code", flat=True)) == ["raoxian"]


def test_a_published_order_cannot_be_edited(api, merchant):
    order = make_order(merchant)
    api.as_user(merchant).post(f"/orders/{order.pk}/publish")
    response = api.patch(f"/orders/{order.pk}", {"quantity": 5}, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["code"] == "order_not_draft"


def test_another_merchant_cannot_edit_a_draft(api):
    order = make_order()
    response = api.as_user(make_merchant()).patch(
        f"/orders/{order.pk}", {"quantity": 5}, content_type="application/json"
    )
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.quantity == 1000

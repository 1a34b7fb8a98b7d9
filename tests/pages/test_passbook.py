"""The household passbook /p/<card>/: second factor, lockout, privacy, and its 收到了."""

import uuid

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from payouts.models import HouseholdPayment
from tests.factories import make_household
from tests.payouts.payment_factories import make_paid_period, payment_of
from workshops.services import household_card_reissue

pytestmark = pytest.mark.django_db


def url(household) -> str:
    return reverse("pages:passbook", kwargs={"code": household.card_code})


def open_passbook(client: Client, household, factor: str):
    return client.post(url(household), {"factor": factor})


@pytest.fixture
def household(workshop):
    return make_household(workshop, name="卓玛", phone="13812345678", birth_year=1968)


def test_the_gate_asks_for_the_factor_and_shows_nothing_private(client, household):
    response = client.get(url(household))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
    body = response.content.decode()
    assert "passbook-factor-form" in body and "csrfmiddlewaretoken" in body
    assert "每一期的钱" not in body


@pytest.mark.parametrize("factor", ["1968", "5678"])
def test_birth_year_or_phone_tail_opens_the_passbook(client, household, factor):
    response = open_passbook(client, household, factor)
    assert response.status_code == 302
    page = client.get(url(household))
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store, private"
    assert "每一期的钱" in page.content.decode()


def test_the_factor_form_is_csrf_protected(household):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(url(household), {"factor": "1968"})
    assert response.status_code == 403
    assert "passbook" not in response.cookies


def test_five_wrong_factors_lock_the_card_even_against_the_right_one(client, household):
    for tries_left in (4, 3, 2, 1):
        response = open_passbook(client, household, "1111")
        assert response.status_code == 403
        assert f"还可以试 {tries_left} 次" in response.content.decode()
    locked = open_passbook(client, household, "1111")
    assert locked.status_code == 429
    assert "passbook-retry-at" in locked.content.decode()
    right = open_passbook(client, household, "1968")
    assert right.status_code == 429
    assert "passbook" not in right.cookies
    assert client.get(url(household)).status_code == 429


def test_the_lock_is_per_card_and_lifts_after_the_lock_time(client, household, workshop):
    from django.core.cache import cache

    neighbour = make_household(workshop, phone="13900002222", birth_year=1970)
    for _ in range(5):
        open_passbook(client, household, "0000")
    assert open_passbook(client, neighbour, "2222").status_code == 302
    # the lock's time is up (the cache forgets it): the right factor opens again
    cache.delete(f"passbook:lock:card:{household.card_code}")
    assert open_passbook(client, household, "1968").status_code == 302


def test_one_address_spraying_many_cards_is_locked(client, workshop, settings):
    settings.PASSBOOK_ADDRESS_MAX_FAILS = 6
    households = [make_household(workshop, birth_year=1950 + i) for i in range(4)]
    for household in households[:3]:
        for _ in range(2):
            open_passbook(client, household, "0000")
    right = open_passbook(client, households[3], str(households[3].birth_year))
    assert right.status_code == 429
    other_address = Client(REMOTE_ADDR="10.0.0.9")
    assert open_passbook(other_address, households[3], "1953").status_code == 302


def test_a_session_opens_only_its_own_card(client, household, workshop):
    other = make_household(workshop, name="次仁", birth_year=1980)
    assert open_passbook(client, household, "1968").status_code == 302
    assert "每一期的钱" in client.get(url(household)).content.decode()
    page = client.get(url(other))
    body = page.content.decode()
    assert "passbook-factor-form" in body and "每一期的钱" not in body


def test_a_retired_card_gets_a_friendly_page(client, household, operator):
    old = household.card_code
    household_card_reissue(actor=operator, household_id=household.pk, reason="丢了")
    response = client.get(reverse("pages:passbook", kwargs={"code": old}))
    assert response.status_code == 404
    assert "这张卡已经换了新卡" in response.content.decode()
    assert response["Cache-Control"] == "no-store, private"


def test_an_unknown_card_gets_a_friendly_page(client):
    response = client.get("/p/0000000000/")
    assert response.status_code == 404
    assert "找不到这张卡" in response.content.decode()


def test_the_passbook_shows_money_and_the_household_confirms(client, operator, workshop):
    household = make_household(workshop, phone="13812345678")
    _period, _ = make_paid_period(operator, workshop, households=[household], pieces=(100,))
    open_passbook(client, household, "5678")
    body = client.get(url(household)).content.decode()
    assert "¥50.00" in body and "收到了" in body and "已发放，等您确认" in body
    payment = payment_of(household)
    form = {"key": str(uuid.uuid4()), "answer": "received", "payment": payment.pk}
    answer_url = reverse("pages:passbook_answer", kwargs={"code": household.card_code})
    assert client.post(answer_url, form).status_code == 302
    assert client.post(answer_url, form).status_code == 302  # a double tap: the same answer
    assert payment_of(household).status == HouseholdPayment.Status.CONFIRMED
    assert payment_of(household).answer.via == "passbook"
    body = client.get(url(household)).content.decode()
    assert "已发放，您已确认收到" in body


def test_an_answer_without_an_open_session_changes_nothing(client, operator, workshop):
    household = make_household(workshop, phone="13812345678")
    make_paid_period(operator, workshop, households=[household], pieces=(100,))
    answer_url = reverse("pages:passbook_answer", kwargs={"code": household.card_code})
    form = {"key": str(uuid.uuid4()), "answer": "received"}
    assert client.post(answer_url, form).status_code == 302
    assert payment_of(household).status == HouseholdPayment.Status.UNCONFIRMED


def test_a_household_cannot_answer_for_another(client, operator, workshop):
    mine = make_household(workshop, phone="13812345678")
    theirs = make_household(workshop, phone="13899990000")
    make_paid_period(operator, workshop, households=[mine, theirs], pieces=(100, 10))
    open_passbook(client, mine, "5678")
    answer_url = reverse("pages:passbook_answer", kwargs={"code": mine.card_code})
    form = {"key": str(uuid.uuid4()), "answer": "received", "payment": payment_of(theirs).pk}
    client.post(answer_url, form)
    assert payment_of(theirs).status == HouseholdPayment.Status.UNCONFIRMED
    assert payment_of(mine).status == HouseholdPayment.Status.UNCONFIRMED


def test_the_operator_records_a_birth_year_kept_out_of_the_event(api, operator, household):
    from tests.factories import bearer
    from workshops.models import HouseholdEvent

    response = api.patch(
        f"/households/{household.pk}", {"birth_year": 1971}, headers=bearer(operator)
    )
    assert response.status_code == 200, response.content
    household.refresh_from_db()
    assert household.birth_year == 1971
    assert "birth_year" not in response.json()
    event = HouseholdEvent.objects.get(household=household)
    assert event.changes == {"birth_year": ["****", "****"]}


def test_the_passbook_speaks_the_households_language_unless_the_reader_chose(client, household):
    household.language = "en"
    household.save(update_fields=["language"])
    gate = client.get(url(household))
    assert gate["Content-Language"] == "en"
    response = open_passbook(client, household, "1968")
    page = client.get(url(household))
    assert page["Content-Language"] == "en"
    assert response.status_code == 302
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert client.get(url(household))["Content-Language"] == "zh-hans"

"""The operator's payout period page and the services behind it (issue 12): household lines
searched and paged in the database, adjustments from the page, the transfer file, a payment
reference required to mark paid, a warning before approving an empty period, and piece counts
that come from the same rows as the money (reworked pieces included)."""

import re
import uuid
from datetime import date

import pytest
from django.test import Client

from core.errors import ApplicationError
from payouts.models import LedgerEntry, PayoutAdjustment, PayoutPeriod
from payouts.services import (
    adjustment_create,
    period_approve,
    period_approve_request,
    period_compute,
    period_create,
    period_mark_paid,
)
from tests.factories import make_household, make_workshop

from .factories import make_households, make_order, make_outcome

pytestmark = pytest.mark.django_db


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def new_period(operator, name="三月", month=3) -> PayoutPeriod:
    return period_create(
        actor=operator, name=name, starts_on=date(2026, month, 1), ends_on=date(2026, month, 28)
    )


# --- payment reference -----------------------------------------------------------------------


@pytest.mark.parametrize("reference", ["", "   "])
def test_marking_paid_without_a_reference_is_refused_and_changes_nothing(
    operator, computed_period, reference
):
    period_approve(period_id=computed_period.pk, actor=operator)
    ledger = LedgerEntry.objects.count()
    with pytest.raises(ApplicationError) as refused:
        period_mark_paid(period_id=computed_period.pk, actor=operator, payment_reference=reference)
    assert (refused.value.code, refused.value.status) == ("payment_reference_required", 400)
    period = PayoutPeriod.objects.get(pk=computed_period.pk)
    assert (period.status, period.payment_reference, period.paid_at) == ("approved", "", None)
    assert LedgerEntry.objects.count() == ledger


def test_the_api_refuses_paid_without_a_reference_then_shows_the_one_given(
    api, operator, computed_period
):
    period_approve(period_id=computed_period.pk, actor=operator)
    api.as_user(operator)
    refused = api.post(f"/payouts/periods/{computed_period.pk}/paid", {})
    assert refused.status_code == 400, refused.content
    assert refused.json()["code"] == "payment_reference_required"
    paid = api.post(f"/payouts/periods/{computed_period.pk}/paid", {"payment_reference": " B-77 "})
    assert (paid.status_code, paid.json()["payment_reference"]) == (200, "B-77")
    assert api.get(f"/payouts/periods/{computed_period.pk}").json()["payment_reference"] == "B-77"


def test_the_page_refuses_paid_without_a_reference_and_shows_it_afterwards(
    operator, computed_period
):
    period_approve(period_id=computed_period.pk, actor=operator)
    client = page_client(operator)
    url = f"/ops/payouts/{computed_period.pk}/paid/"
    refused = client.post(url, {"payment_reference": "  "}, follow=True)
    assert "请填写付款凭证号（银行批次号、转账流水号等）。" in messages_of(refused)
    assert PayoutPeriod.objects.get(pk=computed_period.pk).status == "approved"

    paid = client.post(url, {"payment_reference": "ICBC-20260401-07"}, follow=True)
    assert PayoutPeriod.objects.get(pk=computed_period.pk).status == "paid"
    html = paid.content.decode()
    assert re.search(r'id="payment-reference">ICBC-20260401-07<', html)


# --- empty period ----------------------------------------------------------------------------


def test_approving_an_empty_period_from_the_page_asks_for_confirmation(operator, workshop, tasks):
    empty = period_compute(period_id=new_period(operator).pk, actor=operator)
    assert empty.is_empty
    client = page_client(operator)
    shown = client.get(f"/ops/payouts/{empty.pk}/").content.decode()
    assert 'id="empty-period-warning"' in shown and 'name="confirm_empty"' in shown

    refused = client.post(f"/ops/payouts/{empty.pk}/approve/", follow=True)
    assert "这一期没有农户，或金额为零。确认无误后再勾选确认并审核。" in messages_of(refused)
    assert PayoutPeriod.objects.get(pk=empty.pk).status == "computed"

    client.post(f"/ops/payouts/{empty.pk}/approve/", {"confirm_empty": "1"})
    tasks.run()
    assert PayoutPeriod.objects.get(pk=empty.pk).status == "approved"


def test_a_period_with_money_needs_no_confirmation(operator, computed_period):
    shown = page_client(operator).get(f"/ops/payouts/{computed_period.pk}/").content.decode()
    assert "empty-period-warning" not in shown
    april = period_compute(period_id=new_period(operator, "四月", 4).pk, actor=operator)
    with pytest.raises(ApplicationError) as refused:  # an empty one, not confirmed
        period_approve_request(period_id=april.pk, actor=operator, confirm_empty=False)
    assert (refused.value.code, refused.value.status) == ("payout_period_empty", 409)
    period, _job = period_approve_request(
        period_id=computed_period.pk, actor=operator, confirm_empty=False
    )
    assert PayoutPeriod.objects.get(pk=period.pk).status in {"approving", "approved"}


# --- pieces come from the same rows as the money ---------------------------------------------


def test_piece_counts_include_reworked_pieces_like_the_money(operator, workshop):
    household = make_households(workshop, 1)[0]
    order = make_order(fee="2.0000", rework_fee="1.0000")
    make_outcome(household, order, accepted=100)
    make_outcome(household, order, accepted=11, is_rework=True)
    period = period_compute(period_id=new_period(operator).pk, actor=operator)
    assert (period.pieces, period.rework_pieces, period.gross_fen) == (100, 11, 21100)

    html = page_client(operator).get(f"/ops/payouts/{period.pk}/").content.decode()
    assert re.search(r'id="period-pieces">111 <small class="hint">其中返工 11', html)
    assert re.search(r'<td class="n">111</td><td class="n">¥211.00</td>', html)
    assert "111 件（含返工 11）" in html


# --- household lines: search and pages in the database ---------------------------------------


@pytest.fixture
def many_lines(operator):
    """25 households in one workshop and one in another, each with one line."""
    dan = make_workshop(name="丹巴绳编工坊")
    households = [make_household(dan, name=f"农户{i:02d}") for i in range(25)]
    other = make_household(make_workshop(name="喀什刺绣工坊"), name="阿依古丽")
    order = make_order(fee="1.0000")
    for count, household in enumerate([*households, other], start=1):
        make_outcome(household, order, accepted=count)
    period = period_compute(period_id=new_period(operator).pk, actor=operator)
    return period, households, other


def test_lines_are_paged_by_cursor_in_the_database(operator, many_lines):
    period, _households, _other = many_lines
    client = page_client(operator)
    first = client.get(f"/ops/payouts/{period.pk}/")
    assert first.content.decode().count('class="card line"') == 20
    cursor = first.context["lines_next"]
    assert f"after={cursor}" in first.content.decode()
    second = client.get(f"/ops/payouts/{period.pk}/", {"after": cursor})
    assert second.content.decode().count('class="card line"') == 6
    assert second.context["lines_next"] is None
    seen = [row["line"].pk for page in (first, second) for row in page.context["lines"]]
    assert len(set(seen)) == 26  # every line once, none skipped or repeated


def test_a_broken_line_cursor_gives_the_first_page(operator, many_lines):
    period = many_lines[0]
    response = page_client(operator).get(f"/ops/payouts/{period.pk}/", {"after": "x'; --"})
    assert response.status_code == 200
    assert response.content.decode().count('class="card line"') == 20


@pytest.mark.parametrize(
    "query, expected",
    [
        ("阿依", ["阿依古丽"]),
        ("喀什", ["阿依古丽"]),
        ("农户0", [f"农户{i:02d}" for i in range(10)]),
    ],
)
def test_lines_are_found_by_name_or_workshop(operator, many_lines, query, expected):
    period = many_lines[0]
    response = page_client(operator).get(f"/ops/payouts/{period.pk}/", {"q": query})
    names = sorted(row["line"].household.name for row in response.context["lines"])
    assert names == sorted(expected)


def test_lines_are_found_by_household_number(api, operator, many_lines):
    period, households, _other = many_lines
    wanted = households[7]
    response = page_client(operator).get(f"/ops/payouts/{period.pk}/", {"q": f"#{wanted.pk}"})
    assert [row["line"].household_id for row in response.context["lines"]] == [wanted.pk]
    body = api.as_user(operator).get(
        f"/payouts/periods/{period.pk}/lines", {"search": f"#{wanted.pk}"}
    )
    assert [line["household_id"] for line in body.json()["items"]] == [wanted.pk]


# --- adjustments from the page ---------------------------------------------------------------


def test_an_adjustment_from_the_page_is_recorded_once_even_if_posted_twice(
    operator, computed_period
):
    household = computed_period.households_list[0]
    client = page_client(operator)
    form = client.get(f"/ops/payouts/{computed_period.pk}/?adjust={household.pk}")
    assert form.context["adjust_household"] == household
    post = {
        "household_id": household.pk,
        "key": str(form.context["adjust_form"]["key"].value()),
        "kind": "bonus",
        "amount": "12.34",
        "reason": "按时交货",
    }
    for _ in range(2):
        response = client.post(f"/ops/payouts/{computed_period.pk}/adjustments/", post)
        assert response.status_code == 302
    adjustment = PayoutAdjustment.objects.get(period=computed_period)
    assert (adjustment.household_id, adjustment.amount_fen) == (household.pk, 1234)
    period = PayoutPeriod.objects.get(pk=computed_period.pk)
    assert period.bonus_fen == 1234
    assert "+¥12.34" in client.get(f"/ops/payouts/{period.pk}/").content.decode()


def test_a_key_reused_for_another_adjustment_is_refused(operator, computed_period):
    household = computed_period.households_list[0]
    key = uuid.uuid4()
    fields = dict(actor=operator, period_id=computed_period.pk, household_id=household.pk)
    adjustment_create(**fields, kind="bonus", amount="1.00", reason="a", idempotency_key=key)
    with pytest.raises(ApplicationError) as refused:
        adjustment_create(**fields, kind="bonus", amount="2.00", reason="b", idempotency_key=key)
    assert refused.value.code == "idempotency_key_reused"
    assert PayoutAdjustment.objects.count() == 1


@pytest.mark.parametrize("status", ["approving", "approved"])
def test_an_adjustment_from_the_page_is_refused_once_approving_and_nothing_is_written(
    operator, computed_period, status, tasks
):
    if status == "approving":
        period_approve_request(period_id=computed_period.pk, actor=operator)  # worker not run
    else:
        period_approve(period_id=computed_period.pk, actor=operator)
    assert PayoutPeriod.objects.get(pk=computed_period.pk).status == status
    household = computed_period.households_list[0]
    response = page_client(operator).post(
        f"/ops/payouts/{computed_period.pk}/adjustments/",
        {
            "household_id": household.pk,
            "key": str(uuid.uuid4()),
            "kind": "deduction",
            "amount": "1.00",
            "reason": "材料损耗",
        },
    )
    assert response.status_code == 400
    locked = "结算期已审核锁定，不能再修改；更正请在之后的结算期登记调整。"
    assert locked in response.content.decode()
    assert not PayoutAdjustment.objects.exists()


def test_a_half_filled_adjustment_is_shown_again_with_its_error(operator, computed_period):
    household = computed_period.households_list[0]
    response = page_client(operator).post(
        f"/ops/payouts/{computed_period.pk}/adjustments/",
        {"household_id": household.pk, "key": str(uuid.uuid4()), "kind": "bonus", "amount": ""},
    )
    assert response.status_code == 400
    assert response.context["adjust_form"].errors.keys() >= {"amount", "reason"}
    assert not PayoutAdjustment.objects.exists()


# --- the transfer file -----------------------------------------------------------------------


def test_the_transfer_file_is_linked_from_the_page_once_approved(operator, computed_period):
    client = page_client(operator)
    early = client.get(f"/ops/payouts/{computed_period.pk}/transfer.csv", follow=True)
    assert "结算期尚未审核，不能导出。" in messages_of(early)
    period_approve(period_id=computed_period.pk, actor=operator)
    html = client.get(f"/ops/payouts/{computed_period.pk}/").content.decode()
    assert f'href="/ops/payouts/{computed_period.pk}/transfer.csv"' in html
    response = client.get(f"/ops/payouts/{computed_period.pk}/transfer.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="payout-')
    rows = response.content.decode("utf-8-sig").splitlines()
    assert len(rows) == 1 + 3  # the headers and the three households
    xlsx = client.get(f"/ops/payouts/{computed_period.pk}/transfer.xlsx")
    assert xlsx.content[:2] == b"PK"

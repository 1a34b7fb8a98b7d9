"""A statement's link: never kept by a cache, and replaced by an operator when a paper slip is
lost (the old link dies at once), without any money changing."""

import pytest
from django.test import Client

from accounts.models import User
from payouts.models import (
    LedgerEntry,
    PayoutLine,
    PayoutPeriod,
    PayoutPool,
    Statement,
    StatementLinkEvent,
)
from payouts.services import period_approve, period_mark_paid
from tests.factories import make_user

pytestmark = pytest.mark.django_db

REASON = "纸质结算单丢失"


@pytest.fixture
def approved(operator, computed_period):
    return period_approve(period_id=computed_period.pk, actor=operator)


@pytest.fixture
def statement(approved, computed_period) -> Statement:
    return Statement.objects.get(period=approved, household=computed_period.households_list[0])


def token_urls(token: str) -> list[str]:
    """Everything behind a statement token: the household's page, the JSON, the PDF."""
    return [f"/s/{token}/", f"/api/v1/statements/{token}", f"/api/v1/statements/{token}/pdf"]


def money_of(period: PayoutPeriod) -> dict:
    """Every row money depends on, whole (the statements without their tokens)."""
    return {
        "period": PayoutPeriod.objects.filter(pk=period.pk).values().get(),
        "pools": list(PayoutPool.objects.filter(period=period).order_by("pk").values()),
        "lines": list(PayoutLine.objects.filter(pool__period=period).order_by("pk").values()),
        "ledger": list(LedgerEntry.objects.order_by("pk").values()),
        "statements": list(
            Statement.objects.order_by("pk").values("pk", "household_id", "total_fen", "created_at")
        ),
    }


def reissue(client, statement_id: int, reason: str = REASON):
    return client.post(f"/payouts/statements/{statement_id}/reissue", {"reason": reason})


# --- caches ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["page", "json", "pdf"])
def test_everything_behind_a_token_is_private_and_never_stored(statement, kind):
    url = dict(zip(["page", "json", "pdf"], token_urls(statement.token), strict=True))[kind]
    response = Client().get(url)
    assert response.status_code == 200, response.content
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives


@pytest.mark.parametrize("kind", ["page", "json", "pdf"])
def test_a_dead_token_answer_is_not_stored_either(approved, kind):
    url = dict(zip(["page", "json", "pdf"], token_urls("no-such-token"), strict=True))[kind]
    response = Client().get(url)
    assert response.status_code == 404
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives


# --- reissue over the API ----------------------------------------------------------------------


def test_reissue_kills_the_old_link_and_the_new_one_shows_the_same_statement(
    api, operator, statement
):
    old = statement.token
    before = api.get(f"/statements/{old}").json()
    response = reissue(api.as_user(operator), statement.pk)
    assert response.status_code == 200, response.content
    body = response.json()
    new = Statement.objects.get(pk=statement.pk).token
    assert new != old and len(new) >= 32
    assert body["url"].endswith(f"/s/{new}/") and body["id"] == statement.pk
    anonymous = Client()
    for url in token_urls(old):
        assert anonymous.get(url).status_code == 404, url
    for url in token_urls(new):
        assert anonymous.get(url).status_code == 200, url
    after = anonymous.get(f"/api/v1/statements/{new}").json()
    for moved in ("url", "pdf_url"):
        assert old in before.pop(moved) and new in after.pop(moved)
    assert after == before  # household, lines, fees, total: the same statement


def test_reissue_changes_no_money(api, operator, approved, statement):
    before = money_of(approved)
    assert reissue(api.as_user(operator), statement.pk).status_code == 200
    assert money_of(approved) == before


def test_reissue_records_who_when_and_why(api, operator, statement):
    reissue(api.as_user(operator), statement.pk)
    event = StatementLinkEvent.objects.get(statement=statement)
    assert (event.actor, event.reason) == (operator, REASON)
    assert event.at is not None
    # the dead token is not kept (it was a capability), only a short hint to recognise a slip
    assert statement.token not in str(StatementLinkEvent.objects.values().get())
    assert event.old_token_hint == statement.token[:6]


def test_reissue_of_a_paid_period_works_too(api, operator, approved, statement):
    period_mark_paid(period_id=approved.pk, actor=operator, payment_reference="B-1")
    assert reissue(api.as_user(operator), statement.pk).status_code == 200


def test_reissue_needs_a_reason(api, operator, statement):
    response = reissue(api.as_user(operator), statement.pk, reason="  ")
    assert (response.status_code, response.json()["code"]) == (
        400,
        "statement_reissue_reason_required",
    )
    assert Statement.objects.get(pk=statement.pk).token == statement.token
    assert not StatementLinkEvent.objects.exists()


def test_reissue_of_an_unknown_statement_is_404(api, operator, approved):
    response = reissue(api.as_user(operator), 987654)
    assert (response.status_code, response.json()["code"]) == (404, "statement_not_found")


@pytest.mark.parametrize("role", ["lead", "merchant", "checker", "trainer", "anonymous"])
def test_only_an_operator_may_reissue(api, workshop, statement, role):
    users = {
        "lead": workshop.lead,  # even the lead of the household's own workshop
        "merchant": make_user(User.Role.MERCHANT),
        "checker": make_user(User.Role.CHECKER, organisation=workshop.organisation.service_center),
        "trainer": make_user(User.Role.TRAINER),
    }
    if role != "anonymous":
        api.as_user(users[role])
    response = reissue(api, statement.pk)
    assert response.status_code == (401 if role == "anonymous" else 403), response.content
    assert Statement.objects.get(pk=statement.pk).token == statement.token
    assert not StatementLinkEvent.objects.exists()


def test_service_refuses_a_non_operator(workshop, statement):
    from core.errors import Forbidden
    from payouts.services import statement_link_reissue

    with pytest.raises(Forbidden):
        statement_link_reissue(statement_id=statement.pk, operator=workshop.lead, reason=REASON)


def test_operator_finds_the_households_statement(api, operator, approved, computed_period):
    first = computed_period.households_list[0]
    response = api.as_user(operator).get(
        f"/payouts/periods/{approved.pk}/statements", {"search": first.name}
    )
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert [(item["household_id"], item["total"]) for item in items] == [(first.pk, "35.00")]
    assert "token" not in items[0] and "url" not in items[0]  # a list never carries the keys


# --- the operator's period page ------------------------------------------------------------


def test_period_page_has_a_reissue_button_that_works(operator, approved, statement):
    client = Client()
    client.force_login(operator)
    household = statement.household
    page = client.get(f"/ops/payouts/{approved.pk}/", {"household": household.name})
    action = f"/ops/payouts/{approved.pk}/statements/{statement.pk}/reissue/"
    assert f'action="{action}"' in page.content.decode()
    response = client.post(action, {"reason": REASON}, follow=True)
    assert response.status_code == 200
    new = Statement.objects.get(pk=statement.pk).token
    assert new != statement.token
    assert f"?statement={statement.pk}" in response.content.decode()  # print the new slip
    slip = client.get(f"/print/statements/{approved.pk}/", {"statement": statement.pk})
    assert slip.status_code == 200 and household.name in slip.content.decode()
    assert Client().get(f"/s/{statement.token}/").status_code == 404
    assert Client().get(f"/s/{new}/").status_code == 200


def test_period_page_refuses_a_reissue_without_reason(operator, approved, statement):
    client = Client()
    client.force_login(operator)
    url = f"/ops/payouts/{approved.pk}/statements/{statement.pk}/reissue/"
    client.post(url, {"reason": ""})
    assert Statement.objects.get(pk=statement.pk).token == statement.token


def test_lead_cannot_reissue_from_the_page(workshop, approved, statement):
    client = Client()
    client.force_login(workshop.lead)
    url = f"/ops/payouts/{approved.pk}/statements/{statement.pk}/reissue/"
    assert client.post(url, {"reason": REASON}).status_code == 403
    assert Statement.objects.get(pk=statement.pk).token == statement.token

"""Payouts abroad: a centre paying in a 0-decimal currency (XOF) and one in a 3-decimal
currency (KWD), a period approved with locked rates: every household line in its currency, the
pools exact in their minor units, the CNY reconciliation exact to the fen, statements and
transfer files showing both."""

import csv
import io
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import Organisation
from core import currency
from core.errors import BadRequest, Conflict
from payouts.models import PayoutConversion, PeriodRate, Statement
from payouts.selectors import period_reconciliation, statement_get, transfer_rows
from payouts.services import (
    period_approve,
    period_compute,
    period_create,
    period_rate_set,
    period_rates_load,
)
from payouts.services.currency import conversions_record
from tests.factories import bearer, make_service_center, make_workshop

from .factories import make_households, make_order, make_outcome

pytestmark = pytest.mark.django_db
RATE_DATE = date(2026, 3, 31)


def _centre(code: str) -> Organisation:
    centre = make_service_center()
    Organisation.objects.filter(pk=centre.pk).update(payout_currency=code)
    centre.refresh_from_db()
    return centre


@pytest.fixture
def cross_border(operator):
    """Households in China (CNY), in a XOF centre and in a KWD centre, all on one order."""
    order = make_order(fee="0.3500")
    places = {
        "CNY": make_workshop(),
        "XOF": make_workshop(service_center=_centre("XOF")),
        "KWD": make_workshop(service_center=_centre("KWD")),
    }
    households = {}
    for code, workshop in places.items():
        households[code] = make_households(workshop, 3)
        for household, pieces in zip(households[code], (101, 37, 7), strict=True):
            make_outcome(household, order, accepted=pieces)
    period = period_create(
        actor=operator, name="三月", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    period = period_compute(period_id=period.pk, actor=operator)
    return period, households


def _rates(operator, period):
    period_rate_set(
        actor=operator,
        period_id=period.pk,
        currency_code="XOF",
        rate=Decimal("83.12345678"),
        source="BCEAO fixing",
        rate_date=RATE_DATE,
    )
    period_rate_set(
        actor=operator,
        period_id=period.pk,
        currency_code="kwd",
        rate=Decimal("0.04231"),
        source="CBK",
        rate_date=RATE_DATE,
    )


def test_approval_is_refused_until_every_currency_has_its_rate(operator, cross_border):
    period, _ = cross_border
    with pytest.raises(Conflict) as refused:
        period_approve(period_id=period.pk, actor=operator)
    assert refused.value.code == "payout_rate_missing"
    assert refused.value.detail["currencies"] == ["KWD", "XOF"]
    period.refresh_from_db()
    assert period.status == "computed"
    assert not Statement.objects.exists()


def test_a_period_pays_each_household_in_its_currency_and_every_pool_is_exact(
    operator, cross_border
):
    period, households = cross_border
    _rates(operator, period)
    period_approve(period_id=period.pk, actor=operator)
    totals = dict(Statement.objects.filter(period=period).values_list("household_id", "total_fen"))
    for code, digits, rate in (("XOF", 0, Decimal("83.12345678")), ("KWD", 3, Decimal("0.04231"))):
        assert currency.minor_digits(code) == digits
        rows = list(PayoutConversion.objects.filter(currency=code).order_by("household_id"))
        assert [r.household_id for r in rows] == sorted(h.pk for h in households[code])
        # each household's net converted once, from its statement's CNY total
        assert all(r.net_fen == totals[r.household_id] for r in rows)
        pool_fen = sum(r.net_fen for r in rows)
        exact_pool = Decimal(pool_fen) / 100 * rate * 10**digits
        pool_minor = int(exact_pool.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        assert sum(r.amount_minor for r in rows) == pool_minor  # the pool splits exactly
        for r in rows:  # nobody further than 1.5 minor units from its own exact conversion
            own = Decimal(r.net_fen) / 100 * rate * 10**digits
            assert abs(Decimal(r.amount_minor) - own) < Decimal("1.5")
    assert not PayoutConversion.objects.filter(household__in=households["CNY"]).exists()


def test_the_cny_reconciliation_stays_exact_and_states_the_rates(operator, cross_border):
    period, households = cross_border
    _rates(operator, period)
    period = period_approve(period_id=period.pk, actor=operator)
    reconciliation = period_reconciliation(period=period)
    assert reconciliation["balanced"] is True
    assert reconciliation["differences"] == []
    by_code = {row["currency"]: row for row in reconciliation["currencies"]}
    assert by_code["XOF"]["rate"] == "83.12345678"
    assert by_code["KWD"]["rate"] == "0.04231000"
    assert by_code["KWD"]["source"] == "CBK" and by_code["KWD"]["rate_date"] == "2026-03-31"
    statement_fen = sum(Statement.objects.filter(period=period).values_list("total_fen", flat=True))
    converted_fen = sum(row["net_fen"] for row in by_code.values())
    cny_fen = sum(
        Statement.objects.filter(household__in=households["CNY"]).values_list(
            "total_fen", flat=True
        )
    )
    assert converted_fen + cny_fen == statement_fen == period.households_fen


def test_statements_and_transfer_files_show_the_payout_currency_and_cny(operator, cross_border):
    period, households = cross_border
    _rates(operator, period)
    period_approve(period_id=period.pk, actor=operator)
    kwd = households["KWD"][0]
    statement = Statement.objects.get(period=period, household=kwd)
    detail = statement_get(token=statement.token)
    conversion = PayoutConversion.objects.get(household=kwd)
    assert (detail.currency, detail.amount_minor) == ("KWD", conversion.amount_minor)
    assert detail.rate == "0.04231" and detail.rate_source == "CBK"
    assert "KWD" in detail.amount_display
    _, rows = transfer_rows(viewer=operator, period_id=period.pk)
    by_household = {row.household_id: row for row in rows}
    assert by_household[kwd.pk].currency == "KWD"
    assert by_household[households["CNY"][0].pk].currency == "CNY"


def test_the_statement_page_shows_both_amounts(client, operator, cross_border):
    period, households = cross_border
    _rates(operator, period)
    period_approve(period_id=period.pk, actor=operator)
    xof = households["XOF"][0]
    statement = Statement.objects.get(period=period, household=xof)
    page = client.get(f"/s/{statement.token}/").content.decode()
    amount = PayoutConversion.objects.get(household=xof).amount_minor
    assert f"{amount:,}" in page  # the XOF amount, no decimals
    assert "1 元 = 83.12345678 XOF" in page
    assert "BCEAO fixing" in page


def test_the_transfer_csv_has_the_currency_with_its_own_decimals(client, operator, cross_border):
    period, _households = cross_border
    _rates(operator, period)
    period_approve(period_id=period.pk, actor=operator)
    client.force_login(operator)
    response = client.get(f"/ops/payouts/{period.pk}/transfer.csv")  # the operator's page
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    currency_at = header.index("发放币种")
    amounts = {row[currency_at]: row[currency_at + 1] for row in body}
    assert "." not in amounts["XOF"]
    assert len(amounts["KWD"].split(".")[1]) == 3
    assert len(amounts["CNY"].split(".")[1]) == 2


def test_rates_are_locked_with_the_period(operator, cross_border):
    period, _ = cross_border
    _rates(operator, period)
    period_approve(period_id=period.pk, actor=operator)
    with pytest.raises(Conflict) as locked:
        period_rate_set(
            actor=operator,
            period_id=period.pk,
            currency_code="XOF",
            rate=Decimal("90"),
            source="late",
            rate_date=RATE_DATE,
        )
    assert locked.value.code == "payout_period_locked"
    assert PeriodRate.objects.get(period=period, currency="XOF").rate == Decimal("83.12345678")


@pytest.mark.parametrize(
    ("code", "rate", "source", "day"),
    [
        ("XXX1", "1", "src", RATE_DATE),
        ("CNY", "1", "src", RATE_DATE),
        ("ZZZ", "1", "src", RATE_DATE),
        ("XOF", "0", "src", RATE_DATE),
        ("XOF", "-3", "src", RATE_DATE),
        ("XOF", "1.123456789", "src", RATE_DATE),
        ("XOF", "1", " ", RATE_DATE),
        ("XOF", "1", "src", date(2999, 1, 1)),
    ],
)
def test_a_bad_rate_is_refused_and_changes_nothing(operator, cross_border, code, rate, source, day):
    period, _ = cross_border
    with pytest.raises(BadRequest) as refused:
        period_rate_set(
            actor=operator,
            period_id=period.pk,
            currency_code=code,
            rate=rate,
            source=source,
            rate_date=day,
        )
    assert refused.value.code == "payout_rate_invalid"
    assert not PeriodRate.objects.exists()


def test_a_rates_file_loads_all_rows_or_none(operator, cross_border):
    period, _ = cross_border
    bad = "currency,rate,source,date\nXOF,83.1,BCEAO,2026-03-31\nKWD,abc,CBK,2026-03-31\n"
    with pytest.raises(BadRequest) as refused:
        period_rates_load(actor=operator, period_id=period.pk, data=bad.encode())
    assert refused.value.code == "payout_rates_file_invalid"
    assert [row["row"] for row in refused.value.detail["rows"]] == [3]
    assert not PeriodRate.objects.exists()
    good = (
        "\ufeffcurrency,rate,source,date\nXOF,83.1,BCEAO,2026-03-31\n\nKWD,0.0423,CBK,2026-03-31\n"
    )
    loaded = period_rates_load(actor=operator, period_id=period.pk, data=good.encode())
    assert sorted(r.currency for r in loaded) == ["KWD", "XOF"]
    period = period_approve(period_id=period.pk, actor=operator)
    assert period.status == "approved"


def test_the_api_sets_and_reads_rates(api, operator, cross_border):
    period, _ = cross_border
    client = api.as_user(operator)
    response = client.get(f"/payouts/periods/{period.pk}/currencies")
    assert response.status_code == 200
    assert [(r["currency"], r["rate"]) for r in response.json()] == [("KWD", None), ("XOF", None)]
    body = {"rate": "0.04231", "source": "CBK", "rate_date": "2026-03-31"}
    response = client.put(f"/payouts/periods/{period.pk}/rates/KWD", body)
    assert response.status_code == 200
    assert response.json()[0]["rate"] == "0.04231000"
    response = client.put(f"/payouts/periods/{period.pk}/rates/CNY", body)
    assert response.status_code == 400
    assert response.json()["code"] == "payout_rate_invalid"


def test_the_api_refuses_a_lead(api, cross_border):
    period, households = cross_border
    lead = households["XOF"][0].workshop.lead
    response = api.as_user(lead).get(f"/payouts/periods/{period.pk}/currencies")
    assert response.status_code in {403, 404}


@settings(max_examples=60, deadline=None)
@given(
    nets=st.lists(st.integers(0, 5_000_000), min_size=1, max_size=12),
    rate=st.decimals(min_value="0.00000001", max_value="100000", places=8),
    code=st.sampled_from(["XOF", "KWD", "USD"]),
)
def test_converted_households_always_sum_to_the_converted_pool(nets, rate, code):
    """The property behind the rule, with no database: largest remainder over the nets."""
    from payouts.money import apportion

    digits = currency.minor_digits(code)
    pool = currency.to_minor(Decimal(sum(nets)) / 100 * rate, code)
    parts = apportion(pool, nets) if sum(nets) else [0] * len(nets)
    assert sum(parts) == pool
    # Each part is within 1 of its share of the rounded pool, and the pool within ½ of the
    # exact converted sum (so a share within ½ × net/Σnets of exact): within 1.5 of exact.
    for net, part in zip(nets, parts, strict=True):
        assert (
            abs(Decimal(part) - Decimal(net) / 100 * rate * 10**digits) < Decimal("1.5")
            or sum(nets) == 0
        )


def test_conversions_are_written_once(operator, cross_border):
    period, _ = cross_border
    _rates(operator, period)
    period_approve(period_id=period.pk, actor=operator)
    count = PayoutConversion.objects.count()
    assert count == 6
    from django.db import IntegrityError, transaction

    totals = {c.household_id: c.net_fen for c in PayoutConversion.objects.all()}
    with pytest.raises(IntegrityError), transaction.atomic():
        conversions_record(period=period, totals=totals)
    assert PayoutConversion.objects.count() == count


def test_a_service_centre_is_given_a_known_currency_or_refused(api, operator):
    client = api.as_user(operator)
    body = {"name": "达喀尔服务中心", "province": "达喀尔", "payout_currency": "xof"}
    response = client.post("/service-centers", body)
    assert response.status_code == 201, response.json()
    assert response.json()["payout_currency"] == "XOF"
    centre_id = response.json()["id"]
    response = client.patch(f"/service-centers/{centre_id}", {"payout_currency": "ZZZ"})
    assert response.status_code == 400
    assert response.json()["code"] == "currency_unknown"
    assert Organisation.objects.get(pk=centre_id).payout_currency == "XOF"
    refused = client.post("/service-centers", {**body, "name": "另一个", "payout_currency": "QQQ"})
    assert refused.status_code == 400
    assert not Organisation.objects.filter(name="另一个").exists()


def test_the_passbook_shows_the_payout_currency_beside_cny(client, operator, cross_border):
    period, households = cross_border
    _rates(operator, period)
    period_approve(period_id=period.pk, actor=operator)
    xof = households["XOF"][0]
    url = f"/p/{xof.card_code}/"
    response = client.post(url, {"factor": xof.phone[-4:]}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    amount = PayoutConversion.objects.get(household=xof).amount_minor
    assert f"{amount:,}" in page
    assert "¥" in page  # the CNY total beside it


def test_the_api_loads_a_rates_file(api, operator, cross_border):
    from django.core.files.uploadedfile import SimpleUploadedFile

    period, _ = cross_border
    body = "currency,rate,source,date\nXOF,83.1,BCEAO,2026-03-31\nKWD,0.0423,CBK,2026-03-31\n"
    upload = SimpleUploadedFile("rates.csv", body.encode(), content_type="text/csv")
    response = api.client.post(
        f"/api/v1/payouts/periods/{period.pk}/rates-file",
        {"file": upload},
        headers=bearer(operator),
    )
    assert response.status_code == 200, response.content
    assert [(r["currency"], r["rate"]) for r in response.json()] == [
        ("KWD", "0.04230000"),
        ("XOF", "83.10000000"),
    ]

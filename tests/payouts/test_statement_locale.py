"""The household's statement page reads in the household's language and at its local time
(its own, else its workshop's), unless the reader picked a language with the switch (#14)."""

from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from payouts.models import PayoutPeriod, Statement
from payouts.services import period_approve
from workshops.models import Household, Workshop

pytestmark = pytest.mark.django_db


@pytest.fixture
def statement(operator, computed_period) -> Statement:
    period = period_approve(period_id=computed_period.pk, actor=operator)
    return Statement.objects.get(period=period, household=computed_period.households_list[0])


def approved_at(statement: Statement, zone: str) -> str:
    """When the period was approved, on the wall clock of ``zone`` (an approved period is
    locked in the database: its time is what it is)."""
    at = PayoutPeriod.objects.get(pk=statement.period_id).approved_at
    return at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def test_the_statement_is_in_chinese_at_the_sites_time_by_default(statement):
    response = Client().get(f"/s/{statement.token}/")
    page = response.content.decode()
    assert "这一期的加工费" in page
    assert '<html lang="zh-Hans" dir="ltr">' in page
    assert approved_at(statement, "Asia/Shanghai") in page


def test_the_statement_follows_the_workshops_language_and_zone(statement):
    Workshop.objects.filter(pk=statement.household.workshop_id).update(
        language="en", time_zone="Asia/Tashkent"
    )
    response = Client().get(f"/s/{statement.token}/")
    page = response.content.decode()
    assert "Fees for this period" in page
    assert "这一期的加工费" not in page
    assert '<html lang="en" dir="ltr">' in page
    assert approved_at(statement, "Asia/Tashkent") in page  # UTC+5
    assert approved_at(statement, "Asia/Shanghai") not in page
    assert response["Content-Language"] == "en"


def test_the_households_own_language_and_zone_come_first(statement):
    Workshop.objects.filter(pk=statement.household.workshop_id).update(
        language="en", time_zone="Asia/Tashkent"
    )
    Household.objects.filter(pk=statement.household_id).update(
        language="zh-hans", time_zone="Africa/Dakar"
    )
    page = Client().get(f"/s/{statement.token}/").content.decode()
    assert "这一期的加工费" in page
    assert approved_at(statement, "Africa/Dakar") in page  # UTC+0
    assert approved_at(statement, "Asia/Tashkent") not in page


def test_the_language_switch_wins_over_the_households_language(statement):
    Household.objects.filter(pk=statement.household_id).update(language="en")
    client = Client()
    client.cookies["django_language"] = "zh-hans"
    page = client.get(f"/s/{statement.token}/").content.decode()
    assert "这一期的加工费" in page
    assert "Fees for this period" not in page

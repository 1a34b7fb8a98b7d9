"""A household's consent, its data exported on request, and erasure by anonymising that leaves
every money record as it was."""

import io
import json
from datetime import date

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from core.errors import ApplicationError
from payouts.selectors.reconciliation import period_reconciliation
from payouts.services import period_compute, period_create
from tests.factories import make_household, make_workshop
from tests.payouts.factories import make_households, make_order, make_outcome
from workshops.models import Household, HouseholdConsent, HouseholdEvent
from workshops.selectors import consent_in_force
from workshops.services import (
    household_consent_record,
    household_consent_withdraw,
    household_erase,
    household_import_preview,
    household_update,
)


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, format="JPEG")
    return out.getvalue()


def test_the_lead_records_a_paper_consent_with_its_photo_and_withdraws_it(workshop, lead):
    household = make_household(workshop)

    consent = household_consent_record(
        actor=lead,
        household_id=household.pk,
        purpose="data_processing",
        method="paper",
        photo=_jpeg(),
    )

    assert consent.evidence.startswith("consents/")
    assert default_storage.exists(consent.evidence)
    assert consent.recorded_by == lead
    assert set(consent_in_force(household_ids=[household.pk], purpose="data_processing")) == {
        household.pk
    }
    with pytest.raises(ApplicationError) as again:
        household_consent_record(
            actor=lead, household_id=household.pk, purpose="data_processing", method="in_person"
        )
    assert again.value.code == "consent_already_given"

    household_consent_withdraw(actor=lead, household_id=household.pk, purpose="data_processing")

    assert consent_in_force(household_ids=[household.pk], purpose="data_processing") == {}
    consent.refresh_from_db()
    assert consent.withdrawn_by == lead and consent.withdrawn_at is not None
    assert list(
        HouseholdEvent.objects.filter(household=household).values_list("kind", flat=True)
    ) == ["consent_withdrawn", "consent_given"]
    with pytest.raises(ApplicationError) as none_left:
        household_consent_withdraw(actor=lead, household_id=household.pk, purpose="data_processing")
    assert none_left.value.code == "consent_not_in_force"


def test_a_paper_consent_needs_its_photo_and_another_workshop_lead_sees_nothing(workshop, lead):
    household = make_household(workshop)
    with pytest.raises(ApplicationError) as refused:
        household_consent_record(
            actor=lead, household_id=household.pk, purpose="story", method="paper"
        )
    assert (refused.value.status, refused.value.code) == (400, "consent_photo_required")
    stranger = make_workshop().lead
    with pytest.raises(ApplicationError) as hidden:
        household_consent_record(
            actor=stranger, household_id=household.pk, purpose="story", method="in_person"
        )
    assert hidden.value.status == 404
    assert not HouseholdConsent.objects.filter(household=household).exists()


def test_the_consent_page_records_from_the_lead_phone_and_serves_the_photo(client, workshop, lead):
    household = make_household(workshop)
    client.force_login(lead)
    photo = io.BytesIO(_jpeg())
    photo.name = "paper.jpg"
    url = reverse("workshops:household_consent", args=[household.pk])
    response = client.post(url, {"purpose": "data_processing", "method": "paper", "photo": photo})
    assert response.status_code == 302, response.content
    consent = HouseholdConsent.objects.get(household=household)
    assert client.get(f"/media/{consent.evidence}").status_code == 200
    client.force_login(make_workshop().lead)
    assert client.get(f"/media/{consent.evidence}").status_code == 404
    assert client.get(url).status_code == 404


def _money_rows() -> dict[str, list[dict]]:
    """Every row of every model of the apps that hold money, work and outcomes."""
    rows = {}
    for label in ("orders", "quality", "payouts", "allocation"):
        for model in apps.get_app_config(label).get_models():
            rows[model._meta.label] = list(model.objects.order_by("pk").values())
    return rows


def test_erasure_anonymises_and_leaves_every_money_record_and_reconciliation_unchanged(
    operator, workshop, django_capture_on_commit_callbacks
):
    households = make_households(workshop, 2)
    order = make_order(fee="0.3500")
    for household, pieces in zip(households, (100, 7), strict=True):
        make_outcome(household, order, accepted=pieces)
    period = period_create(
        actor=operator, name="三月", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    period = period_compute(period_id=period.pk, actor=operator)
    erased = households[0]
    Household.objects.filter(pk=erased.pk).update(village="甲居村", id_tail="123X")
    household_update(actor=operator, household_id=erased.pk, phone="13911112222", reason="换号")
    consent = household_consent_record(
        actor=operator,
        household_id=erased.pk,
        purpose="data_processing",
        method="paper",
        photo=_jpeg(),
    )
    money_before = _money_rows()
    reconciliation_before = period_reconciliation(period=period)

    with pytest.raises(ApplicationError) as no_reason:
        household_erase(actor=operator, household_id=erased.pk, reason=" ")
    assert no_reason.value.code == "erasure_reason_required"
    with django_capture_on_commit_callbacks(execute=True):
        household_erase(actor=operator, household_id=erased.pk, reason="本人3月5日当面申请")

    erased.refresh_from_db()
    assert erased.name == f"已匿名农户{erased.pk}"
    assert (erased.phone, erased.payment_account, erased.payment_account_name) == ("", "", "")
    assert (erased.village, erased.id_tail, erased.is_active) == ("", "", False)
    assert erased.erased_at is not None
    assert not default_storage.exists(consent.evidence)
    assert HouseholdConsent.objects.get(pk=consent.pk).evidence == ""
    event = HouseholdEvent.objects.get(household=erased, kind="erased")
    assert (event.actor, event.reason) == (operator, "本人3月5日当面申请")
    edit = HouseholdEvent.objects.get(household=erased, kind="edited")
    assert edit.changes == {"phone": ["—", "—"]}
    assert _money_rows() == money_before
    assert period_reconciliation(period=period) == reconciliation_before

    for attempt in (
        lambda: household_update(actor=operator, household_id=erased.pk, name="张三"),
        lambda: household_consent_record(
            actor=operator, household_id=erased.pk, purpose="story", method="in_person"
        ),
        lambda: household_erase(actor=operator, household_id=erased.pk, reason="again"),
    ):
        with pytest.raises(ApplicationError) as refused:
            attempt()
        assert (refused.value.status, refused.value.code) == (409, "household_erased")
    erased.refresh_from_db()
    assert erased.name == f"已匿名农户{erased.pk}"


def test_only_an_operator_erases(workshop, lead):
    household = make_household(workshop)
    with pytest.raises(ApplicationError) as refused:
        household_erase(actor=lead, household_id=household.pk, reason="x")
    assert refused.value.status == 403
    household.refresh_from_db()
    assert household.erased_at is None


def test_the_export_holds_everything_about_the_household_and_only_for_its_lead_or_operator(
    client, operator, workshop, lead
):
    household, neighbour = make_households(workshop, 2)
    make_outcome(household, make_order(fee="0.3500"), accepted=12)
    household_consent_record(
        actor=lead, household_id=household.pk, purpose="story", method="in_person"
    )
    client.force_login(lead)

    response = client.get(reverse("pages:household_data", args=[household.pk, "json"]))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert data["workshops.Household"][0]["name"] == household.name
    assert data["workshops.Household"][0]["card_code"] == household.card_code
    assert [c["purpose"] for c in data["workshops.HouseholdConsent"]] == ["story"]
    assert any(label.startswith(("orders.", "quality.")) for label in data)
    assert neighbour.name not in response.content.decode()

    sheet = client.get(reverse("pages:household_data", args=[household.pk, "xlsx"]))
    book = load_workbook(io.BytesIO(sheet.content))
    first = book[book.sheetnames[0]]
    assert "户主姓名" in [cell.value for cell in first[1]]
    assert household.name in [cell.value for cell in first[2]]

    client.force_login(make_workshop().lead)
    assert (
        client.get(reverse("pages:household_data", args=[household.pk, "json"])).status_code == 404
    )
    client.force_login(operator)
    assert (
        client.get(reverse("pages:household_data", args=[household.pk, "json"])).status_code == 200
    )


def test_the_operator_erases_from_the_region_page(client, operator, workshop):
    household = make_household(workshop)
    client.force_login(operator)
    url = reverse("workshops:household_erase", args=[household.pk])
    assert client.post(url, {"reason": "本人申请"}).status_code == 302
    household.refresh_from_db()
    assert household.erased_at is not None
    page = client.get(reverse("workshops:household", args=[household.pk]))
    assert page.status_code == 200
    saved = client.post(
        reverse("workshops:household", args=[household.pk]),
        {"name": "张三", "members": 1, "reason": "x"},
    )
    assert "个人信息已按本人要求删除" in saved.content.decode()
    household.refresh_from_db()
    assert household.name != "张三"


def test_an_erased_household_is_read_only_in_the_admin_and_its_export_has_no_name(
    client, operator, workshop
):
    from django.contrib.admin.sites import site

    household = make_household(workshop, name="王秀兰", phone="13700001111")
    pending = household_import_preview(
        actor=operator,
        workshop_id=workshop.pk,
        file_name="a.csv",
        content="户主姓名,手机号\n王秀兰,13700001111\n李四,13700002222\n".encode(),
    )
    household_erase(actor=operator, household_id=household.pk, reason="本人申请")
    household.refresh_from_db()
    admin_user = operator
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    request = type("Request", (), {"user": admin_user})()
    assert site._registry[Household].has_change_permission(request, household) is False

    client.force_login(operator)
    body = client.get(reverse("pages:household_data", args=[household.pk, "json"])).content
    text = body.decode()
    assert "王秀兰" not in text and "13700001111" not in text
    assert json.loads(body)["workshops.HouseholdEvent"][0]["kind"] == "erased"
    pending.refresh_from_db()
    assert [row["name"] for row in pending.rows] == ["李四"]


def test_an_erased_household_card_opens_nothing_and_gets_no_new_card(client, operator, workshop):
    from workshops.models import RetiredCard
    from workshops.selectors import household_by_card
    from workshops.services import household_card_reissue

    household = make_household(workshop)
    card = household.card_code
    assert client.get(f"/p/{card}/").status_code == 200  # the passbook's second-factor form

    household_erase(actor=operator, household_id=household.pk, reason="本人申请")

    household.refresh_from_db()
    assert household.card_code != card
    assert RetiredCard.objects.get(code=card).household_id == household.pk
    with pytest.raises(ApplicationError) as retired:
        household_by_card(raw_code=card)
    assert retired.value.code == "card_retired"
    assert client.get(f"/p/{card}/").status_code == 404
    with pytest.raises(ApplicationError) as refused:
        household_card_reissue(actor=operator, household_id=household.pk, reason="丢失")
    assert (refused.value.status, refused.value.code) == (409, "household_erased")
    assert RetiredCard.objects.filter(household=household).count() == 1

"""Uploaded photos behind their apps' checks (issue 12: nothing served /media/, every photo was a
dead link): each role that may see a photo gets its bytes, anyone else 404, nobody 302."""

import io
import os
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone
from PIL import Image

from accounts.models import User
from core.media import media_url
from orders.models import OrderPhoto
from quality.models import InspectionPhoto
from tests.factories import bearer, make_household, make_skill, make_user, make_workshop
from tests.quality.factories import inspect, lot_with_households
from tests.ui.factories import add_product_photo, make_cohort_with_trainees, make_published_order

pytestmark = pytest.mark.django_db


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.frombytes("RGB", (64, 48), os.urandom(64 * 48 * 3)).save(buffer, format="JPEG")
    return buffer.getvalue()


def _stored(name: str) -> bytes:
    with default_storage.open(name, "rb") as stored:
        return stored.read()


def _get(user: User | None, url: str, **headers):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(url, headers=headers)


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_sees(user: User | None, name: str, url: str | None = None) -> None:
    response = _get(user, url or media_url(name))
    assert response.status_code == 200, (user, response.status_code)
    assert response["Content-Type"] == "image/jpeg"
    assert _body(response) == _stored(name)


def assert_not_found(user: User, name: str) -> None:
    response = _get(user, media_url(name))
    assert response.status_code == 404, (user, response.status_code)


def assert_sent_to_sign_in(name: str) -> None:
    response = _get(None, media_url(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/media/")


# --- An order's sample photos -----------------------------------------------------------------


@pytest.fixture
def order_photo(db):
    make_skill("raoxian", "绕线")
    merchant = make_user(User.Role.MERCHANT)
    order = make_published_order(merchant, quantity=200, batch_size=100)
    add_product_photo(order, size=(400, 300))
    return OrderPhoto.objects.get(order=order)


def test_order_photo_is_seen_by_its_merchant_operators_and_leads_who_may_claim(order_photo):
    claimer = make_workshop()  # has the order's skill: may claim its open batches
    for name in (order_photo.image.name, order_photo.thumbnail.name):
        assert_sees(order_photo.order.created_by, name)
        assert_sees(make_user(User.Role.OPERATOR), name)
        assert_sees(claimer.lead, name)


def test_order_photo_is_seen_by_the_lead_holding_a_batch(order_photo):
    from orders.services import batch_claim

    holder = make_workshop()
    batch_claim(actor=holder.lead, batch_id=order_photo.order.batches.first().pk)
    assert_sees(holder.lead, order_photo.thumbnail.name)


def test_order_photo_is_not_found_for_anyone_else(order_photo):
    unskilled = make_workshop(skills={"dajie": 2})  # may not claim: lacks the order's skill
    checker = make_user(User.Role.CHECKER, organisation=unskilled.organisation.service_center)
    for user in (make_user(User.Role.MERCHANT), unskilled.lead, checker, make_user("trainer")):
        assert_not_found(user, order_photo.thumbnail.name)
    assert_sent_to_sign_in(order_photo.thumbnail.name)


def test_order_api_hands_out_the_checked_address_and_a_phone_token_opens_it(api, order_photo):
    merchant = order_photo.order.created_by
    body = api.as_user(merchant).get(f"/orders/{order_photo.order_id}").json()
    url = body["photos"][0]["thumbnail_url"]
    assert url == media_url(order_photo.thumbnail.name)
    response = Client().get(url, headers=bearer(merchant))
    assert response.status_code == 200 and _body(response) == _stored(order_photo.thumbnail.name)
    stranger = Client().get(url, headers=bearer(make_user(User.Role.MERCHANT)))
    assert stranger.status_code == 404


def test_lead_open_batches_page_shows_the_thumbnail_through_the_check(order_photo):
    lead = make_workshop().lead
    client = Client()
    client.force_login(lead)
    page = client.get("/work/").content.decode()
    assert f'src="{media_url(order_photo.thumbnail.name)}"' in page


# --- An inspection's defect photos --------------------------------------------------------------


@pytest.fixture
def defect_photo(db):
    from quality.services import inspection_photo_add

    workshop = make_workshop()
    lot, _households = lot_with_households(workshop, [50])
    checker = make_user(User.Role.CHECKER, organisation=workshop.organisation.service_center)
    inspection = inspect(lot, checker)
    return inspection_photo_add(actor=checker, inspection_id=inspection.pk, data=_jpeg())


def test_defect_photo_is_seen_by_the_lots_checker_lead_merchant_and_operators(defect_photo):
    lot = defect_photo.inspection.lot
    region_checker = make_user(
        User.Role.CHECKER, organisation=lot.workshop.organisation.service_center
    )
    merchant = make_user(User.Role.MERCHANT, organisation=lot.batch.order.merchant)
    for user in (region_checker, lot.workshop.lead, merchant, make_user(User.Role.OPERATOR)):
        assert_sees(user, defect_photo.image.name)
        assert_sees(user, defect_photo.thumbnail.name)


def test_defect_photo_is_not_found_for_other_regions_workshops_and_merchants(defect_photo):
    other = make_workshop()
    checker = make_user(User.Role.CHECKER, organisation=other.organisation.service_center)
    for user in (checker, other.lead, make_user(User.Role.MERCHANT), make_user("trainer")):
        assert_not_found(user, defect_photo.image.name)
    assert_sent_to_sign_in(defect_photo.image.name)


def test_inspection_api_hands_out_the_checked_address(api, defect_photo):
    checker = defect_photo.uploaded_by
    body = api.as_user(checker).get(f"/inspections/{defect_photo.inspection_id}").json()
    assert body["photos"][0]["url"] == media_url(defect_photo.image.name)
    assert InspectionPhoto.objects.count() == 1


# --- A trainee's work photos ----------------------------------------------------------------


@pytest.fixture
def work_photo(db):
    from trainees.services import progress_log

    trainer = make_user(User.Role.TRAINER)
    cohort, (trainee,) = make_cohort_with_trainees(trainer, ["阿依"])
    module = cohort.programme.modules.order_by("pk").first()
    (log,) = progress_log(
        actor=trainer,
        trainee_ids=[trainee.pk],
        module_id=module.pk,
        date=timezone.localdate() - timedelta(days=1),
        hours=Decimal("2"),
        activity="绕线练习",
        photo=_jpeg(),
    )
    return log


def test_work_photo_is_seen_by_the_cohorts_trainer_and_operators(work_photo):
    assert_sees(work_photo.trainer, work_photo.photo.name)
    assert_sees(make_user(User.Role.OPERATOR), work_photo.photo.name)


def test_work_photo_is_not_found_for_other_trainers_and_roles(work_photo):
    lead = make_workshop().lead
    for user in (make_user(User.Role.TRAINER), make_user(User.Role.MERCHANT), lead):
        assert_not_found(user, work_photo.photo.name)
    assert_sent_to_sign_in(work_photo.photo.name)


def test_progress_api_hands_out_the_checked_address(api, work_photo):
    body = api.as_user(work_photo.trainer).get(f"/trainees/{work_photo.trainee_id}/progress")
    assert [log["photo_url"] for log in body.json()["logs"]] == [media_url(work_photo.photo.name)]


# --- Everything else under /media/, caching, the web server -------------------------------------


def test_files_no_app_owns_are_never_served(operator):
    default_storage.save("labels/labels-1.pdf", io.BytesIO(b"%PDF-1.4"))
    assert _get(operator, "/media/labels/labels-1.pdf").status_code == 404
    assert _get(operator, "/media/orders/1/nothing.jpg").status_code == 404
    assert _get(operator, "/media/../config/settings.py").status_code == 404


def test_photo_is_cached_privately_and_revalidated_by_its_etag(order_photo):
    merchant, name = order_photo.order.created_by, order_photo.thumbnail.name
    first = _get(merchant, media_url(name))
    assert first["Cache-Control"] == "private, max-age=86400"
    assert first["ETag"] and first["Last-Modified"]
    again = _get(merchant, media_url(name), **{"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again["Cache-Control"] == "private, max-age=86400"
    # The check comes first: someone else's copy of the ETag opens nothing.
    stranger = _get(make_user(User.Role.MERCHANT), media_url(name), **{"If-None-Match": "*"})
    assert stranger.status_code == 404


def test_web_server_sends_the_file_when_accel_redirect_is_set(settings, order_photo):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    name = order_photo.thumbnail.name
    response = _get(order_photo.order.created_by, media_url(name))
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected-media/{name}"
    assert response["Content-Type"] == "image/jpeg"
    assert _get(make_user(User.Role.MERCHANT), media_url(name)).status_code == 404


# --- The household's statement: no login, a signed address ----------------------------------


def test_statement_page_shows_the_product_photo_through_a_signed_address():
    from payouts.models import Statement
    from payouts.services import period_approve
    from tests.ui.factories import make_accepted_pieces, make_computed_period

    make_skill("raoxian", "绕线")
    workshop = make_workshop()
    zhuoma = make_household(workshop, name="卓玛家")
    batch = make_accepted_pieces(workshop, {zhuoma: 20})
    add_product_photo(batch.order, size=(400, 300))
    photo = OrderPhoto.objects.get(order=batch.order)
    operator = make_user(User.Role.OPERATOR)
    period_approve(period_id=make_computed_period(operator).pk, actor=operator)
    token = Statement.objects.get(household=zhuoma).token

    signed = media_url(photo.thumbnail.name, signed=True)
    assert f'src="{signed}"' in Client().get(f"/s/{token}/").content.decode()
    assert_sees(None, photo.thumbnail.name, url=signed)
    # The signature opens that file only, and a forged one opens nothing.
    other = signed.replace(photo.thumbnail.name, photo.image.name)
    assert _get(None, other).status_code in {302, 404}
    assert _get(None, signed[:-3] + "xyz").status_code == 302

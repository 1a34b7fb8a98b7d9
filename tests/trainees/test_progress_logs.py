import base64
import io
import os
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from accounts.models import User
from tests.factories import make_user
from trainees.models import ProgressLog, Trainee

from .factories import make_cohort, make_programme, make_trainee, module

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme():
    return make_programme()


@pytest.fixture
def trainer_a():
    return make_user(User.Role.TRAINER)


@pytest.fixture
def trainer_b():
    return make_user(User.Role.TRAINER)


@pytest.fixture
def cohort_a(programme, trainer_a):
    return make_cohort(programme, trainers=[trainer_a])


@pytest.fixture
def cohort_b(programme, trainer_b):
    return make_cohort(programme, trainers=[trainer_b])


def entry(programme, **overrides):
    body = {
        "module_id": module(programme, 1).pk,
        "date": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "hours": "4",
        "activity": "绕线练习：流苏主体 20 个",
        "score": 80,
        "notes": "手法稳定",
    }
    body.update(overrides)
    return body


def test_trainer_logs_for_own_cohort_and_trainee_starts_training(
    api, programme, cohort_a, trainer_a
):
    trainee = make_trainee(cohort_a)
    response = api.as_user(trainer_a).post(f"/trainees/{trainee.pk}/progress", entry(programme))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["hours"] == "4.0"
    assert body["trainer"] == str(trainer_a)
    log = ProgressLog.objects.get()
    assert (log.trainee, log.trainer, log.hours, log.score) == (
        trainee,
        trainer_a,
        Decimal("4.0"),
        80,
    )
    trainee.refresh_from_db()
    assert trainee.status == Trainee.Status.IN_TRAINING


def test_trainer_of_cohort_a_cannot_read_cohort_b_trainee(
    api, programme, cohort_a, cohort_b, trainer_a
):
    other = make_trainee(cohort_b, name="格桑")
    client = api.as_user(trainer_a)
    for path in (
        f"/trainees/{other.pk}",
        f"/trainees/{other.pk}/progress",
        f"/trainees/{other.pk}/assessments",
        f"/cohorts/{cohort_b.pk}",
        f"/cohorts/{cohort_b.pk}/summary",
    ):
        response = client.get(path)
        assert response.status_code == 404, (path, response.content)
    listed = client.get("/trainees").json()["items"]
    assert other.pk not in [row["id"] for row in listed]
    cohorts = client.get("/cohorts").json()["items"]
    assert [row["id"] for row in cohorts] == [cohort_a.pk]


def test_trainer_of_cohort_a_cannot_log_for_cohort_b(api, programme, cohort_a, cohort_b, trainer_a):
    other = make_trainee(cohort_b, name="格桑")
    response = api.as_user(trainer_a).post(f"/trainees/{other.pk}/progress", entry(programme))
    assert response.status_code == 404, response.content
    assert response.json()["code"] == "trainee_not_found"
    assert not ProgressLog.objects.exists()
    other.refresh_from_db()
    assert other.status == Trainee.Status.ENROLLED


def test_session_for_several_trainees_is_refused_whole_if_one_is_not_mine(
    api, programme, cohort_a, cohort_b, trainer_a
):
    mine = make_trainee(cohort_a, name="余鑫")
    other = make_trainee(cohort_b, name="格桑")
    body = {**entry(programme), "trainee_ids": [mine.pk, other.pk]}
    response = api.as_user(trainer_a).post("/progress", body)
    assert response.status_code == 404, response.content
    assert response.json()["detail"] == {"trainee_ids": [other.pk]}
    assert not ProgressLog.objects.exists()


def test_session_logs_one_entry_per_trainee_with_one_session_key(
    api, programme, cohort_a, trainer_a
):
    trainees = [make_trainee(cohort_a, name=name) for name in ("余鑫", "泽仁", "拉姆")]
    body = {**entry(programme), "trainee_ids": [t.pk for t in trainees]}
    response = api.as_user(trainer_a).post("/progress", body)
    assert response.status_code == 201, response.content
    assert sorted(row["trainee_id"] for row in response.json()) == sorted(t.pk for t in trainees)
    assert ProgressLog.objects.values("session_key").distinct().count() == 1
    assert ProgressLog.objects.count() == 3


def test_operator_may_log_for_any_cohort(api, programme, cohort_b, operator):
    trainee = make_trainee(cohort_b)
    response = api.as_user(operator).post(f"/trainees/{trainee.pk}/progress", entry(programme))
    assert response.status_code == 201, response.content


def test_merchant_may_not_log(api, programme, cohort_a, merchant):
    trainee = make_trainee(cohort_a)
    response = api.as_user(merchant).post(f"/trainees/{trainee.pk}/progress", entry(programme))
    assert response.status_code == 403, response.content
    assert not ProgressLog.objects.exists()


def test_future_date_is_refused(api, programme, cohort_a, trainer_a):
    trainee = make_trainee(cohort_a)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = api.as_user(trainer_a).post(
        f"/trainees/{trainee.pk}/progress", entry(programme, date=tomorrow)
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "date_in_future"
    assert not ProgressLog.objects.exists()


def test_date_before_the_cohort_started_is_refused(api, programme, cohort_a, trainer_a):
    trainee = make_trainee(cohort_a)
    before = (cohort_a.start_date - timedelta(days=1)).isoformat()
    response = api.as_user(trainer_a).post(
        f"/trainees/{trainee.pk}/progress", entry(programme, date=before)
    )
    assert response.status_code == 400
    assert response.json()["code"] == "date_before_cohort_start"


def test_more_than_twelve_hours_a_day_summed_across_entries_is_refused(
    api, programme, cohort_a, trainer_a
):
    trainee = make_trainee(cohort_a)
    client = api.as_user(trainer_a)
    assert (
        client.post(f"/trainees/{trainee.pk}/progress", entry(programme, hours="8")).status_code
        == 201
    )
    response = client.post(
        f"/trainees/{trainee.pk}/progress",
        entry(programme, hours="4.5", module_id=module(programme, 2).pk),
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "daily_hours_exceeded"
    assert body["detail"]["hours_that_day"] == {str(trainee.pk): "12.5"}
    assert ProgressLog.objects.count() == 1
    # Up to exactly 12 is fine.
    assert (
        client.post(f"/trainees/{trainee.pk}/progress", entry(programme, hours="4")).status_code
        == 201
    )


def test_twelve_hours_is_per_trainee_not_per_session(api, programme, cohort_a, trainer_a):
    busy = make_trainee(cohort_a, name="余鑫")
    fresh = make_trainee(cohort_a, name="拉姆")
    client = api.as_user(trainer_a)
    client.post(f"/trainees/{busy.pk}/progress", entry(programme, hours="10"))
    body = {**entry(programme, hours="3"), "trainee_ids": [busy.pk, fresh.pk]}
    response = client.post("/progress", body)
    assert response.status_code == 400
    assert response.json()["code"] == "daily_hours_exceeded"
    assert list(response.json()["detail"]["hours_that_day"]) == [str(busy.pk)]
    assert ProgressLog.objects.filter(trainee=fresh).count() == 0


@pytest.mark.parametrize("hours", ["0", "-1", "12.5"])
def test_hours_out_of_range_in_one_entry_are_refused(api, programme, cohort_a, trainer_a, hours):
    trainee = make_trainee(cohort_a)
    response = api.as_user(trainer_a).post(
        f"/trainees/{trainee.pk}/progress", entry(programme, hours=hours)
    )
    assert response.status_code == 400
    assert response.json()["code"] == "hours_out_of_range"
    assert not ProgressLog.objects.exists()


@pytest.mark.parametrize("score", [-1, 101, 250])
def test_score_out_of_range_is_refused(api, programme, cohort_a, trainer_a, score):
    trainee = make_trainee(cohort_a)
    response = api.as_user(trainer_a).post(
        f"/trainees/{trainee.pk}/progress", entry(programme, score=score)
    )
    assert response.status_code == 400
    assert response.json()["code"] == "score_out_of_range"
    assert not ProgressLog.objects.exists()


def test_module_of_another_programme_is_refused(api, programme, cohort_a, trainer_a):
    trainee = make_trainee(cohort_a)
    foreign = make_programme(code="other")
    response = api.as_user(trainer_a).post(
        f"/trainees/{trainee.pk}/progress", entry(programme, module_id=module(foreign, 1).pk)
    )
    assert response.status_code == 400
    assert response.json()["code"] == "module_not_in_programme"


def test_withdrawn_trainee_gets_no_more_logs(api, programme, cohort_a, trainer_a):
    trainee = make_trainee(cohort_a)
    client = api.as_user(trainer_a)
    response = client.post(f"/trainees/{trainee.pk}/withdraw", {"reason": "家里需要照顾老人"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "withdrew"
    response = client.post(f"/trainees/{trainee.pk}/progress", entry(programme))
    assert response.status_code == 409
    assert response.json()["code"] == "trainee_not_in_training"


def test_correction_is_a_new_entry_and_replaces_the_old_in_sums(
    api, programme, cohort_a, trainer_a
):
    trainee = make_trainee(cohort_a)
    client = api.as_user(trainer_a)
    original = client.post(f"/trainees/{trainee.pk}/progress", entry(programme, hours="6")).json()
    response = client.post(
        f"/trainees/{trainee.pk}/progress",
        entry(programme, hours="3", corrects_id=original["id"], correction_reason="记错了学时"),
    )
    assert response.status_code == 201, response.content
    assert response.json()["corrects_id"] == original["id"]
    old = ProgressLog.objects.get(pk=original["id"])
    assert old.hours == Decimal("6.0")  # never edited
    progress = client.get(f"/trainees/{trainee.pk}/progress").json()
    assert progress["summary"]["modules"][0]["hours_done"] == "3.0"
    superseded = {row["id"]: row["superseded"] for row in progress["logs"]}
    assert superseded == {original["id"]: True, response.json()["id"]: False}


def test_correction_does_not_count_the_replaced_hours_against_the_day(
    api, programme, cohort_a, trainer_a
):
    trainee = make_trainee(cohort_a)
    client = api.as_user(trainer_a)
    original = client.post(f"/trainees/{trainee.pk}/progress", entry(programme, hours="10")).json()
    response = client.post(
        f"/trainees/{trainee.pk}/progress",
        entry(programme, hours="11", corrects_id=original["id"], correction_reason="补记午后"),
    )
    assert response.status_code == 201, response.content


def test_an_entry_is_corrected_only_once(api, programme, cohort_a, trainer_a):
    trainee = make_trainee(cohort_a)
    client = api.as_user(trainer_a)
    original = client.post(f"/trainees/{trainee.pk}/progress", entry(programme)).json()
    fix = entry(programme, hours="2", corrects_id=original["id"], correction_reason="记错")
    assert client.post(f"/trainees/{trainee.pk}/progress", fix).status_code == 201
    response = client.post(f"/trainees/{trainee.pk}/progress", fix)
    assert response.status_code == 409
    assert response.json()["code"] == "progress_already_corrected"
    assert ProgressLog.objects.count() == 2


def test_correction_needs_a_reason(api, programme, cohort_a, trainer_a):
    trainee = make_trainee(cohort_a)
    client = api.as_user(trainer_a)
    original = client.post(f"/trainees/{trainee.pk}/progress", entry(programme)).json()
    response = client.post(
        f"/trainees/{trainee.pk}/progress", entry(programme, corrects_id=original["id"])
    )
    assert response.status_code == 400
    assert response.json()["code"] == "correction_needs_reason"


def test_correction_may_void_an_entry_with_zero_hours(api, programme, cohort_a, trainer_a):
    trainee = make_trainee(cohort_a)
    client = api.as_user(trainer_a)
    original = client.post(f"/trainees/{trainee.pk}/progress", entry(programme)).json()
    response = client.post(
        f"/trainees/{trainee.pk}/progress",
        entry(programme, hours="0", corrects_id=original["id"], correction_reason="记错了学员"),
    )
    assert response.status_code == 201, response.content
    summary = client.get(f"/trainees/{trainee.pk}/progress").json()["summary"]
    assert summary["hours_done"] == "0.0"


def test_repeated_request_with_same_client_key_logs_once(api, programme, cohort_a, trainer_a):
    trainee = make_trainee(cohort_a)
    client = api.as_user(trainer_a)
    body = entry(programme, client_key=str(uuid.uuid4()))
    first = client.post(f"/trainees/{trainee.pk}/progress", body)
    again = client.post(f"/trainees/{trainee.pk}/progress", body)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert ProgressLog.objects.count() == 1


def _jpeg_with_gps_exif() -> bytes:
    image = Image.new("RGB", (2400, 1200), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (30.0, 57.0, 7.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_photo_is_stored_without_exif_and_shrunk(api, programme, cohort_a, trainer_a):
    trainee = make_trainee(cohort_a)
    raw = _jpeg_with_gps_exif()
    assert Image.open(io.BytesIO(raw)).getexif()  # the phone's photo does carry EXIF
    photo = "data:image/jpeg;base64," + base64.b64encode(raw).decode()
    response = api.as_user(trainer_a).post(
        f"/trainees/{trainee.pk}/progress", entry(programme, photo=photo)
    )
    assert response.status_code == 201, response.content
    log = ProgressLog.objects.get()
    with default_storage.open(log.photo.name) as stored:
        image = Image.open(stored)
        assert image.format == "JPEG"
        assert max(image.size) == 1600
        assert not image.getexif()
        assert "exif" not in image.info


def test_file_that_is_not_an_image_is_refused(api, programme, cohort_a, trainer_a):
    trainee = make_trainee(cohort_a)
    fake = base64.b64encode(b"<?php echo 'hi'; ?>" * 10).decode()
    response = api.as_user(trainer_a).post(
        f"/trainees/{trainee.pk}/progress", entry(programme, photo=fake)
    )
    assert response.status_code == 400
    assert response.json()["code"] == "photo_invalid"
    assert not ProgressLog.objects.exists()


def test_unknown_field_is_a_validation_error(api, programme, cohort_a, trainer_a):
    trainee = make_trainee(cohort_a)
    response = api.as_user(trainer_a).post(
        f"/trainees/{trainee.pk}/progress", entry(programme, trainer_id=1)
    )
    assert response.status_code == 422


def test_refusal_message_follows_the_readers_language(api, programme, cohort_a, trainer_a):
    trainee = make_trainee(cohort_a)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    client = api.as_user(trainer_a)
    path = f"/trainees/{trainee.pk}/progress"
    chinese = client.post(path, entry(programme, date=tomorrow)).json()
    english = client.post(path, entry(programme, date=tomorrow), headers={"Accept-Language": "en"})
    assert chinese["message"] == "日期不能晚于今天。"
    assert english.json()["message"] == "The date cannot be later than today."


def test_large_phone_photo_goes_as_multipart_without_exif(api, programme, cohort_a, trainer_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    trainees = [make_trainee(cohort_a, name=name) for name in ("余鑫", "拉姆")]
    # Noise does not compress: a photo of several MB, as phones take them.
    image = Image.frombytes("RGB", (2000, 1500), os.urandom(2000 * 1500 * 3))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 57.0, 7.0)}
    raw = io.BytesIO()
    image.save(raw, format="JPEG", quality=100, exif=exif)
    assert raw.tell() > 2_600_000  # more than a JSON body may carry
    form = {
        **entry(programme),
        "trainee_ids": [t.pk for t in trainees],
        "photo": SimpleUploadedFile("work.jpg", raw.getvalue(), content_type="image/jpeg"),
    }
    response = api.client.post(
        "/api/v1/progress/upload", data=form, headers=api.as_user(trainer_a).headers
    )
    assert response.status_code == 201, response.content
    assert ProgressLog.objects.count() == 2
    log = ProgressLog.objects.first()
    with default_storage.open(log.photo.name) as stored:
        assert not Image.open(stored).getexif()


def test_photo_over_eight_megabytes_is_refused(api, programme, cohort_a, trainer_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    trainee = make_trainee(cohort_a)
    form = {
        **entry(programme),
        "trainee_ids": [trainee.pk],
        "photo": SimpleUploadedFile("big.jpg", b"\xff" * (8 * 1024 * 1024 + 1)),
    }
    response = api.client.post(
        "/api/v1/progress/upload", data=form, headers=api.as_user(trainer_a).headers
    )
    assert response.status_code == 413
    assert response.json()["code"] == "photo_too_large"
    assert not ProgressLog.objects.exists()


def test_one_photo_for_a_session_is_stored_once(api, programme, cohort_a, trainer_a):
    trainees = [make_trainee(cohort_a, name=name) for name in ("余鑫", "拉姆")]
    photo = base64.b64encode(_jpeg_with_gps_exif()).decode()
    body = {**entry(programme, photo=photo), "trainee_ids": [t.pk for t in trainees]}
    response = api.as_user(trainer_a).post("/progress", body)
    assert response.status_code == 201, response.content
    urls = {row["photo_url"] for row in response.json()}
    assert len(urls) == 1 and None not in urls

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from orders.models import OrderPhoto
from tests.conftest import ApiClient

from .factories import make_merchant, make_order

pytestmark = pytest.mark.django_db


def jpeg_with_exif(width=3000, height=2000) -> bytes:
    picture = Image.new("RGB", (width, height), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "SecretPhone"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def upload(api: ApiClient, order_id: int, data: bytes, name="sample.jpg", caption="样品正面"):
    return api.client.post(
        f"/api/v1/orders/{order_id}/photos",
        {"image": SimpleUploadedFile(name, data, content_type="image/jpeg"), "caption": caption},
        headers=api.headers,
    )


def test_a_real_photo_is_stored_without_exif_resized_and_with_a_thumbnail(api, merchant):
    order = make_order(merchant)
    response = upload(api.as_user(merchant), order.pk, jpeg_with_exif())
    assert response.status_code == 201, response.content
    photo = OrderPhoto.objects.get()
    # Orientation 6 was applied (upright: portrait), then the long side cut to 1600.
    assert (photo.width, photo.height) == (1067, 1600)
    with Image.open(photo.image.path) as stored:
        assert stored.format == "JPEG"
        assert max(stored.size) == 1600
        assert not stored.getexif()
        assert "exif" not in stored.info
    with Image.open(photo.thumbnail.path) as thumb:
        assert max(thumb.size) == 320
        assert not thumb.getexif()
    body = response.json()
    assert body["caption"] == "样品正面"
    assert body["thumbnail_url"].endswith("_thumb.jpg")
    read = api.get(f"/orders/{order.pk}").json()
    assert [p["id"] for p in read["photos"]] == [photo.pk]


def test_a_png_is_accepted_and_small_ones_are_not_enlarged(api, merchant):
    order = make_order(merchant)
    out = io.BytesIO()
    Image.new("RGBA", (200, 100), (0, 0, 0, 0)).save(out, format="PNG")
    response = upload(api.as_user(merchant), order.pk, out.getvalue(), name="a.png")
    assert response.status_code == 201
    assert (response.json()["width"], response.json()["height"]) == (200, 100)


@pytest.mark.parametrize(
    "data",
    [b"this is not an image at all", b"\xff\xd8\xff\xe0" + b"\x00" * 100, b""],
)
def test_anything_but_a_real_image_is_refused(api, merchant, data):
    order = make_order(merchant)
    response = upload(api.as_user(merchant), order.pk, data, name="evil.jpg")
    assert response.status_code == 400
    assert response.json()["code"] == "photo_invalid"
    assert not OrderPhoto.objects.exists()


def test_a_gif_is_refused_even_though_it_is_an_image(api, merchant):
    order = make_order(merchant)
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, format="GIF")
    response = upload(api.as_user(merchant), order.pk, out.getvalue(), name="a.gif")
    assert response.json()["code"] == "photo_invalid"


def test_a_photo_above_the_size_cap_is_refused(api, merchant, settings):
    settings.ORDER_PHOTO_MAX_BYTES = 10_000
    order = make_order(merchant)
    response = upload(api.as_user(merchant), order.pk, jpeg_with_exif())
    assert response.status_code == 413
    assert response.json()["code"] == "photo_too_large"
    assert not OrderPhoto.objects.exists()


def test_another_merchant_cannot_add_photos(api):
    order = make_order()
    response = upload(api.as_user(make_merchant()), order.pk, jpeg_with_exif(300, 200))
    assert response.status_code == 404
    assert not OrderPhoto.objects.exists()

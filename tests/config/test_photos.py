import io

import pytest
from PIL import Image

from core.photos import PhotoInvalid, PhotoTooLarge, photo_clean


def jpeg(width: int, height: int, *, exif: Image.Exif | None = None) -> bytes:
    out = io.BytesIO()
    picture = Image.new("RGB", (width, height), "white")
    picture.paste((255, 0, 0), (0, 0, width // 2, height))  # left half red
    picture.save(out, format="JPEG", exif=exif if exif is not None else Image.Exif())
    return out.getvalue()


def gps_rotated_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    exif[0x0110] = "PhoneModel X"
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0), 3: "E", 4: (116.0, 23.0, 0.0)}
    return exif


def clean(data: bytes, **limits):
    return photo_clean(
        data,
        **{"max_bytes": 5_000_000, "max_side": 1600, "thumb_side": 320, **limits},
    )


def test_a_rotated_phone_jpeg_comes_out_upright_with_no_exif():
    source = jpeg(400, 300, exif=gps_rotated_exif())
    with Image.open(io.BytesIO(source)) as before:
        assert before.getexif()[0x0112] == 6
        assert before.getexif().get_ifd(0x8825)

    result = clean(source)

    with Image.open(result.image) as after:
        assert after.format == "JPEG"
        assert after.size == (300, 400)
        assert (result.width, result.height) == (300, 400)
        assert len(after.getexif()) == 0
        assert "exif" not in after.info
        # The red left half is now on top: the picture was turned, not just relabelled.
        red, green, _blue = after.convert("RGB").getpixel((150, 50))
        assert red > 200 and green < 60
    assert b"PhoneModel" not in result.image.read()


def test_a_text_file_is_photo_invalid():
    with pytest.raises(PhotoInvalid) as caught:
        clean(b"not a picture, just words\n" * 10)
    assert caught.value.code == "photo_invalid"
    assert caught.value.status == 400


def test_a_gif_is_photo_invalid_though_it_is_an_image():
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, format="GIF")
    with pytest.raises(PhotoInvalid) as caught:
        clean(out.getvalue())
    assert caught.value.detail == {"format": "GIF"}


def test_a_file_over_max_bytes_is_too_large_and_names_the_limit():
    data = jpeg(400, 300)
    with pytest.raises(PhotoTooLarge) as caught:
        clean(data, max_bytes=len(data) - 1)
    error = caught.value
    assert error.code == "photo_too_large"
    assert error.status == 413
    assert error.detail == {"max_bytes": len(data) - 1, "bytes": len(data)}


def test_the_too_large_message_names_the_limit_in_megabytes():
    error = PhotoTooLarge.over_bytes(8 * 1024 * 1024, 9_000_000)
    assert str(error.message) == "照片太大（最大 8 MB）。"
    assert error.body()["detail"] == {"max_bytes": 8 * 1024 * 1024, "bytes": 9_000_000}


def test_an_image_with_huge_dimensions_is_refused_before_decoding():
    out = io.BytesIO()
    Image.new("1", (8_000, 8_000)).save(out, format="PNG")  # tiny file, 64 M pixels
    data = out.getvalue()
    assert len(data) < 100_000
    with pytest.raises(PhotoTooLarge) as caught:
        clean(data, max_pixels=40_000_000)
    assert caught.value.detail == {"max_pixels": 40_000_000}


def test_resizing_keeps_the_aspect_ratio():
    result = clean(jpeg(3000, 1500), max_side=1000)
    assert (result.width, result.height) == (1000, 500)
    with Image.open(result.image) as stored:
        assert stored.size == (1000, 500)


def test_a_small_photo_is_not_enlarged():
    result = clean(jpeg(200, 100))
    assert (result.width, result.height) == (200, 100)


def test_the_thumbnail_fits_thumb_side_and_keeps_the_ratio():
    result = clean(jpeg(1200, 900), thumb_side=320)
    with Image.open(result.thumbnail) as thumb:
        assert thumb.size == (320, 240)
        assert thumb.format == "JPEG"
    assert result.thumbnail.name != result.image.name


def test_no_thumbnail_when_thumb_side_is_none():
    result = clean(jpeg(600, 400), thumb_side=None)
    assert result.thumbnail is None

"""Photos of trainees' work, sent from trainers' phones.

A photo is decoded by Pillow (so a file that only claims to be an image is refused), turned
upright by its EXIF orientation, shrunk to a sensible size and re-encoded as JPEG without any
metadata: phone EXIF carries GPS positions of people's homes, which the platform must not keep.
"""

import base64
import binascii
import io
import uuid

from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from config.errors import ApplicationError, BadRequest

MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 1600
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}


class PhotoInvalid(BadRequest):
    code = "photo_invalid"
    message = _("照片无法识别，请上传 JPEG、PNG 或 WebP 图片。")


class PhotoTooLarge(ApplicationError):
    status = 413
    code = "photo_too_large"
    message = _("照片太大（最大 8 MB）。")


def photo_clean(data: bytes) -> ContentFile:
    """A JPEG without metadata, ready to save, or a 400/413 that says why not."""
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoTooLarge(detail={"max_bytes": MAX_PHOTO_BYTES, "bytes": len(data)})
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
        if image_format not in ALLOWED_FORMATS:
            raise PhotoInvalid(detail={"format": image_format})
        if width * height > MAX_PIXELS:
            raise PhotoTooLarge(detail={"max_pixels": MAX_PIXELS})
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            # No exif= argument: the saved file carries no EXIF at all.
            image.save(out, format="JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise PhotoInvalid() from None
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


def photo_from_base64(text: str | None) -> bytes | None:
    """Bytes of a base64 photo from a phone (a ``data:image/...;base64,`` URL is fine)."""
    if not text:
        return None
    if text.startswith("data:"):
        _header, _comma, text = text.partition(",")
    if len(text) > MAX_PHOTO_BYTES * 4 // 3 + 4:
        raise PhotoTooLarge(detail={"max_bytes": MAX_PHOTO_BYTES})
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise PhotoInvalid() from None


def photo_read_upload(upload) -> bytes | None:
    """Bytes of an uploaded photo file, refusing an oversized one before reading it all."""
    if upload is None:
        return None
    if upload.size > MAX_PHOTO_BYTES:
        raise PhotoTooLarge(detail={"max_bytes": MAX_PHOTO_BYTES, "bytes": upload.size})
    return upload.read()

"""Photos of trainees' work, sent from trainers' phones.

A photo is decoded by Pillow (so a file that only claims to be an image is refused), turned
upright by its EXIF orientation, shrunk to a sensible size and re-encoded as JPEG without any
metadata: phone EXIF carries GPS positions of people's homes, which the platform must not keep.
"""

import base64
import binascii

from django.core.files.base import ContentFile

from core.photos import PhotoInvalid, PhotoTooLarge
from core.photos import photo_clean as _photo_clean

MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_SIDE = 1600


def photo_clean(data: bytes) -> ContentFile:
    """A JPEG without metadata, ready to save, or a 400/413 that says why not."""
    return _photo_clean(data, max_bytes=MAX_PHOTO_BYTES, max_side=MAX_SIDE, thumb_side=None).image


def photo_from_base64(text: str | None) -> bytes | None:
    """Bytes of a base64 photo from a phone (a ``data:image/...;base64,`` URL is fine)."""
    if not text:
        return None
    if text.startswith("data:"):
        _header, _comma, text = text.partition(",")
    if len(text) > MAX_PHOTO_BYTES * 4 // 3 + 4:
        raise PhotoTooLarge.over_bytes(MAX_PHOTO_BYTES)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise PhotoInvalid() from None


def photo_read_upload(upload) -> bytes | None:
    """Bytes of an uploaded photo file, refusing an oversized one before reading it all."""
    if upload is None:
        return None
    if upload.size > MAX_PHOTO_BYTES:
        raise PhotoTooLarge.over_bytes(MAX_PHOTO_BYTES, upload.size)
    return upload.read()

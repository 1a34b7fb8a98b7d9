"""Defect photos from checkers' phones, cleaned by ``core.photos`` (decoded, upright, no EXIF)
with the quality app's limits and a thumbnail for lists."""

from core.photos import CleanPhoto
from core.photos import photo_clean as _photo_clean

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000
MAX_SIDE = 2000
THUMB_SIDE = 320


def photo_clean(data: bytes) -> CleanPhoto:
    return _photo_clean(
        data,
        max_bytes=MAX_BYTES,
        max_side=MAX_SIDE,
        thumb_side=THUMB_SIDE,
        max_pixels=MAX_PIXELS,
    )

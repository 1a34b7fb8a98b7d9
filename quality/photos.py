"""Defect photos from checkers' phones: decoded by Pillow (a file that only claims to be an
image is refused), turned upright by its EXIF orientation, re-encoded as JPEG with no metadata
(phone EXIF carries GPS positions), and given a thumbnail for lists."""

import io
import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import PhotoInvalid, PhotoTooLarge

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000
MAX_SIDE = 2000
THUMB_SIDE = 320
FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}


@dataclass
class CleanPhoto:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def _jpeg(image: Image.Image, name: str) -> ContentFile:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)  # no exif=: nothing carried over
    return ContentFile(out.getvalue(), name=name)


def photo_clean(data: bytes) -> CleanPhoto:
    if len(data) > MAX_BYTES:
        raise PhotoTooLarge(detail={"max_bytes": MAX_BYTES, "bytes": len(data)})
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind, (width, height) = probe.format, probe.size
            probe.verify()
        if kind not in FORMATS:
            raise PhotoInvalid(detail={"format": kind})
        if width * height > MAX_PIXELS:
            raise PhotoTooLarge(detail={"max_pixels": MAX_PIXELS})
        with Image.open(io.BytesIO(data)) as opened:
            upright = ImageOps.exif_transpose(opened).convert("RGB")
        upright.thumbnail((MAX_SIDE, MAX_SIDE))
        thumb = upright.copy()
        thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise PhotoInvalid() from None
    name = uuid.uuid4().hex
    return CleanPhoto(
        image=_jpeg(upright, f"{name}.jpg"),
        thumbnail=_jpeg(thumb, f"{name}-thumb.jpg"),
        width=upright.width,
        height=upright.height,
    )

"""Sample photos with Pillow: accept only real images, strip EXIF, resize, make a thumbnail.

The upload is decoded, not trusted by its name or content type. Re-encoding the pixels drops
every metadata block (EXIF with GPS position and phone model, XMP, comments); the EXIF
orientation is applied first so the picture stays upright.
"""

import io
import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import PhotoInvalid, PhotoTooLarge

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_SIDE = 1600  # the stored photo: sharp on a desktop, small enough for a village 3G link
THUMB_SIDE = 320  # list thumbnails on a cheap phone
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding them


@dataclass(frozen=True)
class ProcessedPhoto:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def _encode(picture: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def process_photo(data: bytes, *, max_bytes: int) -> ProcessedPhoto:
    """Validate and re-encode ``data`` as a JPEG without metadata, plus a thumbnail."""
    if len(data) > max_bytes:
        raise PhotoTooLarge(detail={"max_bytes": max_bytes, "size": len(data)})
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise PhotoInvalid(detail={"format": probe.format})
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoTooLarge(detail={"max_pixels": MAX_PIXELS})
            probe.verify()  # structural check; the image must be reopened after verify()
        with Image.open(io.BytesIO(data)) as source:
            source.load()
            upright = ImageOps.exif_transpose(source)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PhotoInvalid() from exc
    except Image.DecompressionBombError as exc:  # pragma: no cover - caught by MAX_PIXELS
        raise PhotoTooLarge() from exc
    picture = upright.convert("RGB")  # JPEG has no alpha; also drops palette/ICC oddities
    picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    thumb = picture.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    name = uuid.uuid4().hex
    return ProcessedPhoto(
        image=ContentFile(_encode(picture, 85), name=f"{name}.jpg"),
        thumbnail=ContentFile(_encode(thumb, 75), name=f"{name}_thumb.jpg"),
        width=picture.width,
        height=picture.height,
    )

"""Phone photos, cleaned once for every app: decoded by Pillow (a file that only claims to be an
image is refused), turned upright by its EXIF orientation, shrunk, and re-encoded as JPEG with
no metadata at all (phone EXIF carries GPS positions of people's homes), plus an optional
thumbnail for lists. Each app passes its own limits.
"""

import io
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ApplicationError, BadRequest

FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}  # MPO: the multi-picture JPEG some phones write
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding the pixels


class PhotoInvalid(BadRequest):
    code = "photo_invalid"
    message = _("照片无法识别，请上传 JPEG、PNG 或 WebP 图片。")


class PhotoTooLarge(ApplicationError):
    status = 413
    code = "photo_too_large"
    message = _("照片太大。")

    @classmethod
    def over_bytes(cls, max_bytes: int, size: int | None = None) -> "PhotoTooLarge":
        """The error for a file above ``max_bytes``, its message naming the limit."""
        detail: dict[str, Any] = {"max_bytes": max_bytes}
        if size is not None:
            detail["bytes"] = size
        limit = f"{max_bytes / (1024 * 1024):.3g} MB"
        return cls(format_lazy(_("照片太大（最大 {limit}）。"), limit=limit), detail=detail)

    @classmethod
    def over_pixels(cls, max_pixels: int) -> "PhotoTooLarge":
        limit = f"{max_pixels:,}"
        message = format_lazy(_("照片像素太多（最多 {limit} 像素）。"), limit=limit)
        return cls(message, detail={"max_pixels": max_pixels})


@dataclass(frozen=True)
class CleanPhoto:
    image: ContentFile
    thumbnail: ContentFile | None
    width: int
    height: int


def _jpeg(picture: Image.Image, name: str, quality: int) -> ContentFile:
    out = io.BytesIO()
    # No exif= argument: nothing from the upload is carried over.
    picture.save(out, format="JPEG", quality=quality, optimize=True)
    return ContentFile(out.getvalue(), name=name)


def photo_clean(
    data: bytes,
    *,
    max_bytes: int,
    max_side: int,
    thumb_side: int | None,
    max_pixels: int = MAX_PIXELS,
) -> CleanPhoto:
    """A metadata-free JPEG at most ``max_side`` on its long side (and a thumbnail at most
    ``thumb_side``, unless None), or PhotoInvalid (400) / PhotoTooLarge (413) saying why not."""
    if len(data) > max_bytes:
        raise PhotoTooLarge.over_bytes(max_bytes, len(data))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind, (width, height) = probe.format, probe.size
            probe.verify()  # structural check; the image must be reopened after verify()
        if kind not in FORMATS:
            raise PhotoInvalid(detail={"format": kind})
        if width * height > max_pixels:
            raise PhotoTooLarge.over_pixels(max_pixels)
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            picture = ImageOps.exif_transpose(opened).convert("RGB")  # JPEG has no alpha
    except Image.DecompressionBombError:
        raise PhotoTooLarge.over_pixels(max_pixels) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise PhotoInvalid() from None
    picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    name = uuid.uuid4().hex
    thumbnail = None
    if thumb_side is not None:
        thumb = picture.copy()
        thumb.thumbnail((thumb_side, thumb_side), Image.Resampling.LANCZOS)
        thumbnail = _jpeg(thumb, f"{name}_thumb.jpg", 75)
    return CleanPhoto(
        image=_jpeg(picture, f"{name}.jpg", 85),
        thumbnail=thumbnail,
        width=picture.width,
        height=picture.height,
    )

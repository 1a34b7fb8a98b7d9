"""Sample photos: cleaned by ``core.photos`` (decoded, upright, no EXIF) at 1600 px with a
320 px thumbnail for lists on a cheap phone."""

from core.photos import CleanPhoto, photo_clean

MAX_SIDE = 1600  # the stored photo: sharp on a desktop, small enough for a village 3G link
THUMB_SIDE = 320  # list thumbnails on a cheap phone


def process_photo(data: bytes, *, max_bytes: int) -> CleanPhoto:
    """Validate and re-encode ``data`` as a JPEG without metadata, plus a thumbnail."""
    return photo_clean(data, max_bytes=max_bytes, max_side=MAX_SIDE, thumb_side=THUMB_SIDE)

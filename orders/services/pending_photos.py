"""A sample photo kept between two posts of the order form.

Why: the publish form may come back once more (to acknowledge pay below the minimum wage, or
to fix a field), and a browser never re-sends a file it was sent back: the photo the merchant
chose was silently lost. So the form keeps it here and carries only its token.

Rules:
- The photo is cleaned on arrival (``core.photos``: a real image, no EXIF, resized), so a bad
  file is refused at the first post and nothing from the phone's metadata is stored.
- A token is good only for the person who chose the photo; anyone else's is "gone".
- It is used once: attaching it to an order turns it into an ``OrderPhoto`` (through
  ``order_photo_add``, with all its checks) and deletes it, files after the commit.
- Unused ones are purged after ``PENDING_PHOTO_TTL_HOURS`` (beat), files first, then rows, so a
  purge killed half way and run again finishes the job.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import ensure_role

from .. import errors
from ..models import OrderPhoto, PendingPhoto
from ..photos import process_photo
from .orders import order_photo_add

Role = User.Role


@transaction.atomic
def pending_photo_keep(*, actor: User, upload: UploadedFile) -> PendingPhoto:
    """Clean and keep a photo chosen on the order form; its token goes back in the form."""
    ensure_role(actor, Role.MERCHANT, Role.OPERATOR)
    max_bytes = settings.ORDER_PHOTO_MAX_BYTES
    if upload.size is not None and upload.size > max_bytes:
        raise errors.PhotoTooLarge.over_bytes(max_bytes, upload.size)
    processed = process_photo(upload.read(max_bytes + 1), max_bytes=max_bytes)
    pending = PendingPhoto(
        token=uuid.uuid4(), owner=actor, original_name=(upload.name or "")[-120:]
    )
    pending.image.save(processed.image.name, processed.image, save=False)
    pending.save()
    return pending


def _own_pending(*, actor: User, token: uuid.UUID) -> PendingPhoto:
    pending = PendingPhoto.objects.select_for_update().filter(token=token, owner=actor).first()
    if pending is None:
        raise errors.PendingPhotoGone(detail={"token": str(token)})
    return pending


@transaction.atomic
def order_photo_add_pending(*, actor: User, order_id: int, token: uuid.UUID) -> OrderPhoto:
    """Attach a kept photo to an order (the actor's own token only), and let it go."""
    pending = _own_pending(actor=actor, token=token)
    with pending.image.open("rb") as stored:
        photo = order_photo_add(
            actor=actor, order_id=order_id, upload=UploadedFile(stored, name=pending.original_name)
        )
    name = pending.image.name
    pending.delete()
    transaction.on_commit(lambda: PendingPhoto._meta.get_field("image").storage.delete(name))
    return photo


def pending_photos_purge(*, older_than: timedelta | None = None) -> int:
    """Delete kept photos nobody used in time; returns how many. Safe to kill and run again."""
    if older_than is None:
        older_than = timedelta(hours=settings.PENDING_PHOTO_TTL_HOURS)
    storage = PendingPhoto._meta.get_field("image").storage
    stale = PendingPhoto.objects.filter(created_at__lt=timezone.now() - older_than)
    purged = 0
    for pending in stale.iterator():
        if pending.image.name:
            storage.delete(pending.image.name)  # a file already gone is no error
        purged += PendingPhoto.objects.filter(pk=pending.pk).delete()[0]
    return purged

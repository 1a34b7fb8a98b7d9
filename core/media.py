"""Addresses of uploaded files (photos), always through the checked view.

Nothing serves ``/media/`` as plain files: ``pages.media.media`` answers each request after
asking the owning app whether the viewer may see that file. Templates and API schemas build
photo addresses here rather than from a field's ``.url``, which with an S3-compatible store
(django-storages) would point past the check at the bucket.

A *signed* address carries a signature of the file's name (HMAC with the secret key): it is the
capability for someone without a login, given only to a page that has already checked its own
capability (the household's statement behind its token shows the product's photo).
"""

from django.core import signing
from django.db.models.fields.files import FieldFile
from django.urls import reverse

_SALT = "shouchuang.media"


def media_url(file: FieldFile | str, *, signed: bool = False) -> str:
    """The checked address of a stored file (a field's file or its storage name)."""
    name = file if isinstance(file, str) else file.name
    url = reverse("pages:media", kwargs={"name": name})
    if signed:
        url += "?s=" + media_signature(name)
    return url


def media_signature(name: str) -> str:
    return signing.Signer(salt=_SALT).signature(name)


def media_signature_valid(name: str, signature: str) -> bool:
    return bool(signature) and signing.constant_time_compare(signature, media_signature(name))

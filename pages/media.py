"""Uploaded photos, each behind the check of the app that owns it.

Nothing serves ``/media/`` as plain files: a photo of an order, an inspection or a trainee's
work is answered here only to someone its app's selector lets see it (``orders``: the order's
merchant, operators, the leads that hold or may claim one of its batches; ``quality``: whoever
may see the inspected lot; ``trainees``: whoever may read the trainee's record; ``payouts``:
a household's signed receipt slip: operators and its workshop's lead), or to a *signed* address
(``core.media``) that a page gave someone without a login. Anyone else gets
404, as for a file that does not exist (no leak); a visitor with neither a login nor a
signature is sent to sign in.

Files are read through Django's storage API (``default_storage``), so production may keep them
in an S3-compatible store (django-storages) as well as on disk. With
``MEDIA_ACCEL_REDIRECT_PREFIX`` set, the web server sends the file (``X-Accel-Redirect`` to an
``internal`` nginx location) and this view only decides. Photo names are random and a photo is
never rewritten, so a browser keeps it for a day (``private``: no shared cache) and revalidates
with its ETag.
"""

import hashlib
import mimetypes
from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from accounts.models import User
from accounts.services import api_token_authenticate
from core.errors import ApplicationError
from core.media import media_signature_valid
from orders.selectors import order_photo_by_file, order_photo_visible
from payouts.selectors import payment_slip_by_file, payment_slip_visible
from quality.selectors import inspection_photo_by_file, inspection_photo_visible
from trainees.selectors import progress_photo_by_file, progress_photo_visible
from workshops.selectors import consent_by_evidence, consent_photo_visible

MAX_AGE = 24 * 60 * 60


def _visibility(name: str) -> Callable[[User], bool] | None:
    """How to decide who sees the file stored under ``name``; None when no app owns it (a
    label sheet, an unknown name: never served here)."""
    if (photo := order_photo_by_file(name=name)) is not None:
        return lambda viewer: order_photo_visible(viewer=viewer, photo=photo)
    if (defect := inspection_photo_by_file(name=name)) is not None:
        return lambda viewer: inspection_photo_visible(viewer=viewer, photo=defect)
    if (log := progress_photo_by_file(name=name)) is not None:
        return lambda viewer: progress_photo_visible(viewer=viewer, log=log)
    if (consent := consent_by_evidence(name=name)) is not None:
        return lambda viewer: consent_photo_visible(viewer=viewer, consent=consent)
    if (slip := payment_slip_by_file(name=name)) is not None:
        return lambda viewer: payment_slip_visible(viewer=viewer, answer=slip)
    return None


def _viewer(request: HttpRequest) -> User | None:
    """The signed-in person, or a phone's bearer token (API clients show the photos too)."""
    if request.user.is_authenticated:
        return request.user
    scheme, _space, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and key:
        try:
            return api_token_authenticate(raw_key=key.strip())
        except ApplicationError:
            return None
    return None


@require_safe
def media(request: HttpRequest, name: str) -> HttpResponse:
    signed = media_signature_valid(name, request.GET.get("s", ""))
    viewer = _viewer(request)
    if viewer is None and not signed:
        if "Authorization" in request.headers:
            raise Http404
        return redirect_to_login(request.get_full_path())
    visible = _visibility(name)
    if visible is None or not (signed or visible(viewer)):
        raise Http404
    return _serve(request, name)


def _serve(request: HttpRequest, name: str) -> HttpResponse:
    try:
        modified = default_storage.get_modified_time(name)
    except (FileNotFoundError, NotImplementedError):
        if not default_storage.exists(name):
            raise Http404 from None
        modified = None
    etag = '"' + hashlib.sha256(name.encode()).hexdigest()[:32] + '"'  # names are never reused
    headers = {"Cache-Control": f"private, max-age={MAX_AGE}", "ETag": etag}
    last_modified = modified.timestamp() if modified else None
    unchanged = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if unchanged is not None:
        for header, value in headers.items():
            unchanged[header] = value
        return unchanged
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    prefix = getattr(settings, "MEDIA_ACCEL_REDIRECT_PREFIX", "")
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(name)
    else:
        try:
            response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
        except FileNotFoundError:
            raise Http404 from None
    for header, value in headers.items():
        response[header] = value
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    response["X-Content-Type-Options"] = "nosniff"
    return response

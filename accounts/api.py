from typing import Annotated

from django.http import HttpRequest
from ninja import Query, Router, Status

from core.schemas import ErrorOut

from .inbox import inbox_mark_read, inbox_page, inbox_unread_count
from .schemas import InboxOut, InboxReadIn, InboxReadOut, MeOut, TokenIn, TokenOut
from .selectors import me_get
from .services import api_token_revoke, auth_token_obtain, user_sign_out_everywhere

router = Router(tags=["auth"])


@router.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 429: ErrorOut},
    summary="Sign in with username and password; returns a bearer token",
)
def token_obtain(request: HttpRequest, payload: TokenIn):
    token, raw_key = auth_token_obtain(
        request=request, username=payload.username, password=payload.password, device=payload.device
    )
    return {"token": raw_key, "expires_at": token.expires_at}


@router.delete("/auth/token", response={204: None}, summary="Revoke the bearer token in use")
def token_revoke(request: HttpRequest):
    token = getattr(request.user, "api_token", None)
    if token is not None:
        api_token_revoke(token=token)
    return Status(204, None)


@router.post(
    "/auth/logout-all",
    response={204: None, 401: ErrorOut, 403: ErrorOut},
    summary="Sign out everywhere: revoke all my bearer tokens and end all my page sessions",
)
def logout_all(request: HttpRequest):
    user_sign_out_everywhere(user=request.user)
    return Status(204, None)


@router.get("/me", response=MeOut, summary="Who am I: role and organisation")
def me(request: HttpRequest):
    return me_get(viewer=request.user)


@router.get("/inbox", response=InboxOut, tags=["inbox"], summary="My notices, newest first")
def inbox_read(
    request: HttpRequest,
    before: Annotated[int | None, Query(gt=0, le=2**62, description="older than this id")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
):
    return inbox_page(user=request.user, before=before, limit=limit)


@router.post("/inbox/read", response=InboxReadOut, tags=["inbox"], summary="Mark my notices read")
def inbox_mark(request: HttpRequest, payload: InboxReadIn):
    marked = inbox_mark_read(user=request.user, ids=payload.ids)
    return {"marked": marked, "unread": inbox_unread_count(user=request.user)}

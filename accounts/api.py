from django.http import HttpRequest
from ninja import Router, Status

from core.schemas import ErrorOut

from .schemas import MeOut, TokenIn, TokenOut
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

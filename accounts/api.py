from typing import Annotated

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from core.pagination import LimitOffsetPagination, paginate
from core.schemas import ErrorOut

from .inbox import inbox_mark_read, inbox_page, inbox_unread_count
from .preferences import user_locale_set
from .schemas import (
    InboxOut,
    InboxReadIn,
    InboxReadOut,
    MeLocaleIn,
    MeLocaleOut,
    MeOut,
    PasswordLinkIn,
    PasswordLinkOut,
    ServiceCenterIn,
    ServiceCenterOut,
    ServiceCenterPatch,
    TokenIn,
    TokenOut,
    UserCreatedOut,
    UserIn,
    UserOut,
)
from .selectors import me_get, service_center_get, service_center_list, user_get, user_list
from .services import (
    api_token_revoke,
    auth_token_obtain,
    password_link_reissue,
    service_center_create,
    service_center_update,
    user_invite,
    user_sign_out_everywhere,
)

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


@router.put(
    "/me/locale",
    response=MeLocaleOut,
    summary="Choose my own language (notices) and time zone (pages); a workshop's change "
    "then leaves them alone",
)
def set_my_locale(request: HttpRequest, payload: MeLocaleIn):
    return user_locale_set(user=request.user, **payload.dict())


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


# --- Region set-up (operators): service centers and users ------------------------------------


class ServiceCenterFilter(Schema):
    search: str = Field("", max_length=60)


@router.get(
    "/service-centers",
    response=list[ServiceCenterOut],
    tags=["region"],
    summary="Regional service centers (operator)",
)
@paginate(LimitOffsetPagination)
def list_service_centers(request: HttpRequest, filters: Query[ServiceCenterFilter]):
    return service_center_list(viewer=request.user, search=filters.search)


@router.post(
    "/service-centers",
    response={201: ServiceCenterOut},
    tags=["region"],
    summary="Register a service center (operator); 409 service_center_name_taken",
)
def create_service_center(request: HttpRequest, payload: ServiceCenterIn):
    center = service_center_create(actor=request.user, **payload.dict())
    return Status(201, service_center_get(viewer=request.user, service_center_id=center.pk))


@router.get(
    "/service-centers/{service_center_id}",
    response=ServiceCenterOut,
    tags=["region"],
    summary="One service center (operator)",
)
def read_service_center(request: HttpRequest, service_center_id: int):
    return service_center_get(viewer=request.user, service_center_id=service_center_id)


@router.patch(
    "/service-centers/{service_center_id}",
    response=ServiceCenterOut,
    tags=["region"],
    summary="Correct a service center's name or place (operator)",
)
def update_service_center(
    request: HttpRequest, service_center_id: int, payload: ServiceCenterPatch
):
    service_center_update(
        actor=request.user,
        service_center_id=service_center_id,
        **payload.dict(exclude_unset=True),
    )
    return service_center_get(viewer=request.user, service_center_id=service_center_id)


class UserFilter(Schema):
    search: str = Field("", max_length=60)
    role: str | None = Field(None, max_length=20)
    organisation_id: int | None = None


def password_link_out(request: HttpRequest, path: str) -> dict:
    return {
        "url": request.build_absolute_uri(path),
        "expires_at": timezone.now() + settings.SET_PASSWORD_LINK_TTL,
    }


@router.get("/users", response=list[UserOut], tags=["region"], summary="Users (operator)")
@paginate(LimitOffsetPagination)
def list_users(request: HttpRequest, filters: Query[UserFilter]):
    return user_list(
        viewer=request.user,
        search=filters.search,
        role=filters.role,
        organisation_id=filters.organisation_id,
    )


@router.post(
    "/users",
    response={201: UserCreatedOut},
    tags=["region"],
    summary="Create a user of a role in an organisation, with a one-time set-password link "
    "(operator); 409 username_taken",
)
def create_user(request: HttpRequest, payload: UserIn):
    user, path = user_invite(actor=request.user, **payload.dict())
    created = user_get(viewer=request.user, user_id=user.pk)
    created.password_link = password_link_out(request, path)
    return Status(201, created)


@router.get("/users/{user_id}", response=UserOut, tags=["region"], summary="One user (operator)")
def read_user(request: HttpRequest, user_id: int):
    return user_get(viewer=request.user, user_id=user_id)


@router.post(
    "/users/{user_id}/password-link",
    response=PasswordLinkOut,
    tags=["region"],
    summary="A new one-time set-password link (operator): clears the password, ends the "
    "person's sessions and tokens, and kills earlier links",
)
def reissue_password_link(request: HttpRequest, user_id: int, payload: PasswordLinkIn):
    path = password_link_reissue(actor=request.user, user_id=user_id, send_sms=payload.send_sms)
    return password_link_out(request, path)

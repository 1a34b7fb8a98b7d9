"""Writes for accounts: users, and the bearer tokens phone clients sign in with."""

import hashlib
import secrets
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from core import currency
from core.access import ensure_role
from core.errors import BadRequest, Conflict, NotAuthenticated, NotFound, TooManyRequests

from .models import ApiToken, Organisation, User
from .permissions import ROLE_ORGANISATION_KINDS

TOKEN_PREFIX = "sc_"


def _hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"
    message = _("用户名或密码错误。")


class TokenInvalid(NotAuthenticated):
    code = "token_invalid"
    message = _("登录凭证无效，请重新登录。")


class TokenExpired(NotAuthenticated):
    code = "token_expired"
    message = _("登录已过期，请重新登录。")


class TokenRevoked(NotAuthenticated):
    code = "token_revoked"
    message = _("登录凭证已被注销，请重新登录。")


class LoginLockedOut(TooManyRequests):
    code = "login_locked_out"
    message = _("登录失败次数过多，请 15 分钟后再试。")


class RoleOrganisationMismatch(BadRequest):
    code = "role_organisation_mismatch"
    message = _("该角色不能属于这类机构。")


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    role: str,
    organisation: Organisation,
    display_name: str = "",
    phone: str = "",
    is_staff: bool = False,
) -> User:
    if organisation.kind not in ROLE_ORGANISATION_KINDS.get(role, set()):
        raise RoleOrganisationMismatch(
            detail={"role": role, "organisation_kind": organisation.kind}
        )
    user = User(
        username=username,
        role=role,
        organisation=organisation,
        display_name=display_name,
        phone=phone,
        is_staff=is_staff,
    )
    if password is None:  # invited: the person sets one through a link
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    return user


def api_token_issue(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Make a token; the raw key is returned once and never stored."""
    raw_key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:80],
        key_prefix=raw_key[:10],
        key_hash=_hash_key(raw_key),
        expires_at=timezone.now() + settings.API_TOKEN_TTL,
        credential_hash=user.get_session_auth_hash(),
    )
    return token, raw_key


def auth_token_obtain(
    *, request: HttpRequest, username: str, password: str, device: str = ""
) -> tuple[ApiToken, str]:
    """Check a username and password (rate-limited by django-axes) and issue a token."""
    user = authenticate(request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        raise LoginLockedOut()
    if user is None or not user.is_active:
        raise InvalidCredentials()
    return api_token_issue(user=user, name=device)


# A bearer key's token (with its user and organisation) is kept in the shared cache for a few
# seconds, keyed by the key's hash, so a phone's requests skip the token query. Revocation
# replaces the entry by a marker at once, so a revoked token stops working on the next request:
# so do a new password (any way it is set, see accounts.auth.RevokeTokensOnPasswordChange) and
# a deactivation through user_deactivate or the admin, which revoke all the user's tokens.
# Other changes to the user (new role or organisation, a deactivation written around the
# services) reach phones within API_TOKEN_CACHE_SECONDS. Only a cache shared by every server
# process is used (Redis): with the per-process local-memory cache (no REDIS_URL) nothing is
# cached by default.
_TOKEN_CACHE_PREFIX = "accounts:token:"
_NOT_CACHED = "not-cached"


def _token_cache_seconds() -> int:
    configured = getattr(settings, "API_TOKEN_CACHE_SECONDS", None)
    if configured is not None:
        return int(configured)
    return 30 if getattr(settings, "REDIS_URL", "") else 0


def api_token_authenticate(*, raw_key: str) -> User:
    """The user a bearer key belongs to, or a 401 that says why not."""
    from django.core.cache import cache

    key_hash = _hash_key(raw_key)
    ttl = _token_cache_seconds()
    cache_key = _TOKEN_CACHE_PREFIX + key_hash
    now = timezone.now()
    cached = cache.get(cache_key) if ttl > 0 else None
    if isinstance(cached, ApiToken):
        token = cached
    else:
        token = (
            ApiToken.objects.select_related("user", "user__organisation")
            .filter(key_hash=key_hash)
            .first()
        )
        if token is None or not token.user.is_active:
            raise TokenInvalid()
        if token.revoked_at is not None:
            raise TokenRevoked()
        if not token.credential_matches(token.user):
            # The password changed since the token was issued, through a service or not (the
            # admin, manage.py changepassword, a shell): the token is revoked with it.
            ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
            raise TokenRevoked()
        if token.expires_at <= now:
            raise TokenExpired()
        # Touch at most once a minute: a phone polling must not write on every request.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        if ttl > 0 and cached is None:
            # add, not set: a revocation's marker that landed meanwhile must win.
            cache.add(cache_key, token, ttl)
    if token.expires_at <= now:  # a cached token too
        raise TokenExpired()
    token.user.api_token = token
    return token.user


def _forget_cached_tokens(key_hashes: list[str]) -> None:
    ttl = _token_cache_seconds()
    if ttl > 0 and key_hashes:
        from django.core.cache import cache

        # A marker rather than a delete: a request that read the token just before the
        # revocation cannot put it back in the cache (it only ever adds).
        markers = {_TOKEN_CACHE_PREFIX + key_hash: _NOT_CACHED for key_hash in key_hashes}
        cache.set_many(markers, ttl)


def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    _forget_cached_tokens([token.key_hash])


def api_token_revoke_all(*, user: User) -> int:
    """Revoke every token of ``user`` still in use, in the token cache too. Returns how many."""
    now = timezone.now()
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now)
    key_hashes = list(live.values_list("key_hash", flat=True))
    if not key_hashes:
        return 0
    revoked = ApiToken.objects.filter(
        user=user, key_hash__in=key_hashes, revoked_at__isnull=True
    ).update(revoked_at=now)
    _forget_cached_tokens(key_hashes)
    return revoked


@transaction.atomic
def user_deactivate(*, user: User) -> None:
    """The user can no longer sign in and their bearer tokens stop at once, cached or not.

    Their page sessions end too: Django's ModelBackend refuses the session of an inactive user.
    """
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    api_token_revoke_all(user=user)


@transaction.atomic
def user_sign_out_everywhere(*, user: User) -> int:
    """End every page session and bearer token of ``user`` (a lost or lent phone).

    Raising the session epoch changes the user's session auth hash, so Django drops each of
    their sessions on its next request; the tokens are revoked, in the cache too. Returns how
    many tokens were revoked.
    """
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    return api_token_revoke_all(user=user)


def api_token_purge_expired(*, now: datetime | None = None) -> int:
    """Delete tokens that expired or were revoked more than a day ago. Returns how many."""
    cutoff = (now or timezone.now()) - settings.API_TOKEN_PURGE_GRACE
    deleted, _ = ApiToken.objects.filter(expires_at__lt=cutoff).delete()
    revoked, _ = ApiToken.objects.filter(revoked_at__lt=cutoff).delete()
    return deleted + revoked


PLATFORM_APPS = [
    "accounts",
    "jobs",
    "workshops",
    "orders",
    "quality",
    "allocation",
    "payouts",
    "trainees",
]


@transaction.atomic
def operator_grant_admin(*, user: User) -> None:
    """Operators run the admin: staff status and every permission of the platform's own apps."""
    from django.contrib.auth.models import Group, Permission

    if user.role != User.Role.OPERATOR:
        raise RoleOrganisationMismatch(_("只有平台运营可以使用管理后台。"), code="not_an_operator")
    group, _created = Group.objects.get_or_create(name="平台运营")
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=PLATFORM_APPS))
    user.groups.add(group)
    User.objects.filter(pk=user.pk).update(is_staff=True)


# --- Region set-up by an operator: service centers, and users invited by a one-time link. ---

SERVICE_CENTER_FIELDS = (
    "name",
    "province",
    "county",
    "township",
    "village",
    "latitude",
    "longitude",
    "payout_currency",
)


class ServiceCenterNameTaken(Conflict):
    code = "service_center_name_taken"
    message = _("已有同名的服务中心，请换一个名称。")


class CurrencyUnknown(BadRequest):
    code = "currency_unknown"
    message = _("不认识这个币种代码（请用 ISO 4217 三个字母，如 CNY、XOF、KWD）。")


def _currency(code: str) -> str:
    code = (code or "").strip().upper()
    if not currency.is_known(code):
        raise CurrencyUnknown(detail={"payout_currency": code})
    return code


class ServiceCenterNotFound(NotFound):
    code = "service_center_not_found"
    message = _("服务中心不存在。")


class UsernameTaken(Conflict):
    code = "username_taken"
    message = _("这个登录名已被使用，请换一个。")


class UnknownOrganisation(BadRequest):
    code = "unknown_organisation"
    message = _("机构不存在或已停用。")


class UserNotFound(NotFound):
    code = "user_not_found"
    message = _("用户不存在。")


class PasswordLinkInvalid(NotFound):
    code = "password_link_invalid"
    message = _("链接无效、已用过或已过期。请向平台运营要一个新链接。")


class PasswordRejected(BadRequest):
    code = "password_rejected"
    message = _("密码不符合要求。")


class SmsNeedsPhone(BadRequest):
    code = "sms_needs_phone"
    message = _("要发短信，请先填写手机号。")


def _replayed(model, key: uuid.UUID | None):
    return model.objects.filter(creation_key=key).first() if key is not None else None


@transaction.atomic
def service_center_create(
    *,
    actor: User,
    name: str,
    province: str,
    county: str = "",
    township: str = "",
    village: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    payout_currency: str = currency.HOME,
    key: uuid.UUID | None = None,
) -> Organisation:
    """An operator registers a regional service center (an Organisation of that kind).

    ``key`` (the form's or the client's UUID) makes a repeat return the same center.
    """
    ensure_role(actor, User.Role.OPERATOR)
    if (center := _replayed(Organisation, key)) is not None:
        return center
    try:
        with transaction.atomic():  # the unique (kind, name) decides, also between two racers
            return Organisation.objects.create(
                kind=Organisation.Kind.SERVICE_CENTER,
                name=name.strip(),
                province=province.strip(),
                county=county.strip(),
                township=township.strip(),
                village=village.strip(),
                latitude=latitude,
                longitude=longitude,
                payout_currency=_currency(payout_currency),
                creation_key=key,
            )
    except IntegrityError:
        if (center := _replayed(Organisation, key)) is not None:
            return center
        raise ServiceCenterNameTaken(detail={"name": name}) from None


@transaction.atomic
def service_center_update(*, actor: User, service_center_id: int, **fields: Any) -> Organisation:
    """An operator corrects a service center's name, place or coordinates."""
    ensure_role(actor, User.Role.OPERATOR)
    center = (
        Organisation.objects.select_for_update()
        .filter(pk=service_center_id, kind=Organisation.Kind.SERVICE_CENTER)
        .first()
    )
    if center is None:
        raise ServiceCenterNotFound(detail={"service_center_id": service_center_id})
    unknown = set(fields) - set(SERVICE_CENTER_FIELDS)
    if unknown:
        raise BadRequest(detail={"unknown_fields": sorted(unknown)})
    # Text fields sent as null mean "unchanged"; coordinates may be cleared.
    values = {
        k: v.strip() if isinstance(v, str) else v
        for k, v in fields.items()
        if v is not None or k in ("latitude", "longitude")
    }
    if not values:
        return center
    if "payout_currency" in values:
        values["payout_currency"] = _currency(values["payout_currency"])
    try:
        with transaction.atomic():
            Organisation.objects.filter(pk=center.pk).update(**values)
    except IntegrityError:
        raise ServiceCenterNameTaken(detail={"name": values.get("name")}) from None
    center.refresh_from_db()
    return center


class PasswordLinkTokens(PasswordResetTokenGenerator):
    """A set-password link's token: signed (HMAC of the user's id, password hash and last
    sign-in, with a timestamp), so it dies the moment a password is set (single use) and after
    ``SET_PASSWORD_LINK_TTL``."""

    key_salt = "accounts.services.PasswordLinkTokens"

    def check_token(self, user, token) -> bool:
        if not super().check_token(user, token):
            return False
        try:
            issued = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        age = self._num_seconds(self._now()) - issued
        return age <= settings.SET_PASSWORD_LINK_TTL.total_seconds()


password_link_tokens = PasswordLinkTokens()


def password_link_path(user: User) -> str:
    """The path of a fresh set-password link for ``user`` (it carries no secret of theirs)."""
    from django.urls import reverse

    return reverse(
        "accounts:set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": password_link_tokens.make_token(user),
        },
    )


def _send_password_link(user: User, path: str) -> None:
    from django.utils import translation

    from .notifications import notify_user

    hours = int(settings.SET_PASSWORD_LINK_TTL.total_seconds() // 3600)
    with translation.override(settings.LANGUAGE_CODE):  # SMS are read in Chinese
        text = str(
            _("手创：您的账号 %(username)s 已开通。请在 %(hours)s 小时内打开链接设置密码：%(url)s")
            % {"username": user.username, "hours": hours, "url": f"{settings.SITE_URL}{path}"}
        )
    transaction.on_commit(
        lambda: notify_user(user=user, kind="password_link", text=text, data={"path": path})
    )


@transaction.atomic
def user_invite(
    *,
    actor: User,
    username: str,
    role: str,
    organisation_id: int,
    display_name: str = "",
    phone: str = "",
    send_sms: bool = False,
    key: uuid.UUID | None = None,
) -> tuple[User, str]:
    """An operator creates a user of ``role`` in an organisation, without a password.

    Returns the user and the path of a one-time set-password link (shown to the operator once;
    sent by SMS too when ``send_sms``). A repeat with the same ``key`` returns the same user
    with a fresh link (the earlier one still works until a password is set).
    """
    ensure_role(actor, User.Role.OPERATOR)
    if send_sms and not phone:
        raise SmsNeedsPhone()
    if (user := _replayed(User, key)) is not None:
        return user, password_link_path(user)
    organisation = Organisation.objects.filter(pk=organisation_id, is_active=True).first()
    if organisation is None:
        raise UnknownOrganisation(detail={"organisation_id": organisation_id})
    if User.objects.filter(username__iexact=username).exists():
        raise UsernameTaken(detail={"username": username})
    try:
        with transaction.atomic():
            user = user_create(
                username=username,
                password=None,
                role=role,
                organisation=organisation,
                display_name=display_name,
                phone=phone,
            )
            User.objects.filter(pk=user.pk).update(creation_key=key)
    except IntegrityError:
        if (user := _replayed(User, key)) is not None:
            return user, password_link_path(user)
        raise UsernameTaken(detail={"username": username}) from None
    path = password_link_path(user)
    if send_sms:
        _send_password_link(user, path)
    return user, path


@transaction.atomic
def password_link_reissue(*, actor: User, user_id: int, send_sms: bool = False) -> str:
    """An operator gives a person a new set-password link (a lost link, a forgotten password).

    The person's password is cleared, which also ends every session and token they have and
    kills any earlier link. Returns the new link's path.
    """
    ensure_role(actor, User.Role.OPERATOR)
    user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
    if user is None or user.is_superuser:
        raise UserNotFound(detail={"user_id": user_id})
    if send_sms and not user.phone:
        raise SmsNeedsPhone()
    user.set_unusable_password()
    user.save(update_fields=["password"])
    api_token_revoke_all(user=user)
    path = password_link_path(user)
    if send_sms:
        _send_password_link(user, path)
    return path


def password_link_user(*, uidb64: str, token: str) -> User:
    """The person a set-password link is for, while it is valid; else 404."""
    try:
        user_id = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, UnicodeDecodeError):
        raise PasswordLinkInvalid() from None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not password_link_tokens.check_token(user, token):
        raise PasswordLinkInvalid()
    return user


@transaction.atomic
def password_set_by_link(*, uidb64: str, token: str, password: str) -> User:
    """The person chooses a password through the link; the link is dead afterwards."""
    user = password_link_user(uidb64=uidb64, token=token)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not password_link_tokens.check_token(user, token):  # the other tab was first
        raise PasswordLinkInvalid()
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise PasswordRejected(" ".join(exc.messages), detail={"errors": exc.messages}) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    return user

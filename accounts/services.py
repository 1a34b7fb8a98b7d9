"""Writes for accounts: users, and the bearer tokens phone clients sign in with."""

import hashlib
import secrets
from datetime import datetime

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import BadRequest, NotAuthenticated, TooManyRequests

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
    password: str,
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

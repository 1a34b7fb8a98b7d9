"""Writes for API keys: create, revoke, and the check of each request made with one.

Keys are not cached: each request reads the key row (one indexed SELECT with its user) and
counts the use (one UPDATE, no read), so a revoked key is refused on the very next request,
by every server process.
"""

import hashlib
import secrets

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from accounts.permissions import ensure_role, is_operator
from core.errors import BadRequest, Forbidden, NotAuthenticated, NotFound

from .models import ApiKey
from .scopes import ENDPOINT_SCOPES, SCOPES

KEY_PREFIX = "sck_"
Role = User.Role


class ApiKeyInvalid(NotAuthenticated):
    code = "api_key_invalid"
    message = _("接口密钥无效。")


class ApiKeyRevoked(NotAuthenticated):
    code = "api_key_revoked"
    message = _("接口密钥已吊销。")


class ApiKeyScopeMissing(Forbidden):
    code = "api_key_scope_missing"
    message = _("此接口密钥没有调用该接口的权限范围。")


class ApiKeyEndpointNotAllowed(Forbidden):
    code = "api_key_endpoint_not_allowed"
    message = _("接口密钥不能调用该接口。")


class UnknownScope(BadRequest):
    code = "api_key_unknown_scope"
    message = _("未知的权限范围。")


class ApiKeyNotFound(NotFound):
    code = "api_key_not_found"
    message = _("未找到该接口密钥，或不属于您。")


class MerchantOnly(Forbidden):
    code = "role_not_allowed"
    message = _("只有商家可以管理接口密钥和推送地址。")


def hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def merchant_of(actor: User) -> Organisation:
    """The merchant organisation a person manages keys and webhooks for (403 otherwise)."""
    ensure_role(actor, Role.MERCHANT)
    if is_operator(actor) or actor.organisation is None:
        raise MerchantOnly()
    if getattr(actor, "api_key", None) is not None:
        # A key does not make keys or endpoints: only a person of the merchant does.
        raise ApiKeyEndpointNotAllowed()
    return actor.organisation


def _integration_user(organisation: Organisation) -> User:
    """The organisation's integration user: role merchant, no usable password (it cannot sign
    in by itself), made once. Keys act through it, so scoping needs no new path."""
    username = f"apikey-{organisation.pk}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username,
            role=Role.MERCHANT,
            organisation=organisation,
            display_name=f"{organisation.name} API",
        )
        user.set_unusable_password()
        user.save()
    return user


@transaction.atomic
def api_key_create(*, actor: User, name: str, scopes: list[str]) -> tuple[ApiKey, str]:
    """A new key for the actor's merchant; the raw key is returned once and never stored."""
    organisation = merchant_of(actor)
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise UnknownScope(detail={"unknown": unknown, "allowed": sorted(SCOPES)})
    raw_key = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        organisation=organisation,
        acting_user=_integration_user(organisation),
        name=(name.strip() or str(_("未命名")))[:80],
        scopes=sorted(set(scopes)),
        key_prefix=raw_key[:12],
        key_hash=hash_key(raw_key),
        created_by=actor,
    )
    return key, raw_key


@transaction.atomic
def api_key_revoke(*, actor: User, key_id: int) -> ApiKey:
    """Revoke a key of the actor's merchant: refused from its next request on."""
    organisation = merchant_of(actor)
    key = ApiKey.objects.filter(pk=key_id, organisation=organisation).first()
    if key is None:
        raise ApiKeyNotFound(detail={"key_id": key_id})
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    key.refresh_from_db()
    return key


def api_key_authenticate(*, raw_key: str, method: str, path: str) -> User:
    """The integration user a key acts as, for the endpoint ``method path``; or 401/403."""
    key = (
        ApiKey.objects.select_related("acting_user", "acting_user__organisation")
        .filter(key_hash=hash_key(raw_key))
        .first()
    )
    if key is None or not key.acting_user.is_active:
        raise ApiKeyInvalid()
    if key.revoked_at is not None:
        raise ApiKeyRevoked()
    endpoint = (method.upper(), path)
    if endpoint not in ENDPOINT_SCOPES:
        raise ApiKeyEndpointNotAllowed(detail={"method": endpoint[0], "path": path})
    needed = ENDPOINT_SCOPES[endpoint]
    if needed is not None and needed not in key.scopes:
        raise ApiKeyScopeMissing(detail={"required": needed, "granted": key.scopes})
    now = timezone.now()
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now, use_count=F("use_count") + 1)
    user = key.acting_user
    user.api_key = key
    return user

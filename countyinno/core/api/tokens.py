"""API tokens that die: hashed at rest, shown once, idle and absolute lifetimes, revoked on password
change, deactivation and log-out; password expiry applies to the API as to pages."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from ..errors import bilingual
from ..models import ApiToken

KEYWORD = "Token"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue(user) -> tuple[str, ApiToken]:
    """A new token for `user`: the raw key (give it to the user now; it is never stored) and the row."""
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, key_hash=_hash(key), prefix=key[:8],
                                    expires_at=timezone.now() + datetime.timedelta(
                                        seconds=settings.API_TOKEN_MAX_AGE_SECONDS))
    return key, token


def revoke(tokens, user, reason: str, actor=None) -> int:
    """Revoke the live tokens among `tokens` (all of `user`'s) and record it on the user: the one way
    tokens die early (log-out, password change, deactivation, second-factor enrolment)."""
    from .. import audit

    count = tokens.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now(),
                                                                    revoked_reason=reason[:100])
    if count:
        audit.record_event("state", user.__class__, object_id=user.pk, object_repr=user.username,
                           comment=f"吊销 {count} 个 API 令牌：{reason} / revoked {count} API token(s): {reason}",
                           actor=actor, **audit.user_scope_ids(user))
    return count


def revoke_all(user, reason: str, actor=None) -> int:
    return revoke(ApiToken.objects.all(), user, reason, actor)


def password_expired(user) -> bool:
    days = getattr(settings, "PASSWORD_MAX_AGE_DAYS", 0)
    changed = getattr(user, "password_changed_at", None)
    return bool(days and changed is not None and timezone.now() - changed > datetime.timedelta(days=days))


def second_factor_missing(user) -> bool:
    """An account that must enrol a second factor (ADMIN_TOTP_REQUIRED) and has not: its tokens wait."""
    if not getattr(settings, "ADMIN_TOTP_REQUIRED", False):
        return False
    from django_otp import user_has_device

    from ..permissions import all_predicates

    required = all_predicates().get("accounts.second_factor_required")
    return required is not None and required(user) and not user_has_device(user)


class HashedTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <key>`; every refusal says why, in both languages."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(bilingual("令牌格式无效", "malformed token header"))
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(bilingual("令牌格式无效", "malformed token header"))
        token = ApiToken.objects.select_related("user").filter(key_hash=_hash(key)).first()
        now = timezone.now()
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(bilingual("令牌无效或已吊销", "invalid or revoked token"))
        user = token.user
        idle = datetime.timedelta(seconds=settings.API_TOKEN_IDLE_SECONDS)
        if now >= token.expires_at or now - (token.last_used_at or token.created_at) > idle:
            raise exceptions.AuthenticationFailed(bilingual("令牌已过期，请重新获取", "token expired; obtain a new one"))
        changed = getattr(user, "password_changed_at", None)
        if not user.is_active or (changed is not None and changed > token.created_at):
            revoke(ApiToken.objects.filter(pk=token.pk), user, "password changed or account inactive")
            raise exceptions.AuthenticationFailed(bilingual("令牌已失效（密码已修改或账号已停用）",
                                                            "token revoked (password changed or account deactivated)"))
        if second_factor_missing(user):
            raise exceptions.AuthenticationFailed(bilingual("须先在网页绑定动态口令", "enrol a second factor on the web first"))
        if password_expired(user):
            raise exceptions.AuthenticationFailed(bilingual("密码已过期，请先在网页修改密码",
                                                            "password expired; change it on the web first"))
        if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(seconds=60):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # at most one write a minute
        request.api_token = token
        return user, token

    def authenticate_header(self, request):
        return KEYWORD


from drf_spectacular.extensions import OpenApiAuthenticationExtension  # noqa: E402


class HashedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "countyinno.core.api.tokens.HashedTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Token <key>` — POST /api/auth/token/ 获取 / obtain"}

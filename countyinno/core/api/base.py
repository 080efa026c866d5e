"""Scoped viewsets and token log-in shared by every app's API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from ..errors import bilingual
from ..scoping import VIEW


class ScopedQuerysetMixin:
    """Every object an API view touches comes from Model.objects.restrict(user, action)."""

    scope_action_by_method = {"GET": VIEW, "HEAD": VIEW, "OPTIONS": VIEW, "PUT": "change", "PATCH": "change",
                              "DELETE": "delete", "POST": "change"}

    def get_queryset(self):
        queryset = super().get_queryset()
        action = self.scope_action_by_method.get(self.request.method, VIEW)
        return queryset.restrict(self.request.user, action)


class ScopedReadOnlyViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                         viewsets.ReadOnlyModelViewSet):
    """Writes go through services: subclasses implement perform_create / perform_update."""


class LoginThrottle(AnonRateThrottle):
    rate = "30/min"


class ObtainTokenView(APIView):
    """POST username and password (and `otp` for accounts with a second factor), get an API token.

    The same rules as the log-in page: lock-out by (user name, address), counted atomically (one
    `security.attempt()`); a wrong second factor counts toward it; a one-time password set by an admin
    and a second factor the account must still enrol are done on the web first. Every outcome is a
    `login` audit entry (method "token"; "totp"/"recovery" for a failed second factor)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [LoginThrottle]

    @extend_schema(
        request=inline_serializer("TokenRequest", {"username": serializers.CharField(),
                                                   "password": serializers.CharField(),
                                                   "otp": serializers.CharField(required=False)}),
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField(),
                                                      "username": serializers.CharField(),
                                                      "role": serializers.CharField(),
                                                      "expires_at": serializers.DateTimeField()}),
    )
    def post(self, request):
        from django.conf import settings
        from django.contrib.auth import authenticate

        from .. import audit, security
        from ..permissions import all_predicates

        data = request.data if hasattr(request.data, "get") else {}
        username = str(data.get("username") or "").strip()[:150]
        password = str(data.get("password") or "")
        otp = str(data.get("otp") or "")
        errors = {}
        if not username:
            errors["username"] = [bilingual("该字段为必填项", "This field is required.")]
        if not password:
            errors["password"] = [bilingual("该字段为必填项", "This field is required.")]
        if errors:
            raise exceptions.ValidationError(errors)
        raw = request._request
        raw.login_method = "token"
        refusal, user = None, None
        with security.attempt(raw, username):
            if security.is_locked(raw, username):
                audit.record_login(username=username, ok=False, method="token", reason="locked", request=raw)
                refusal = security.lockout_message(raw, username)
            else:
                # A failure is counted by axes and audited through the user_login_failed signal.
                user = authenticate(request=raw, username=username, password=password)
                if user is None:
                    refusal = bilingual("用户名或密码错误", "wrong username or password")
                elif security.has_second_factor(user):
                    device = security.verify_second_factor(user, otp) if otp else None
                    if device is None:
                        method = "totp" if not otp or otp.strip().isdigit() else "recovery"
                        security.register_failure(raw, username)
                        audit.record_login(username=username, user=user, ok=False, method=method,
                                           reason=f"{method}-failed" if otp else "otp-missing", request=raw)
                        refusal = bilingual("需要有效的动态口令或恢复码（otp 字段）",
                                            "a valid one-time code or recovery code (otp) is required")
                        user = None
        if refusal is not None:  # raised outside the attempt, so the counted failure is committed
            raise exceptions.AuthenticationFailed(refusal)
        required = all_predicates().get("accounts.second_factor_required")
        if getattr(settings, "ADMIN_TOTP_REQUIRED", False) and required is not None and required(user) \
                and not security.has_second_factor(user):
            audit.record_login(username=username, user=user, ok=False, method="token", reason="otp-not-enrolled",
                               request=raw)
            raise exceptions.PermissionDenied(bilingual("请先在网页上绑定动态口令，再申请 API 令牌",
                                                        "enrol a second factor on the web before requesting a token"))
        if getattr(user, "must_change_password", False):
            audit.record_login(username=username, user=user, ok=False, method="token", reason="password-reset",
                               request=raw)
            raise exceptions.PermissionDenied(bilingual("管理员已重置密码，请先在网页登录并修改密码",
                                                        "your password was reset: sign in on the web and change it first"))
        security.clear(raw, username)
        from .tokens import issue

        key, token = issue(user)
        audit.record_login(username=username, user=user, ok=True, method="token", request=raw)
        return Response({"token": key, "username": user.username, "role": user.role,
                         "expires_at": token.expires_at.isoformat()})


class RevokeTokenView(APIView):
    """POST: revoke the token this request is authenticated with (`?all=1`: every token of the user)."""

    @extend_schema(request=None, responses=inline_serializer("TokenRevoked", {"revoked": serializers.IntegerField()}))
    def post(self, request):
        from ..models import ApiToken
        from .tokens import revoke

        tokens = ApiToken.objects.all()
        if request.query_params.get("all") != "1":
            tokens = tokens.filter(pk=getattr(getattr(request, "api_token", None), "pk", None))
        return Response({"revoked": revoke(tokens, request.user, "log-out", actor=request.user)})


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
    """POST username and password, get an API token."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [LoginThrottle]

    @extend_schema(
        request=inline_serializer("TokenRequest", {"username": serializers.CharField(),
                                                   "password": serializers.CharField()}),
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField(),
                                                      "username": serializers.CharField(),
                                                      "role": serializers.CharField()}),
    )
    def post(self, request):
        from django.contrib.auth import authenticate

        username = request.data.get("username") if hasattr(request.data, "get") else None
        password = request.data.get("password") if hasattr(request.data, "get") else None
        errors = {}
        if not username:
            errors["username"] = [bilingual("该字段为必填项", "This field is required.")]
        if not password:
            errors["password"] = [bilingual("该字段为必填项", "This field is required.")]
        if errors:
            raise exceptions.ValidationError(errors)
        from countyinno.core import audit, security

        if security.is_locked(username):
            audit.record_login(username=username, ok=False, method="token", reason="locked", request=request._request)
            raise exceptions.AuthenticationFailed(bilingual("失败次数过多，账号已临时锁定", "too many failed attempts; locked"))
        request._request.login_method = "token"
        user = authenticate(request=request._request, username=username, password=password)
        if user is None:  # the user_login_failed signal has recorded the attempt
            security.register_failure(username)
            raise exceptions.AuthenticationFailed()
        if user.totp_secret:  # accounts with a second factor get tokens only after the TOTP step
            import pyotp

            if not pyotp.TOTP(user.totp_secret).verify(str(request.data.get("otp", "")), valid_window=1):
                security.register_failure(username)
                audit.record_login(username=username, user=user, ok=False, method="totp", reason="totp-failed",
                                   request=request._request)
                raise exceptions.AuthenticationFailed(bilingual("需要有效的动态口令 otp", "a valid one-time code (otp) is required"))
        security.clear_failures(username)
        from .tokens import issue

        key, token = issue(user)
        audit.record_login(username=username, user=user, ok=True, method="token", request=request._request)
        return Response({"token": key, "username": user.username, "role": user.role,
                         "expires_at": token.expires_at.isoformat()})


class RevokeTokenView(APIView):
    """POST: revoke the token this request is authenticated with (`?all=1`: every token of the user)."""

    @extend_schema(request=None, responses=inline_serializer("TokenRevoked", {"revoked": serializers.IntegerField()}))
    def post(self, request):
        from django.utils import timezone

        from ..models import ApiToken
        from .tokens import revoke_all

        if request.query_params.get("all") == "1":
            count = revoke_all(request.user, "log-out (all tokens)")
        else:
            current = getattr(request, "api_token", None)
            count = ApiToken.objects.filter(pk=getattr(current, "pk", None), revoked_at__isnull=True).update(
                revoked_at=timezone.now(), revoked_reason="log-out")
        from .. import audit

        audit.record_event("state", type(request.user), object_id=request.user.pk, object_repr=request.user.username,
                           comment=f"吊销 {count} 个 API 令牌 / revoked {count} API token(s)", actor=request.user,
                           **audit.user_scope_ids(request.user))
        return Response({"revoked": count})


"""Gates a signed-in person passes before the platform: a one-time password is replaced, a second factor
is used when the account has one, and enrolled when the account must have one."""

from __future__ import annotations

from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect

from countyinno.core.errors import bilingual

OPEN_PATHS = ("/logout/", "/static/", "/i18n/", "/login/", "/favicon")


class AccountGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(OPEN_PATHS):
            return self.get_response(request)
        from . import second_factor

        api = request.path.startswith("/api/")
        # A session that skipped the account's second factor (signed in by some other path) is ended.
        if second_factor.has_second_factor(user) and not (hasattr(user, "is_verified") and user.is_verified()):
            logout(request)
            if api:
                return JsonResponse({"detail": bilingual("需要动态口令，请重新登录", "second factor needed; sign in again")},
                                    status=401)
            return redirect("/login/")
        if api:
            return self.get_response(request)  # the token endpoint and token auth apply their own rules
        if getattr(user, "must_change_password", False) and not request.path.startswith("/password/"):
            return redirect("/password/change/?reset=1")
        if second_factor.required(user) and not second_factor.has_second_factor(user) \
                and not request.path.startswith(("/accounts/security/", "/password/")):
            return redirect("/accounts/security/?required=1")
        return self.get_response(request)

"""Security controls (等保 2.0 三级 baseline): CSP and headers, session idle timeout, log-in lockout,
password complexity / history / expiry, and the deployment checks of `countyinno check --deploy`."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import logout
from django.core.checks import Warning, register
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone

from .errors import bilingual

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy (no inline scripts) and related headers on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", getattr(response, "csp", CSP))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


def allow_inline_styles(response):
    """For self-contained documents (the printable report) that carry their own <style>."""
    response.csp = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
    return response


class SessionIdleTimeoutMiddleware:
    """Sign out a session idle for longer than SESSION_IDLE_TIMEOUT seconds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        timeout = getattr(settings, "SESSION_IDLE_TIMEOUT", 0)
        if timeout and user is not None and user.is_authenticated and hasattr(request, "session") \
                and "_auth_user_id" in request.session:
            now = timezone.now().timestamp()
            last = request.session.get("last_activity", now)
            if now - last > timeout:
                logout(request)
                if request.path.startswith("/api/"):
                    from django.http import JsonResponse

                    return JsonResponse({"detail": bilingual("会话已超时，请重新登录", "session timed out; sign in again")},
                                        status=401)
                return redirect(f"{settings.LOGIN_URL if settings.LOGIN_URL.startswith('/') else '/login/'}?timeout=1")
            request.session["last_activity"] = now
        return self.get_response(request)


class PasswordExpiryMiddleware:
    """Users whose password is older than PASSWORD_MAX_AGE_DAYS must change it before going on."""

    ALLOWED = ("/password/", "/logout/", "/static/", "/i18n/", "/login/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        days = getattr(settings, "PASSWORD_MAX_AGE_DAYS", 0)
        if days and user is not None and user.is_authenticated and not request.path.startswith(self.ALLOWED) \
                and not request.path.startswith("/api/"):
            changed = getattr(user, "password_changed_at", None)
            if changed is not None and timezone.now() - changed > datetime.timedelta(days=days):
                return redirect("/password/change/?expired=1")
        return self.get_response(request)


# ------------------------------------------------------------------ passwords
class ComplexityValidator:
    """At least `classes` of: lower case, upper case, digits, other characters."""

    def __init__(self, classes: int = 3):
        self.classes = classes

    def validate(self, password, user=None):
        kinds = [any(c.islower() for c in password), any(c.isupper() for c in password),
                 any(c.isdigit() for c in password), any(not c.isalnum() for c in password)]
        if sum(kinds) < self.classes:
            raise ValidationError(bilingual(f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.classes} 类",
                                            f"use at least {self.classes} of: upper case, lower case, digits, symbols"),
                                  code="password_classes")

    def get_help_text(self):
        return bilingual(f"至少包含 {self.classes} 类字符", f"at least {self.classes} character classes")


class HistoryValidator:
    """A new password may not repeat any of the user's last `keep` passwords."""

    def __init__(self, keep: int = 5):
        self.keep = keep

    def validate(self, password, user=None):
        if user is None or not getattr(user, "pk", None):
            return
        from django.contrib.auth.hashers import check_password

        history = getattr(user, "password_history", None)  # accounts' PasswordHistory, by relation
        if history is None:
            return
        for old in history.order_by("-created_at")[: self.keep]:
            if check_password(password, old.password):
                raise ValidationError(bilingual(f"不能与最近 {self.keep} 次使用过的密码相同",
                                                f"may not repeat any of your last {self.keep} passwords"),
                                      code="password_reused")

    def get_help_text(self):
        return bilingual("不能重复使用近期密码", "recent passwords may not be reused")


# ------------------------------------------------------------------ lockout
def lockout_key(username: str) -> str:
    return f"login-failures:{username.lower()}"


def is_locked(username: str) -> bool:
    from django.core.cache import cache

    return cache.get(lockout_key(username), 0) >= settings.LOGIN_MAX_FAILURES


def register_failure(username: str) -> int:
    from django.core.cache import cache

    key = lockout_key(username)
    count = cache.get(key, 0) + 1
    cache.set(key, count, settings.LOGIN_LOCKOUT_SECONDS)
    return count


def clear_failures(username: str) -> None:
    from django.core.cache import cache

    cache.delete(lockout_key(username))


# ------------------------------------------------------------------ deployment checks
@register("security", deploy=True)
def countyinno_deploy_checks(app_configs, **kwargs):
    from countyinno.settings.base import DEFAULT_SECRET_KEY

    problems = []
    if settings.DEBUG:
        problems.append(Warning("DEBUG 已开启 / DEBUG is on", id="countyinno.W001"))
    if settings.SECRET_KEY == DEFAULT_SECRET_KEY or len(settings.SECRET_KEY) < 50:
        problems.append(Warning("SECRET_KEY 为默认值或过短 / SECRET_KEY is the default or too short", id="countyinno.W002"))
    if not settings.SESSION_COOKIE_SECURE or not settings.CSRF_COOKIE_SECURE:
        problems.append(Warning("Cookie 未设置 Secure / cookies are not Secure (SECURE_COOKIES=1)", id="countyinno.W003"))
    if not settings.ALLOWED_HOSTS or "*" in settings.ALLOWED_HOSTS:
        problems.append(Warning("ALLOWED_HOSTS 未限定 / ALLOWED_HOSTS is open", id="countyinno.W004"))
    if not getattr(settings, "SESSION_IDLE_TIMEOUT", 0):
        problems.append(Warning("未设置会话空闲超时 / no session idle timeout", id="countyinno.W005"))
    if "countyinno.core.security.SecurityHeadersMiddleware" not in settings.MIDDLEWARE:
        problems.append(Warning("缺少安全响应头中间件 / security headers middleware missing", id="countyinno.W006"))
    return problems

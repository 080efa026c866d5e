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


class NoStoreMiddleware:
    """Pages and downloads for a signed-in user are not kept by browsers or proxies (Cache-Control: no-store)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
            response.headers.setdefault("Pragma", "no-cache")
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
# 等保 2.0: length ≥ 10, three character classes, not common, not like the user's names, not a run of
# one character or a keyboard/alphabet sequence, none of the last five (the current one included).
# Django's own validators do the work; these subclasses give their messages in both languages.
from django.contrib.auth import password_validation as _django_pw  # noqa: E402


class MinimumLengthValidator(_django_pw.MinimumLengthValidator):
    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(bilingual(f"密码至少 {self.min_length} 位", f"use at least {self.min_length} characters"),
                                  code="password_too_short")

    def get_help_text(self):
        return bilingual(f"至少 {self.min_length} 位", f"at least {self.min_length} characters")


class CommonPasswordValidator(_django_pw.CommonPasswordValidator):
    def validate(self, password, user=None):
        try:
            super().validate(password, user)
        except ValidationError:
            raise ValidationError(bilingual("该密码过于常见", "this password is too common"), code="password_too_common")

    def get_help_text(self):
        return bilingual("不能是常见密码", "not a common password")


class UserAttributeSimilarityValidator(_django_pw.UserAttributeSimilarityValidator):
    DEFAULT_USER_ATTRIBUTES = ("username", "display_name", "first_name", "last_name", "email", "phone")

    def validate(self, password, user=None):
        try:
            super().validate(password, user)
        except ValidationError:
            raise ValidationError(bilingual("密码与账号名或姓名过于相似", "the password is too similar to your user name "
                                                                  "or name"), code="password_too_similar")

    def get_help_text(self):
        return bilingual("不能与账号名、姓名相似", "not similar to your user name or name")


class NumericPasswordValidator(_django_pw.NumericPasswordValidator):
    def validate(self, password, user=None):
        if password.isdigit():
            raise ValidationError(bilingual("密码不能全是数字", "the password may not be all digits"),
                                  code="password_entirely_numeric")

    def get_help_text(self):
        return bilingual("不能全是数字", "not all digits")


class PatternValidator:
    """No run of `max_run` equal characters, no ascending or descending sequence of `max_sequence`
    (abcd, 4321, qwer), no fewer than `min_distinct` different characters (Aa1aaaaaaa fails)."""

    ROWS = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiop", "asdfghjkl", "zxcvbnm")

    def __init__(self, max_run: int = 3, max_sequence: int = 4, min_distinct: int = 6):
        self.max_run, self.max_sequence, self.min_distinct = max_run, max_sequence, min_distinct

    def _has_sequence(self, lowered: str) -> bool:
        n = self.max_sequence
        for row in self.ROWS:
            for text in (row, row[::-1]):
                if any(text[i:i + n] in lowered for i in range(len(text) - n + 1)):
                    return True
        return False

    def validate(self, password, user=None):
        run = longest = 1
        for previous, current in zip(password, password[1:]):
            run = run + 1 if current == previous else 1
            longest = max(longest, run)
        if longest > self.max_run:
            raise ValidationError(bilingual(f"同一字符不能连续超过 {self.max_run} 次", f"no character more than "
                                            f"{self.max_run} times in a row"), code="password_repetitive")
        if len(set(password)) < self.min_distinct:
            raise ValidationError(bilingual(f"至少包含 {self.min_distinct} 个不同字符",
                                            f"use at least {self.min_distinct} different characters"),
                                  code="password_repetitive")
        if self._has_sequence(password.lower()):
            raise ValidationError(bilingual(f"不能包含 {self.max_sequence} 位以上的连续字符（如 abcd、1234、qwer）",
                                            f"no sequence of {self.max_sequence} or more (abcd, 1234, qwer)"),
                                  code="password_sequence")

    def get_help_text(self):
        return bilingual("不能有重复或连续字符串", "no repeated characters or sequences")


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
    """A new password may not repeat the current one or any of the user's last `keep` passwords."""

    def __init__(self, keep: int = 5):
        self.keep = keep

    def validate(self, password, user=None):
        if user is None or not getattr(user, "pk", None):
            return
        from django.contrib.auth.hashers import check_password

        current = user.__class__._default_manager.filter(pk=user.pk).values_list("password", flat=True).first()
        previous = []
        history = getattr(user, "password_history", None)  # accounts' PasswordHistory, by relation
        if history is not None:
            previous = list(history.order_by("-created_at").values_list("password", flat=True)[: self.keep - 1])
        for old in ([current] if current else []) + previous:
            if check_password(password, old):
                raise ValidationError(bilingual(f"不能与当前密码或最近 {self.keep} 次使用过的密码相同",
                                                f"may not repeat your current password or any of your last "
                                                f"{self.keep}"), code="password_reused")

    def get_help_text(self):
        return bilingual("不能重复使用当前或近期密码", "the current and recent passwords may not be reused")


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
    # Controls that a setting can switch off without anyone noticing.
    if int(getattr(settings, "LOGIN_MAX_FAILURES", 0) or 0) <= 0 or int(getattr(settings, "LOGIN_MAX_FAILURES", 0)) > 10:
        problems.append(Warning("登录失败锁定已关闭或过宽（LOGIN_MAX_FAILURES 应为 1–10）/ log-in lock-out is off or too lax "
                                "(LOGIN_MAX_FAILURES should be 1–10)", id="countyinno.W007"))
    if int(getattr(settings, "LOGIN_LOCKOUT_SECONDS", 0) or 0) < 60:
        problems.append(Warning("锁定时长过短（LOGIN_LOCKOUT_SECONDS ≥ 60）/ lock-out shorter than a minute "
                                "(LOGIN_LOCKOUT_SECONDS ≥ 60)", id="countyinno.W008"))
    days = int(getattr(settings, "PASSWORD_MAX_AGE_DAYS", 0) or 0)
    if days <= 0 or days > 180:
        problems.append(Warning("密码有效期已关闭或超过 180 天（PASSWORD_MAX_AGE_DAYS）/ password expiry is off or longer "
                                "than 180 days (PASSWORD_MAX_AGE_DAYS)", id="countyinno.W009"))
    idle = int(getattr(settings, "SESSION_IDLE_TIMEOUT", 0) or 0)
    if idle > 3600:
        problems.append(Warning("会话空闲超时超过 1 小时（SESSION_IDLE_TIMEOUT）/ session idle timeout over an hour "
                                "(SESSION_IDLE_TIMEOUT)", id="countyinno.W010"))
    return problems

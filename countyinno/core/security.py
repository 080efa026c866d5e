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


class RequestSizeLimitMiddleware:
    """Refuse a request body larger than MAX_REQUEST_BYTES before anything reads it — file parts
    included (Django's DATA_UPLOAD_MAX_MEMORY_SIZE leaves files out)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = int(getattr(settings, "MAX_REQUEST_BYTES", 0) or 0)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit and length > limit:
            from django.http import HttpResponse

            message = bilingual(f"提交的内容过大（{length // 1024} KB），上限 {limit // 1024} KB",
                                f"the request is too large ({length // 1024} KB); the limit is {limit // 1024} KB")
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class NullCharacterMiddleware:
    """A parameter holding a NUL character is refused with a 400: PostgreSQL cannot store one, and no
    person types one (it arrives only from tools probing the platform)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        params = list(request.GET.lists())
        if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
            params += list(request.POST.lists())
        if any("\x00" in key or any("\x00" in v for v in values) for key, values in params):
            from django.http import HttpResponseBadRequest

            return HttpResponseBadRequest(bilingual("参数中含有不允许的空字符", "a parameter holds a NUL character"),
                                          content_type="text/plain; charset=utf-8")
        return self.get_response(request)


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


# ------------------------------------------------------------------ lock-out
# Log-in lock-out on django-axes: by (user name, source address), atomic counters, progressive cool-off.
#
# - What is locked is the pair (user name, address): five wrong guesses from an attacker's address lock
#   that address out of that account; the account's owner still signs in from their own desk.
# - Counters live in axes' AccessAttempt rows, incremented with `F() + 1` under `select_for_update`.
# - Each sign-in step (password, second factor, API token) runs inside `attempt(request, username)`: one
#   transaction holding a lock on the pair, so the check "is it locked?", the evaluation of the guess and
#   the count of a failure cannot interleave with another request for the same pair. Twenty concurrent
#   guesses are evaluated five times and refused fifteen times. (PostgreSQL: a transaction-scoped
#   advisory lock on the pair; SQLite: the write transaction, which SQLite serialises anyway.)
# - Failures count within LOGIN_LOCKOUT_SECONDS; a lock lasts LOGIN_COOLOFF_MINUTES[n-1] (1, 5, 15
#   minutes) for the pair's n-th lock-out of the day, counted from axes' AccessFailureLog.
# - A correct password does not clear the counter when a second factor follows: only a completed sign-in
#   does (axes resets on `user_logged_in`; the token endpoint resets explicitly).
import contextlib  # noqa: E402
import hashlib  # noqa: E402
from dataclasses import dataclass  # noqa: E402

from django.db import connection, transaction  # noqa: E402
from django.db.models import Max, Sum  # noqa: E402
from django.shortcuts import render  # noqa: E402

from axes.handlers.database import AxesDatabaseHandler  # noqa: E402
from axes.handlers.proxy import AxesProxyHandler  # noqa: E402
from axes.helpers import get_client_username, get_credentials  # noqa: E402
from axes.models import AccessAttempt, AccessFailureLog  # noqa: E402

DAY = datetime.timedelta(days=1)


def client_ip(request) -> str | None:
    """The address axes locks: the same one the audit log records (AUDIT_CLIENT_IP_HEADER behind a proxy)."""
    from .audit import client_ip as audit_client_ip

    return audit_client_ip(request)


def window() -> datetime.timedelta:
    """Failures older than this no longer count toward a lock-out."""
    return datetime.timedelta(seconds=max(60, int(getattr(settings, "LOGIN_LOCKOUT_SECONDS", 900))))


def ladder() -> list[int]:
    return list(getattr(settings, "LOGIN_COOLOFF_MINUTES", None) or [1, 5, 15])


def lockouts_today(username: str | None, ip: str | None, now=None) -> int:
    now = now or timezone.now()
    return AccessFailureLog.objects.filter(username=username, ip_address=ip, locked_out=True,
                                           attempt_time__gte=now - DAY).count()


def cool_off_for(username: str | None, ip: str | None, now=None) -> datetime.timedelta:
    """The n-th lock-out of the pair today lasts ladder[n-1] minutes (the last step thereafter)."""
    steps = ladder()
    n = lockouts_today(username, ip, now)
    return datetime.timedelta(minutes=steps[min(max(n - 1, 0), len(steps) - 1)])


def _username(request, credentials=None) -> str | None:
    name = getattr(request, "signin_username", None)
    return name if name is not None else get_client_username(request, credentials)


def cool_off(request=None) -> datetime.timedelta:
    """AXES_COOLOFF_TIME: the cool-off of this request's pair (the longest step without a request)."""
    if request is None:
        return datetime.timedelta(minutes=max(ladder()))
    AxesProxyHandler.update_request(request)
    return cool_off_for(_username(request), request.axes_ip_address)


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with a counting window and a per-pair progressive cool-off."""

    def get_user_attempts(self, request, credentials=None):
        since = (getattr(request, "axes_attempt_time", None) or timezone.now()) - window()
        return [attempts.filter(attempt_time__gte=since) for attempts in self.filter_user_attempts(request, credentials)]

    def get_failures(self, request, credentials=None) -> int:
        from axes.helpers import get_failure_limit

        now = getattr(request, "axes_attempt_time", None) or timezone.now()
        best = 0
        for attempts in self.get_user_attempts(request, credentials):
            summary = attempts.aggregate(n=Sum("failures_since_start"), last=Max("attempt_time"))
            n = summary["n"] or 0
            if n >= get_failure_limit(request, credentials) and summary["last"] is not None:
                if now >= summary["last"] + cool_off_for(_username(request, credentials), request.axes_ip_address, now):
                    attempts.delete()  # the lock has run out: counting starts again
                    n = 0
            best = max(best, n)
        return best

    def clean_expired_user_attempts(self, request=None, credentials=None) -> int:
        """Only rows older than the counting window and the longest cool-off: others are still a lock."""
        horizon = max(window(), datetime.timedelta(minutes=max(ladder())))
        count, _ = AccessAttempt.objects.filter(attempt_time__lte=timezone.now() - horizon).delete()
        return count


# ------------------------------------------------------------------ the sign-in steps
def _prepare(request, username: str):
    AxesProxyHandler.update_request(request)
    request.signin_username = username
    return get_credentials(username)


def _pair_lock(username: str, ip: str | None) -> None:
    if connection.vendor == "postgresql":
        digest = hashlib.sha256(f"{username}\x00{ip}".encode()).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
    # SQLite: transaction.atomic() opens BEGIN IMMEDIATE (settings), which already serialises writers.


@contextlib.contextmanager
def attempt(request, username: str):
    """One guess for (username, this address): checked, evaluated and counted without interleaving."""
    with transaction.atomic():
        _prepare(request, username)
        _pair_lock(username, request.axes_ip_address)
        yield


def is_locked(request, username: str) -> bool:
    credentials = _prepare(request, username)
    return not AxesProxyHandler.is_allowed(request, credentials)


def register_failure(request, username: str) -> int:
    """Count a failed guess (a wrong second factor, a refused token request); returns the failures so far."""
    credentials = _prepare(request, username)
    AxesProxyHandler.user_login_failed(sender=__name__, credentials=credentials, request=request)
    return AxesProxyHandler.get_failures(request, credentials)


def failures_left(request, username: str) -> int:
    credentials = _prepare(request, username)
    return max(0, int(settings.AXES_FAILURE_LIMIT) - AxesProxyHandler.get_failures(request, credentials))


def clear(request, username: str) -> int:
    """A completed sign-in clears the pair's counter (pages do it through axes' user_logged_in handler)."""
    _prepare(request, username)
    return AxesProxyHandler.reset_attempts(username=username, ip_address=request.axes_ip_address)


def lockout_message(request=None, username: str | None = None) -> str:
    minutes = 0
    if request is not None:
        AxesProxyHandler.update_request(request)
        minutes = int(cool_off_for(username or _username(request), request.axes_ip_address).total_seconds() // 60)
    if minutes:
        return bilingual(f"失败次数过多，该账号已从此地址临时锁定 {minutes} 分钟，请稍后再试或联系省级管理员解锁",
                         f"too many failed attempts: the account is locked from this address for {minutes} "
                         f"minute(s); try later or ask a province admin to lift it")
    return bilingual("失败次数过多，该账号已从此地址临时锁定", "too many failed attempts; the account is locked "
                                                     "from this address for a while")


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the page a locked-out request gets from paths other than ours (e.g. /admin/)."""
    username = (credentials or {}).get("username") or getattr(request, "signin_username", None)
    return render(request, "registration/locked.html", {"message": lockout_message(request, username)}, status=429)


# ------------------------------------------------------------------ the admins' page
@dataclass
class Lockout:
    username: str
    ip_address: str | None
    failures: int
    last_attempt: datetime.datetime
    until: datetime.datetime
    user: object = None

    @property
    def key(self) -> str:
        return f"{self.username}|{self.ip_address or ''}"


def current_lockouts(now=None) -> list[Lockout]:
    """Every (user name, address) pair locked right now, newest first."""
    from django.contrib.auth import get_user_model

    now = now or timezone.now()
    limit = int(settings.AXES_FAILURE_LIMIT)
    rows = (AccessAttempt.objects.filter(attempt_time__gte=now - window() - datetime.timedelta(minutes=max(ladder())))
            .values("username", "ip_address").annotate(n=Sum("failures_since_start"), last=Max("attempt_time")))
    found = []
    for row in rows:
        if (row["n"] or 0) < limit:
            continue
        until = row["last"] + cool_off_for(row["username"], row["ip_address"], now)
        if until > now:
            found.append(Lockout(row["username"] or "", row["ip_address"], row["n"], row["last"], until))
    users = {u.username: u for u in get_user_model()._default_manager.filter(
        username__in=[lock.username for lock in found]).select_related("organisation")}
    for lock in found:
        lock.user = users.get(lock.username)
    return sorted(found, key=lambda lock: lock.last_attempt, reverse=True)


def lift(username: str, ip_address: str | None) -> int:
    return AxesProxyHandler.reset_attempts(username=username, ip_address=ip_address)


# ------------------------------------------------------------------ second factor
def verify_second_factor(user, code: str):
    """The django-otp device that accepts `code` — a 6-digit authenticator code or a recovery code —
    consuming it (TOTP: its time step and every earlier one; recovery: the code), else None. Devices are
    locked while checked, so one code cannot pass twice in concurrent requests."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    code = "".join(str(code or "").split()).replace("-", "").lower()
    if not code or len(code) > 16:
        return None
    with transaction.atomic():
        if code.isdigit() and len(code) == 6:
            device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("id").first()
            return device if device is not None and device.verify_token(code) else None
        for device in StaticDevice.objects.select_for_update().filter(user=user, confirmed=True):
            if device.verify_token(code):
                return device
    return None


def has_second_factor(user) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return bool(getattr(user, "pk", None)) and TOTPDevice.objects.filter(user=user, confirmed=True).exists()


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

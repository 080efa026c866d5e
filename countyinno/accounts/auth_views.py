"""Log-in: password, then the second factor when the account has one; lock-out by (user name, address);
password change (also the forced one after an admin's reset).

Every step is one `lockout.attempt()`: the lock check, the evaluation and the count of a failure happen
together for the pair, and each outcome is a `login` audit entry (methods "password", "totp", "recovery";
failures with their reason)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from countyinno.core import audit
from countyinno.core import security as lockout
from countyinno.core.errors import bilingual

from . import second_factor, services
from .models import User

PENDING = "totp_pending_user"
PENDING_NEXT = "totp_next"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _locked_error(request, username):
    return ValidationError(lockout.lockout_message(request, username), code="locked")


class LockoutAuthenticationForm(AuthenticationForm):
    """The password step, inside one lock-out attempt for (user name, address)."""

    def clean(self):
        username = (self.data.get("username") or "").strip()[:150]
        password = self.data.get("password") or ""
        if not username or not password:
            return super().clean()
        error = None
        with lockout.attempt(self.request, username):
            if lockout.is_locked(self.request, username):
                # Refused before the password is checked (no user_login_failed signal): recorded here.
                audit.record_login(username=username, ok=False, method="password", reason="locked",
                                   request=self.request)
                error = _locked_error(self.request, username)
            else:
                try:
                    super().clean()  # authenticate(): a failure is counted (axes) and audited (signal)
                except ValidationError:
                    left = lockout.failures_left(self.request, username)
                    if left <= 0:
                        error = _locked_error(self.request, username)
                    else:
                        error = ValidationError(bilingual(f"用户名或密码错误（还可尝试 {left} 次）",
                                                          f"wrong username or password ({left} attempt(s) left)"),
                                                code="invalid_login")
        if error is not None:  # raised outside the attempt, so the counted failure is committed
            raise error
        return self.cleaned_data

    def confirm_login_allowed(self, user):
        if not user.is_active:
            audit.record_login(username=user.username, user=user, ok=False, method="password", reason="inactive",
                               request=self.request)
        super().confirm_login_allowed(user)


class LoginView(auth_views.LoginView):
    form_class = LockoutAuthenticationForm

    def form_valid(self, form):
        user = form.get_user()
        if second_factor.has_second_factor(user):
            # The password was right; the counter is NOT cleared: wrong codes keep counting toward the lock.
            self.request.session[PENDING] = user.pk
            self.request.session[PENDING_NEXT] = self.get_success_url()
            return redirect("login-totp")
        return super().form_valid(form)  # user_logged_in: audited, and axes clears the pair's counter


class CodeForm(forms.Form):
    code = forms.CharField(label=_("动态口令或恢复码"), max_length=32,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}))


def totp_step(request):
    """Second factor: a code from the authenticator app, or one of the recovery codes (each works once)."""
    user_id = request.session.get(PENDING)
    user = User.objects.filter(pk=user_id, is_active=True).first() if isinstance(user_id, int) else None
    if user is None:
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        method = "recovery" if not second_factor.normalise(code).isdigit() else "totp"
        error, device = None, None
        with lockout.attempt(request, user.username):
            if lockout.is_locked(request, user.username):
                audit.record_login(username=user.username, user=user, ok=False, method=method, reason="locked",
                                   request=request)
                error = lockout.lockout_message(request, user.username)
            else:
                device = second_factor.verify(user, code)
                if device is None:
                    lockout.register_failure(request, user.username)
                    audit.record_login(username=user.username, user=user, ok=False, method=method,
                                       reason=f"{method}-failed", request=request)
                    left = lockout.failures_left(request, user.username)
                    error = (lockout.lockout_message(request, user.username) if left <= 0 else
                             bilingual(f"动态口令错误（还可尝试 {left} 次）", f"wrong one-time code ({left} attempt(s) left)"))
        if error is None:
            next_url = request.session.pop(PENDING_NEXT, "/")
            request.session.pop(PENDING, None)
            method = second_factor.method_of(device)
            request.login_method = method  # the user_logged_in signal records the sign-in with this method
            user.otp_device = device  # django-otp marks the session as verified by this device
            auth_login(request, user, backend=BACKEND)
            if method == "recovery":
                left = second_factor.recovery_codes_left(user)
                messages.warning(request, bilingual(f"已使用一个恢复码，还剩 {left} 个；如手机丢失，请重新绑定动态口令",
                                                    f"a recovery code was used; {left} left. Enrol your authenticator "
                                                    f"again if the phone is lost"))
            if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                next_url = "/"
            return redirect(next_url)
        form.add_error("code", error)
    return render(request, "registration/totp.html", {"form": form, "error": form.errors.get("code")})


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("home")

    def get_form_kwargs(self):
        # The model instance, not the request's lazy proxy: validators and predicates ask its class.
        return {**super().get_form_kwargs(), "user": User.objects.get(pk=self.request.user.pk)}

    def form_valid(self, form):
        """The form checked the old password and the new one's rules; the change is a declared action."""
        user = services.change_password(actor=form.user, user=form.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, user)
        messages.success(self.request, bilingual("密码已修改", "password changed"))
        return HttpResponseRedirect(self.get_success_url())

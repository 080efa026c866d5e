"""Log-in with lock-out after repeated failures and an optional TOTP second step; password change."""

from __future__ import annotations

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

from countyinno.core import audit, security
from countyinno.core.errors import bilingual

from . import services
from .models import User

PENDING = "totp_pending_user"


class LockoutAuthenticationForm(AuthenticationForm):
    def clean(self):
        username = (self.data.get("username") or "").strip()
        if username and security.is_locked(username):
            # Refused before the password is checked, so no user_login_failed signal: record it here.
            audit.record_login(username=username, ok=False, method="password", reason="locked", request=self.request)
            raise ValidationError(bilingual("失败次数过多，账号已临时锁定，请稍后再试",
                                            "too many failed attempts; the account is locked for a while"),
                                  code="locked")
        try:
            return super().clean()
        except ValidationError:
            if username:
                count = security.register_failure(username)
                left = max(0, security.settings.LOGIN_MAX_FAILURES - count)
                raise ValidationError(bilingual(f"用户名或密码错误（还可尝试 {left} 次）",
                                                f"wrong username or password ({left} attempt(s) left)"),
                                      code="invalid_login")
            raise


class LoginView(auth_views.LoginView):
    form_class = LockoutAuthenticationForm

    def form_valid(self, form):
        user = form.get_user()
        security.clear_failures(user.username)
        if user.totp_secret:
            self.request.session[PENDING] = user.pk
            self.request.session["totp_next"] = self.get_success_url()
            return redirect("login-totp")
        return super().form_valid(form)


def totp_step(request):
    """Second factor for accounts with a TOTP secret (admins)."""
    import pyotp

    user_id = request.session.get(PENDING)
    if not user_id:
        return redirect("login")
    error = None
    if request.method == "POST":
        user = User.objects.get(pk=user_id)
        code = (request.POST.get("code") or "").strip()
        if security.is_locked(user.username):
            audit.record_login(username=user.username, user=user, ok=False, method="totp", reason="locked",
                               request=request)
            error = bilingual("失败次数过多，账号已临时锁定", "too many failed attempts; the account is locked")
        elif pyotp.TOTP(user.totp_secret).verify(code, valid_window=1):
            security.clear_failures(user.username)
            next_url = request.session.pop("totp_next", "/")
            del request.session[PENDING]
            request.login_method = "totp"  # the user_logged_in signal records the sign-in with this method
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                next_url = "/"
            return redirect(next_url)
        else:
            security.register_failure(user.username)
            audit.record_login(username=user.username, user=user, ok=False, method="totp", reason="totp-failed",
                               request=request)
            error = bilingual("动态口令错误", "wrong one-time code")
    return render(request, "registration/totp.html", {"error": error})


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

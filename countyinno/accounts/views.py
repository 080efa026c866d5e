"""Pages of organisations and accounts: lists, the admins' account management, one's own second factor,
and the province's lock-out page. Every change goes through a declared action (accounts/services.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from countyinno.core.errors import bilingual
from countyinno.core.exports import xlsx_response
from countyinno.core.tables import configure
from countyinno.core.views import paginate
from countyinno.regions.models import Region
from countyinno.regions.panels import region_page_context

from . import forms as account_forms
from . import second_factor, services
from .models import Organisation, User
from .permissions import (can_change_organisation, can_create_user, can_edit_organisation_contact, can_lift_lockout,
                          can_list_users)
from .tables import LockoutTable, UserTable



def _filtered_organisations(request):
    organisations = Organisation.objects.restrict(request.user).select_related("region", "region__city")
    kind = request.GET.get("kind", "")
    q = request.GET.get("q", "").strip()
    if kind:
        organisations = organisations.filter(kind=kind)
    if q:
        organisations = organisations.filter(name__icontains=q)
    return organisations, kind, q


@login_required
def organisation_list(request):
    organisations, kind, q = _filtered_organisations(request)
    return render(request, "accounts/organisation_list.html", {
        "page": paginate(request, organisations), "kind": kind, "q": q, "kinds": Organisation.Kind.choices,
        "may_register": Region.objects.restrict(request.user, "add_organisation").exists()})


@login_required
def organisation_export(request):
    """The export goes through the same restricted queryset as the page, and is recorded."""
    organisations, kind, q = _filtered_organisations(request)
    rows = ([o.name, o.get_kind_display(), o.credit_code or "", o.region.code, o.region.name,
             o.region.city.name if o.region.city else ""] for o in organisations)
    return xlsx_response("organisations.xlsx", "机构 organisations",
                         ["名称 name", "类型 kind", "统一社会信用代码 credit code", "区划代码 region code",
                          "县（市、区） county", "地级市 city"], rows,
                         request=request, model=Organisation, what="机构名录 / organisation list",
                         filters={"kind": kind, "q": q})


@login_required
def organisation_detail(request, pk):
    organisation = get_object_or_404(Organisation.objects.restrict(request.user).select_related("region"), pk=pk)
    members = organisation.members.restrict(request.user)
    return render(request, "accounts/organisation_detail.html", {"organisation": organisation, "members": members})


@region_page_context
def organisation_counts(request, region, subtree) -> dict:
    """The region page's organisation counts by kind (regions does not import accounts: accounts imports it)."""
    organisations = Organisation.objects.restrict(request.user).filter(region__in=subtree)
    kinds = dict(Organisation.Kind.choices)
    by_kind = organisations.values("kind").annotate(n=Count("id")).order_by("kind")
    return {"org_counts": [(kinds.get(row["kind"], row["kind"]), row["n"]) for row in by_kind]}


# ====================================================================== account management (admins)
def _require(predicate, user, obj=None):
    if not predicate(user, obj) if obj is not None else not predicate(user):
        raise PermissionDenied(bilingual("无权访问该页面", "you may not open this page"))


def _me(request) -> User:
    """The model instance (not the request's lazy proxy): predicates and actions ask its class."""
    return User.objects.get(pk=request.user.pk)


def _apply_errors(form, exc: ValidationError):
    """A declared action's ValidationError beside the fields of the form (or above it)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error.messages[0] if hasattr(error, "messages") else str(error))
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _user_in_scope(request, pk) -> User:
    return get_object_or_404(User.objects.restrict(request.user).select_related("organisation", "region"), pk=pk)


@login_required
def user_list(request):
    _require(can_list_users, request.user)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    scoped = (User.objects.restrict(request.user).select_related("organisation", "region")
              .annotate(has_totp=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))))
    filterset = account_forms.UserFilter(request.GET or None, queryset=scoped)
    users = filterset.qs if filterset.is_bound and filterset.is_valid() else scoped
    table = configure(request, UserTable(users))
    return render(request, "accounts/user_list.html", {"table": table, "filter": filterset,
                                                       "status": 200 if not filterset.errors else 400},
                  status=400 if filterset.is_bound and filterset.errors else 200)


def _organisation_param(request):
    """?organisation=<id>: a new account for that organisation (typed; unknown or out of scope → 404)."""
    raw = request.GET.get("organisation") or request.POST.get("fixed_organisation") or ""
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise Http404(bilingual("机构不存在", "no such organisation"))
    return get_object_or_404(Organisation.objects.restrict(request.user, "add_member"), pk=int(raw))


@login_required
def user_create(request):
    actor = _me(request)
    _require(can_create_user, actor)
    organisation = _organisation_param(request)
    form = account_forms.UserCreateForm(request.POST or None, actor=actor, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        password = services.one_time_password()
        try:
            created = services.create_user(actor=actor, username=data["username"], password=password,
                                           role=data["role"], region=data.get("region"),
                                           organisation=data.get("organisation"),
                                           display_name=data.get("display_name", ""), phone=data.get("phone", ""),
                                           email=data.get("email", ""), one_time=True)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return _show_one_time_password(request, created, password, created_now=True)
    return render(request, "accounts/user_form.html", {"form": form, "organisation": organisation},
                  status=400 if form.errors else 200)


def _show_one_time_password(request, user, password, created_now=False):
    response = render(request, "accounts/one_time_password.html",
                      {"account": user, "password": password, "created_now": created_now})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def user_detail(request, pk):
    account = _user_in_scope(request, pk)
    role_form = account_forms.RoleForm(actor=_me(request), user=account)
    return render(request, "accounts/user_detail.html", _user_context(request, account, role_form))


def _user_context(request, account, role_form):
    return {"account": account, "role_form": role_form,
            "has_second_factor": second_factor.has_second_factor(account),
            "recovery_left": second_factor.recovery_codes_left(account)}


@login_required
@require_POST
def user_deactivate(request, pk):
    account = _user_in_scope(request, pk)
    services.deactivate_user(actor=_me(request), user=account)
    messages.success(request, bilingual(f"账号 {account.username} 已停用", f"account {account.username} deactivated"))
    return redirect("accounts:user", pk=account.pk)


@login_required
@require_POST
def user_reactivate(request, pk):
    account = _user_in_scope(request, pk)
    services.reactivate_user(actor=_me(request), user=account)
    messages.success(request, bilingual(f"账号 {account.username} 已恢复", f"account {account.username} reactivated"))
    return redirect("accounts:user", pk=account.pk)


@login_required
@require_POST
def user_reset_password(request, pk):
    account = _user_in_scope(request, pk)
    password = services.one_time_password(account)
    services.reset_password(actor=_me(request), user=account, password=password)
    return _show_one_time_password(request, account, password)


@login_required
@require_POST
def user_reset_second_factor(request, pk):
    account = _user_in_scope(request, pk)
    services.reset_second_factor(actor=_me(request), user=account)
    messages.success(request, bilingual(f"已清除 {account.username} 的动态口令与恢复码",
                                        f"the second factor of {account.username} was removed"))
    return redirect("accounts:user", pk=account.pk)


@login_required
@require_POST
def user_change_role(request, pk):
    account = _user_in_scope(request, pk)
    actor = _me(request)
    form = account_forms.RoleForm(request.POST, actor=actor, user=account)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.change_role(actor=actor, user=account, role=data["role"], region=data.get("region"),
                                 organisation=data.get("organisation"))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, bilingual("角色已修改", "role changed"))
            return redirect("accounts:user", pk=account.pk)
    account.refresh_from_db()
    return render(request, "accounts/user_detail.html", _user_context(request, account, form), status=400)


# ====================================================================== organisations: create and edit
@login_required
def organisation_create(request):
    actor = _me(request)
    if not Region.objects.restrict(actor, "add_organisation").exists():
        raise PermissionDenied(bilingual("无权登记机构", "you may not register organisations"))
    form = account_forms.OrganisationForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.create_organisation(actor=actor, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, bilingual("机构已登记", "organisation registered"))
            return redirect("accounts:organisation", pk=org.pk)
    return render(request, "accounts/organisation_form.html", {"form": form, "creating": True},
                  status=400 if form.errors else 200)


@login_required
def organisation_edit(request, pk):
    """Admins of the area edit the registry facts; the organisation's members only its contact details."""
    actor = _me(request)
    organisation = get_object_or_404(Organisation.objects.restrict(actor), pk=pk)
    registry = can_change_organisation(actor, organisation)
    if not registry and not can_edit_organisation_contact(actor, organisation):
        raise PermissionDenied(bilingual("无权修改该机构", "you may not change this organisation"))
    form_class = account_forms.OrganisationForm if registry else account_forms.ContactForm
    kwargs = {"actor": actor} if registry else {}
    form = form_class(request.POST or None, instance=Organisation.objects.get(pk=organisation.pk), **kwargs)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            if changes:
                if registry:
                    services.update_organisation(actor=actor, organisation=organisation, **changes)
                else:
                    services.update_organisation_contact(actor=actor, organisation=organisation, **changes)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, bilingual("机构信息已保存", "organisation saved"))
            return redirect("accounts:organisation", pk=organisation.pk)
    return render(request, "accounts/organisation_form.html",
                  {"form": form, "organisation": organisation, "registry": registry},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def organisation_deactivate(request, pk):
    organisation = get_object_or_404(Organisation.objects.restrict(request.user), pk=pk)
    services.deactivate_organisation(actor=_me(request), organisation=organisation)
    messages.success(request, bilingual("机构已标记为无效", "organisation deactivated"))
    return redirect("accounts:organisation", pk=organisation.pk)


@login_required
@require_POST
def organisation_reactivate(request, pk):
    organisation = get_object_or_404(Organisation.objects.restrict(request.user), pk=pk)
    services.reactivate_organisation(actor=_me(request), organisation=organisation)
    messages.success(request, bilingual("机构已恢复有效", "organisation reactivated"))
    return redirect("accounts:organisation", pk=organisation.pk)


# ====================================================================== one's own account: second factor
@login_required
def security_page(request):
    """My account: the second factor (enrol with a QR code, recovery codes), password, organisation."""
    me = _me(request)
    pending = second_factor.pending_totp(me)
    context = {"me": me, "has_second_factor": second_factor.has_second_factor(me),
               "recovery_left": second_factor.recovery_codes_left(me), "required": second_factor.required(me),
               "form": account_forms.EnrolCodeForm()}
    if pending is not None and request.GET.get("step") == "confirm":
        context.update(pending=pending, qr=second_factor.qr_data_uri(pending),
                       manual_key=second_factor.key_base32(pending))
    return render(request, "accounts/security.html", context)


@login_required
@require_POST
def security_start(request):
    me = _me(request)
    services.start_totp_enrolment(actor=me, user=me)
    return redirect("/accounts/security/?step=confirm")


@login_required
@require_POST
def security_confirm(request):
    from django_otp import login as otp_login

    me = _me(request)
    form = account_forms.EnrolCodeForm(request.POST)
    codes = None
    if form.is_valid():
        try:
            codes = services.confirm_totp_enrolment(actor=me, user=me, code=form.cleaned_data["code"])
        except ValidationError as exc:
            _apply_errors(form, exc)
    if codes is None:
        pending = second_factor.pending_totp(me)
        context = {"me": me, "has_second_factor": second_factor.has_second_factor(me),
                   "recovery_left": second_factor.recovery_codes_left(me), "required": second_factor.required(me),
                   "form": form}
        if pending is not None:
            context.update(pending=pending, qr=second_factor.qr_data_uri(pending),
                           manual_key=second_factor.key_base32(pending))
        return render(request, "accounts/security.html", context, status=400)
    # This session has just proved the new factor: it counts as verified.
    otp_login(request, second_factor.confirmed_totp(me))
    return _show_recovery_codes(request, codes, enrolled=True)


@login_required
@require_POST
def security_recovery_codes(request):
    me = _me(request)
    try:
        codes = services.regenerate_recovery_codes(actor=me, user=me)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("accounts:security")
    return _show_recovery_codes(request, codes)


def _show_recovery_codes(request, codes, enrolled=False):
    response = render(request, "accounts/recovery_codes.html",
                      {"codes": [second_factor.shown(c) for c in codes], "enrolled": enrolled})
    response["Cache-Control"] = "no-store"
    return response


# ====================================================================== lock-outs (province admins)
@login_required
def lockout_list(request):
    _require(can_lift_lockout, request.user)
    from countyinno.core.security import current_lockouts

    form = account_forms.LockoutFilter(request.GET or None)
    locks = current_lockouts()
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        q = form.cleaned_data["q"].strip().lower()
        locks = [lock for lock in locks if q in lock.username.lower() or q in (lock.ip_address or "")]
    table = configure(request, LockoutTable(locks))
    return render(request, "accounts/lockout_list.html", {"table": table, "filter": form},
                  status=400 if form.is_bound and form.errors else 200)


@login_required
@require_POST
def lockout_lift(request):
    form = account_forms.LiftLockoutForm(request.POST)
    if not form.is_valid():
        messages.error(request, bilingual("参数无效", "invalid request"))
        return redirect("accounts:lockouts")
    data = form.cleaned_data
    services.lift_lockout(actor=_me(request), username=data["username"], ip_address=data["ip_address"] or None)
    messages.success(request, bilingual(f"已解除 {data['username']} 的登录锁定", f"lock-out of {data['username']} lifted"))
    return redirect("accounts:lockouts")

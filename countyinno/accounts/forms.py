"""Forms and filters of the account pages: every parameter a page reads is parsed here."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from countyinno.regions.models import Region

from .models import Organisation, Role, User


def bilingual_messages(form):
    """Field errors in both languages (call after every field is in place)."""
    from countyinno.core.errors import bilingual

    for field in form.fields.values():
        field.error_messages["required"] = bilingual("该字段为必填项", "this field is required")
        if "invalid_choice" in field.error_messages:
            field.error_messages["invalid_choice"] = bilingual("请选择列表中的一项", "choose one of the list")
        if "max_length" in field.error_messages:
            field.error_messages["max_length"] = bilingual("内容过长", "too long")


class BilingualForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bilingual_messages(self)


# ------------------------------------------------------------------ filters
class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("账号或姓名"), method="search", max_length=50)
    role = django_filters.ChoiceFilter(label=_("角色"), choices=Role.choices, empty_label=_("全部"))
    is_active = django_filters.ChoiceFilter(label=_("状态"), choices=[("1", _("有效")), ("0", _("已停用"))],
                                           empty_label=_("全部"), method="active")

    class Meta:
        model = User
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bilingual_messages(self.form)

    def active(self, queryset, name, value):
        return queryset.filter(is_active=value == "1") if value in ("0", "1") else queryset

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(username__icontains=value) | Q(display_name__icontains=value)
                               | Q(organisation__name__icontains=value))


class LockoutFilter(forms.Form):
    q = forms.CharField(label=_("账号或地址"), required=False, max_length=150)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bilingual_messages(self)


# ------------------------------------------------------------------ accounts
def _role_choices(actor, organisation_fixed: bool):
    """The roles the actor may give; placement is checked again by the declared action."""
    from .models import ADMIN_ROLE_LEVEL

    levels = set() if organisation_fixed else set(
        Region.objects.restrict(actor, "appoint_admin").values_list("level", flat=True).distinct())
    return [(value, label) for value, label in Role.choices
            if value not in ADMIN_ROLE_LEVEL or ADMIN_ROLE_LEVEL[value] in levels]


class PlacementMixin:
    """Role, region (admins) and organisation (members), limited to what the actor may place."""

    def _placement_fields(self, actor, organisation=None):
        self.fields["role"] = forms.ChoiceField(label=_("角色"), choices=_role_choices(actor, organisation is not None))
        self.fields["region"] = forms.ModelChoiceField(
            label=_("管辖地区（管理员）"), required=False, empty_label="—",
            queryset=Region.objects.restrict(actor, "appoint_admin").order_by("code"))
        self.fields["region"].label_from_instance = lambda r: f"{r.code} {r.full_name}"
        if organisation is None:
            self.fields["organisation"] = forms.ModelChoiceField(
                label=_("所属机构"), required=False, empty_label="—",
                queryset=Organisation.objects.restrict(actor, "add_member").filter(is_active=True)
                .select_related("region").order_by("region__code", "name"))
            self.fields["organisation"].label_from_instance = lambda o: f"{o.name}（{o.region.name}）"

    def clean_placement(self, cleaned, organisation=None):
        from countyinno.core.errors import bilingual

        from .models import ADMIN_ROLE_LEVEL

        role = cleaned.get("role")
        if role in ADMIN_ROLE_LEVEL:
            if not cleaned.get("region"):
                self.add_error("region", bilingual("管理员须选择管辖地区", "an admin needs a region"))
            cleaned["organisation"] = cleaned.get("organisation") or None
        elif role == Role.ORG_MEMBER and organisation is None and not cleaned.get("organisation"):
            self.add_error("organisation", bilingual("机构用户须选择所属机构", "a member needs an organisation"))
        if role and role not in ADMIN_ROLE_LEVEL:
            cleaned["region"] = None
        if organisation is not None:
            cleaned["organisation"] = organisation
        return cleaned


class UserCreateForm(PlacementMixin, BilingualForm):
    username = forms.RegexField(label=_("账号"), max_length=150, regex=r"^[\w.@+-]+\Z")
    display_name = forms.CharField(label=_("姓名"), max_length=100, required=False)
    phone = forms.CharField(label=_("手机"), max_length=20, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)

    def __init__(self, *args, actor, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self._placement_fields(actor, organisation)
        bilingual_messages(self)
        from countyinno.core.errors import bilingual

        self.fields["username"].error_messages["invalid"] = bilingual(
            "账号只能包含字母、数字和 @ . + - _", "letters, digits and @ . + - _ only")
        self.fields["email"].error_messages["invalid"] = bilingual("电子邮箱格式不正确", "not a valid e-mail address")

    def clean_username(self):
        from countyinno.core.errors import bilingual

        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(bilingual("该账号已存在", "this user name is taken"))
        return username

    def clean(self):
        return self.clean_placement(super().clean(), self.organisation)


class RoleForm(PlacementMixin, BilingualForm):
    def __init__(self, *args, actor, user, **kwargs):
        initial = {"role": user.role, "region": user.region_id, "organisation": user.organisation_id}
        super().__init__(*args, initial=initial, **kwargs)
        self._placement_fields(actor)
        bilingual_messages(self)

    def clean(self):
        return self.clean_placement(super().clean())


# ------------------------------------------------------------------ organisations
class OrganisationForm(forms.ModelForm):
    """The registry facts and contact details (admins of the area)."""

    class Meta:
        model = Organisation
        fields = ["name", "kind", "credit_code", "region", "address", "contact_phone"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.restrict(actor, "add_organisation").order_by("code")
        self.fields["region"].label_from_instance = lambda r: f"{r.code} {r.full_name}"
        bilingual_messages(self)

    def validate_unique(self):
        """Left to the declared action's full_clean (its messages are the model's)."""


class ContactForm(forms.ModelForm):
    """What an organisation's own members may keep up to date."""

    class Meta:
        model = Organisation
        fields = ["address", "contact_phone"]


# ------------------------------------------------------------------ second factor
class EnrolCodeForm(BilingualForm):
    code = forms.RegexField(label=_("手机上显示的 6 位动态口令"), regex=r"^\s*\d{6}\s*$", max_length=12,
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from countyinno.core.errors import bilingual

        self.fields["code"].error_messages["invalid"] = bilingual("请输入 6 位数字", "enter the 6 digits")


class LiftLockoutForm(BilingualForm):
    username = forms.CharField(max_length=255)
    ip_address = forms.GenericIPAddressField(required=False)

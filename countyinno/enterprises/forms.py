"""Every parameter the enterprise pages read: forms for writes, FilterSets for lists, a typed year."""

import datetime

import django_filters
from django import forms
from django.db.models import Q

from countyinno.core.errors import bilingual
from countyinno.regions.models import Region

from .models import Carrier, Certificate, Enterprise

REQUIRED = bilingual("必填", "required")
CHOICE = {"required": REQUIRED, "invalid_choice": bilingual("请从列表中选择", "choose one of the options"),
          "invalid_pk_value": bilingual("请从列表中选择", "choose one of the options"),
          "invalid_list": bilingual("请从列表中选择", "choose from the list")}
DATE = {"required": REQUIRED, "invalid": bilingual("日期格式应为 YYYY-MM-DD", "dates are YYYY-MM-DD")}
TEXT = {"required": REQUIRED, "max_length": bilingual("最多 %(limit_value)d 个字符", "at most %(limit_value)d characters")}
INTEGER = {"required": REQUIRED, "invalid": bilingual("请输入整数", "enter a whole number"),
           "min_value": bilingual("不能小于 %(limit_value)s", "must not be below %(limit_value)s"),
           "max_value": bilingual("不能大于 %(limit_value)s", "must not be above %(limit_value)s")}


def date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # the ISO value a date input needs


class YearForm(forms.Form):
    """`?year=` on an enterprise's page: which year's figures to edit or assess."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"] = forms.IntegerField(label="年度", required=False, min_value=1990,
                                                 max_value=datetime.date.today().year, error_messages=INTEGER)

    def chosen_year(self):
        return self.cleaned_data.get("year") if self.is_valid() else None


def _domain_choices():
    from .services import DOMAINS

    return [("", "—")] + [(d, d) for d in DOMAINS]


class EnterpriseBasicsForm(forms.Form):
    """A firm's basic data: what its members and the bureaus over its area keep up to date."""

    industry = forms.CharField(label="行业代码（GB/T 4754-2017）", max_length=8, error_messages=TEXT,
                               help_text="门类字母加 2–4 位代码，如 C3911")
    size = forms.ChoiceField(label="规模", choices=Enterprise.Size.choices, error_messages=CHOICE)
    founded = forms.DateField(label="成立日期", widget=date_input(), error_messages=DATE)
    domain = forms.ChoiceField(label="技术领域", choices=_domain_choices, required=False, error_messages=CHOICE)
    address = forms.CharField(label="地址", max_length=300, required=False, error_messages=TEXT)
    contact_phone = forms.CharField(label="联系电话", max_length=40, required=False, error_messages=TEXT)

    def clean_industry(self):
        from countyinno.engines.rules.superdeduction import industry_code

        _letter, code, problem = industry_code(self.cleaned_data["industry"])
        if problem:
            raise forms.ValidationError(problem)
        return code


class EnterpriseRegisterForm(EnterpriseBasicsForm):
    """登记企业: name, credit code and county first, then the basic data."""

    name = forms.CharField(label="企业名称", max_length=200, error_messages=TEXT)
    credit_code = forms.CharField(label="统一社会信用代码", max_length=18, min_length=18,
                                  error_messages={**TEXT, "min_length": bilingual("应为 18 位", "18 characters"),
                                                  "max_length": bilingual("应为 18 位", "18 characters")})
    region = forms.ModelChoiceField(label="所在县（市、区）", queryset=Region.objects.none(), error_messages=CHOICE)

    field_order = ["name", "credit_code", "region", "industry", "size", "founded", "domain", "address",
                   "contact_phone"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = (Region.objects.restrict(user, "add_enterprise")
                                          .filter(level=Region.Level.COUNTY).order_by("code"))
        self.fields["region"].label_from_instance = lambda r: f"{r.code} {r.name}"
        self.order_fields(self.field_order)

    def clean_credit_code(self):
        from countyinno.core.validators import credit_code_problem

        code = self.cleaned_data["credit_code"].strip().upper()
        problem = credit_code_problem(code)
        if problem:
            raise forms.ValidationError(problem)
        return code


class CertificateForm(forms.Form):
    kind = forms.ChoiceField(label="证书类型", choices=Certificate.Kind.choices, error_messages=CHOICE)
    number = forms.CharField(label="证书编号", max_length=40, error_messages=TEXT)
    issued = forms.DateField(label="发证日期", widget=date_input(), error_messages=DATE)
    valid_until = forms.DateField(label="有效期至", widget=date_input(), error_messages=DATE)

    def clean(self):
        data = super().clean()
        if data.get("issued") and data.get("valid_until") and data["valid_until"] <= data["issued"]:
            self.add_error("valid_until", bilingual("有效期应晚于发证日期", "validity must end after the issue date"))
        return data


class CarrierForm(forms.Form):
    name = forms.CharField(label="名称", max_length=200, error_messages=TEXT)
    kind = forms.ChoiceField(label="类型", choices=Carrier.Kind.choices, error_messages=CHOICE)
    level = forms.ChoiceField(label="级别", choices=Carrier.Level.choices, error_messages=CHOICE)
    region = forms.ModelChoiceField(label="所在地区", queryset=Region.objects.none(), error_messages=CHOICE)
    recognised = forms.DateField(label="认定日期", widget=date_input(), error_messages=DATE)
    residents = forms.ModelMultipleChoiceField(label="在孵/入驻企业", queryset=Enterprise.objects.none(),
                                               required=False, widget=forms.CheckboxSelectMultiple,
                                               error_messages=CHOICE)

    def __init__(self, *args, user, carrier=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .services import within

        regions = Region.objects.restrict(user, "add_carrier").exclude(level=Region.Level.PROVINCE)
        if carrier is not None:
            regions = regions | Region.objects.filter(pk=carrier.region_id)
        self.fields["region"].queryset = regions.order_by("code")
        self.fields["region"].label_from_instance = lambda r: f"{r.code} {r.name}"
        if carrier is None:
            del self.fields["residents"]
        else:
            self.fields["residents"].queryset = (Enterprise.objects.restrict(user).filter(within(carrier.region))
                                                 .select_related("organisation").order_by("organisation__name"))
            self.fields["residents"].label_from_instance = lambda e: e.organisation.name


# ------------------------------------------------------------------ list filters (django-filter)

class EnterpriseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="名称或信用代码", method="search", max_length=100)
    size = django_filters.ChoiceFilter(label="规模", choices=Enterprise.Size.choices, empty_label="全部")
    pool = django_filters.ChoiceFilter(label="培育库", method="in_pool", empty_label="全部",
                                       choices=[("in", "在库"), ("active", "培育中"), ("graduated", "已成长为高企")])

    class Meta:
        model = Enterprise
        fields = ["q", "size", "pool"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(organisation__name__icontains=value) | Q(organisation__credit_code=value.upper()))

    def in_pool(self, queryset, name, value):
        if value == "in":
            return queryset.filter(pool__isnull=False)
        return queryset.filter(pool__status=value)


class CarrierFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="名称", field_name="name", lookup_expr="icontains", max_length=100)
    kind = django_filters.ChoiceFilter(label="类型", choices=Carrier.Kind.choices, empty_label="全部")
    level = django_filters.ChoiceFilter(label="级别", choices=Carrier.Level.choices, empty_label="全部")
    county = django_filters.CharFilter(label="县（市、区）", method="in_county", max_length=50)

    class Meta:
        model = Carrier
        fields = ["q", "kind", "level", "county"]

    def in_county(self, queryset, name, value):
        return queryset.filter(Q(region__name__icontains=value.strip()) | Q(region__code=value.strip()))


class CertificateFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="企业或证书编号", method="search", max_length=100)
    kind = django_filters.ChoiceFilter(label="证书类型", choices=Certificate.Kind.choices, empty_label="全部")
    state = django_filters.ChoiceFilter(label="状态", method="by_state", empty_label="全部",
                                        choices=[("valid", "有效"), ("expired", "已过期")])

    class Meta:
        model = Certificate
        fields = ["q", "kind", "state"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(enterprise__organisation__name__icontains=value) | Q(number__icontains=value))

    def by_state(self, queryset, name, value):
        today = datetime.date.today()
        if value == "valid":
            return queryset.filter(issued__lte=today, valid_until__gte=today)
        return queryset.filter(valid_until__lt=today)

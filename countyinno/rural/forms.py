"""Every parameter a rural page reads goes through one of these forms (or the queue's FilterSet): bad input
is a bilingual message beside the field, never a server error; a form re-renders with what was typed."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from countyinno.core.errors import bilingual
from countyinno.regions.models import Region
from countyinno.regions.services import home_province_code

from . import permissions as perms
from .models import CountyPairing, FarmerQuestion, OutreachEvent

FIELDS = ["小麦", "玉米", "设施蔬菜", "果树", "畜牧", "水产", "中药材", "农机"]
SEASONS = [("春", "春季"), ("夏", "夏季"), ("秋", "秋季"), ("冬", "冬季")]


def counties():
    return Region.objects.filter(level=Region.Level.COUNTY, province__code=home_province_code()).select_related("city")


def cities():
    return Region.objects.filter(level=Region.Level.CITY, province__code=home_province_code()).order_by("code")


def grouped_counties(queryset) -> list:
    """County choices grouped by city (rendered as <optgroup>s: the page works without JavaScript)."""
    groups: dict[str, tuple[str, list]] = {}
    for county in queryset.order_by("code"):
        city = county.city
        key = city.code if city else ""
        groups.setdefault(key, (city.name if city else "—", []))[1].append((county.code, county.name))
    return [(name, options) for _, (name, options) in sorted(groups.items())]


class BilingualForm(forms.Form):
    """Required and invalid messages in Chinese and English, naming the field by its label."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            label = str(field.label or "")
            field.error_messages["required"] = bilingual(f"请填写{label}", f"{label} is required")
            field.error_messages["invalid"] = bilingual(f"{label}格式不正确", f"{label}: invalid value")
            field.error_messages["invalid_choice"] = bilingual(f"{label}：请从列表中选择", f"{label}: choose from the list")
            if isinstance(field, forms.IntegerField):
                field.error_messages["min_value"] = bilingual(f"{label}过小", f"{label} is too small")
                field.error_messages["max_value"] = bilingual(f"{label}过大", f"{label} is too large")
            if isinstance(field, forms.CharField):
                field.error_messages["max_length"] = bilingual(f"{label}过长", f"{label} is too long")

    def apply(self, exc: ValidationError) -> None:
        """Put a service's ValidationError beside the fields it names (others at the top of the form)."""
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)


def mobile_widget():
    return forms.TextInput(attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel", "maxlength": "13",
                                  "pattern": "[0-9 ]*"})


def clean_mobile(value: str) -> str:
    digits = "".join(c for c in value if c.isdigit())
    if len(digits) != 11 or not digits.startswith("1") or len(digits) != len(value.replace(" ", "")):
        raise ValidationError(bilingual("请填写 11 位手机号（只含数字）", "an 11-digit mobile number (digits only)"))
    return digits


class AskForm(BilingualForm):
    asker = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="手机号", max_length=20, widget=mobile_widget())
    city = forms.ChoiceField(label="市", required=False)
    region = forms.ChoiceField(label="县（市、区）")
    field = forms.ChoiceField(label="作物/领域", choices=[(f, f) for f in FIELDS])
    text = forms.CharField(label="问题", max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))
    attachment = forms.FileField(label="图片（JPEG/PNG，≤2MB）", required=False,
                                 widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}))

    def __init__(self, *args, county_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.county_queryset = county_queryset if county_queryset is not None else counties()
        city_codes = set(self.county_queryset.values_list("city__code", flat=True))
        self.fields["city"].choices = [("", "— 请选择市 —")] + [(c.code, c.name) for c in cities()
                                                                 if c.code in city_codes]
        self.fields["region"].choices = [("", "— 请选择县（市、区） —")] + grouped_counties(self.county_queryset)
        self.fields["region"].widget.attrs.update({"data-county-picker": "county"})
        self.fields["city"].widget.attrs.update({"data-county-picker": "city"})
        self.fields["phone"].widget.attrs["placeholder"] = "13812345678"

    def clean_phone(self):
        return clean_mobile(self.cleaned_data["phone"])

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if len(text) < 6:
            raise ValidationError(bilingual("请具体描述问题（至少 6 个字）", "describe the problem (6 characters at least)"))
        return text

    def clean(self):
        data = super().clean()
        code, city = data.get("region"), data.get("city")
        if code:
            county = self.county_queryset.filter(code=code).first()
            if county is None:
                self.add_error("region", bilingual("请选择县（市、区）", "choose a county"))
            elif city and county.city and county.city.code != city:
                self.add_error("region", bilingual("所选县不属于所选市", "the county is not in the chosen city"))
            else:
                data["county"] = county
        return data


class LookupForm(BilingualForm):
    phone = forms.CharField(label="手机号", max_length=20, widget=mobile_widget())
    code = forms.CharField(label="查询码", max_length=12, widget=forms.TextInput(attrs={"autocapitalize": "characters",
                                                                                      "autocomplete": "off"}))

    def clean_phone(self):
        return clean_mobile(self.cleaned_data["phone"])


class AnswerForm(BilingualForm):
    answer = forms.CharField(label="解答", max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    promote = forms.BooleanField(label="收入知识库", required=False, initial=True)


class AssignForm(BilingualForm):
    expert = forms.TypedChoiceField(label="专家", coerce=int, required=False, empty_value=None)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {t.pk: t for t in candidates}
        self.fields["expert"].choices = [("", "自动：该领域待答最少的专家 / automatic: least busy for the field")] + [
            (t.pk, f"{t.name} · {t.home_unit.region.name if t.home_unit else '—'} · {'、'.join(t.fields[:3])} · "
                   f"待答 {t.open}") for t in candidates]


class QuestionQueueFilter(django_filters.FilterSet):
    """The assignment queue: waiting and overdue questions the user may assign, by county and level."""

    STATES = [("waiting", "待分派或超期 unassigned or overdue"), ("unrouted", "待人工分派 unassigned"),
              ("overdue", "已超期 overdue"), ("open", "全部未答 every open question")]
    state = django_filters.ChoiceFilter(label="范围", choices=STATES, method="filter_state", empty_label=None)
    region = django_filters.ModelChoiceFilter(label="县（市、区）", queryset=Region.objects.none(), to_field_name="code")
    level = django_filters.ChoiceFilter(label="督办层级", choices=FarmerQuestion.Level.choices)
    field = django_filters.ChoiceFilter(label="作物/领域", choices=[(f, f) for f in FIELDS])

    class Meta:
        model = FarmerQuestion
        fields = ["state", "region", "level", "field"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        rule = perms.can_ask_question.q(user)
        area = counties() if rule is None else counties().filter(rule)
        self.filters["region"].queryset = area.order_by("code")
        self.form.fields["region"].queryset = area.order_by("code")

    @property
    def qs(self):
        queryset = super().qs
        if not (self.form.is_bound and self.form.is_valid() and self.form.cleaned_data.get("state")):
            queryset = self.filter_state(queryset, "state", "waiting")
        return queryset

    def filter_state(self, queryset, name, value):
        now = timezone.now()
        overdue = Q(due_at__lt=now)
        if value == "unrouted":
            return queryset.filter(status=FarmerQuestion.Status.UNROUTED)
        if value == "overdue":
            return queryset.filter(overdue)
        if value == "open":
            return queryset
        return queryset.filter(Q(status=FarmerQuestion.Status.UNROUTED) | overdue)


# ------------------------------------------------------------------ training and outreach
class CourseForm(BilingualForm):
    title = forms.CharField(label="课程名称", max_length=200)
    crop = forms.ChoiceField(label="作物/领域", choices=[(f, f) for f in FIELDS])
    season = forms.ChoiceField(label="季节", choices=SEASONS)
    session_date = forms.DateField(label="授课日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    venue = forms.CharField(label="地点", max_length=200, required=False)
    capacity = forms.IntegerField(label="名额", min_value=1, max_value=10000, initial=50)
    region = forms.ModelChoiceField(label="县（市、区）", queryset=Region.objects.none(), to_field_name="code",
                                    required=False)

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if regions is None:
            del self.fields["region"]  # a training provider runs it in its own county
        else:
            self.fields["region"].queryset = regions
            self.fields["region"].required = True
            self.fields["region"].error_messages["required"] = bilingual("请选择县（市、区）", "choose a county")


class EventForm(BilingualForm):
    title = forms.CharField(label="活动名称", max_length=200)
    kind = forms.ChoiceField(label="活动类型", choices=OutreachEvent.Kind.choices)
    starts_at = forms.DateTimeField(label="开始时间", input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                               format="%Y-%m-%dT%H:%M"))
    ends_at = forms.DateTimeField(label="结束时间", input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                             format="%Y-%m-%dT%H:%M"))
    venue = forms.CharField(label="地点", max_length=200, required=False)
    online = forms.BooleanField(label="线上活动", required=False)
    capacity = forms.IntegerField(label="名额", min_value=1, max_value=100000, initial=200)
    region = forms.ModelChoiceField(label="县（市、区）", queryset=Region.objects.none(), to_field_name="code",
                                    required=False)

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if regions is None:
            del self.fields["region"]
        else:
            self.fields["region"].queryset = regions
            self.fields["region"].required = True
            self.fields["region"].error_messages["required"] = bilingual("请选择县（市、区）", "choose a county")

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", bilingual("结束时间须晚于开始时间", "the event must end after it starts"))
        return data


class SignupForm(BilingualForm):
    name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="手机号", max_length=20, widget=mobile_widget())

    def clean_phone(self):
        return clean_mobile(self.cleaned_data["phone"])


class FeedbackForm(BilingualForm):
    score = forms.TypedChoiceField(label="评分", coerce=int,
                                   choices=[(5, "5 非常满意"), (4, "4 满意"), (3, "3 一般"), (2, "2 不满意"), (1, "1 很不满意")])
    note = forms.CharField(label="意见", max_length=300, required=False)


class CertificateLookupForm(BilingualForm):
    number = forms.CharField(label="证书编号", max_length=30)
    phone = forms.CharField(label="手机号", max_length=20, widget=mobile_widget())

    def clean_phone(self):
        return clean_mobile(self.cleaned_data["phone"])


# ------------------------------------------------------------------ county pairings
class ProposePairingForm(BilingualForm):
    weak = forms.ModelChoiceField(label="受援县（弱县）", queryset=Region.objects.none(), to_field_name="code")
    strong = forms.ModelChoiceField(label="帮扶县（强县）", queryset=Region.objects.none(), to_field_name="code")
    basis = forms.CharField(label="结对依据", max_length=100)
    focus = forms.CharField(label="帮扶重点", max_length=200, required=False)

    def __init__(self, *args, weak_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["weak"].queryset = weak_choices if weak_choices is not None else counties()
        self.fields["strong"].queryset = counties().order_by("code")


class PairingActivityForm(BilingualForm):
    happened_on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    title = forms.CharField(label="活动", max_length=200)
    note = forms.CharField(label="内容", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PairingFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="状态", choices=CountyPairing.Status.choices)

    class Meta:
        model = CountyPairing
        fields = ["status"]

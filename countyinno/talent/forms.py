"""Every parameter a talent page reads goes through one of these: a bad value is a message beside its
field (bilingual), never a server error."""

from __future__ import annotations

import copy
import datetime
import re
from decimal import Decimal

import django_filters
from django import forms
from django.core import validators
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from countyinno.core.errors import bilingual

from .models import FIELDS, PROFILE_FIELDS, PROGRAMMES, Assessment, Talent, WorkstationApplication  # noqa: F401

MESSAGES = {
    "required": bilingual("此项必填", "this field is required"),
    "invalid": bilingual("格式不正确", "the value is not valid"),
    "invalid_choice": bilingual("请从列表中选择", "choose one of the listed values"),
    "invalid_list": bilingual("请从列表中选择", "choose from the list"),
    "min_value": bilingual("不能小于 %(limit_value)s", "must be at least %(limit_value)s"),
    "max_value": bilingual("不能大于 %(limit_value)s", "must be at most %(limit_value)s"),
    "max_digits": bilingual("数字过长", "too many digits"),
    "max_decimal_places": bilingual("小数位过多（至多 %(max)s 位）", "at most %(max)s decimal place(s)"),
    "max_whole_digits": bilingual("数字过大", "the number is too large"),
    "max_length": bilingual("过长（至多 %(limit_value)d 个字）", "too long (at most %(limit_value)d characters)"),
    "min_length": bilingual("过短（至少 %(limit_value)d 个字）", "too short (at least %(limit_value)d characters)"),
    "empty": bilingual("文件为空", "the file is empty"),
    "missing": bilingual("未收到文件", "no file was received"),
    "contradiction": bilingual("请勿同时上传和清除文件", "upload or clear, not both"),
    "null_characters_not_allowed": bilingual("含有不允许的字符", "contains characters that are not allowed"),
}


VALIDATOR_MESSAGES = {validators.MinValueValidator: "min_value", validators.MaxValueValidator: "max_value",
                      validators.MinLengthValidator: "min_length", validators.MaxLengthValidator: "max_length",
                      validators.ProhibitNullCharactersValidator: "null_characters_not_allowed"}


def bilingual_messages(fields) -> None:
    """Every built-in check of these form fields speaks both languages."""
    for field in fields:
        field.error_messages = {**field.error_messages,
                                **{k: v for k, v in MESSAGES.items() if k in field.error_messages}}
        replaced = []
        for validator in field.validators:
            key = VALIDATOR_MESSAGES.get(type(validator))
            if key:
                validator = copy.copy(validator)
                validator.message = MESSAGES[key]
            elif isinstance(validator, validators.DecimalValidator):
                validator = copy.copy(validator)
                validator.messages = {**validator.messages, **{k: MESSAGES[k] for k in
                                                               ("invalid", "max_digits", "max_decimal_places",
                                                                "max_whole_digits")}}
            replaced.append(validator)
        field.validators = replaced


class BilingualForm(forms.Form):
    """Bilingual messages for every field's built-in checks; service errors land beside their field."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        bilingual_messages(self.fields.values())

    def take_errors(self, exc) -> None:
        """Put a service's ValidationError (or a refusal) on the form: each message beside its field."""
        if isinstance(exc, PermissionDenied):
            self.add_error(None, str(exc))
            return
        if hasattr(exc, "error_dict"):
            for name, messages in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, exc.messages)


def _words(text: str) -> list[str]:
    return [w.strip() for w in re.split(r"[,，、;；\s]+", text or "") if w.strip()][:20]


def _this_year() -> int:
    return timezone.localdate().year


class DemandForm(BilingualForm):
    problem = forms.CharField(label=_("技术难题"), max_length=2000)
    fields = forms.MultipleChoiceField(label=_("领域"), choices=[(f, f) for f in FIELDS],
                                       widget=forms.SelectMultiple(attrs={"size": 4}))
    keywords = forms.CharField(label=_("关键词（逗号分隔）"), required=False, max_length=200)
    days_needed = forms.IntegerField(label=_("所需服务天数"), min_value=1, max_value=366, initial=30)
    need = forms.IntegerField(label=_("所需人数"), min_value=1, max_value=10, initial=1)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, initial=_this_year)

    def clean_keywords(self):
        return _words(self.cleaned_data["keywords"])


class PairsField(forms.CharField):
    """"人才编号,需求编号" per line → [[talent, demand], …]."""

    widget = forms.Textarea(attrs={"rows": 2})

    def clean(self, value):
        text = super().clean(value) or ""
        pairs = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in re.split(r"[,，]", line)]
            if len(parts) != 2 or not all(p.isdigit() and len(p) <= 12 for p in parts):
                raise ValidationError(bilingual(f"第 {number} 行应为“人才编号,需求编号”", f"line {number} must read "
                                                f"'talent number,demand number'"))
            pairs.append(parts)
        if len(pairs) > 200:
            raise ValidationError(bilingual("至多 200 对", "200 pairs at most"))
        return pairs


class SolveForm(BilingualForm):
    MODES = [("optimal", _("全局最优")), ("stable", _("双向选择（稳定匹配）"))]

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, initial=_this_year)
    min_per_county = forms.IntegerField(label=_("每县至少"), required=False, min_value=0, max_value=50)
    max_per_unit_per_county = forms.IntegerField(label=_("同一单位在一县至多"), required=False, min_value=1, max_value=50)
    mode = forms.ChoiceField(label=_("模式"), choices=MODES, initial="optimal", required=False)
    pinned = PairsField(label=_("指定结对（人才编号,需求编号 每行一对）"), required=False, max_length=5000)
    forbidden = PairsField(label=_("禁止结对"), required=False, max_length=5000)

    def constraints(self) -> dict:
        d = self.cleaned_data
        d["mode"] = d.get("mode") or "optimal"
        out = {k: d[k] for k in ("min_per_county", "max_per_unit_per_county") if d.get(k) is not None}
        return out | {"pinned": d["pinned"], "forbidden": d["forbidden"]}


class LogForm(BilingualForm):
    visited_on = forms.DateField(label=_("服务日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    visited_until = forms.DateField(label=_("截止日期（多日服务填写）"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    days = forms.DecimalField(label=_("天数"), max_digits=4, decimal_places=1, min_value=Decimal("0.5"), initial=1,
                              widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    content = forms.CharField(label=_("服务内容"), max_length=2000)


class ConfirmForm(BilingualForm):
    satisfaction = forms.TypedChoiceField(label=_("满意度"), coerce=int, initial=5,
                                          choices=[(5, _("5 非常满意")), (4, _("4 满意")), (3, _("3 一般")), (2, _("2 不满意")),
                                                   (1, _("1 很不满意"))])


class DisputeForm(BilingualForm):
    reason = forms.CharField(label=_("异议理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class AnswerForm(BilingualForm):
    reply = forms.CharField(label=_("答复"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    days = forms.DecimalField(label=_("更正天数（可不填）"), required=False, max_digits=4, decimal_places=1,
                              min_value=Decimal("0.5"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))


class EvaluationForm(BilingualForm):
    score = forms.DecimalField(label=_("服务成效评分（0–100）"), max_digits=4, decimal_places=1, min_value=0, max_value=100,
                               widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    comment = forms.CharField(label=_("评价意见"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))


class AssessForm(BilingualForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)


class ProfileForm(BilingualForm):
    title = forms.CharField(label=_("职称"), required=False, max_length=40)
    degree = forms.CharField(label=_("学历"), required=False, max_length=20)
    fields = forms.MultipleChoiceField(label=_("领域"), required=False, choices=[(f, f) for f in PROFILE_FIELDS],
                                       widget=forms.SelectMultiple(attrs={"size": 6}))
    keywords = forms.CharField(label=_("关键词（逗号分隔）"), required=False, max_length=300)
    availability_days = forms.IntegerField(label=_("可服务天数/年"), min_value=0, max_value=366)
    capacity = forms.IntegerField(label=_("可服务企业数"), min_value=0, max_value=20)

    def clean_keywords(self):
        return _words(self.cleaned_data["keywords"])


KINDS = [(Talent.Kind.INDIVIDUAL.value, _("个人")), (Talent.Kind.TEAM.value, _("团队")),
         (Talent.Kind.LEGAL.value, _("法人（法人科技特派员）"))]
PROGRAMME_CHOICES = list(PROGRAMMES.items())
FIELD_CHOICES = [(f, f) for f in PROFILE_FIELDS]


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.region.name}）"


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name or obj.username}（{obj.username}）"


class TalentForm(BilingualForm):
    """An official registers a talent of their area in the pool, or edits one (人才库)."""

    name = forms.CharField(label=_("姓名/团队名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=KINDS, initial=Talent.Kind.INDIVIDUAL.value)
    home_unit = UnitChoiceField(label=_("派出单位（本辖区内的单位）"), queryset=None, empty_label=_("请选择"))
    title = forms.CharField(label=_("职称"), required=False, max_length=40)
    degree = forms.CharField(label=_("学历"), required=False, max_length=20)
    fields = forms.MultipleChoiceField(label=_("领域"), choices=FIELD_CHOICES,
                                       widget=forms.SelectMultiple(attrs={"size": 6}))
    keywords = forms.CharField(label=_("关键词（逗号分隔）"), required=False, max_length=300)
    programmes = forms.MultipleChoiceField(label=_("所属计划"), choices=PROGRAMME_CHOICES,
                                           widget=forms.SelectMultiple(attrs={"size": 5}))
    capacity = forms.IntegerField(label=_("可服务企业数"), min_value=0, max_value=20, initial=1)
    availability_days = forms.IntegerField(label=_("可服务天数/年"), min_value=0, max_value=366, initial=30)
    user = AccountChoiceField(label=_("关联账号（个人人才，可不选）"), queryset=None, required=False,
                              empty_label=_("暂不关联"),
                              help_text=_("人才要登录填写服务日志，需先在“账号管理 → 新建账号”中建立角色为“个人人才”的账号，再在此处关联。"))

    def __init__(self, *args, actor, talent=None, **kwargs):
        from .services import linkable_users, register_units

        if talent is not None and "initial" not in kwargs:
            kwargs["initial"] = {"name": talent.name, "kind": talent.kind, "home_unit": talent.home_unit_id,
                                 "title": talent.title, "degree": talent.degree, "fields": talent.fields,
                                 "keywords": "，".join(talent.keywords), "programmes": talent.programmes,
                                 "capacity": talent.capacity, "availability_days": talent.availability_days,
                                 "user": talent.user_id}
        super().__init__(*args, **kwargs)
        units = register_units(actor).order_by("region__code", "name")
        if talent is not None:  # keep the current unit selectable even if it left the list
            from countyinno.accounts.models import Organisation

            units = (units | Organisation.objects.filter(pk=talent.home_unit_id)).order_by("region__code", "name")
        self.fields["home_unit"].queryset = units.select_related("region")
        self.fields["user"].queryset = linkable_users(actor, talent)

    def clean_keywords(self):
        return _words(self.cleaned_data["keywords"])


# ------------------------------------------------------------------ workstations
class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


ACCEPT = {"accept": "application/pdf,image/jpeg,image/png"}


class MaterialsMixin(forms.Form):
    def materials(self) -> list[tuple[str, object]]:
        d = self.cleaned_data
        out = [(kind, d[kind]) for kind in ("agreement", "expert") if d.get(kind)]
        return out + [("other", f) for f in d.get("other") or []]


class WorkstationForm(MaterialsMixin, BilingualForm):
    kind = forms.ChoiceField(label=_("工作站类型"), choices=WorkstationApplication.Kind.choices)
    expert_name = forms.CharField(label=_("进站院士/专家姓名"), max_length=100)
    expert_unit = forms.CharField(label=_("院士/专家所在单位"), required=False, max_length=100)
    expert_retired = forms.BooleanField(label=_("院士/专家已退休"), required=False)
    other_stations = forms.IntegerField(label=_("已在其他工作站数"), min_value=0, max_value=20, initial=0)
    months_per_year = forms.DecimalField(label=_("每年在站月数"), max_digits=3, decimal_places=1, min_value=Decimal("0.1"),
                                         max_value=12, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    agreement = forms.FileField(label=_("合作协议（PDF/JPEG/PNG，≤5 MB）"), widget=forms.ClearableFileInput(attrs=dict(ACCEPT)))
    expert = forms.FileField(label=_("院士/专家进站承诺及简历（PDF/JPEG/PNG，≤5 MB）"),
                             widget=forms.ClearableFileInput(attrs=dict(ACCEPT)))
    other = MultipleFileField(label=_("其他证明材料（可多选）"), required=False, widget=MultipleFileInput(attrs=dict(ACCEPT)))


class ResubmitForm(MaterialsMixin, BilingualForm):
    months_per_year = forms.DecimalField(label=_("每年在站月数"), max_digits=3, decimal_places=1, min_value=Decimal("0.1"),
                                         max_value=12, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    other_stations = forms.IntegerField(label=_("已在其他工作站数"), min_value=0, max_value=20)
    agreement = forms.FileField(label=_("更换合作协议（可不传）"), required=False, widget=forms.ClearableFileInput(attrs=dict(ACCEPT)))
    expert = forms.FileField(label=_("更换院士/专家进站承诺及简历（可不传）"), required=False,
                             widget=forms.ClearableFileInput(attrs=dict(ACCEPT)))
    other = MultipleFileField(label=_("补充材料（可多选）"), required=False, widget=MultipleFileInput(attrs=dict(ACCEPT)))


class ReviewForm(BilingualForm):
    approve = forms.TypedChoiceField(label=_("审核结论"), coerce=lambda v: v == "1", choices=[("1", _("通过")), ("0", _("退回"))])
    comment = forms.CharField(label=_("审核意见（退回必填）"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))


MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class PublicityForm(BilingualForm):
    month = forms.CharField(label=_("公布月份"), required=False, max_length=7,
                            widget=forms.TextInput(attrs={"type": "month"}))

    def clean_month(self):
        value = self.cleaned_data["month"]
        if not value:
            return None
        match = MONTH.match(value)
        if not match or not 2000 <= int(match[1]) <= 2100 or not 1 <= int(match[2]) <= 12:
            raise ValidationError(bilingual("月份格式应为 年-月，如 2026-11", "the month reads year-month, e.g. 2026-11"))
        return datetime.date(int(match[1]), int(match[2]), 1)


# ------------------------------------------------------------------ list filters
class BilingualFilterSet(django_filters.FilterSet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bilingual_messages(self.form.fields.values())


class AssessmentFilter(BilingualFilterSet):
    GRADES = [("优秀", _("优秀")), ("良好", _("良好")), ("合格", _("合格")), ("不合格", _("不合格"))]
    year = django_filters.NumberFilter(label=_("年度"), min_value=2000, max_value=2100)
    grade = django_filters.ChoiceFilter(label=_("等次"), choices=GRADES, lookup_expr="startswith")
    name = django_filters.CharFilter(label=_("姓名"), field_name="talent__name", lookup_expr="icontains", max_length=50)

    class Meta:
        model = Assessment
        fields = ["year", "grade", "name"]


class WorkstationFilter(BilingualFilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=WorkstationApplication.Status.choices)
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=WorkstationApplication.Kind.choices)

    class Meta:
        model = WorkstationApplication
        fields = ["status", "kind"]


class EvaluationFilter(BilingualFilterSet):
    EVALUATED = [("no", _("待评价")), ("yes", _("已评价"))]
    year = django_filters.NumberFilter(label=_("年度"), field_name="plan__year", min_value=2000, max_value=2100)
    evaluated = django_filters.ChoiceFilter(label=_("评价情况"), choices=EVALUATED, method="by_evaluated")

    def by_evaluated(self, queryset, name, value):
        return queryset.filter(county_score__isnull=value == "no")


class TalentFilter(BilingualFilterSet):
    name = django_filters.CharFilter(label=_("姓名"), lookup_expr="icontains", max_length=50)
    unit = django_filters.CharFilter(label=_("派出单位"), field_name="home_unit__name", lookup_expr="icontains",
                                     max_length=100)
    field = django_filters.ChoiceFilter(label=_("领域"), choices=FIELD_CHOICES, method="by_list")
    programme = django_filters.ChoiceFilter(label=_("所属计划"), choices=PROGRAMME_CHOICES, method="by_list")

    def by_list(self, queryset, name, value):
        """JSON list membership differs between SQLite and PostgreSQL; the pool is small enough to test here."""
        column = "fields" if name == "field" else "programmes"
        pks = [pk for pk, values in queryset.values_list("pk", column) if value in (values or [])]
        return queryset.filter(pk__in=pks)

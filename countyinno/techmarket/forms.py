"""Every parameter a market page reads: forms for what people type, FilterSets for lists. A bad value is a
bilingual message beside its field, never a server error; forms keep what was typed."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError

from countyinno.core.errors import bilingual

from .models import Listing
from .services import rules

REQUIRED = bilingual("必填", "required")
NUMBER = bilingual("请输入数字", "enter a number")
CHOICE = bilingual("请从列表中选择", "choose one of the listed values")
DATE = bilingual("日期格式应为 YYYY-MM-DD", "enter a date as YYYY-MM-DD")
WHOLE = bilingual("请输入整数", "enter a whole number")


def _msgs(**extra) -> dict:
    messages = {"required": REQUIRED, "invalid": NUMBER, "invalid_choice": CHOICE, "invalid_list": CHOICE,
                "max_length": bilingual("内容过长（最多 %(limit_value)d 字）", "too long (at most %(limit_value)d characters)"),
                "min_value": bilingual("不能小于 %(limit_value)s", "must be at least %(limit_value)s"),
                "max_value": bilingual("不能大于 %(limit_value)s", "must be at most %(limit_value)s"),
                "max_digits": bilingual("数值过大", "the number is too large"),
                "max_decimal_places": bilingual("最多两位小数", "at most 2 decimal places"),
                "max_whole_digits": bilingual("数值过大", "the number is too large")}
    messages.update(extra)
    return messages


def _date_field(label, required=False):
    return forms.DateField(label=label, required=required, error_messages=_msgs(invalid=DATE),
                           widget=forms.DateInput(attrs={"type": "date"}))


def _money(label):
    return forms.DecimalField(label=label, required=False, min_value=0, max_digits=12, decimal_places=2,
                              error_messages=_msgs())


TRL_CHOICES = [(n, f"{n} — {text}") for n, text in enumerate(
    ["基本原理", "技术概念", "概念验证", "实验室验证", "相关环境验证", "相关环境演示", "实际环境演示", "定型试验", "实际运行"],
    start=1)]

INDICATOR_ROWS = 3


class ListingForm(forms.Form):
    """科技成果 / 技术需求: one form for filing and for editing a draft or rejected listing."""

    title = forms.CharField(label="标题", max_length=200, error_messages=_msgs())
    summary = forms.CharField(label="一句话简介", max_length=300, error_messages=_msgs())
    public_description = forms.CharField(label="公开描述", widget=forms.Textarea(attrs={"rows": 4}), error_messages=_msgs())
    confidential_detail = forms.CharField(label="保密内容（仅授权方可见）", required=False,
                                          widget=forms.Textarea(attrs={"rows": 2}))
    keywords = forms.CharField(label="关键词（逗号分隔）", required=False, max_length=300, error_messages=_msgs())
    field = forms.ChoiceField(label="技术领域", error_messages=_msgs())
    industry = forms.ChoiceField(label="行业门类", error_messages=_msgs())
    valid_until = _date_field("有效期至（空为默认一年）")
    # 科技成果
    trl = forms.TypedChoiceField(label="技术成熟度 TRL", coerce=int, choices=TRL_CHOICES, error_messages=_msgs())
    price = _money("价格（万元，空为面议）")
    transfer_modes = forms.MultipleChoiceField(label="转化方式", required=False, widget=forms.CheckboxSelectMultiple,
                                               error_messages=_msgs())
    # 技术需求
    budget_min = _money("预算下限（万元）")
    budget_max = _money("预算上限（万元）")
    deadline = _date_field("截止日期")
    tender = forms.BooleanField(label="揭榜挂帅", required=False)
    hide_company = forms.BooleanField(label="隐藏企业名称", required=False)
    submit_now = forms.BooleanField(label="保存后提交审核", required=False, initial=True)

    ACHIEVEMENT_ONLY = ("trl", "price", "transfer_modes")
    DEMAND_ONLY = ("budget_min", "budget_max", "deadline", "tender", "hide_company")

    def __init__(self, *args, kind: str, listing: Listing | None = None, **kwargs):
        if listing is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(listing)
        super().__init__(*args, **kwargs)
        self.kind = kind
        p = rules()
        self.fields["field"].choices = [(f, f) for f in p["fields"]]
        self.fields["industry"].choices = [(k, f"{k} {v}") for k, v in p["industry_sections"].items()]
        self.fields["transfer_modes"].choices = list(p["transfer_modes"].items())
        for name in (self.DEMAND_ONLY if kind == Listing.Kind.ACHIEVEMENT else self.ACHIEVEMENT_ONLY):
            del self.fields[name]
        if listing is not None:
            self.fields["submit_now"].label = "保存后重新提交审核"
        source = self.data if self.is_bound else None
        if source is not None and hasattr(source, "getlist"):
            names, targets, units = (source.getlist(f"indicator_{k}") for k in ("name", "target", "unit"))
            self.indicator_rows = [{"name": n.strip(), "target": t.strip(), "unit": u.strip()}
                                   for n, t, u in zip(names, targets, units)]
        else:
            self.indicator_rows = list((listing.indicators if listing is not None else []) or [])
        while len(self.indicator_rows) < INDICATOR_ROWS:
            self.indicator_rows.append({"name": "", "target": "", "unit": ""})
        self.indicator_errors: list[str] = []

    @staticmethod
    def initial_for(listing: Listing) -> dict:
        initial = {name: getattr(listing, name) for name in (
            "title", "summary", "public_description", "confidential_detail", "field", "industry", "valid_until",
            "trl", "price", "transfer_modes", "budget_min", "budget_max", "deadline", "tender", "hide_company")}
        initial["keywords"] = "，".join(listing.keywords or [])
        return initial

    def clean_keywords(self):
        raw = self.cleaned_data.get("keywords") or ""
        return [w.strip() for w in raw.replace("，", ",").replace("、", ",").split(",") if w.strip()]

    def clean_valid_until(self):
        value = self.cleaned_data.get("valid_until")
        if value is not None and value < datetime.date.today():
            raise ValidationError(bilingual("有效期已过", "the validity date has passed"))
        return value

    def clean(self):
        cleaned = super().clean()
        if self.kind == Listing.Kind.DEMAND:
            rows = []
            for i, row in enumerate(self.indicator_rows):
                if not (row.get("name") or row.get("target") or row.get("unit")):
                    continue
                if not row.get("name") or not row.get("target"):
                    self.indicator_errors.append(bilingual(f"第 {i + 1} 项技术指标须有名称和目标值",
                                                           f"indicator {i + 1} needs a name and a target"))
                rows.append(row)
            cleaned["indicators"] = rows
            if self.indicator_errors:
                self.add_error(None, self.indicator_errors)
            low, high = cleaned.get("budget_min"), cleaned.get("budget_max")
            if low is not None and high is not None and low > high:
                self.add_error("budget_max", bilingual("预算上限低于下限", "the budget's upper end is below its lower end"))
        return cleaned

    def payload(self) -> dict:
        """The values for services.create_listing / update_listing."""
        d = self.cleaned_data
        data = {name: d[name] for name in ("title", "summary", "public_description", "confidential_detail",
                                           "keywords", "field", "industry") if name in d}
        data = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
        if d.get("valid_until"):
            data["valid_until"] = d["valid_until"]
        if self.kind == Listing.Kind.ACHIEVEMENT:
            data.update(trl=d["trl"], price=d.get("price"), transfer_modes=list(d.get("transfer_modes") or []))
        else:
            data.update(budget_min=d.get("budget_min"), budget_max=d.get("budget_max"), deadline=d.get("deadline"),
                        tender=d.get("tender", False), hide_company=d.get("hide_company", False),
                        indicators=d.get("indicators", []))
        return data

    def add_service_errors(self, exc: ValidationError) -> None:
        """A service's per-field refusals shown beside the fields they are about."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for name, messages in exc.message_dict.items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, messages)
            elif name not in self.fields:
                label = {"indicators": "技术指标", "market_node": "所属市场", "kind": "类型"}.get(name)
                self.add_error(None, [f"{label}：{m}" if label else m for m in messages])


class _FieldChoices:
    """Choices read from the market rule set when the form is built (they follow rule changes)."""

    @staticmethod
    def fields():
        return [(f, f) for f in rules()["fields"]]

    @staticmethod
    def sections():
        return [(k, f"{k} {v}") for k, v in rules()["industry_sections"].items()]


class ListingFilter(django_filters.FilterSet):
    """The market list: search words, kind, field and industry. Bad values are form errors, ignored."""

    q = django_filters.CharFilter(label="搜索", method="skip", max_length=100,
                                  error_messages=_msgs())
    kind = django_filters.ChoiceFilter(label="类型", choices=Listing.Kind.choices, empty_label="全部",
                                       error_messages=_msgs())
    field = django_filters.ChoiceFilter(label="领域", choices=[], empty_label="全部", error_messages=_msgs())
    industry = django_filters.ChoiceFilter(label="行业门类", choices=[], empty_label="全部", error_messages=_msgs())

    class Meta:
        model = Listing
        fields = ["q", "kind", "field", "industry"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["field"].extra["choices"] = _FieldChoices.fields()
        self.filters["industry"].extra["choices"] = _FieldChoices.sections()
        self.form.fields["q"].widget.attrs.update(placeholder="如：锂电池 检测", type="search")

    def skip(self, queryset, name, value):
        return queryset  # the words go to the search index, not to the database

    def value(self, name: str) -> str:
        """A cleaned value ('' when missing or invalid)."""
        self.is_valid()
        return (getattr(self.form, "cleaned_data", None) or {}).get(name) or ""


class BulletinForm(forms.Form):
    """Which monthly bulletin: year, month (1–12), field, kind, format."""

    year = forms.IntegerField(label="年", min_value=2000, max_value=2100, required=False, error_messages=_msgs(invalid=WHOLE))
    month = forms.IntegerField(label="月", min_value=1, max_value=12, required=False, error_messages=_msgs(invalid=WHOLE))
    field = forms.ChoiceField(label="领域", required=False, error_messages=_msgs())
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部")] + list(Listing.Kind.choices),
                             error_messages=_msgs())
    format = forms.ChoiceField(label="格式", required=False, choices=[("", "网页"), ("atom", "Atom"), ("pdf", "PDF")],
                               error_messages=_msgs())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [("", "全部")] + _FieldChoices.fields()

    def period(self):
        today = datetime.date.today()
        d = self.cleaned_data
        return d.get("year") or today.year, d.get("month") or today.month


class MessageForm(forms.Form):
    body = forms.CharField(label="消息", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages=_msgs())


class InterestForm(forms.Form):
    body = forms.CharField(label="意向说明", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages=_msgs(),
                           initial="我单位对该条目有合作意向，希望进一步洽谈。")
    source = forms.IntegerField(required=False, widget=forms.HiddenInput, error_messages=_msgs(invalid=WHOLE))


class CloseForm(forms.Form):
    reason = forms.CharField(label="结束原因", max_length=300, error_messages=_msgs())


class ReconfirmForm(forms.Form):
    valid_until = _date_field("有效期延至（可不填）")


class SubscriptionForm(forms.Form):
    field = forms.ChoiceField(label="领域", required=False, error_messages=_msgs())
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部")] + list(Listing.Kind.choices),
                             error_messages=_msgs())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [("", "全部")] + _FieldChoices.fields()

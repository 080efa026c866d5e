"""Forms of the contracts pages: every parameter a page reads is parsed here (bad values are messages, never 500s)."""

import datetime
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from countyinno.accounts.models import Organisation
from countyinno.core.errors import bilingual
from countyinno.engines.identifiers import id_number_problem, organisation_code_problem
from countyinno.engines.rules import ruleset_for

from .models import TechContract

CATEGORY_CHOICES = TechContract.Category.choices
COST_FIELDS = ("equipment", "instruments", "parts", "raw_materials")


def subtype_choices():
    """Sub-types of the rule set in force today (the form follows rule changes without code edits)."""
    params = ruleset_for("contracts", datetime.date.today()).params
    return [(key, f"{cat['name']} · {name}") for cat in params["categories"].values()
            for key, name in cat["subtypes"].items()]


def organisation_code(value: str) -> str | None:
    """A pre-2015 组织机构代码 (GB 11714) in its written form "XXXXXXXX-X", or None when not valid
    (the check is the engines' own, `identifiers.organisation_code_problem`)."""
    text = value.strip().upper().replace("-", "")
    return f"{text[:8]}-{text[8]}" if organisation_code_problem(value) is None else None


def id_number_ok(value: str) -> bool:
    """公民身份号码 (GB 11643): 17 digits and a check character (the engines' check)."""
    return id_number_problem(value) is None


def decimal_text(value: Decimal) -> str:
    """An exact amount as plain decimal text for the engine ("120", "0.3"; never "1E+2")."""
    return format(value, "f")


def money(label: str, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=required, min_value=0, max_digits=18, decimal_places=6,
                              error_messages={"invalid": bilingual("请输入金额（万元），如 12.5", "enter an amount in 万元, e.g. 12.5"),
                                              "max_decimal_places": bilingual("最多 6 位小数", "at most 6 decimal places"),
                                              "max_digits": bilingual("金额过大", "amount too large"),
                                              "min_value": bilingual("金额不能为负", "the amount cannot be negative")})


def date_field(label: str, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required,
                           widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
                           error_messages={"invalid": bilingual("请输入日期，如 2026-03-15", "enter a date, e.g. 2026-03-15")})


class ContractForm(forms.Form):
    point = forms.ModelChoiceField(label="登记点", queryset=None)
    project_name = forms.CharField(label="项目名称", max_length=300)
    category = forms.ChoiceField(label="合同类别", choices=CATEGORY_CHOICES)
    subtype = forms.ChoiceField(label="子类", choices=())
    exclusivity = forms.ChoiceField(label="许可方式", required=False,
                                    choices=[("", "—"), ("exclusive", "独占"), ("sole", "排他"), ("ordinary", "普通")])
    signed_on = date_field("签订日期")
    valid_from = date_field("生效日期（默认签订日）", required=False)
    valid_to = date_field("有效期至", required=False)
    buyer_type = forms.ChoiceField(label="买方类型", choices=[("organisation", "单位"), ("person", "自然人")],
                                   initial="organisation")
    buyer_name = forms.CharField(label="买方名称（姓名）", max_length=200)
    buyer_credit_code = forms.CharField(label="买方统一社会信用代码或组织机构代码", required=False, max_length=20,
                                        help_text="自然人免填；2015 年前签订的合同可填 9 位组织机构代码")
    buyer_id_number = forms.CharField(label="买方身份证号码（自然人）", required=False, max_length=18)
    buyer_area_code = forms.RegexField(label="买方行政区划代码", regex=r"^\d{6}$",
                                       error_messages={"invalid": bilingual("行政区划代码为 6 位数字，如 370783",
                                                                            "an area code is 6 digits, e.g. 370783")})
    technical_field = forms.CharField(label="技术领域", required=False, max_length=40)
    total_amount = money("合同总额（万元）")
    equipment = money("设备费（万元）", required=False)
    instruments = money("仪器费（万元）", required=False)
    parts = money("零部件（万元）", required=False)
    raw_materials = money("原材料（万元）", required=False)
    ip_number = forms.CharField(label="知识产权编号", required=False, max_length=60)
    ip_expires_on = date_field("知识产权到期日", required=False)
    agency = forms.ModelChoiceField(label="中介机构（技术转移服务机构，需其确认）", required=False, queryset=None,
                                    empty_label="— 无 —")
    related_party = forms.BooleanField(label="关联交易", required=False)
    listing = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, points=None, seller=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["point"].queryset = points
        self.fields["subtype"].choices = subtype_choices()
        agencies = Organisation.objects.filter(kind=Organisation.Kind.AGENCY, is_active=True).select_related("region")
        if seller is not None:
            agencies = agencies.filter(region__province_id=seller.region.province_id).exclude(pk=seller.pk)
        self.fields["agency"].queryset = agencies.order_by("region__code", "name")
        self.fields["agency"].label_from_instance = lambda o: f"{o.name}（{o.region.name}）"

    def clean_buyer_credit_code(self):
        value = (self.cleaned_data.get("buyer_credit_code") or "").strip().upper().replace(" ", "")
        if not value or len(value) == 18:
            return value  # the engine checks a credit code's check character (rule C13)
        code = organisation_code(value)
        if code is None:
            raise ValidationError(bilingual("应为 18 位统一社会信用代码或 9 位组织机构代码（如 12345678-5）",
                                            "enter an 18-character credit code or a 9-character organisation code"))
        return code

    def clean_buyer_id_number(self):
        value = (self.cleaned_data.get("buyer_id_number") or "").strip().upper()
        if value and not id_number_ok(value):
            raise ValidationError(bilingual("身份证号码应为 18 位且校验位正确", "an ID number has 18 characters with a valid check character"))
        return value

    def clean(self):
        d = super().clean()
        if d.get("buyer_type") == "organisation" and "buyer_credit_code" in d and not d["buyer_credit_code"]:
            self.add_error("buyer_credit_code", bilingual("单位买方须填写统一社会信用代码或组织机构代码",
                                                          "an organisation needs its credit code or organisation code"))
        if d.get("buyer_type") == "person":
            d["buyer_credit_code"] = ""
            if "buyer_id_number" in d and not d["buyer_id_number"]:
                self.add_error("buyer_id_number", bilingual("自然人买方须填写身份证号码", "a natural person needs an ID number"))
        else:
            d["buyer_id_number"] = ""
        total = d.get("total_amount")
        costs = sum((d.get(k) or Decimal(0) for k in COST_FIELDS), Decimal(0))
        if total is not None and costs > total:  # exact: 0.1 + 0.2 of costs fit a total of 0.3
            self.add_error("total_amount", bilingual(f"非技术性费用合计 {costs} 万元超过合同总额 {total} 万元",
                                                     f"non-technical costs {costs} exceed the total {total}"))
        if d.get("signed_on") and d.get("valid_from") and d["valid_from"] < d["signed_on"]:
            self.add_error("valid_from", bilingual("生效日期不能早于签订日期", "a contract cannot take effect before it is signed"))
        return d

    def payload(self) -> dict:
        """The engine's input: amounts as exact decimal text (JSON has no decimals; floats would round)."""
        d = self.cleaned_data
        costs = {k: decimal_text(d[k]) for k in COST_FIELDS if d.get(k)}
        code = d["buyer_credit_code"]
        if d["buyer_type"] == "person":
            buyer = {"type": "person", "name": d["buyer_name"], "id_number": d["buyer_id_number"]}
        elif "-" in code:  # a pre-2015 organisation code
            buyer = {"type": "organisation", "name": d["buyer_name"], "organisation_code": code}
        else:
            buyer = {"type": "organisation", "name": d["buyer_name"], "credit_code": code}
        buyer["area_code"] = d["buyer_area_code"]
        payload = {"project_name": d["project_name"], "category": d["category"], "subtype": d["subtype"],
                   "signed_on": d["signed_on"].isoformat(),
                   "valid_from": (d.get("valid_from") or d["signed_on"]).isoformat(), "buyer": buyer,
                   "technical_field": d["technical_field"], "total_amount": decimal_text(d["total_amount"]),
                   "non_technical_costs": costs, "related_party": d["related_party"], "form": "written"}
        if d.get("valid_to"):
            payload["valid_to"] = d["valid_to"].isoformat()
        if d.get("exclusivity"):
            payload["exclusivity"] = d["exclusivity"]
        if d.get("ip_number"):
            payload["ip"] = {"number": d["ip_number"], "status": "valid"}
            if d.get("ip_expires_on"):
                payload["ip"]["expires_on"] = d["ip_expires_on"].isoformat()
        if d.get("agency"):
            agency = d["agency"]
            payload["agency"] = {"id": agency.pk, "name": agency.name, "credit_code": agency.credit_code or ""}
        return payload

    @classmethod
    def initial_from(cls, contract: TechContract) -> dict:
        """The form as the applicant filled it, to correct a returned or flagged application."""
        p = contract.payload or {}
        buyer = p.get("buyer") or {}
        costs = p.get("non_technical_costs") or {}
        ip = p.get("ip") or {}
        initial = {"point": contract.point_id, "project_name": contract.project_name, "category": contract.category,
                   "subtype": contract.subtype, "exclusivity": p.get("exclusivity", ""),
                   "signed_on": contract.signed_on, "valid_from": p.get("valid_from"), "valid_to": p.get("valid_to"),
                   "buyer_type": "person" if buyer.get("type") == "person" else "organisation",
                   "buyer_name": contract.buyer_name, "buyer_credit_code": contract.buyer_credit_code,
                   "buyer_id_number": buyer.get("id_number", ""),
                   "buyer_area_code": contract.buyer_area_code, "technical_field": contract.technical_field,
                   "total_amount": decimal_text(contract.total_amount.normalize()), "ip_number": ip.get("number", ""),
                   "ip_expires_on": ip.get("expires_on"), "agency": contract.agency_id,
                   "related_party": bool(p.get("related_party"))}
        initial.update({k: v for k, v in costs.items() if k in COST_FIELDS})
        return initial


class PrefillForm(forms.Form):
    """GET parameters that pre-fill an application from the technology market (docs/contracts.md)."""

    seller = forms.IntegerField(required=False, min_value=1)
    buyer_name = forms.CharField(required=False, max_length=200)
    buyer_credit_code = forms.CharField(required=False, max_length=20)
    buyer_area_code = forms.RegexField(required=False, regex=r"^\d{6}$")
    project_name = forms.CharField(required=False, max_length=300)
    category = forms.ChoiceField(required=False, choices=[("", "")] + CATEGORY_CHOICES)
    technical_field = forms.CharField(required=False, max_length=40)
    listing = forms.IntegerField(required=False, min_value=1)

    def prefill(self) -> dict:
        """What may pre-fill the application (only valid values; the rest is dropped with a message)."""
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in (None, "") and k != "seller"}


class DecisionForm(forms.Form):
    reason = forms.CharField(label="理由", required=False, max_length=500)


class ExcludeForm(forms.Form):
    kind = forms.ChoiceField(label="标记为", choices=TechContract.Exclusion.choices)
    note = forms.CharField(label="说明", max_length=500)


class PaymentForm(forms.Form):
    paid_on = date_field("到账日期")
    amount = money("金额（万元）")


class YearForm(forms.Form):
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100,
                              error_messages={"invalid": bilingual("年度应为四位数字", "the year is four digits"),
                                              "min_value": bilingual("年度超出范围", "year out of range"),
                                              "max_value": bilingual("年度超出范围", "year out of range")})


class ContractFilter(YearForm):
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + TechContract.Status.choices,
                               error_messages={"invalid_choice": bilingual("无此状态", "no such status")})


class VerifyForm(forms.Form):
    number = forms.RegexField(label="登记编号", regex=r"^\d{14}$",
                              error_messages={"invalid": bilingual("登记编号为 14 位数字", "a registration number is 14 digits")})
    code = forms.RegexField(label="核验码", regex=r"^[0-9A-Za-z]{10}$",
                            error_messages={"invalid": bilingual("核验码为 10 位字母或数字", "the code is 10 letters or digits")})


class PointForm(forms.Form):
    region = forms.ModelChoiceField(label="所在地区", queryset=None)
    code = forms.RegexField(label="登记点代码（两位数字）", regex=r"^\d{2}$",
                            error_messages={"invalid": bilingual("登记点代码为两位数字", "the point code is two digits")})
    name = forms.CharField(label="名称", max_length=200)

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions


class StaffForm(forms.Form):
    staff = forms.ModelMultipleChoiceField(label="登记点人员", queryset=None, required=False,
                                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = candidates
        self.fields["staff"].label_from_instance = lambda u: f"{u}（{u.organisation or u.region or ''}）"

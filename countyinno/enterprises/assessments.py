"""Self-assessments on an enterprise's own figures: 高新技术企业, 科技型中小企业 and 研发费用加计扣除.

Each kind has a form pre-filled from the firm's yearly figures (the user may adjust every input), the
engine input built from the form in exact Decimals, and a `Report` that says the result in words: the
verdict (通过 / 未通过 / 临界) with a sentence why, the score or its range, every condition with its value
and requirement (labels with units, percentages as percentages), each failed condition explained and
what to improve. Nothing here writes: an assessment changes no state.

The rule engines are called through their public `assess` functions; their numbers may be floats or
Decimals, and every value is formatted here, so a person never sees a Python dict, list or boolean.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from countyinno.core.errors import bilingual
from countyinno.engines.rules import hightech, ruleset_for, superdeduction, tsme
from countyinno.engines.rules import common as rules_common
from countyinno.engines.rules.common import RuleInputError
from countyinno.engines.rules.rulesets import RuleSetError

from .models import Certificate, Enterprise, EnterpriseYear

ZERO = Decimal(0)
HUNDRED = Decimal(100)
INTEGER_LIMIT = 2_147_483_647
# The engines' input refusals (RuleInputError, or the shared base class of every engine's refusals).
INPUT_ERRORS = (RuleInputError, getattr(rules_common, "EngineInputError", RuleInputError))


# ------------------------------------------------------------------ formatting for people

def dec(value) -> Decimal | None:
    """Any engine number (int, float, Decimal, numeric text) as a Decimal; None when it is not a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def number(value, places: int = 2) -> str:
    """1234.5 → "1,234.5"; 3000 → "3,000"; at most `places` decimals, trailing zeros dropped."""
    d = dec(value)
    if d is None or not d.is_finite():
        return "—"
    text = f"{d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def money(value) -> str:
    return _("%(n)s 万元") % {"n": number(value, 2)}


def percent(ratio, places: int = 2) -> str:
    d = dec(ratio)
    return "—" if d is None else f"{number(d * HUNDRED, places)}%"


def people(value) -> str:
    return _("%(n)s 人") % {"n": number(value, 0)}


def items(value) -> str:
    return _("%(n)s 项") % {"n": number(value, 1)}


def points(value) -> str:
    return _("%(n)s 分") % {"n": number(value, 2)}


def yes_no(value) -> str:
    return _("是") if value else _("否")


def humanize(value) -> str:
    """Last resort for an engine value this module does not know: words, never Python syntax."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, (int, float, Decimal, Fraction)):
        return number(value, 4)
    if isinstance(value, dict):
        return "；".join(humanize(v) for v in value.values() if v is not None) or "—"
    if isinstance(value, (list, tuple)):
        if len(value) == 2 and all(dec(v) is not None for v in value):
            return f"{number(value[0])}–{number(value[1])}"
        return "、".join(humanize(v) for v in value) or "—"
    return str(value).replace(">=", "≥").replace("<=", "≤")


def in_language(text) -> str:
    """The part of an engine's bilingual "中文 / English" message for the reader's language."""
    text = humanize(text)
    if " / " not in text:
        return text
    zh, en = text.split(" / ", 1)
    return en if (get_language() or "zh").startswith("en") else zh


def verdict_label(code) -> str:
    return {"PASS": _("通过"), "FAIL": _("未通过"), "BORDERLINE": _("临界")}.get(str(code).upper(), _("未评估"))


# ------------------------------------------------------------------ the result in words

@dataclass
class Row:
    name: str
    passed: bool | None  # None: informational, no pass/fail
    value: str
    required: str = ""

    @property
    def result(self) -> str:
        return "" if self.passed is None else (_("满足") if self.passed else _("不满足"))


@dataclass
class Report:
    kind: str
    title: str
    verdict: str | None = None  # PASS / FAIL / BORDERLINE (None: could not be assessed)
    why: str = ""
    score: str = ""
    rows: list[Row] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)  # {"name", "why"}
    improvements: list[str] = field(default_factory=list)
    ruleset: str = ""
    error: str = ""

    @property
    def verdict_label(self) -> str:
        return verdict_label(self.verdict)

    def as_dict(self) -> dict:
        """For the API: codes for machines, words for people."""
        return {"kind": self.kind, "title": self.title, "verdict": self.verdict, "verdict_label": self.verdict_label,
                "why": self.why, "score": self.score, "ruleset": self.ruleset, "error": self.error,
                "conditions": [{"name": r.name, "passed": r.passed, "result": r.result, "value": r.value,
                                "required": r.required} for r in self.rows],
                "failures": self.failures, "improvements": self.improvements}


def _ruleset_text(result: dict) -> str:
    rs = result.get("ruleset") or {}
    if isinstance(rs, dict):
        return " · ".join(str(rs[k]) for k in ("title", "source") if rs.get(k))
    return str(rs)


def _problems_as_form_errors(form, exc: Exception, field_map: dict) -> None:
    """An engine's refusal of its input, shown beside the form field it concerns (or above the form)."""
    problems = getattr(exc, "problems", None) or []
    if not problems:
        form.add_error(None, str(exc))
    for problem in problems:
        where = str(getattr(problem, "field", None) or getattr(problem, "where", "") or "")
        name = field_map.get(where) or next((f for key, f in field_map.items() if where.startswith(key + ".")), None)
        zh, en = getattr(problem, "message_zh", None), getattr(problem, "message_en", None)
        message = bilingual(zh, en) if zh and en else str(getattr(problem, "message", problem))
        form.add_error(name if name in form.fields else None, message)


# ------------------------------------------------------------------ form fields with bilingual messages

NUMBER_ERRORS = {
    "required": bilingual("必填", "required"),
    "invalid": bilingual("请输入数字", "enter a number"),
    "min_value": bilingual("不能小于 %(limit_value)s", "must not be below %(limit_value)s"),
    "max_value": bilingual("不能大于 %(limit_value)s", "must not be above %(limit_value)s"),
    "max_digits": bilingual("数值过大（最多 %(max)s 位数字）", "too many digits (at most %(max)s)"),
    "max_decimal_places": bilingual("最多 %(max)s 位小数", "at most %(max)s decimal places"),
    "max_whole_digits": bilingual("数值过大（整数部分最多 %(max)s 位）", "too large (at most %(max)s digits)"),
}
INTEGER_ERRORS = dict(NUMBER_ERRORS, invalid=bilingual("请输入整数", "enter a whole number"))
DATE_ERRORS = {"required": bilingual("必填", "required"),
               "invalid": bilingual("日期格式应为 YYYY-MM-DD", "dates are YYYY-MM-DD")}
CHOICE_ERRORS = {"required": bilingual("必填", "required"),
                 "invalid_choice": bilingual("请从列表中选择", "choose one of the options")}


def money_field(label, required=True, minimum=ZERO):
    return forms.DecimalField(label=f"{label}（万元）", required=required, min_value=minimum, max_digits=16,
                              decimal_places=4, error_messages=NUMBER_ERRORS,
                              widget=forms.TextInput(attrs={"inputmode": "decimal"}))


def count_field(label, unit, minimum=0, required=True):
    return forms.IntegerField(label=f"{label}（{unit}）", required=required, min_value=minimum, max_value=INTEGER_LIMIT,
                              error_messages=INTEGER_ERRORS, widget=forms.TextInput(attrs={"inputmode": "numeric"}))


def percent_field(label, required=True):
    return forms.DecimalField(label=f"{label}（%）", required=required, min_value=ZERO, max_value=HUNDRED,
                              max_digits=6, decimal_places=2, error_messages=NUMBER_ERRORS,
                              widget=forms.TextInput(attrs={"inputmode": "decimal"}))


def date_field(label):
    return forms.DateField(label=label, error_messages=DATE_ERRORS,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


def flag_field(label):
    return forms.BooleanField(label=label, required=False)


def _year_record(enterprise: Enterprise, year: int | None) -> EnterpriseYear | None:
    years = enterprise.years.order_by("-year")
    if year is not None:
        years = years.filter(year__lte=year)
    return years.first()


def _valid_certificate(enterprise: Enterprise, kind: str, day: datetime.date) -> bool:
    return enterprise.certificates.filter(kind=kind, issued__lte=day, valid_until__gte=day).exists()


def _plain(value):
    """Initial values as a person would type them (Decimal('3000.0000') → '3000')."""
    if isinstance(value, Decimal):
        return number(value, 4).replace(",", "")
    return value


# ------------------------------------------------------------------ 高新技术企业

MANAGEMENT_CHOICES = [("", "未评估（按评分区间计）"), ("yes", "已具备"), ("no", "不具备")]
MANAGEMENT_ITEMS = [("rd_management_system", "研究开发组织管理制度、研发投入核算体系"),
                    ("rd_institutions", "设立研发机构并具备相应的科研条件，产学研合作"),
                    ("incentive_system", "科技成果转化的组织实施与激励奖励制度、创新创业平台"),
                    ("talent_development", "科技人员培养进修、职工技能培训、人才引进及绩效评价奖励制度")]
HIGHTECH_NAMES = {1: "注册成立一年以上", 2: "拥有核心自主知识产权", 3: "属于国家重点支持的高新技术领域",
                  4: "科技人员占职工总数比例", 5: "近三年研发费用占销售收入比例", 6: "高新技术产品（服务）收入占比",
                  7: "创新能力评价得分", 8: "申请前一年内无重大安全、质量事故或严重环境违法行为"}


class HightechForm(forms.Form):
    application_date = date_field("申报日期")
    domain = forms.ChoiceField(label="技术领域（八大领域）", required=False, error_messages=CHOICE_ERRORS)
    staff_total = count_field("职工总数", "人", minimum=1)
    st_staff = count_field("科技人员数", "人")
    total_income = money_field("近一年收入总额")
    non_taxable_income = money_field("其中不征税收入", required=False)
    hightech_income = money_field("近一年高新技术产品（服务）收入")
    rd_domestic_share = percent_field("境内研发费用占比")
    ip_class_1 = count_field("I 类知识产权", "项")
    ip_class_2 = count_field("II 类知识产权", "项")
    ip_class_2_used_before = count_field("其中已用于以往申报的 II 类知识产权", "项", required=False)
    major_incident = flag_field("申请前一年内发生重大安全、质量事故或严重环境违法行为")

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.years = years
        domains = ruleset_for("hightech", datetime.date.today()).params["domains"]
        self.fields["domain"].choices = [("", "—（未选择）")] + [(d, d) for d in domains]
        for i, year in enumerate(years):
            self.fields[f"y{i}_sales"] = money_field(f"{year} 年销售收入")
            self.fields[f"y{i}_net_assets"] = money_field(f"{year} 年净资产", minimum=None)
            self.fields[f"y{i}_rd_own"] = money_field(f"{year} 年自主研发费用（人员人工、直接投入、折旧、摊销、设计试验）")
            self.fields[f"y{i}_rd_commissioned"] = money_field(f"{year} 年委托外部研发费用", required=False)
            self.fields[f"y{i}_rd_other"] = money_field(f"{year} 年其他研发费用", required=False)
            self.fields[f"y{i}_conversions"] = count_field(f"{year} 年科技成果转化数", "项")
        for key, label in MANAGEMENT_ITEMS:
            self.fields[f"m_{key}"] = forms.ChoiceField(label=label, choices=MANAGEMENT_CHOICES, required=False,
                                                        error_messages=CHOICE_ERRORS)

    def year_fields(self):
        """(year, [bound fields]) for the template's per-year table."""
        return [(year, [self[name] for name in self.fields if name.startswith(f"y{i}_")])
                for i, year in enumerate(self.years)]

    def general_fields(self):
        return [self[name] for name in self.fields if not name.startswith(("y", "m_"))]

    def management_fields(self):
        return [self[name] for name in self.fields if name.startswith("m_")]

    def clean(self):
        data = super().clean()
        staff, st = data.get("staff_total"), data.get("st_staff")
        if staff is not None and st is not None and st > staff:
            self.add_error("st_staff", bilingual(f"科技人员（{st} 人）不能多于职工总数（{staff} 人）",
                                                 f"S&T staff ({st}) cannot exceed total staff ({staff})"))
        income, ht = data.get("total_income"), data.get("hightech_income")
        if income is not None and ht is not None and ht > income:
            self.add_error("hightech_income", bilingual("高新技术产品（服务）收入不能大于收入总额",
                                                        "high-tech income cannot exceed total income"))
        return data


@dataclass(frozen=True)
class AssessmentKind:
    code: str
    title: str

    # subclasses: form_class, initial(), engine_input(), run(), present()

    def years(self, enterprise: Enterprise, year: int | None) -> list[int]:
        record = _year_record(enterprise, year)
        return [record.year] if record else [year or datetime.date.today().year - 1]

    def form(self, enterprise: Enterprise, year: int | None, data=None):
        years = self.years(enterprise, year)
        kwargs = {"years": years} if self.code == "hightech" else {}
        form_class = self.form_class()
        if data is None:
            return form_class(initial=self.initial(enterprise, years), **kwargs)
        return form_class(data, **kwargs)

    def assess_form(self, enterprise: Enterprise, form) -> Report | None:
        """Run the engine on a valid form; engine input problems become form errors (then None)."""
        if not form.is_valid():
            return None
        try:
            result = self.run(self.engine_input(enterprise, form))
        except INPUT_ERRORS as exc:
            _problems_as_form_errors(form, exc, self.field_map(form))
            return None
        except RuleSetError as exc:
            form.add_error(None, bilingual(f"没有适用的规则：{exc}", f"no rule set applies: {exc}"))
            return None
        return self.present(result, form.cleaned_data)

    def assess_stored(self, enterprise: Enterprise, year: int | None = None) -> Report:
        """The assessment on the stored figures as they are (the pre-filled form, unchanged)."""
        years = self.years(enterprise, year)
        if not enterprise.years.exists():
            return Report(self.code, self.title, error=bilingual("尚未填报年度数据，请先填报", "no yearly figures yet"))
        form = self.form(enterprise, year)
        bound = self.form_class()({k: v for k, v in self._as_data(form).items()},
                                  **({"years": years} if self.code == "hightech" else {}))
        report = self.assess_form(enterprise, bound)
        if report is None:
            problems = "；".join(f"{bound.fields[name].label if name in bound.fields else ''}：{' '.join(errors)}"
                                for name, errors in bound.errors.items())
            return Report(self.code, self.title, error=bilingual("年度数据不完整，无法自评", "incomplete figures") +
                          f" — {problems}")
        return report

    @staticmethod
    def _as_data(form) -> dict:
        data = {}
        for name, f in form.fields.items():
            value = form.initial.get(name, f.initial)
            if isinstance(f, forms.BooleanField):
                if value:
                    data[name] = "on"
            elif value is not None:
                data[name] = value.isoformat() if isinstance(value, datetime.date) else str(_plain(value))
        return data

    def field_map(self, form) -> dict:
        return {}


class HightechKind(AssessmentKind):
    def form_class(self):
        return HightechForm

    def years(self, enterprise, year):
        records = enterprise.years.order_by("-year")
        if year is not None:
            records = records.filter(year__lte=year)
        found = [r.year for r in records[:3]][::-1]
        return found or [year or datetime.date.today().year - 1]

    def initial(self, enterprise: Enterprise, years: list[int]) -> dict:
        records = {r.year: r for r in enterprise.years.filter(year__in=years)}
        last = records.get(years[-1])
        initial = {"application_date": min(datetime.date(years[-1] + 1, 6, 1), datetime.date.today()),
                   "domain": enterprise.domain or "", "rd_domestic_share": Decimal(100), "major_incident": False}
        if last is not None:
            initial.update(staff_total=last.staff_total, st_staff=last.st_staff, total_income=last.total_income,
                           non_taxable_income=last.non_taxable_income, hightech_income=last.hightech_income,
                           ip_class_1=last.ip_class_1, ip_class_2=last.ip_class_2, ip_class_2_used_before=0,
                           rd_domestic_share=(last.rd_domestic_share * HUNDRED).quantize(Decimal("0.01")))
        for i, year in enumerate(years):
            r = records.get(year)
            if r is None:
                continue
            own = r.rd_personnel + r.rd_direct_inputs + r.rd_depreciation + r.rd_amortisation + r.rd_design
            initial.update({f"y{i}_sales": r.sales, f"y{i}_net_assets": r.net_assets, f"y{i}_rd_own": own,
                            f"y{i}_rd_commissioned": r.rd_commissioned, f"y{i}_rd_other": r.rd_other,
                            f"y{i}_conversions": r.conversions})
        return {k: _plain(v) for k, v in initial.items()}

    def engine_input(self, enterprise: Enterprise, form) -> dict:
        d = form.cleaned_data
        share = d["rd_domestic_share"] / HUNDRED
        years = []
        for i, year in enumerate(form.years):
            rd = {"personnel": d[f"y{i}_rd_own"], "commissioned": d.get(f"y{i}_rd_commissioned") or ZERO,
                  "other": d.get(f"y{i}_rd_other") or ZERO}
            years.append({"year": year, "sales": d[f"y{i}_sales"], "net_assets": d[f"y{i}_net_assets"], "rd": rd,
                          "rd_domestic": sum(rd.values(), ZERO) * share})
        management = {key: d[f"m_{key}"] == "yes" for key, _label in MANAGEMENT_ITEMS if d.get(f"m_{key}")}
        return {"application_date": d["application_date"].isoformat(),
                "registration_date": enterprise.founded.isoformat(), "domain": d.get("domain") or "",
                "staff_total": d["staff_total"], "st_staff": d["st_staff"], "hightech_income": d["hightech_income"],
                "total_income": d["total_income"], "non_taxable_income": d.get("non_taxable_income") or ZERO,
                "years": years, "conversions": [d[f"y{i}_conversions"] for i in range(len(form.years))],
                "ip": {"class_1": d["ip_class_1"], "class_2": d["ip_class_2"],
                       "class_2_used_before": d.get("ip_class_2_used_before") or 0, "own_rd": True},
                "major_incident": bool(d.get("major_incident")), "management": management}

    def stored_input(self, enterprise: Enterprise, application_date: datetime.date | None = None) -> dict:
        """The engine input from the stored figures (the demo and the CLI-minded use it)."""
        form = self.form(enterprise, None)
        data = self._as_data(form)
        if application_date:
            data["application_date"] = application_date.isoformat()
        bound = HightechForm(data, years=form.years)
        if not bound.is_valid():
            from django.core.exceptions import ValidationError

            raise ValidationError(bilingual("年度数据不完整", "incomplete yearly figures"))
        return self.engine_input(enterprise, bound)

    def field_map(self, form) -> dict:
        mapping = {"application_date": "application_date", "domain": "domain", "staff_total": "staff_total",
                   "st_staff": "st_staff", "hightech_income": "hightech_income", "total_income": "total_income",
                   "non_taxable_income": "non_taxable_income", "ip.class_1": "ip_class_1",
                   "ip.class_2": "ip_class_2"}
        for i in range(len(form.years)):
            mapping.update({f"years.{i}.sales": f"y{i}_sales", f"years.{i}.net_assets": f"y{i}_net_assets",
                            f"years.{i}.rd": f"y{i}_rd_own"})
        return mapping

    def run(self, data: dict) -> dict:
        return hightech.assess(data)

    def present(self, result: dict, d: dict) -> Report:
        report = Report(self.code, self.title, verdict=str(result.get("verdict", "")).upper(),
                        ruleset=_ruleset_text(result))
        try:
            params = ruleset_for("hightech", d["application_date"]).params
        except (RuleSetError, KeyError):
            params = {}
        score = result.get("innovation_score") or {}
        low, high = score.get("min"), score.get("max")
        pass_score = params.get("pass_score", 71)
        report.score = _("%(low)s–%(high)s 分（需 ≥ %(need)s 分）") % {
            "low": number(low), "high": number(high), "need": number(pass_score)}
        for c in result.get("conditions", []):
            report.rows.append(self._row(c, params, score))
            if not c.get("passed"):
                report.failures.append({"name": report.rows[-1].name, "why": c.get("reason") or ""})
        failed = [f["name"] for f in report.failures]
        if report.verdict == "PASS":
            report.why = _("八项条件全部满足，创新能力评分下限 %(low)s 分已达到 %(need)s 分。") % {
                "low": number(low), "need": number(pass_score)}
        elif report.verdict == "BORDERLINE":
            report.why = _("硬性条件均满足，但创新能力评分区间 %(low)s–%(high)s 分跨越 %(need)s 分，结果取决于专家评分。") % {
                "low": number(low), "high": number(high), "need": number(pass_score)}
        else:
            report.why = _("有 %(n)s 项条件不满足：%(names)s。") % {"n": len(failed), "names": "、".join(failed)}
        report.improvements = self._improvements(result, d, params, score)
        return report

    def _row(self, c: dict, params: dict, score: dict) -> Row:
        cid, value, passed = c.get("id"), c.get("value"), bool(c.get("passed"))
        name = _(HIGHTECH_NAMES[cid]) if cid in HIGHTECH_NAMES else humanize(c.get("name"))
        try:
            if cid == 1:
                return Row(name, passed, _("%(n)s 天") % {"n": number(value, 0)},
                           _("超过 %(n)s 天") % {"n": number(params["min_registered_days"], 0)})
            if cid == 2:
                return Row(name, passed, _("I 类 %(a)s 项，可用 II 类 %(b)s 项") % {
                    "a": number(value["class_1"], 0), "b": number(value["class_2_usable"], 0)}, _("至少 1 项"))
            if cid == 3:
                return Row(name, passed, value or _("未填写"), _("八大领域之一"))
            if cid in (4, 6):
                key = "min_st_staff_share" if cid == 4 else "min_hightech_income_share"
                return Row(name, passed, percent(value), f"≥ {percent(params[key], 0)}")
            if cid == 5:
                text = _("%(ratio)s（研发费用 %(rd)s，销售收入 %(sales)s）") % {
                    "ratio": percent(value["ratio"]), "rd": money(value["rd_base"]), "sales": money(value["sales"])}
                if value.get("domestic_share") is not None:
                    text += _("；境内研发占比 %(s)s") % {"s": percent(value["domestic_share"])}
                return Row(name, passed, text, humanize(c.get("required")).replace("≥", "≥ ").replace("  ", " "))
            if cid == 7:
                return Row(name, passed, _("%(low)s–%(high)s 分") % {"low": number(score.get("min")),
                                                                    "high": number(score.get("max"))},
                           _("≥ %(n)s 分") % {"n": number(params.get("pass_score", 71))})
            if cid == 8:
                return Row(name, passed, _("有") if value else _("无"), _("无"))
        except (KeyError, TypeError, IndexError):
            pass
        return Row(name, passed, humanize(value), humanize(c.get("required")))

    def _improvements(self, result: dict, d: dict, params: dict, score: dict) -> list[str]:
        tips = []
        gaps = result.get("gaps") or {}
        failed = set(result.get("failed") or [c.get("id") for c in result.get("conditions", []) if not c.get("passed")])
        if "rd_expense" in gaps:
            tips.append(_("近三年研发费用合计再增加 %(x)s，研发费用占比即可达标。") % {"x": money(gaps["rd_expense"])})
        if "st_staff" in gaps:
            tips.append(_("科技人员再增加 %(x)s（或相应调整职工结构），科技人员占比即可达到 10%%。") % {
                "x": people(gaps["st_staff"])})
        if "hightech_income" in gaps:
            tips.append(_("高新技术产品（服务）收入再增加 %(x)s，收入占比即可达标。") % {"x": money(gaps["hightech_income"])})
        if 1 in failed:
            tips.append(_("注册成立满一年后再申报。"))
        if 2 in failed:
            tips.append(_("取得至少 1 项可用于本次申报的知识产权（发明专利等 I 类，或实用新型、软件著作权等 II 类）。"))
        if 3 in failed:
            tips.append(_("确认主要产品（服务）的核心技术属于《国家重点支持的高新技术领域》八大领域之一，并选择对应领域。"))
        if 8 in failed:
            tips.append(_("申请前一年内发生重大事故或严重环境违法行为的，须待满一年后再申报。"))
        high, low = dec(score.get("max")), dec(score.get("min"))
        need = dec(params.get("pass_score", 71))
        if high is not None and low is not None and low < need:
            parts = score.get("parts") or {}
            ip = parts.get("ip") or [0, 0]
            if dec(ip[1]) is not None and dec(ip[1]) < 20:
                tips.append(_("知识产权得分偏低（%(a)s–%(b)s 分）：取得 I 类知识产权（发明专利）可明显提高得分。") % {
                    "a": number(ip[0]), "b": number(ip[1])})
            conversion = parts.get("conversion") or [0, 0]
            if dec(conversion[1]) is not None and dec(conversion[1]) < 25:
                tips.append(_("科技成果转化得分 %(a)s–%(b)s 分：近三年年均转化 5 项以上可得 25–30 分。") % {
                    "a": number(conversion[0]), "b": number(conversion[1])})
            management = parts.get("management") or [0, 0]
            if dec(management[0]) is not None and dec(management[0]) < 10:
                tips.append(_("完善研发组织管理（研发管理制度、研发机构、激励制度、人才培养），最多可得 20 分；在下方逐项确认可缩小评分区间。"))
            for key, label in (("net_assets", _("净资产")), ("sales", _("销售收入"))):
                g = (score.get("growth_detail") or {}).get(key) or {}
                if g.get("growth") is not None and g.get("band") not in ("A",):
                    tips.append(_("%(what)s增长率 %(g)s（%(band)s 档）：增长率达到 35%% 以上可得满分。") % {
                        "what": label, "g": percent(g["growth"]), "band": g.get("band") or _("无")})
        if not tips and result.get("verdict") == "PASS":
            tips.append(_("各项条件已满足，可准备申报材料。"))
        return tips


# ------------------------------------------------------------------ 科技型中小企业

TSME_GATES = {"resident": "居民企业", "staff": "职工总数", "sales": "年销售收入", "assets": "资产总额",
              "products": "产品不属于禁止、限制或淘汰类", "incident": "近一年无重大安全、质量、环境事故和科研失信",
              "lists": "未列入经营异常名录和严重违法失信名单"}


class TsmeForm(forms.Form):
    assessment_date = date_field("评价日期")
    staff_total = count_field("职工总数", "人", minimum=1)
    st_staff = count_field("科技人员数", "人")
    sales = money_field("上年销售收入")
    total_assets = money_field("资产总额")
    rd_expense = money_field("上年研发费用总额")
    total_cost = money_field("上年成本费用总额", required=False)
    ip_class_1 = count_field("I 类知识产权", "项")
    ip_class_2 = count_field("II 类知识产权", "项")
    resident_enterprise = flag_field("在中国境内（不含港、澳、台地区）注册的居民企业")
    restricted_products = flag_field("产品属于国家禁止、限制或淘汰类")
    major_incident = flag_field("上一年及当年内发生重大安全、质量、环境事故或严重科研失信")
    dishonesty_listed = flag_field("列入经营异常名录或严重违法失信名单")
    valid_hightech_certificate = flag_field("持有有效期内的高新技术企业证书")
    national_st_award_5y = flag_field("近五年获国家级科技奖励（前三名完成单位）")
    provincial_rd_institution = flag_field("拥有经认定的省部级以上研发机构")
    led_standard_5y = flag_field("近五年主导制定国际、国家或行业标准")

    def clean(self):
        data = super().clean()
        staff, st = data.get("staff_total"), data.get("st_staff")
        if staff is not None and st is not None and st > staff:
            self.add_error("st_staff", bilingual(f"科技人员（{st} 人）不能多于职工总数（{staff} 人）",
                                                 f"S&T staff ({st}) cannot exceed total staff ({staff})"))
        return data


class TsmeKind(AssessmentKind):
    def form_class(self):
        return TsmeForm

    def initial(self, enterprise: Enterprise, years: list[int]) -> dict:
        day = min(datetime.date(years[-1] + 1, 3, 1), datetime.date.today())
        initial = {"assessment_date": day, "resident_enterprise": True,
                   "valid_hightech_certificate": _valid_certificate(enterprise, Certificate.Kind.HIGHTECH, day)}
        r = enterprise.years.filter(year=years[-1]).first()
        if r is not None:
            initial.update(staff_total=r.staff_total, st_staff=r.st_staff, sales=r.sales, total_assets=r.total_assets,
                           rd_expense=r.rd_total, total_cost=r.total_cost, ip_class_1=r.ip_class_1,
                           ip_class_2=r.ip_class_2)
        return {k: _plain(v) for k, v in initial.items()}

    def engine_input(self, enterprise: Enterprise, form) -> dict:
        d = form.cleaned_data
        return {"assessment_date": d["assessment_date"].isoformat(), "staff_total": d["staff_total"],
                "st_staff": d["st_staff"], "sales": d["sales"], "total_assets": d["total_assets"],
                "rd_expense": d["rd_expense"], "total_cost": d.get("total_cost") or ZERO,
                "ip": {"class_1": d["ip_class_1"], "class_2": d["ip_class_2"]},
                **{k: bool(d.get(k)) for k in ("resident_enterprise", "restricted_products", "major_incident",
                                               "dishonesty_listed")},
                "direct": {k: bool(d.get(k)) for k in ("valid_hightech_certificate", "national_st_award_5y",
                                                      "provincial_rd_institution", "led_standard_5y")}}

    def field_map(self, form) -> dict:
        return {"assessment_date": "assessment_date", "staff_total": "staff_total", "st_staff": "st_staff",
                "sales": "sales", "total_assets": "total_assets", "rd_expense": "rd_expense",
                "total_cost": "total_cost", "ip.class_1": "ip_class_1", "ip.class_2": "ip_class_2"}

    def run(self, data: dict) -> dict:
        return tsme.assess(data)

    def present(self, result: dict, d: dict) -> Report:
        report = Report(self.code, self.title, verdict=str(result.get("verdict", "")).upper(),
                        ruleset=_ruleset_text(result))
        try:
            params = ruleset_for("tsme", d["assessment_date"]).params
        except (RuleSetError, KeyError):
            params = {}
        pass_score = params.get("pass_score", 60)
        total = result.get("score")
        report.score = _("%(s)s（满分 100 分，需 ≥ %(need)s 分）") % {"s": points(total), "need": number(pass_score)}
        limits = {"staff": (params.get("max_staff"), people), "sales": (params.get("max_sales"), money),
                  "assets": (params.get("max_assets"), money)}
        values = {"staff": d.get("staff_total"), "sales": d.get("sales"), "assets": d.get("total_assets")}
        for g in result.get("gates", []):
            key = g.get("gate")
            name = _(TSME_GATES[key]) if key in TSME_GATES else humanize(key)
            if key in limits and limits[key][0] is not None:
                limit, fmt = limits[key]
                row = Row(name, bool(g.get("passed")), fmt(values[key]), f"≤ {fmt(limit)}")
            else:
                row = Row(name, bool(g.get("passed")), _("符合") if g.get("passed") else _("不符合"), _("符合"))
            report.rows.append(row)
            if not g.get("passed"):
                report.failures.append({"name": name, "why": g.get("reason") or ""})
        parts = result.get("parts") or {}
        st = parts.get("st_staff") or {}
        rd = parts.get("rd") or {}
        ip = parts.get("ip") or {}
        if st:
            report.rows.append(Row(_("科技人员指标"), None, _("占比 %(p)s，得 %(pts)s") % {
                "p": percent(st.get("share")), "pts": points(st.get("points"))}, _("满分 20 分；得 0 分者不通过")))
        if rd:
            report.rows.append(Row(_("研发投入指标"), None, _("研发费用占销售收入 %(a)s、占成本费用 %(b)s，得 %(pts)s") % {
                "a": percent(rd.get("rd_sales")), "b": percent(rd.get("rd_cost")), "pts": points(rd.get("points"))},
                _("满分 50 分（两项取高）")))
        if ip:
            report.rows.append(Row(_("科技成果指标"), None, _("I 类 %(a)s 项、II 类 %(b)s 项，得 %(pts)s") % {
                "a": number(ip.get("class_1"), 0), "b": number(ip.get("class_2"), 0), "pts": points(ip.get("points"))},
                _("满分 30 分")))
        direct = result.get("direct_qualification") or []
        if direct:
            report.rows.append(Row(_("直接认定条件"), True, "；".join(humanize(x) for x in direct),
                                   _("符合任一项可直接通过")))
        gate_reasons = {f["why"] for f in report.failures}
        for reason in result.get("reasons") or []:
            if reason not in gate_reasons:
                report.failures.append({"name": _("综合评价"), "why": humanize(reason)})
        if report.verdict == "PASS":
            report.why = (_("基本条件均符合，且满足直接认定条件：%(d)s。") % {"d": "；".join(humanize(x) for x in direct)}
                          if direct else _("基本条件均符合，综合评价 %(s)s，达到 %(need)s 分且科技人员指标不为 0 分。") % {
                              "s": points(total), "need": number(pass_score)})
        elif report.verdict == "BORDERLINE":
            report.why = _("综合评价 %(s)s，接近 %(need)s 分的门槛。") % {"s": points(total), "need": number(pass_score)}
        else:
            report.why = _("未通过：%(why)s。") % {
                "why": "；".join(in_language(f["why"]) or f["name"] for f in report.failures) or _("综合评价")}
        report.improvements = self._improvements(result, d, params)
        return report

    def _improvements(self, result: dict, d: dict, params: dict) -> list[str]:
        tips = []
        failed_gates = {g.get("gate") for g in result.get("gates", []) if not g.get("passed")}
        if failed_gates & {"staff", "sales", "assets"}:
            tips.append(_("职工总数、销售收入或资产总额超过科技型中小企业上限，该企业可考虑申报高新技术企业。"))
        parts = result.get("parts") or {}
        try:
            staff = dec(d["staff_total"])
            st = dec(d["st_staff"])
            for lower, pts in sorted(params["staff_bands"], key=lambda b: dec(b[0])):
                if st / staff < dec(lower):
                    more = (dec(lower) * staff - st).to_integral_value(rounding=ROUND_CEILING)
                    tips.append(_("科技人员再增加 %(n)s，占比达到 %(p)s，科技人员指标可得 %(pts)s。") % {
                        "n": people(more), "p": percent(lower, 0), "pts": points(pts)})
                    break
            sales, rd = dec(d["sales"]), dec(d["rd_expense"])
            if sales and sales > 0:
                current = dec((parts.get("rd") or {}).get("points")) or ZERO
                for lower, pts in sorted(params["rd_sales_bands"], key=lambda b: dec(b[0])):
                    if dec(pts) > current and rd / sales < dec(lower):
                        more = dec(lower) * sales - rd
                        tips.append(_("研发费用再增加 %(x)s，占销售收入达到 %(p)s，研发投入指标可得 %(pts)s。") % {
                            "x": money(more), "p": percent(lower, 0), "pts": points(pts)})
                        break
            ip_points = dec((parts.get("ip") or {}).get("points")) or ZERO
            best = dec(params["ip_points"]["class_1"])
            if ip_points < best:
                tips.append(_("取得 1 项 I 类知识产权（如发明专利），科技成果指标可得 %(pts)s。") % {"pts": points(best)})
        except (KeyError, TypeError, IndexError, InvalidOperation, ZeroDivisionError):
            pass
        if not result.get("direct_qualification"):
            tips.append(_("取得高新技术企业证书、省部级以上研发机构等任一直接认定条件，可直接通过评价。"))
        return tips


# ------------------------------------------------------------------ 研发费用加计扣除

class SuperdeductionForm(forms.Form):
    tax_year = forms.IntegerField(label="纳税年度", min_value=2015, max_value=2100, error_messages=INTEGER_ERRORS)
    industry = forms.CharField(label="行业代码（GB/T 4754-2017）", max_length=8, error_messages=CHOICE_ERRORS,
                               help_text="门类字母 + 代码，如 C3911")
    personnel = money_field("人员人工费用", required=False)
    direct_inputs = money_field("直接投入费用", required=False)
    depreciation = money_field("折旧费用", required=False)
    amortisation = money_field("无形资产摊销", required=False)
    new_product_design = money_field("新产品设计费等", required=False)
    other = money_field("其他相关费用", required=False)
    commissioned_domestic = money_field("委托境内研发费用", required=False)
    commissioned_overseas = money_field("委托境外研发费用", required=False)
    q4_2022_share = percent_field("2022 年第四季度发生的费用占比", required=False)
    resident = flag_field("居民企业")
    audit_collection = flag_field("查账征收（或核定应税所得率征收以外）")
    tsme = flag_field("科技型中小企业")
    ic_or_machine_tool = flag_field("集成电路企业或工业母机企业")


class SuperdeductionKind(AssessmentKind):
    def form_class(self):
        return SuperdeductionForm

    def initial(self, enterprise: Enterprise, years: list[int]) -> dict:
        year = years[-1]
        initial = {"tax_year": year, "industry": enterprise.industry, "resident": True, "audit_collection": True,
                   "tsme": _valid_certificate(enterprise, Certificate.Kind.TSME, datetime.date(year, 12, 31))}
        r = enterprise.years.filter(year=year).first()
        if r is not None:
            initial.update(personnel=r.rd_personnel, direct_inputs=r.rd_direct_inputs, depreciation=r.rd_depreciation,
                           amortisation=r.rd_amortisation, new_product_design=r.rd_design, other=r.rd_other,
                           commissioned_domestic=r.rd_commissioned, commissioned_overseas=ZERO)
        return {k: _plain(v) for k, v in initial.items()}

    def engine_input(self, enterprise: Enterprise, form) -> dict:
        d = form.cleaned_data
        expenses = {k: d.get(k) or ZERO for k in ("personnel", "direct_inputs", "depreciation", "amortisation",
                                                  "new_product_design", "other", "commissioned_domestic",
                                                  "commissioned_overseas")}
        data = {"tax_year": d["tax_year"], "industry": d["industry"].strip(), "expenses": expenses,
                **{k: bool(d.get(k)) for k in ("resident", "audit_collection", "tsme", "ic_or_machine_tool")}}
        if d.get("q4_2022_share"):
            data["q4_2022_share"] = d["q4_2022_share"] / HUNDRED
        return data

    def field_map(self, form) -> dict:
        mapping = {"tax_year": "tax_year", "industry": "industry", "q4_2022_share": "q4_2022_share"}
        mapping.update({f"expenses.{k}": k for k in ("personnel", "direct_inputs", "depreciation", "amortisation",
                                                     "new_product_design", "other", "commissioned_domestic",
                                                     "commissioned_overseas")})
        return mapping

    def run(self, data: dict) -> dict:
        return superdeduction.assess(data)

    def present(self, result: dict, d: dict) -> Report:
        report = Report(self.code, self.title, ruleset=_ruleset_text(result))
        eligible = bool(result.get("eligible"))
        extra = dec(result.get("extra_deduction")) or ZERO
        base = dec(result.get("deductible_base")) or ZERO
        rate = dec(result.get("extra_rate")) or ZERO
        report.verdict = "PASS" if eligible and extra > 0 else "FAIL"
        report.score = _("加计扣除比例 %(r)s") % {"r": percent(rate, 0)}
        reasons = [humanize(r) for r in result.get("reasons") or []]
        report.rows.append(Row(_("适用条件"), eligible, _("符合") if eligible else "；".join(reasons),
                               _("居民企业、查账征收、非负面清单行业")))
        detail = result.get("detail") or {}
        if eligible:
            report.rows += [
                Row(_("自主研发费用"), None, money(detail.get("own_categories"))),
                Row(_("其他相关费用（可计入 / 实际）"), None, f"{money(detail.get('other_allowed'))} / "
                    f"{money(detail.get('other_actual'))}", _("限额 %(x)s") % {"x": money(detail.get("other_cap"))}),
                Row(_("委托境内研发（按 80% 计入）"), None, money(detail.get("commissioned_domestic_counted"))),
                Row(_("委托境外研发（可计入 / 按 80% 计）"), None, f"{money(detail.get('commissioned_overseas_allowed'))} / "
                    f"{money(detail.get('commissioned_overseas_counted'))}", _("不超过境内符合条件费用的三分之二")),
                Row(_("加计扣除基数"), None, money(base)),
                Row(_("加计扣除比例"), None, _("%(r)s（%(why)s）") % {"r": percent(rate, 0),
                                                                   "why": humanize(result.get("rate_reason"))}),
                Row(_("可加计扣除额"), None, money(extra)),
                Row(_("按 25% 税率估算少缴企业所得税"), None, money(extra * Decimal("0.25")),
                    _("高新技术企业按 15%% 约 %(x)s") % {"x": money(extra * Decimal("0.15"))}),
            ]
            if result.get("intangible_amortisation_rate") is not None:
                report.rows.append(Row(_("形成无形资产的摊销比例"), None,
                                       percent(result.get("intangible_amortisation_rate"), 0)))
        if report.verdict == "PASS":
            report.why = _("%(year)s 年度可在税前加计扣除 %(x)s（扣除基数 %(base)s × %(rate)s）。") % {
                "year": result.get("tax_year", d.get("tax_year")), "x": money(extra), "base": money(base),
                "rate": percent(rate, 0)}
        elif not eligible:
            report.why = _("不适用加计扣除：%(why)s。") % {"why": "；".join(in_language(r) for r in reasons)}
            report.failures = [{"name": _("适用条件"), "why": r} for r in reasons]
        else:
            report.why = _("没有可加计扣除的研发费用。")
            report.failures = [{"name": _("加计扣除基数"), "why": _("符合条件的研发费用合计为 0。")}]
        report.improvements = self._improvements(result, d)
        return report

    def _improvements(self, result: dict, d: dict) -> list[str]:
        tips = []
        detail = result.get("detail") or {}
        over = (dec(detail.get("other_actual")) or ZERO) - (dec(detail.get("other_allowed")) or ZERO)
        if over > 0:
            tips.append(_("其他相关费用超出限额 %(x)s，超出部分不能加计扣除；可核实是否属于人员人工、直接投入等类别。") % {
                "x": money(over)})
        overseas = (dec(detail.get("commissioned_overseas_counted")) or ZERO) - (
            dec(detail.get("commissioned_overseas_allowed")) or ZERO)
        if overseas > 0:
            tips.append(_("委托境外研发超出可计入限额 %(x)s。") % {"x": money(overseas)})
        try:
            params = ruleset_for("superdeduction", datetime.date(int(d["tax_year"]), 12, 31)).params
            rate = dec(result.get("extra_rate")) or ZERO
            tsme_rate = dec(params.get("tsme_rate"))
            if result.get("eligible") and not d.get("tsme") and tsme_rate is not None and tsme_rate > rate:
                tips.append(_("取得科技型中小企业资格后，加计扣除比例可提高到 %(r)s。") % {"r": percent(tsme_rate, 0)})
        except (RuleSetError, KeyError, TypeError, ValueError):
            pass
        if not result.get("eligible"):
            tips.append(_("负面清单行业、非居民企业和核定征收企业不能享受；如行业代码有误，请更正后重新测算。"))
        return tips


HIGHTECH = HightechKind("hightech", "高新技术企业认定自评")
TSME = TsmeKind("tsme", "科技型中小企业评价自评")
SUPERDEDUCTION = SuperdeductionKind("superdeduction", "研发费用加计扣除测算")
KINDS = {k.code: k for k in (HIGHTECH, TSME, SUPERDEDUCTION)}


def summary(enterprise: Enterprise) -> list[Report]:
    """The three assessments on the stored figures, for the enterprise's page."""
    return [kind.assess_stored(enterprise) for kind in KINDS.values()]

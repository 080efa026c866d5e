from django import forms

from countyinno.engines.rules import ruleset_for

CATEGORY_CHOICES = [("development", "技术开发"), ("transfer", "技术转让"), ("licensing", "技术许可"),
                    ("consulting", "技术咨询"), ("service", "技术服务")]


def subtype_choices():
    """Sub-types of the rule set in force today (the form follows rule changes without code edits)."""
    import datetime

    params = ruleset_for("contracts", datetime.date.today()).params
    return [(key, f"{cat['name']} · {name}") for cat in params["categories"].values()
            for key, name in cat["subtypes"].items()]


class ContractForm(forms.Form):
    point = forms.ModelChoiceField(label="登记点", queryset=None)
    project_name = forms.CharField(label="项目名称", max_length=300)
    category = forms.ChoiceField(label="合同类别", choices=CATEGORY_CHOICES)
    subtype = forms.ChoiceField(label="子类", choices=())
    exclusivity = forms.ChoiceField(label="许可方式", required=False,
                                    choices=[("", "—"), ("exclusive", "独占"), ("sole", "排他"), ("ordinary", "普通")])
    signed_on = forms.DateField(label="签订日期", widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label="有效期至", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    buyer_name = forms.CharField(label="买方名称", max_length=200)
    buyer_credit_code = forms.CharField(label="买方统一社会信用代码", max_length=18)
    buyer_area_code = forms.RegexField(label="买方行政区划代码", regex=r"^\d{6}$")
    technical_field = forms.CharField(label="技术领域", required=False, max_length=40)
    total_amount = forms.FloatField(label="合同总额（万元）", min_value=0)
    equipment = forms.FloatField(label="设备费（万元）", required=False, min_value=0)
    instruments = forms.FloatField(label="仪器费（万元）", required=False, min_value=0)
    parts = forms.FloatField(label="零部件（万元）", required=False, min_value=0)
    raw_materials = forms.FloatField(label="原材料（万元）", required=False, min_value=0)
    ip_number = forms.CharField(label="知识产权编号", required=False, max_length=60)
    ip_expires_on = forms.DateField(label="知识产权到期日", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    agency_credit_code = forms.CharField(label="中介机构信用代码", required=False, max_length=18)
    related_party = forms.BooleanField(label="关联交易", required=False)

    def __init__(self, *args, points=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["point"].queryset = points
        self.fields["subtype"].choices = subtype_choices()

    def payload(self) -> dict:
        d = self.cleaned_data
        costs = {k: d[k] for k in ("equipment", "instruments", "parts", "raw_materials") if d.get(k)}
        payload = {"project_name": d["project_name"], "category": d["category"], "subtype": d["subtype"],
                   "signed_on": d["signed_on"].isoformat(), "valid_from": d["signed_on"].isoformat(),
                   "buyer": {"name": d["buyer_name"], "credit_code": d["buyer_credit_code"].upper(),
                             "area_code": d["buyer_area_code"]},
                   "technical_field": d["technical_field"], "total_amount": d["total_amount"],
                   "non_technical_costs": costs, "related_party": d["related_party"], "form": "written"}
        if d.get("valid_to"):
            payload["valid_to"] = d["valid_to"].isoformat()
        if d.get("exclusivity"):
            payload["exclusivity"] = d["exclusivity"]
        if d.get("ip_number"):
            payload["ip"] = {"number": d["ip_number"], "status": "valid"}
            if d.get("ip_expires_on"):
                payload["ip"]["expires_on"] = d["ip_expires_on"].isoformat()
        if d.get("agency_credit_code"):
            payload["agency"] = {"name": "", "credit_code": d["agency_credit_code"].upper()}
        return payload

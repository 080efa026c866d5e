from decimal import Decimal, InvalidOperation

from django import forms

from countyinno.core.errors import bilingual

from .models import IndicatorFramework


class SubmissionValuesForm(forms.Form):
    """A county's answers: one value and one 变动说明 per indicator, labelled with the indicator's name.

    The form only carries what was typed; `services.save_values` validates the numbers, ranges and the
    year-on-year rule, and `add_row_errors` puts each of its problems beside its field."""

    revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    comment = forms.CharField(label="提交说明", required=False, max_length=2000)

    def __init__(self, *args, nodes, **kwargs):
        super().__init__(*args, **kwargs)
        self.nodes = list(nodes)
        for node in self.nodes:
            self.fields[f"value_{node.code}"] = forms.CharField(
                label=node.name, required=False, max_length=40,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "aria-label": node.name}))
            self.fields[f"explain_{node.code}"] = forms.CharField(
                label=f"{node.name}·变动说明", required=False, max_length=2000,
                widget=forms.TextInput(attrs={"aria-label": f"{node.name} 变动说明"}))

    def values(self) -> dict[str, str]:
        return {n.code: self.cleaned_data.get(f"value_{n.code}", "") for n in self.nodes}

    def explanations(self) -> dict[str, str]:
        return {n.code: self.cleaned_data.get(f"explain_{n.code}", "") for n in self.nodes}

    def add_row_errors(self, errors) -> None:
        """Each RowError of the service beside its field (a jump without a reason: beside the 变动说明)."""
        from .services import JumpError

        for error in errors:
            name = f"explain_{error.field}" if isinstance(error, JumpError) else f"value_{error.field}"
            self.add_error(name if name in self.fields else None, error.message)


def parse_number(raw) -> Decimal | None:
    """A typed number as a Decimal, or None (blank or not a finite number)."""
    if raw is None:
        return None
    try:
        number = Decimal(str(raw).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


class CampaignForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    framework = forms.ModelChoiceField(label="指标体系", queryset=IndicatorFramework.objects.filter(status="published"))
    deadline = forms.DateField(label="截止日期", widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(label="名称", required=False, max_length=200)


class NodeForm(forms.Form):
    name = forms.CharField(label="名称", max_length=200)
    weight = forms.FloatField(label="权重", min_value=0)
    direction = forms.TypedChoiceField(label="方向", choices=[(1, "正向 +1"), (-1, "逆向 −1")], coerce=int)
    min_value = forms.FloatField(label="最小有效值", required=False)
    max_value = forms.FloatField(label="最大有效值", required=False)
    jump_threshold = forms.FloatField(label="变动预警阈值", min_value=0)

    def clean(self):
        data = super().clean()
        lo, hi = data.get("min_value"), data.get("max_value")
        if lo is not None and hi is not None and lo >= hi:
            raise forms.ValidationError("最小值应小于最大值 / the minimum must be below the maximum")
        return data


class AllocationForm(forms.Form):
    """资源倾斜测算: exact decimals (万元 to two places, weights to two places); errors beside the fields."""

    RULES = [("top_n", "前 N 名平均分配"), ("group_weights", "按类别加权"), ("score", "按指数得分比例")]
    money = {"max_digits": 14, "decimal_places": 2}
    budget = forms.DecimalField(label="资金总额（万元）", min_value=0, initial=Decimal("10000"), **money)
    rule = forms.ChoiceField(label="分配规则", choices=RULES, initial="group_weights")
    top_n = forms.IntegerField(label="前 N 名", min_value=1, max_value=10000, initial=20, required=False)
    floor = forms.DecimalField(label="得分门槛", initial=0, required=False, min_value=0, max_value=100,
                               max_digits=6, decimal_places=2)
    weight_leading = forms.DecimalField(label="领先 权重", initial=3, min_value=0, required=False, max_digits=8,
                                        decimal_places=2)
    weight_above = forms.DecimalField(label="较好 权重", initial=2, min_value=0, required=False, max_digits=8,
                                      decimal_places=2)
    weight_average = forms.DecimalField(label="一般 权重", initial=1, min_value=0, required=False, max_digits=8,
                                        decimal_places=2)
    weight_lagging = forms.DecimalField(label="落后 权重", initial=0, min_value=0, required=False, max_digits=8,
                                        decimal_places=2)
    candidate_max_rank = forms.IntegerField(label="创新型县：名次不低于", initial=40, min_value=1, max_value=10000,
                                            required=False)
    candidate_min_index = forms.DecimalField(label="创新型县：指数不低于", initial=0, required=False, min_value=0,
                                             max_value=100, max_digits=6, decimal_places=2)
    candidate_min_gain = forms.IntegerField(label="创新型县：名次至少上升", required=False, min_value=-10000,
                                            max_value=10000)
    format = forms.ChoiceField(choices=[("", "网页"), ("xlsx", "Excel")], required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("rule") == "top_n" and not data.get("top_n"):
            self.add_error("top_n", bilingual("按前 N 名分配时须填写 N", "N is needed for the top-N rule"))
        if data.get("rule") == "group_weights" and not any(
                data.get(f) for f in ("weight_leading", "weight_above", "weight_average", "weight_lagging")):
            self.add_error("weight_leading", bilingual("至少一个类别权重应大于 0", "at least one group weight must be "
                                                                           "above 0"))
        return data


class YearForm(forms.Form):
    """`?year=` on the rankings and export pages: one of the years offered, else a form error."""

    year = forms.TypedChoiceField(label="年度", coerce=int, required=False, empty_value=None)

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "—")] + [(y, str(y)) for y in years]


class MapForm(forms.Form):
    """`?metric=&year=` of a run's map data."""

    metric = forms.ChoiceField(label="指标", required=False)
    year = forms.TypedChoiceField(label="年度", coerce=int, required=False, empty_value=None)

    def __init__(self, *args, metrics, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = [(m, m) for m in metrics]
        self.fields["year"].choices = [(y, str(y)) for y in years]

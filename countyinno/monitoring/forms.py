from django import forms

from .models import IndicatorFramework


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
    RULES = [("top_n", "前 N 名平均分配 top N, equal shares"), ("group_weights", "按类别加权 by performance group"),
             ("score", "按指数得分比例 in proportion to the index")]
    budget = forms.FloatField(label="资金总额（万元）", min_value=0, initial=10000)
    rule = forms.ChoiceField(label="分配规则", choices=RULES, initial="group_weights")
    top_n = forms.IntegerField(label="N", min_value=1, initial=20, required=False)
    floor = forms.FloatField(label="得分门槛", initial=0, required=False)
    weight_leading = forms.FloatField(label="领先 权重", initial=3, min_value=0, required=False)
    weight_above = forms.FloatField(label="较好 权重", initial=2, min_value=0, required=False)
    weight_average = forms.FloatField(label="一般 权重", initial=1, min_value=0, required=False)
    weight_lagging = forms.FloatField(label="落后 权重", initial=0, min_value=0, required=False)
    candidate_max_rank = forms.IntegerField(label="创新型县：名次不低于", initial=40, min_value=1, required=False)
    candidate_min_index = forms.FloatField(label="创新型县：指数不低于", initial=0, required=False)
    candidate_min_gain = forms.IntegerField(label="创新型县：名次至少上升", required=False)

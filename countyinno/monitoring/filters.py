"""FilterSets for the monitoring lists: every parameter a list reads is parsed here (bad values are form
errors shown on the page, never a server error)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q

from countyinno.regions.models import Region

from .models import CountySubmission, IndexResult


def _cities(province):
    return Region.objects.filter(level=Region.Level.CITY, province=province).order_by("code")


class _SearchMixin:
    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(region__name__icontains=value) | Q(region__code__startswith=value)
                               | Q(region__city__name__icontains=value))


class ResultFilter(_SearchMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search", max_length=50,
                                  widget=forms.TextInput(attrs={"placeholder": "县名、代码或市名"}))
    city = django_filters.ModelChoiceFilter(label="地级市", field_name="region__city", queryset=Region.objects.none(),
                                            to_field_name="code", empty_label="全部")
    county_type = django_filters.ChoiceFilter(label="县级类型", field_name="region__county_type",
                                              choices=Region.CountyType.choices, empty_label="全部")
    group = django_filters.ChoiceFilter(label="类别", field_name="performance_group", choices=[], empty_label="全部")

    class Meta:
        model = IndexResult
        fields = []

    def __init__(self, data=None, queryset=None, *, run, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters["city"].queryset = _cities(run.campaign.province)
        labels = (run.config.get("results", {}).get("performance", {}).get("labels")
                  or sorted(set(IndexResult.objects.filter(run=run).values_list("performance_group", flat=True))))
        self.filters["group"].extra["choices"] = [(label, label) for label in labels]


class SubmissionFilter(_SearchMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search", max_length=50,
                                  widget=forms.TextInput(attrs={"placeholder": "县名、代码或市名"}))
    city = django_filters.ModelChoiceFilter(label="地级市", field_name="region__city", queryset=Region.objects.none(),
                                            to_field_name="code", empty_label="全部")
    status = django_filters.ChoiceFilter(label="状态", choices=CountySubmission.Status.choices, empty_label="全部")
    overdue = django_filters.BooleanFilter(label="仅看逾期未报", method="only_overdue",
                                           widget=forms.CheckboxInput)

    class Meta:
        model = CountySubmission
        fields = []

    def __init__(self, data=None, queryset=None, *, campaign, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.campaign = campaign
        self.filters["city"].queryset = _cities(campaign.province)

    def only_overdue(self, queryset, name, value):
        if not value:
            return queryset
        from django.utils import timezone

        if self.campaign.status != self.campaign.Status.OPEN or timezone.localdate() <= self.campaign.deadline:
            return queryset.none()
        return queryset.filter(status__in=[CountySubmission.Status.DRAFT, CountySubmission.Status.RETURNED])

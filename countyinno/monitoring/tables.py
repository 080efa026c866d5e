"""HTML tables of the monitoring pages (django-tables2 with the platform template: sortable, paged)."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from countyinno.core.tables import BaseTable

from .models import CountySubmission, IndexResult


def _number(value, places=2):
    return "—" if value is None else f"{value:.{places}f}"


class ScoreColumn(tables.Column):
    def render(self, value):
        return _number(value, 1)


class RankingTable(BaseTable):
    rank = tables.Column(_("排名"), attrs={"td": {"class": "rank"}})
    county = tables.Column(_("县（市、区）"), accessor="region__name", order_by=("region__name",))
    city = tables.Column(_("地级市"), accessor="region__city__name", order_by=("region__city__code", "rank"),
                         attrs={"td": {"class": "nowrap"}})
    county_type = tables.Column(_("类型"), accessor="region__county_type", order_by=("region__county_type", "rank"),
                                attrs={"td": {"class": "county_type nowrap"}})
    rank_in_type = tables.Column(_("类型内排名"), order_by=("rank_in_type", "rank"))
    index = tables.Column(_("综合指数"), attrs={"td": {"class": "index"}})

    class Meta(BaseTable.Meta):
        model = IndexResult
        fields = ("rank", "county", "city", "county_type", "rank_in_type", "index")
        attrs = {"class": "list", "id": "ranking-table"}
        row_attrs = {"data-code": lambda record: record.region.code}
        order_by = ("rank",)

    def __init__(self, *args, run, dimensions, type_counts=None, **kwargs):
        extra = [(f"dim_{d.code}", ScoreColumn(d.name, accessor=f"scores__{d.code}",
                                                 order_by=(f"scores__{d.code}",))) for d in dimensions]
        extra += [("performance_group", tables.Column(_("类别"))),
                  ("band", tables.Column(_("排名区间 (5–95%)"), accessor="rank_p05", order_by=("rank_p05",))),
                  ("rank_change", tables.Column(_("名次变化"), order_by=("rank_change",)))]
        super().__init__(*args, extra_columns=extra, **kwargs)
        self.run = run
        self.type_counts = type_counts or {}

    def render_county(self, record):
        url = reverse("monitoring:county", args=[self.run.pk, record.region.code])
        return format_html('<a href="{}">{}</a> <span class="muted nowrap">{}</span>', url, record.region.name,
                           record.region.city_or_province.name)

    def render_index(self, value):
        return _number(value)

    def render_rank_in_type(self, record, value):
        total = self.type_counts.get(record.region.county_type)
        return f"{value} / {total}" if total else value

    def render_band(self, record):
        if record.rank_p05 is None:
            return "—"
        return f"{record.rank_p05:.0f}–{record.rank_p95:.0f}"

    def render_rank_change(self, value):
        if not value:
            return "—"
        return f"↑{value}" if value > 0 else f"↓{-value}"


class SubmissionTable(BaseTable):
    pick = tables.CheckBoxColumn(accessor="pk", verbose_name=_("选择"), orderable=False,
                                 attrs={"input": {"form": "batch-form", "name": "pick"},
                                        "th__input": {"id": "pick-all", "form": "batch-form"}})
    county = tables.Column(_("县（市、区）"), accessor="region__name", order_by=("region__code",))
    city = tables.Column(_("地级市"), accessor="region__city__name", order_by=("region__city__code", "region__code"),
                         attrs={"td": {"class": "nowrap"}})
    status = tables.Column(_("状态"))
    submitted_at = tables.DateTimeColumn(format="Y-m-d H:i", verbose_name=_("提交时间"))
    reminded_at = tables.DateTimeColumn(format="Y-m-d H:i", verbose_name=_("最近催报"))

    class Meta(BaseTable.Meta):
        model = CountySubmission
        fields = ("pick", "county", "city", "status", "submitted_at", "reminded_at")
        attrs = {"class": "list", "id": "submission-table"}
        row_attrs = {"data-code": lambda record: record.region.code}

    def render_county(self, record):
        url = reverse("monitoring:submission", args=[record.pk])
        return format_html('<a href="{}">{}</a> <span class="muted">{}</span>', url, record.region.name,
                           record.region.code)

    def render_status(self, record):
        overdue = format_html(' <span class="tag tag-returned overdue">{}</span>', _("逾期未报")) if record.is_overdue else ""
        return format_html('<span class="tag tag-{}">{}</span>{}', record.status, record.get_status_display(), overdue)

"""HTML lists of rural services (django-tables2 with the platform template)."""

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from countyinno.core.tables import BaseTable

from . import clock
from .models import Course, FarmerQuestion, OutreachEvent


class QueueTable(BaseTable):
    text = tables.Column("问题", linkify=lambda record: reverse("rural:answer-page", args=[record.pk]))
    region = tables.Column("县（市、区）", accessor="region__name", order_by=("region__code",))
    field = tables.Column("作物/领域")
    status = tables.Column("状态")
    expert = tables.Column("专家", accessor="expert__name", default="—")
    level = tables.Column("督办层级")
    created_at = tables.DateTimeColumn(verbose_name="提问时间", format="Y-m-d H:i")
    due_at = tables.Column("应答期限（工作时间）")

    class Meta(BaseTable.Meta):
        model = FarmerQuestion
        fields = ("text", "region", "field", "status", "expert", "level", "created_at", "due_at")
        attrs = {"class": "list", "id": "question-queue"}
        row_attrs = {"data-pk": lambda record: record.pk}

    def render_text(self, value):
        return value[:40] + ("…" if len(value) > 40 else "")

    def render_due_at(self, value, record):
        if value is None:
            return "—"
        left = clock.working_hours_between(timezone.now(), value)
        hours, days = clock.describe(abs(left))
        when = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        if left < 0:
            return format_html('<span class="error overdue">{} · 已超期 {} 工作小时（约 {} 个工作日）</span>', when, hours, days)
        return format_html("{} · 剩余 {} 工作小时（约 {} 个工作日）", when, hours, days)


class CourseTable(BaseTable):
    title = tables.Column("课程", linkify=lambda record: reverse("rural:course", args=[record.pk]))
    region = tables.Column("县（市、区）", accessor="region__name", order_by=("region__code",))
    organiser = tables.Column("培训机构", accessor="organiser__name", default="—")
    crop = tables.Column("作物/领域")
    session_date = tables.DateColumn(verbose_name="授课日期", format="Y-m-d")
    n = tables.Column("已报名", orderable=True)
    capacity = tables.Column("名额")

    class Meta(BaseTable.Meta):
        model = Course
        fields = ("title", "region", "organiser", "crop", "session_date", "n", "capacity")
        attrs = {"class": "list", "id": "course-table"}


class EventTable(BaseTable):
    title = tables.Column("活动", linkify=lambda record: reverse("rural:event", args=[record.pk]))
    kind = tables.Column("活动类型")
    region = tables.Column("县（市、区）", accessor="region__name", order_by=("region__code",))
    online = tables.BooleanColumn(verbose_name="线上", yesno="线上,线下")
    starts_at = tables.DateTimeColumn(verbose_name="开始时间", format="Y-m-d H:i")
    n = tables.Column("已报名")
    checked = tables.Column("已签到")
    capacity = tables.Column("名额")

    class Meta(BaseTable.Meta):
        model = OutreachEvent
        fields = ("title", "kind", "region", "online", "starts_at", "n", "checked", "capacity")
        attrs = {"class": "list", "id": "event-table"}

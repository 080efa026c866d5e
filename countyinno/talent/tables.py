"""The talent app's long lists as platform tables: sortable, paged, labels not codes, scores rounded."""

from decimal import ROUND_HALF_UP, Decimal

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from countyinno.core.tables import BaseTable



def one_place(value) -> str:
    if value is None:
        return "—"
    return str(Decimal(value).quantize(Decimal("0.1"), ROUND_HALF_UP))


class ScoreColumn(tables.Column):
    def render(self, value):
        return one_place(value)


class TalentTable(BaseTable):
    pk = tables.Column(_("编号"), accessor="pk")
    name = tables.Column(_("姓名"))
    kind = tables.Column(_("类型"))
    home_unit = tables.Column(_("派出单位"), accessor="home_unit__name")
    title = tables.Column(_("职称"))
    fields = tables.Column(_("领域"), orderable=False)
    programmes = tables.Column(_("所属计划"), orderable=False)
    capacity = tables.Column(_("可服务企业数"))
    availability_days = tables.Column(_("可服务天数/年"))
    account = tables.Column(_("账号"), accessor="user_id", orderable=False, empty_values=())

    # The pks the viewer may edit (talent.update_talent); the view sets it.
    editable: set = frozenset()

    class Meta(BaseTable.Meta):
        attrs = {"class": "list", "id": "talent-table"}

    def render_name(self, record):
        if record.pk in self.editable:
            return format_html('<a href="{}" class="talent-edit">{}</a>', reverse("talent:talent-edit", args=[record.pk]),
                               record.name)
        return record.name

    def render_kind(self, record):
        return {"individual": _("个人"), "team": _("团队"), "legal": _("法人")}.get(record.kind, "—")

    def render_home_unit(self, record):
        return f"{record.home_unit.name}（{record.home_unit.region.name}）"

    def render_account(self, record):
        return _("已关联") if record.user_id else _("未关联")

    def render_fields(self, value):
        return "、".join(value or []) or "—"

    def render_programmes(self, record):
        return "、".join(record.programme_labels) or "—"


class AssignmentTable(BaseTable):
    talent = tables.Column(_("人才"), accessor="talent__name", order_by=("talent__name",))
    home_unit = tables.Column(_("派出单位"), accessor="talent__home_unit__name")
    requester = tables.Column(_("需求单位"), accessor="demand__requester__name")
    county = tables.Column(_("县"), accessor="demand__region__name", order_by=("demand__region__code",))
    reasons = tables.Column(_("匹配理由"), orderable=False)

    class Meta(BaseTable.Meta):
        attrs = {"class": "list", "id": "assignment-table"}

    def render_talent(self, record):
        return format_html('<a href="{}">{}</a> <span class="muted">#{}</span>',
                           reverse("talent:assignment", args=[record.pk]), record.talent.name, record.talent_id)

    def render_requester(self, record):
        return format_html('{} <span class="muted">#{}</span>', record.demand.requester.name, record.demand_id)

    def render_reasons(self, record):
        text = "；".join(str(r) for r in record.reasons or [])
        return f"{text} · {_('指定')}" if record.pinned else (text or "—")


class AssessmentTable(BaseTable):
    year = tables.Column(_("年度"))
    talent = tables.Column(_("人才"), accessor="talent__name", order_by=("talent__name",))
    unit = tables.Column(_("派出单位"), accessor="talent__home_unit__name")
    confirmed_days = tables.Column(_("已确认天数"))
    service = ScoreColumn(_("服务情况"))
    effect = ScoreColumn(_("服务成效"))
    satisfaction = ScoreColumn(_("满意度"))
    total = ScoreColumn(_("总分"))
    grade = tables.Column(_("等次"))

    class Meta(BaseTable.Meta):
        attrs = {"class": "list", "id": "assessment-table"}

    def render_effect(self, value, record):
        text = one_place(value)
        if record.awaiting_evaluation:
            return format_html('{} <span class="tag tag-submitted">{} {}/{}</span>', text, _("待县级评价"),
                               record.evaluation_count, record.assignment_count)
        return text

    def render_satisfaction(self, value, record):
        return format_html('{} <span class="muted">({})</span>', one_place(value),
                           _("%(n)s 次评分") % {"n": record.rating_count})

    def render_grade(self, record):
        return record.grade_label


class WorkstationTable(BaseTable):
    host = tables.Column(_("建站单位"), accessor="host__name")
    region = tables.Column(_("所在地区"), accessor="host__region__name")
    kind = tables.Column(_("类型"))
    expert_name = tables.Column(_("院士/专家"))
    status = tables.Column(_("状态"))
    submitted_on = tables.DateColumn("Y-m-d", verbose_name=_("提交日期"))
    province_due_on = tables.DateColumn("Y-m-d", verbose_name=_("省级复审期限"))
    publicity_ends_on = tables.DateColumn("Y-m-d", verbose_name=_("公示截止"))

    class Meta(BaseTable.Meta):
        attrs = {"class": "list", "id": "workstation-table"}

    def render_expert_name(self, record):
        retired = _("（退休）") if record.expert_retired else ""
        return format_html('<a href="{}" class="workstation-link">{}{}</a>',
                           reverse("talent:workstation", args=[record.pk]), record.expert_name, retired)

    def render_status(self, record):
        return format_html('<span class="tag tag-{}">{}</span>', record.status, record.get_status_display())


class PublicityTable(BaseTable):
    host = tables.Column(_("建站单位"), accessor="host__name")
    state = tables.Column(_("公示状态"), orderable=False, empty_values=())
    region = tables.Column(_("所在地区"), accessor="host__region__name")
    kind = tables.Column(_("类型"))
    expert_name = tables.Column(_("进站院士/专家"))
    published_on = tables.DateColumn("Y-m-d", verbose_name=_("公布日期"))
    publicity_ends_on = tables.DateColumn("Y-m-d", verbose_name=_("公示截止"))

    class Meta(BaseTable.Meta):
        attrs = {"class": "list", "id": "publicity-table"}
        sequence = ("host", "region", "kind", "expert_name", "published_on", "publicity_ends_on", "state")

    def render_state(self, record):
        today = timezone.localdate()
        if record.publicity_ends_on and today <= record.publicity_ends_on:
            return format_html('<span class="tag tag-submitted">{}</span>', _("公示中"))
        return _("公示期满")


class EvaluationTable(BaseTable):
    talent = tables.Column(_("科技特派员"), accessor="talent__name", order_by=("talent__name",))
    requester = tables.Column(_("服务单位"), accessor="demand__requester__name")
    year = tables.Column(_("年度"), accessor="plan__year")
    confirmed = tables.Column(_("已确认天数"), orderable=False, empty_values=())
    county_score = tables.Column(_("县级评价"))
    action = tables.Column("", orderable=False, empty_values=())

    class Meta(BaseTable.Meta):
        attrs = {"class": "list", "id": "evaluation-table"}

    def render_confirmed(self, record):
        return one_place(getattr(record, "confirmed_days", None) or 0)

    def render_county_score(self, value):
        return one_place(value)

    def render_action(self, record):
        label = _("修改评价") if record.county_score is not None else _("评价")
        return format_html('<a class="button evaluate-link" href="{}#evaluation">{}</a>',
                           reverse("talent:assignment", args=[record.pk]), label)

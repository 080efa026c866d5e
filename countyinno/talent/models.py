"""科技特派员 — talents, service demands, dispatch plans, service logs, assessments, workstations."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from countyinno.core.audit import AuditedModel
from countyinno.core.models import TimeStampedModel
from countyinno.core.scoping import RestrictedManager, ScopeRule

PROGRAMMES = {"commissioner": _("科技特派员"), "qianren": _("千人服务千企"), "doctor": _("博士服务团"),
              "town_mayor": _("科技镇长团"), "youth": _("青年科技人才")}


def programme_labels(codes) -> list[str]:
    """The programmes' names for people (科技特派员、千人服务千企), never their codes."""
    return [str(PROGRAMMES.get(code, code)) for code in codes or []]


def bilingual_part(label: str) -> str:
    """"优秀 excellent" → "优秀" in Chinese, "excellent" in English (rule-set labels carry both)."""
    zh, _sep, en = (label or "").partition(" ")
    return en if en and (get_language() or "").startswith("en") else zh



# The talents' fields: the eight high-tech fields, plus crops and trades for the farm Q&A routing (rural).
FIELDS = ["现代农业", "先进制造与自动化", "电子信息", "新材料", "生物与新医药", "资源与环境", "新能源与节能", "高技术服务"]
PROFILE_FIELDS = FIELDS + ["小麦", "玉米", "设施蔬菜", "果树", "畜牧", "水产", "中药材", "农机"]

class Talent(AuditedModel, TimeStampedModel):
    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", "个人 individual"
        TEAM = "team", "团队 team"
        LEGAL = "legal", "法人 legal entity"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="talent")
    name = models.CharField("姓名/团队", max_length=100)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices, default=Kind.INDIVIDUAL)
    home_unit = models.ForeignKey("accounts.Organisation", verbose_name="派出单位", on_delete=models.PROTECT,
                                  related_name="talents")
    title = models.CharField("职称", max_length=40, blank=True)
    degree = models.CharField("学历", max_length=20, blank=True)
    fields = models.JSONField("领域", default=list)
    keywords = models.JSONField("关键词", default=list)
    availability_days = models.PositiveIntegerField("可服务天数/年", default=30)
    capacity = models.PositiveSmallIntegerField("可服务企业数", default=1)
    programmes = models.JSONField("所属计划", default=list)
    term_start = models.DateField("聘期开始", null=True, blank=True)
    term_end = models.DateField("聘期结束", null=True, blank=True)
    certificate_number = models.CharField("证书编号", max_length=40, blank=True)

    objects = RestrictedManager()
    # Officials see talents working in or sent from their area; units their own; a talent itself.
    scope = ScopeRule(region="home_unit__region", organisation="home_unit", owner="user")

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = "科技人才 talent"

    def __str__(self):
        return self.name

    @property
    def programme_labels(self) -> list[str]:
        return programme_labels(self.programmes)


class ServiceDemand(AuditedModel, TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", "待对接 open"
        ASSIGNED = "assigned", "已派驻 assigned"
        CLOSED = "closed", "已关闭 closed"

    requester = models.ForeignKey("accounts.Organisation", verbose_name="需求单位", on_delete=models.PROTECT,
                                  related_name="talent_demands")
    region = models.ForeignKey("regions.Region", verbose_name="所在县", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField("年度")
    problem = models.TextField("技术难题")
    fields = models.JSONField("领域", default=list)
    keywords = models.JSONField("关键词", default=list)
    days_needed = models.PositiveIntegerField("所需服务天数", default=30)
    need = models.PositiveSmallIntegerField("所需人数", default=1)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)

    objects = RestrictedManager()
    scope = ScopeRule(region="region", organisation="requester")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "服务需求 service demand"

    def __str__(self):
        return f"{self.requester.name}：{self.problem[:30]}"


class DispatchPlan(AuditedModel, TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "草案 draft"
        PUBLISHED = "published", "已发布 published"

    year = models.PositiveIntegerField("年度")
    province = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    mode = models.CharField("模式", max_length=10, default="optimal")
    constraints = models.JSONField("约束", default=dict)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    summary = models.JSONField("结果摘要", default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedManager()
    scope = ScopeRule(region="province")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "选派方案 dispatch plan"


class Assignment(AuditedModel):
    plan = models.ForeignKey(DispatchPlan, on_delete=models.CASCADE, related_name="assignments")
    talent = models.ForeignKey(Talent, on_delete=models.PROTECT, related_name="assignments")
    demand = models.ForeignKey(ServiceDemand, on_delete=models.PROTECT, related_name="assignments")
    cost = models.FloatField(default=0)
    reasons = models.JSONField(default=list)
    pinned = models.BooleanField(default=False)
    # The county's evaluation of this commissioner's service there (服务成效, 0–100).
    county_score = models.DecimalField("县级评价（服务成效）", max_digits=4, decimal_places=1, null=True, blank=True)
    county_comment = models.TextField("县级评价意见", blank=True)
    county_evaluated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                            related_name="+")
    county_evaluated_on = models.DateField("评价日期", null=True, blank=True)

    objects = RestrictedManager()
    scope = ScopeRule(region="demand__region", organisation="demand__requester", owner="talent__user")

    class Meta:
        unique_together = [("plan", "talent", "demand")]

    def __str__(self):
        return f"{self.talent} → {self.demand.requester.name}"


class ServiceLog(AuditedModel, TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "待确认 pending"
        CONFIRMED = "confirmed", "已确认 confirmed"
        REJECTED = "rejected", "有异议 disputed"

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="logs")
    visited_on = models.DateField("服务日期")
    # A visit of several days names its last day; the days logged never exceed the dates covered.
    visited_until = models.DateField("服务截止日期", null=True, blank=True)
    days = models.DecimalField("服务天数", max_digits=4, decimal_places=1, default=Decimal("1"))
    content = models.TextField("服务内容")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    satisfaction = models.PositiveSmallIntegerField("满意度（1–5）", null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    dispute_reason = models.TextField("异议理由", blank=True)
    disputed_at = models.DateTimeField("提出异议时间", null=True, blank=True)
    reply = models.TextField("特派员答复", blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)

    objects = RestrictedManager()
    scope = ScopeRule(region="assignment__demand__region", organisation="assignment__demand__requester",
                      owner="assignment__talent__user")

    class Meta:
        ordering = ["-visited_on"]

    def __str__(self):
        return f"{self.assignment.talent} · {self.visited_on:%Y-%m-%d}"

    @property
    def last_day(self):
        return self.visited_until or self.visited_on

    @property
    def span_days(self) -> int:
        """Calendar days the visit covers (one for a single date)."""
        return (self.last_day - self.visited_on).days + 1


SCORE = dict(max_digits=9, decimal_places=4)


class Assessment(AuditedModel):
    """A talent's year, computed from confirmed logs, the served units' ratings and the counties' evaluations
    (services.assess_talent). Scores are exact to four places; pages round them to one."""

    talent = models.ForeignKey(Talent, on_delete=models.CASCADE, related_name="assessments")
    year = models.PositiveIntegerField("年度")
    service = models.DecimalField("服务情况", **SCORE)
    effect = models.DecimalField("服务成效", **SCORE)
    satisfaction = models.DecimalField("满意度", **SCORE)
    total = models.DecimalField("总分", **SCORE)
    grade = models.CharField("等次", max_length=30)
    confirmed_days = models.DecimalField("已确认服务天数", max_digits=6, decimal_places=1, default=Decimal("0"))
    rating_count = models.PositiveIntegerField("评分次数", default=0)
    evaluation_count = models.PositiveIntegerField("县级评价数", default=0)
    assignment_count = models.PositiveIntegerField("派驻数", default=0)

    objects = RestrictedManager()
    scope = ScopeRule(region="talent__home_unit__region", organisation="talent__home_unit", owner="talent__user")

    class Meta:
        unique_together = [("talent", "year")]
        ordering = ["-year", "-total"]

    def __str__(self):
        return f"{self.talent} · {self.year}"

    @property
    def grade_label(self) -> str:
        return bilingual_part(self.grade)

    @property
    def awaiting_evaluation(self) -> bool:
        return self.evaluation_count < self.assignment_count


class WorkstationApplication(AuditedModel, TimeStampedModel):
    """院士工作站 / 专家工作站 备案."""

    class Kind(models.TextChoices):
        ACADEMICIAN = "academician", "院士工作站"
        EXPERT = "expert", "专家工作站"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待市级初审 submitted"
        CITY_APPROVED = "city_approved", "待省级复审 city approved"
        APPROVED = "approved", "已备案 approved"
        RETURNED = "returned", "退回 returned"

    host = models.ForeignKey("accounts.Organisation", verbose_name="建站单位", on_delete=models.PROTECT,
                             related_name="workstations")
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    expert_name = models.CharField("进站院士/专家", max_length=100)
    expert_unit = models.CharField("院士/专家所在单位", max_length=100, blank=True)
    expert_retired = models.BooleanField("已退休", default=False)
    other_stations = models.PositiveSmallIntegerField("已在其他工作站", default=0)
    months_per_year = models.DecimalField("每年在站月数", max_digits=3, decimal_places=1)
    materials_complete = models.BooleanField("材料齐全", default=False)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    submitted_on = models.DateField("提交日期", null=True, blank=True)
    city_approved_on = models.DateField("市级初审通过日期", null=True, blank=True)
    city_comment = models.TextField("市级初审意见", blank=True)
    province_due_on = models.DateField("省级复审期限", null=True, blank=True)
    approved_on = models.DateField("省级复审通过日期", null=True, blank=True)
    published_on = models.DateField("公布日期", null=True, blank=True)
    publicity_ends_on = models.DateField("公示截止", null=True, blank=True)
    comment = models.TextField("审核意见", blank=True)

    objects = RestrictedManager()
    scope = ScopeRule(region="host__region", organisation="host")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.host} · {self.get_kind_display()} · {self.expert_name}"


def material_path(instance, filename: str) -> str:
    """A random name under MEDIA_ROOT/talent/workstations/<application>/; the extension is the checked type's."""
    return f"talent/workstations/{instance.application_id}/{uuid.uuid4().hex}.{instance.extension}"


class WorkstationMaterial(AuditedModel, TimeStampedModel):
    """A file of a workstation application (PDF, JPEG or PNG, checked by its bytes). Served only through
    the application's page to those who may see the application; it has no scope of its own."""

    class Kind(models.TextChoices):
        AGREEMENT = "agreement", "合作协议 agreement"
        EXPERT = "expert", "院士/专家进站承诺及简历 expert's commitment and CV"
        OTHER = "other", "其他证明材料 other supporting material"

    EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}

    application = models.ForeignKey(WorkstationApplication, on_delete=models.CASCADE, related_name="materials")
    kind = models.CharField("材料类型", max_length=12, choices=Kind.choices)
    file = models.FileField("文件", upload_to=material_path, max_length=200)
    original_name = models.CharField("原文件名", max_length=120)
    content_type = models.CharField("文件类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    objects = RestrictedManager()

    class Meta:
        ordering = ["kind", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.original_name}"

    @property
    def extension(self) -> str:
        return self.EXTENSIONS.get(self.content_type, "bin")

    @property
    def size_label(self) -> str:
        return f"{self.size / 1024:.0f} KB" if self.size < 1024 * 1024 else f"{self.size / 1048576:.1f} MB"

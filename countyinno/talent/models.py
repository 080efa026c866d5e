"""科技特派员 — talents, service demands, dispatch plans, service logs, assessments, workstations."""

from django.conf import settings
from django.db import models

from countyinno.core.audit import AuditedModel
from countyinno.core.models import TimeStampedModel
from countyinno.core.scoping import RestrictedManager, ScopeRule

PROGRAMMES = {"commissioner": "科技特派员", "qianren": "千人服务千企", "doctor": "博士服务团",
              "town_mayor": "科技镇长团", "youth": "青年科技人才"}


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
    days = models.FloatField("服务天数", default=1)
    content = models.TextField("服务内容")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    satisfaction = models.PositiveSmallIntegerField("满意度（1–5）", null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    objects = RestrictedManager()
    scope = ScopeRule(region="assignment__demand__region", organisation="assignment__demand__requester",
                      owner="assignment__talent__user")

    class Meta:
        ordering = ["-visited_on"]


class Assessment(AuditedModel):
    talent = models.ForeignKey(Talent, on_delete=models.CASCADE, related_name="assessments")
    year = models.PositiveIntegerField()
    service = models.FloatField("服务情况")
    effect = models.FloatField("服务成效")
    satisfaction = models.FloatField("满意度")
    total = models.FloatField("总分")
    grade = models.CharField("等次", max_length=30)

    objects = RestrictedManager()
    scope = ScopeRule(region="talent__home_unit__region", organisation="talent__home_unit", owner="talent__user")

    class Meta:
        unique_together = [("talent", "year")]
        ordering = ["-year", "-total"]


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
    expert_retired = models.BooleanField("已退休", default=False)
    other_stations = models.PositiveSmallIntegerField("已在其他工作站", default=0)
    months_per_year = models.FloatField("每年在站月数")
    materials_complete = models.BooleanField("材料齐全", default=False)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    city_approved_on = models.DateField(null=True, blank=True)
    province_due_on = models.DateField("省级复审期限", null=True, blank=True)
    approved_on = models.DateField(null=True, blank=True)
    published_on = models.DateField("公布日期", null=True, blank=True)
    publicity_ends_on = models.DateField("公示截止", null=True, blank=True)
    comment = models.TextField(blank=True)

    objects = RestrictedManager()
    scope = ScopeRule(region="host__region", organisation="host")

    class Meta:
        ordering = ["-created_at"]

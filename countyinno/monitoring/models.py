"""县域创新能力监测 — indicator frameworks, annual survey campaigns, submissions, index runs, results."""

from django.conf import settings
from django.db import models

from countyinno.core.audit import AuditedModel
from countyinno.core.models import TimeStampedModel
from countyinno.core.scoping import RestrictedManager, ScopeRule


class IndicatorFramework(AuditedModel, TimeStampedModel):
    """评价指标体系 — versioned; a published version is frozen."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿 draft"
        PUBLISHED = "published", "已发布 published"

    code = models.CharField("体系代码", max_length=40)
    version = models.PositiveIntegerField("版本", default=1)
    name = models.CharField("名称", max_length=200)
    description = models.TextField("说明", blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedManager()
    scope = ScopeRule(public_view=True)  # province-wide reference data; who may change it: permissions.py

    class Meta:
        ordering = ["code", "-version"]
        unique_together = [("code", "version")]
        verbose_name = verbose_name_plural = "指标体系 indicator framework"

    def __str__(self):
        return f"{self.name} v{self.version}"

    @property
    def is_frozen(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def indicators(self):
        return self.nodes.filter(kind=FrameworkNode.Kind.INDICATOR).order_by("order", "code")


class FrameworkNode(AuditedModel):
    """指标 / 维度 / 总指数 — one node of the framework tree."""

    class Kind(models.TextChoices):
        INDICATOR = "indicator", "指标 indicator"
        DIMENSION = "dimension", "维度 dimension"
        INDEX = "index", "总指数 index"

    framework = models.ForeignKey(IndicatorFramework, on_delete=models.CASCADE, related_name="nodes")
    code = models.CharField("代码", max_length=40)
    name = models.CharField("名称", max_length=200)
    name_en = models.CharField("英文名称", max_length=200, blank=True)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    parent_code = models.CharField("上级代码", max_length=40, blank=True)
    direction = models.SmallIntegerField("方向", default=1, help_text="1 越大越好 / -1 越小越好")
    weight = models.FloatField("权重", default=1.0)
    unit = models.CharField("单位", max_length=40, blank=True)
    min_value = models.FloatField("最小有效值", null=True, blank=True)
    max_value = models.FloatField("最大有效值", null=True, blank=True)
    jump_threshold = models.FloatField("年度变动预警阈值", default=0.5,
                                       help_text="与上年相比变动超过该比例须填写说明 (0.5 = 50%)")
    required = models.BooleanField("必填", default=True)
    platform_source = models.CharField("平台数据来源", max_length=80, blank=True)
    order = models.PositiveIntegerField("顺序", default=0)

    objects = RestrictedManager()
    scope = ScopeRule(public_view=True)

    class Meta:
        ordering = ["framework", "order", "code"]
        unique_together = [("framework", "code")]
        verbose_name = verbose_name_plural = "指标 framework node"

    def __str__(self):
        return f"{self.code} {self.name}"


class SurveyCampaign(AuditedModel, TimeStampedModel):
    """年度县域创新调查 — one year's survey, opened by the province."""

    class Status(models.TextChoices):
        OPEN = "open", "填报中 open"
        CLOSED = "closed", "已截止 closed"

    year = models.PositiveIntegerField("年度")
    title = models.CharField("名称", max_length=200)
    framework = models.ForeignKey(IndicatorFramework, verbose_name="指标体系", on_delete=models.PROTECT,
                                  related_name="campaigns")
    province = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    deadline = models.DateField("截止日期")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    pipeline_config = models.JSONField("指数计算配置", default=dict, blank=True)

    objects = RestrictedManager()
    scope = ScopeRule(region="province", public_view=True)

    class Meta:
        ordering = ["-year"]
        unique_together = [("province", "year", "framework")]
        verbose_name = verbose_name_plural = "调查 survey campaign"

    def __str__(self):
        return self.title


class CountySubmission(AuditedModel, TimeStampedModel):
    """县级填报 — a county's answers to one campaign, with its review workflow."""

    class Status(models.TextChoices):
        DRAFT = "draft", "填报中 draft"
        SUBMITTED = "submitted", "待市级审核 submitted"
        CITY_APPROVED = "city_approved", "待省级审核 city approved"
        APPROVED = "approved", "已审定 approved"
        RETURNED = "returned", "退回修改 returned"

    campaign = models.ForeignKey(SurveyCampaign, on_delete=models.CASCADE, related_name="submissions")
    region = models.ForeignKey("regions.Region", verbose_name="县（市、区）", on_delete=models.PROTECT,
                               related_name="+")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    revision = models.PositiveIntegerField("修订号", default=0, help_text="optimistic lock: bumped by every save")
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    approved_at = models.DateTimeField("审定时间", null=True, blank=True)
    reminded_at = models.DateTimeField("最近催报时间", null=True, blank=True)
    reminder_count = models.PositiveIntegerField("催报次数", default=0)

    objects = RestrictedManager()
    scope = ScopeRule(region="region")

    class Meta:
        ordering = ["campaign", "region__code"]
        unique_together = [("campaign", "region")]
        verbose_name = verbose_name_plural = "县级填报 county submission"

    def __str__(self):
        return f"{self.campaign.year} {self.region.name}"

    @property
    def is_overdue(self) -> bool:
        """The deadline has passed and the county has not handed its answers in."""
        from django.utils import timezone

        return self.status in (self.Status.DRAFT, self.Status.RETURNED) and \
            self.campaign.status == SurveyCampaign.Status.OPEN and timezone.localdate() > self.campaign.deadline

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED) and \
            self.campaign.status == SurveyCampaign.Status.OPEN


class SubmissionValue(AuditedModel):
    """One indicator value with its source; its history is in the audit log."""

    class Source(models.TextChoices):
        FORM = "form", "网页填报 web form"
        UPLOAD = "upload", "Excel 上传 upload"
        PLATFORM = "platform", "平台数据 platform data"
        DEMO = "demo", "演示数据 demo"

    submission = models.ForeignKey(CountySubmission, on_delete=models.CASCADE, related_name="values")
    node = models.ForeignKey(FrameworkNode, on_delete=models.PROTECT, related_name="+")
    value = models.FloatField("数值", null=True, blank=True)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.FORM)
    explanation = models.TextField("变动说明", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()
    scope = ScopeRule(region="submission__region")

    class Meta:
        unique_together = [("submission", "node")]
        verbose_name = verbose_name_plural = "填报值 submission value"

    def __str__(self):
        return f"{self.submission} {self.node.code}={self.value}"


class ReviewComment(AuditedModel):
    """审核意见 — every workflow step with its comment."""

    submission = models.ForeignKey(CountySubmission, on_delete=models.CASCADE, related_name="reviews")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    from_status = models.CharField(max_length=16)
    to_status = models.CharField(max_length=16)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()
    scope = ScopeRule(region="submission__region")

    class Meta:
        ordering = ["created_at", "id"]


class IndexRun(AuditedModel):
    """指数测算 — one reproducible run: inputs, configuration and code version are stored."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中 queued"
        RUNNING = "running", "计算中 running"
        SUCCEEDED = "succeeded", "已完成 succeeded"
        FAILED = "failed", "失败 failed"

    campaign = models.ForeignKey(SurveyCampaign, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.QUEUED)
    config = models.JSONField("计算配置", default=dict)
    years = models.JSONField("纳入年度", default=list)
    input_meta = models.JSONField("输入 iMeta", default=list)
    input_data = models.JSONField("输入 iData", default=list)
    input_hash = models.CharField("输入摘要", max_length=64, blank=True)
    code_version = models.CharField("程序版本", max_length=80, blank=True)
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField("摘要", default=dict, blank=True)
    error = models.TextField(blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True,
                                        help_text="a published run's results are province-wide information for every official")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    objects = RestrictedManager()
    scope = ScopeRule(region="campaign__province", public_view=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "指数测算 index run"

    def __str__(self):
        return f"{self.campaign.year} #{self.pk}"


class IndexResult(AuditedModel):
    """One county's scores in one year of a run; scoped like the county."""

    run = models.ForeignKey(IndexRun, on_delete=models.CASCADE, related_name="results")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField()
    index = models.FloatField("综合指数", null=True)
    rank = models.PositiveIntegerField("排名", null=True)
    rank_in_city = models.PositiveIntegerField("市内排名", null=True)
    performance_group = models.CharField("类别", max_length=40, blank=True)
    rank_change = models.IntegerField("名次变化", null=True)
    scores = models.JSONField("各维度得分", default=dict)
    values = models.JSONField("指标原值", default=dict)
    normalised = models.JSONField("指标标准化值", default=dict)
    rank_median = models.FloatField(null=True)
    rank_p05 = models.FloatField(null=True)
    rank_p95 = models.FloatField(null=True)
    strengths = models.JSONField(default=list)
    weaknesses = models.JSONField(default=list)

    objects = RestrictedManager()
    scope = ScopeRule(region="region")

    class Meta:
        ordering = ["run", "year", "rank"]
        unique_together = [("run", "region", "year")]
        indexes = [models.Index(fields=["run", "year"])]

import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models

from .scoping import RestrictedManager, RestrictedQuerySet, ScopeRule


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class AuditLogQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "view"):
        """Scoped like the objects they describe; province admins also see sign-in failures and refused
        attempts that belong to no region (unknown user names, attacks from outside)."""
        restricted = super().restrict(user, action)
        if action == "view" and getattr(user, "admin_level", None) == "province" and not user.is_superuser:
            return self.filter(models.Q(pk__in=restricted.values("pk"))
                               | models.Q(region__isnull=True, organisation__isnull=True, action__in=["login", "denied"]))
        return restricted


class AuditLogEntry(models.Model):
    """审计日志 — an append-only record of one change."""

    ACTIONS = [("create", "新建 create"), ("update", "修改 update"), ("delete", "删除 delete"),
               ("state", "状态变更 state change"), ("login", "登录 log-in"), ("export", "导出 export"),
               ("denied", "越权尝试 refused attempt")]

    timestamp = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField("操作人账号", max_length=150, blank=True)
    action = models.CharField("操作", max_length=16, choices=ACTIONS, db_index=True)
    content_type = models.ForeignKey("contenttypes.ContentType", verbose_name="对象类型", on_delete=models.PROTECT)
    object_id = models.CharField("对象 ID", max_length=64, db_index=True)
    object_repr = models.CharField("对象", max_length=200)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    changes = models.JSONField("变更字段", default=dict, blank=True)
    comment = models.TextField("说明", blank=True)
    operation = models.CharField("业务操作", max_length=100, blank=True, db_index=True)
    source_ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    region = models.ForeignKey("regions.Region", verbose_name="所属地区", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    organisation = models.ForeignKey("accounts.Organisation", verbose_name="所属机构", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    objects = AuditLogQuerySet.as_manager()
    scope = ScopeRule(region="region", organisation="organisation")

    class Meta:
        ordering = ["-timestamp", "-id"]
        verbose_name = verbose_name_plural = "审计日志 audit log"

    def __str__(self):
        return f"{self.timestamp:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("审计日志不可修改 / audit records cannot be edited")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("审计日志不可删除 / audit records cannot be deleted")


class Job(models.Model):
    """后台任务 — long work (index runs, imports, reports) with visible progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中 queued"
        RUNNING = "running", "运行中 running"
        SUCCEEDED = "succeeded", "已完成 succeeded"
        FAILED = "failed", "失败 failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField("任务类型", max_length=100, db_index=True)
    title = models.CharField("标题", max_length=200, blank=True)
    params = models.JSONField("参数", default=dict, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress = models.FloatField("进度", default=0.0)
    message = models.CharField("当前步骤", max_length=300, blank=True)
    result = models.JSONField("结果", null=True, blank=True)
    error = models.TextField("错误", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="jobs")
    region = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    backend = models.CharField("执行方式", max_length=10, blank=True)
    worker = models.CharField("工作进程", max_length=100, blank=True)
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("执行次数", default=0)

    objects = RestrictedManager()
    scope = ScopeRule(region="region", owner="created_by")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "后台任务 job"

    def __str__(self):
        return f"{self.title or self.kind} ({self.get_status_display()})"

    @property
    def error_message(self) -> str:
        """What people see of a failure: the reason, not the traceback (kept for administrators)."""
        return (self.error or "").split("\n\nTraceback", 1)[0].split("\n\n", 1)[0].strip()[:1000]

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)


class ApiToken(models.Model):
    """API 令牌 — stored as a SHA-256 hash (the key is shown once, at issue), with an idle and an
    absolute lifetime; revoked on password change, deactivation and API log-out."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField("前缀", max_length=8, db_index=True)
    created_at = models.DateTimeField("签发时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    expires_at = models.DateTimeField("到期时间")
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    revoked_reason = models.CharField("吊销原因", max_length=100, blank=True)

    objects = RestrictedManager()
    scope = ScopeRule(owner="user")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "API 令牌 API token"

    def __str__(self):
        return f"{self.prefix}… ({self.user})"


class Notification(models.Model):
    """站内通知 — an in-app notice to one user: a reminder, a match, an expression of interest."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField("类别", max_length=50, db_index=True)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    objects = RestrictedManager()
    scope = ScopeRule(owner="user")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "站内通知 notification"

    def __str__(self):
        return self.title

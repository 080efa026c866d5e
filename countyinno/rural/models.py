"""农业科技服务 — 12396-style Q&A, service stations, training, outreach events, poverty-alleviation pairing."""

from django.conf import settings
from django.db import models

from countyinno.core.audit import AuditedModel
from countyinno.core.models import TimeStampedModel
from countyinno.core.scoping import RestrictedManager, ScopeRule


class KnowledgeEntry(AuditedModel, TimeStampedModel):
    question = models.CharField("问题", max_length=300)
    answer = models.TextField("解答")
    field = models.CharField("领域/作物", max_length=40)
    source_question = models.ForeignKey("FarmerQuestion", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")

    objects = RestrictedManager()
    scope = ScopeRule(public_view=True)

    def __str__(self):
        return self.question


class FarmerQuestion(AuditedModel, TimeStampedModel):
    class Status(models.TextChoices):
        ANSWERED_KB = "answered_kb", "知识库已答 answered from the knowledge base"
        ROUTED = "routed", "已派专家 routed to an expert"
        ANSWERED = "answered", "专家已答 answered"
        UNROUTED = "unrouted", "待人工分派 waiting for an expert"

    class Level(models.TextChoices):
        COUNTY = "county", "县级 county"
        CITY = "city", "市级 city"
        PROVINCE = "province", "省级 province"

    asker = models.CharField("提问人", max_length=50)
    phone = models.CharField("手机", max_length=20)
    channel = models.CharField("渠道", max_length=10, default="web")
    region = models.ForeignKey("regions.Region", verbose_name="县（市、区）", on_delete=models.PROTECT, related_name="+")
    field = models.CharField("领域/作物", max_length=40)
    text = models.TextField("问题")
    attachment = models.FileField("图片", upload_to="rural/questions/", blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices)
    knowledge = models.ForeignKey(KnowledgeEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    expert = models.ForeignKey("talent.Talent", null=True, blank=True, on_delete=models.SET_NULL, related_name="questions")
    routed_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField("应答期限", null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField("解答", blank=True)
    lookup_code = models.CharField("查询码", max_length=8, blank=True, db_index=True)
    source_ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    level = models.CharField("督办层级", max_length=10, choices=Level.choices, default=Level.COUNTY)
    escalated_at = models.DateTimeField("升级时间", null=True, blank=True)

    objects = RestrictedManager()
    scope = ScopeRule(region="region", owner="expert__user")
    # farmers' numbers and their look-up codes stay out of the audit log
    audit_exclude = ("phone", "lookup_code")

    class Meta:
        ordering = ["-created_at"]

    def masked_phone(self) -> str:
        return self.phone[:3] + "****" + self.phone[-4:] if len(self.phone) >= 7 else "****"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.UNROUTED, self.Status.ROUTED)

    def is_overdue(self, now=None) -> bool:
        from django.utils import timezone

        return self.is_open and self.due_at is not None and self.due_at < (now or timezone.now())


class ServiceStation(AuditedModel):
    name = models.CharField("名称", max_length=100)
    township = models.CharField("乡镇", max_length=50)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    experts = models.ManyToManyField("talent.Talent", blank=True, related_name="stations")

    objects = RestrictedManager()
    scope = ScopeRule(region="region", public_view=True)


class Course(AuditedModel):
    title = models.CharField("课程", max_length=200)
    crop = models.CharField("作物", max_length=40)
    season = models.CharField("季节", max_length=10)
    region = models.ForeignKey("regions.Region", verbose_name="县（市、区）", on_delete=models.PROTECT, related_name="+")
    organiser = models.ForeignKey("accounts.Organisation", verbose_name="培训机构", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="rural_courses")
    venue = models.CharField("地点", max_length=200, blank=True)
    session_date = models.DateField("授课日期")
    capacity = models.PositiveIntegerField("名额", default=50)

    objects = RestrictedManager()
    scope = ScopeRule(region="region", public_view=True)

    class Meta:
        ordering = ["-session_date", "-id"]

    def __str__(self):
        return self.title


class Enrolment(AuditedModel):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrolments")
    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("手机", max_length=20)
    attended = models.BooleanField("到课", default=False)
    certificate = models.CharField("结业证书编号", max_length=30, blank=True)
    certificate_issued_on = models.DateField("发证日期", null=True, blank=True)
    feedback = models.PositiveSmallIntegerField("评分", null=True, blank=True)
    feedback_note = models.CharField("意见", max_length=300, blank=True)

    objects = RestrictedManager()
    scope = ScopeRule(region="course__region")
    audit_exclude = ("phone",)  # trainees' numbers stay out of the audit log

    class Meta:
        unique_together = [("course", "phone")]
        ordering = ["id"]

    def masked_phone(self) -> str:
        return self.phone[:3] + "****" + self.phone[-4:] if len(self.phone) >= 7 else "****"


class OutreachEvent(AuditedModel):
    class Kind(models.TextChoices):
        WEEK = "week", "科技活动周"
        DAY = "day", "科普日"
        TRAINING = "training", "农科微课堂"

    title = models.CharField("活动名称", max_length=200)
    kind = models.CharField("活动类型", max_length=10, choices=Kind.choices)
    region = models.ForeignKey("regions.Region", verbose_name="县（市、区）", on_delete=models.PROTECT, related_name="+")
    organiser = models.ForeignKey("accounts.Organisation", verbose_name="承办机构", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="rural_events")
    venue = models.CharField("地点", max_length=200, blank=True)
    online = models.BooleanField("线上活动", default=False)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    capacity = models.PositiveIntegerField("名额", default=200)
    closed = models.BooleanField("已结束报名", default=False)

    objects = RestrictedManager()
    scope = ScopeRule(region="region", public_view=True)

    class Meta:
        ordering = ["-starts_at", "-id"]

    def __str__(self):
        return self.title


class Registration(AuditedModel):
    event = models.ForeignKey(OutreachEvent, on_delete=models.CASCADE, related_name="registrations")
    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("手机", max_length=20)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)

    objects = RestrictedManager()
    scope = ScopeRule(region="event__region")
    audit_exclude = ("phone",)  # citizens' numbers stay out of the audit log

    class Meta:
        unique_together = [("event", "phone")]
        ordering = ["id"]

    def masked_phone(self) -> str:
        return self.phone[:3] + "****" + self.phone[-4:] if len(self.phone) >= 7 else "****"


class Pairing(AuditedModel, TimeStampedModel):
    """结对帮扶 — a village (or county) with heavy tasks paired with a park, firm or institute."""

    village = models.CharField("村", max_length=100)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="pairings")
    agreement_on = models.DateField("协议日期")
    actions = models.JSONField("帮扶举措", default=list)
    outcome = models.TextField("成效", blank=True)

    objects = RestrictedManager()
    scope = ScopeRule(region="region", organisation="partner")


class CountyPairing(AuditedModel, TimeStampedModel):
    """强县帮弱县 — a county strong in the latest published index paired with a weaker one; both counties'
    administrators agree before it is in force. Public to signed-in users: it is shown on both counties'
    pages; who may act on it is in permissions.py."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "待双方确认 awaiting both counties"
        ACTIVE = "active", "结对中 active"
        ENDED = "ended", "已结束 ended"

    strong = models.ForeignKey("regions.Region", verbose_name="帮扶县（强县）", on_delete=models.PROTECT, related_name="+")
    weak = models.ForeignKey("regions.Region", verbose_name="受援县（弱县）", on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey("monitoring.IndexRun", verbose_name="依据的指数测算", null=True, blank=True,
                            on_delete=models.SET_NULL, related_name="+")
    basis = models.CharField("结对依据", max_length=100)
    focus = models.CharField("帮扶重点", max_length=200, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    strong_confirmed_at = models.DateTimeField("帮扶县确认时间", null=True, blank=True)
    strong_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                            on_delete=models.SET_NULL, related_name="+")
    weak_confirmed_at = models.DateTimeField("受援县确认时间", null=True, blank=True)
    weak_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedManager()
    scope = ScopeRule(region="weak", public_view=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.strong.name} → {self.weak.name}"


class PairingActivity(AuditedModel):
    """One thing done under a county pairing (a visit, a training, a project), logged by either county."""

    pairing = models.ForeignKey(CountyPairing, on_delete=models.CASCADE, related_name="activities")
    side = models.ForeignKey("regions.Region", verbose_name="记录方", on_delete=models.PROTECT, related_name="+")
    happened_on = models.DateField("日期")
    title = models.CharField("活动", max_length=200)
    note = models.TextField("内容", blank=True)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    objects = RestrictedManager()
    scope = ScopeRule(region="pairing__weak", public_view=True)

    class Meta:
        ordering = ["-happened_on", "-id"]

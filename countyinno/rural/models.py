"""农业科技服务 — 12396-style Q&A, service stations, training, outreach events, poverty-alleviation pairing."""

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

    objects = RestrictedManager()
    scope = ScopeRule(region="region", owner="expert__user")
    audit_exclude = ("phone",)  # farmers' numbers stay out of the audit log

    class Meta:
        ordering = ["-created_at"]

    def masked_phone(self) -> str:
        return self.phone[:3] + "****" + self.phone[-4:] if len(self.phone) >= 7 else "****"


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
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    session_date = models.DateField("授课日期")
    capacity = models.PositiveIntegerField("名额", default=50)

    objects = RestrictedManager()
    scope = ScopeRule(region="region", public_view=True)


class Enrolment(AuditedModel):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrolments")
    name = models.CharField(max_length=50)
    phone = models.CharField(max_length=20)
    attended = models.BooleanField(default=False)
    certificate = models.CharField(max_length=30, blank=True)
    feedback = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = RestrictedManager()
    scope = ScopeRule(region="course__region")
    audit_exclude = ("phone",)  # trainees' numbers stay out of the audit log

    class Meta:
        unique_together = [("course", "phone")]


class OutreachEvent(AuditedModel):
    class Kind(models.TextChoices):
        WEEK = "week", "科技活动周"
        DAY = "day", "科普日"
        TRAINING = "training", "农科微课堂"

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    online = models.BooleanField(default=False)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveIntegerField(default=200)
    closed = models.BooleanField(default=False)

    objects = RestrictedManager()
    scope = ScopeRule(region="region", public_view=True)


class Registration(AuditedModel):
    event = models.ForeignKey(OutreachEvent, on_delete=models.CASCADE, related_name="registrations")
    name = models.CharField(max_length=50)
    phone = models.CharField(max_length=20)
    checked_in_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager()
    scope = ScopeRule(region="event__region")
    audit_exclude = ("phone",)  # citizens' numbers stay out of the audit log

    class Meta:
        unique_together = [("event", "phone")]


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

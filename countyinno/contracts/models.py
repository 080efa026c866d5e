"""技术合同登记 — registration points, contracts, payments, tech-transfer agencies and technology managers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from countyinno.core.audit import AuditedModel
from countyinno.core.models import TimeStampedModel
from countyinno.core.scoping import RestrictedManager, ScopeRule

from .labels import party_titles, subtype_label


class RegistrationPoint(AuditedModel, TimeStampedModel):
    """技术合同登记服务点 — attached to a province, city or county; 2-digit point code within its city."""

    region = models.ForeignKey("regions.Region", verbose_name="所在地区", on_delete=models.PROTECT, related_name="+")
    code = models.CharField("登记点代码", max_length=2)
    # Registration numbers carry province + city + point code, so the code is unique within a city.
    numbering_prefix = models.CharField("编号前缀（省市）", max_length=4, editable=False)
    name = models.CharField("名称", max_length=200)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="registration_points")
    is_active = models.BooleanField("开放", default=True)

    objects = RestrictedManager()
    scope = ScopeRule(region="region", public_view=True)

    class Meta:
        ordering = ["region__code", "code"]
        unique_together = [("numbering_prefix", "code")]
        verbose_name = verbose_name_plural = "登记服务点 registration point"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.numbering_prefix = self.region.code[:4]
        super().save(*args, **kwargs)


class RegistrationCounter(AuditedModel):
    """Serial numbers per point and year; taken under a row lock so a number is never issued twice.

    Audited: each number issued is a decision, and the entry sits with the point's region."""

    point = models.ForeignKey(RegistrationPoint, on_delete=models.CASCADE)
    year = models.PositiveIntegerField()
    last_serial = models.PositiveIntegerField(default=0)

    objects = RestrictedManager()
    scope = ScopeRule(region="point__region", public_view=True)  # serial numbers are printed on certificates

    class Meta:
        unique_together = [("point", "year")]


class TechContract(AuditedModel, TimeStampedModel):
    """技术合同 — applied for by the seller at its region's point; registered or refused within 30 days."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待认定")
        RETURNED = "returned", _("退回补正")
        REGISTERED = "registered", _("已登记")
        REFUSED = "refused", _("不予登记")
        WITHDRAWN = "withdrawn", _("已撤回")

    class Category(models.TextChoices):
        DEVELOPMENT = "development", _("技术开发")
        TRANSFER = "transfer", _("技术转让")
        LICENSING = "licensing", _("技术许可")
        CONSULTING = "consulting", _("技术咨询")
        SERVICE = "service", _("技术服务")

    class Reference(models.TextChoices):
        """The named agency's answer: a reference into another organisation counts only once confirmed."""
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        DECLINED = "declined", _("已拒绝")

    class Exclusion(models.TextChoices):
        NON_TECHNICAL = "non_technical", _("非技术合同")
        DUPLICATE = "duplicate", _("重复登记")

    # A contract is live (it blocks a second application for the same deal) while it is being examined or
    # once registered; a refused or withdrawn application blocks nothing.
    LIVE = (Status.SUBMITTED, Status.RETURNED, Status.REGISTERED)

    point = models.ForeignKey(RegistrationPoint, verbose_name="登记点", on_delete=models.PROTECT, related_name="contracts")
    seller = models.ForeignKey("accounts.Organisation", verbose_name="卖方", on_delete=models.PROTECT,
                               related_name="sold_contracts")
    agency = models.ForeignKey("accounts.Organisation", verbose_name="中介机构", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="brokered_contracts")
    project_name = models.CharField("项目名称", max_length=300)
    category = models.CharField("类别", max_length=20, choices=Category.choices)
    subtype = models.CharField("子类", max_length=30)
    signed_on = models.DateField("签订日期")
    buyer_name = models.CharField("买方", max_length=200)
    buyer_credit_code = models.CharField("买方信用代码", max_length=18, blank=True)
    buyer_area_code = models.CharField("买方地区", max_length=6)
    technical_field = models.CharField("技术领域", max_length=40, blank=True)
    total_amount = models.DecimalField("合同总额（万元）", max_digits=18, decimal_places=6)
    technical_amount = models.DecimalField("技术交易额（万元）", max_digits=18, decimal_places=6)
    payload = models.JSONField("合同数据", default=dict)
    verdict = models.JSONField("认定检查", default=dict)
    related_party = models.BooleanField("关联交易", default=False)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    due_on = models.DateField("认定期限")
    decided_on = models.DateField("认定日期", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    registration_number = models.CharField("登记编号", max_length=14, unique=True, null=True, blank=True)
    refusal_reasons = models.JSONField("不予登记理由", default=list, blank=True)
    return_reason = models.CharField("退回理由", max_length=500, blank=True)
    # One contract, one registration province-wide: seller, buyer, subject, signing date and amount.
    fingerprint = models.CharField("合同指纹", max_length=64, null=True, blank=True, editable=False)
    agency_status = models.CharField("中介机构确认", max_length=10, choices=Reference.choices, blank=True)
    agency_answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+")
    agency_answered_on = models.DateField("中介机构确认日期", null=True, blank=True)
    excluded = models.CharField("不计入统计", max_length=20, choices=Exclusion.choices, blank=True)
    excluded_note = models.CharField("标记说明", max_length=500, blank=True)
    excluded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    market_listing = models.ForeignKey("techmarket.Listing", verbose_name="技术市场挂牌", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="contracts")
    verification_code = models.CharField("核验码", max_length=12, blank=True)

    objects = RestrictedManager()
    scope = ScopeRule(region="seller__region", organisation="seller")

    class Meta:
        ordering = ["-signed_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["fingerprint"], name="contracts_one_live_registration",
                                               condition=Q(status__in=["submitted", "returned", "registered"]))]
        verbose_name = verbose_name_plural = "技术合同 technology contract"

    def __str__(self):
        return f"{self.registration_number or '—'} {self.project_name}"

    @property
    def subtype_label(self) -> str:
        return subtype_label(self.category, self.subtype, self.signed_on)

    @property
    def parties(self) -> tuple[str, str]:
        """The parties' titles on this kind of contract: (seller's, buyer's)."""
        return party_titles(self.category)

    @property
    def counts(self) -> bool:
        """Counted in statistics: registered and not flagged by the examiner."""
        return self.status == self.Status.REGISTERED and not self.excluded

    @property
    def agency_counts(self) -> bool:
        """The agency's reward counts this contract only once the agency confirmed it."""
        return self.counts and self.agency_id is not None and self.agency_status == self.Reference.CONFIRMED


class Payment(AuditedModel):
    contract = models.ForeignKey(TechContract, on_delete=models.CASCADE, related_name="payments")
    paid_on = models.DateField("到账日期")
    amount = models.DecimalField("金额（万元）", max_digits=18, decimal_places=6)

    objects = RestrictedManager()
    scope = ScopeRule(region="contract__seller__region", organisation="contract__seller")


class TechnologyManager(AuditedModel, TimeStampedModel):
    """技术经理人 — profile, training and the deals they took part in."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="technology_manager")
    name = models.CharField("姓名", max_length=50)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="managers")
    specialties = models.CharField("专业领域", max_length=200, blank=True)
    certificate_number = models.CharField("证书编号", max_length=40, blank=True)
    deals = models.ManyToManyField(TechContract, blank=True, related_name="managers")

    objects = RestrictedManager()
    scope = ScopeRule(region="organisation__region", organisation="organisation", owner="user")

    def __str__(self):
        return self.name


class TrainingCourse(AuditedModel):
    title = models.CharField("课程", max_length=200)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField("开始日期")
    hours = models.PositiveIntegerField("学时")
    attendees = models.ManyToManyField(TechnologyManager, blank=True, related_name="courses")

    objects = RestrictedManager()
    scope = ScopeRule(region="region", public_view=True)

    def __str__(self):
        return self.title

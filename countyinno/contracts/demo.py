"""Registration points in every city and some counties, about 3,000 contracts signed 2025–2026 (under
both rule sets), agencies, technology managers and their training."""

from __future__ import annotations

import datetime
import math
from collections import defaultdict

import numpy as np
from django.db import transaction

from countyinno.accounts.models import Organisation
from countyinno.core.demo import DemoContext, demo_generator
from countyinno.engines.rules import contracts as rules
from countyinno.regions.models import Region

from decimal import Decimal

from . import services
from .labels import exact, plain
from .models import RegistrationCounter, TechContract, TechnologyManager
from .services import contract_fingerprint, contract_payload, new_verification_code

SUBTYPES = [("development", "entrusted"), ("development", "cooperative"), ("transfer", "know_how"),
            ("transfer", "patent"), ("licensing", "patent_license"), ("consulting", "consulting"),
            ("service", "technical_service"), ("service", "training")]
FIELDS = ["电子信息", "先进制造与自动化", "新材料", "生物与新医药", "现代农业", "新能源与节能", "资源与环境"]


@demo_generator(order=35, name="contracts")
def demo_contracts(ctx: DemoContext) -> dict:
    """Runs inside audit.system() + audit.bulk() (see core.demo): points and training go through the
    declared actions; the thousands of historical contracts are bulk-loaded, one audit entry each."""
    if TechContract.objects.exists():
        return {"kept": True, "contracts": TechContract.objects.count()}
    rng = np.random.default_rng([ctx.seed, 35])
    with transaction.atomic():
        province = Region.objects.get(code=f"{ctx.province}0000")
        points = {province.code: services.create_point(actor=None, region=province, code="01", name=f"{province.name}技术合同登记处")}
        counties_with_points = set()
        for city in Region.objects.filter(level="city", province=province).order_by("code"):
            points[city.code] = services.create_point(actor=None, region=city, code="01", name=f"{city.name}技术合同登记处")
            for n, county in enumerate(Region.objects.filter(city=city, level="county").order_by("code")[::3], start=2):
                points[county.code] = services.create_point(actor=None, region=county, code=f"{n:02d}",
                                                            name=f"{county.name}技术合同登记服务点")
                counties_with_points.add(county.code)
        sellers = list(Organisation.objects.filter(kind__in=["enterprise", "university", "institute"],
                                                   region__province=province)
                       .select_related("region", "region__city"))
        buyers = list(Organisation.objects.filter(kind="enterprise", region__province=province).select_related("region"))
        agencies = list(Organisation.objects.filter(kind="agency"))
        serials = defaultdict(int)
        contracts = []
        count = int(3000 * ctx.scale) + 1
        for i in range(count):
            seller = sellers[int(rng.integers(len(sellers)))]
            buyer = buyers[int(rng.integers(len(buyers)))]
            region = seller.region
            point = points.get(region.code) or points.get(region.city_id and region.city.code) or points[province.code]
            category, subtype = SUBTYPES[int(rng.integers(len(SUBTYPES)))]
            signed = datetime.date(2025, 1, 1) + datetime.timedelta(days=int(rng.integers(0, 640)))
            total = Decimal(str(round(float(math.exp(rng.normal(math.log(60), 1.1))), 2)))
            costs = ({"equipment": str((total * Decimal(str(round(float(rng.uniform(0, 0.3)), 2)))).quantize(Decimal("0.01")))}
                     if rng.random() < 0.3 else {})
            agency = agencies[int(rng.integers(len(agencies)))] if agencies and rng.random() < 0.2 else None
            data = {"project_name": f"{FIELDS[i % len(FIELDS)]}{['关键技术', '工艺改进', '成套装备', '检测方法'][i % 4]}项目{i + 1:04d}",
                    "category": category, "subtype": subtype, "signed_on": signed.isoformat(),
                    "valid_from": signed.isoformat(), "valid_to": signed.replace(year=signed.year + 2).isoformat(),
                    "buyer": {"name": buyer.name, "credit_code": buyer.credit_code, "area_code": buyer.region.code},
                    "technical_field": FIELDS[i % len(FIELDS)], "total_amount": str(total), "non_technical_costs": costs,
                    "form": "written"}
            if category in ("transfer", "licensing"):
                data["ip"] = {"number": f"ZL20{int(rng.integers(15, 24))}1{int(rng.integers(0, 10**7)):07d}.{i % 10}",
                              "status": "valid", "expires_on": "2040-12-31"}
                data["exclusivity"] = "ordinary"
            if rng.random() < 0.04:  # a few applications fail a rule and are refused
                data["form"] = "oral"
            if agency is not None:
                data["agency"] = {"name": agency.name, "credit_code": agency.credit_code}
            payload = contract_payload(seller, point, data)
            verdict = plain(rules.check(payload, datetime.date(2026, 11, 1)))
            decided = signed + datetime.timedelta(days=int(rng.integers(3, 25)))
            status = TechContract.Status.REGISTERED if verdict["registrable"] else TechContract.Status.REFUSED
            number = None
            if status == TechContract.Status.REGISTERED:
                serials[(point.pk, decided.year)] += 1
                area = point.region.code
                number = f"{decided.year % 100:02d}{area[:2]}{area[2:4]}{point.code}{serials[(point.pk, decided.year)]:06d}"
            contracts.append(TechContract(
                point=point, seller=seller, agency=agency, project_name=data["project_name"], category=category,
                subtype=subtype, signed_on=signed, buyer_name=buyer.name, buyer_credit_code=buyer.credit_code,
                buyer_area_code=buyer.region.code, technical_field=data["technical_field"], total_amount=total,
                technical_amount=exact(verdict["technical_transaction_amount"]), payload=payload, verdict=verdict,
                fingerprint=contract_fingerprint(seller.pk, data["buyer"], data["project_name"], signed, total),
                verification_code=new_verification_code() if number else "",
                # Most agencies have confirmed the deals that name them; a few answers are still awaited.
                agency_status=("" if agency is None else TechContract.Reference.PENDING if i % 7 == 0
                               else TechContract.Reference.CONFIRMED),
                related_party=verdict["related_party"], status=status, due_on=signed + datetime.timedelta(days=30),
                decided_on=decided, registration_number=number,
                refusal_reasons=[f["reason"] for f in verdict["failed"]]))
        TechContract.objects.bulk_create(contracts, batch_size=1000)
        RegistrationCounter.objects.bulk_create([RegistrationCounter(point_id=p, year=y, last_serial=n)
                                                 for (p, y), n in serials.items()])
        managers = []
        for j, agency in enumerate(agencies):
            for k in range(3):
                managers.append(TechnologyManager(name=f"技术经理人{j + 1:02d}-{k + 1}", organisation=agency,
                                                  specialties=FIELDS[(j + k) % len(FIELDS)],
                                                  certificate_number=f"JSJLR2025{j:02d}{k}" if k < 2 else ""))
        TechnologyManager.objects.bulk_create(managers)
        course = services.create_course(actor=None, region=province, title="2025年技术经理人初级培训班",
                                        starts_on=datetime.date(2025, 6, 10), hours=48)
        services.record_attendance(actor=None, course=course, managers=TechnologyManager.objects.all())
        brokered = list(TechContract.objects.filter(agency__isnull=False))
        for manager in TechnologyManager.objects.all():
            manager.deals.set([c for c in brokered if c.agency_id == manager.organisation_id][:5])
    return {"points": len(points), "contracts": len(contracts),
            "registered": sum(1 for c in contracts if c.registration_number), "managers": len(managers)}

"""About 1,500 talents from universities, institutes and enterprises, 1,200 enterprise demands for
2026, the solved and published plan, service logs, assessments and workstation applications."""

from __future__ import annotations

import datetime
from decimal import Decimal

import numpy as np
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from countyinno.accounts.models import Organisation, User
from countyinno.core.demo import DemoContext, demo_generator

from . import services
from .models import Assignment, ServiceDemand, ServiceLog, Talent

FIELDS = ["现代农业", "先进制造与自动化", "电子信息", "新材料", "生物与新医药", "资源与环境", "新能源与节能", "高技术服务"]
KEYWORDS = {"现代农业": ["小麦", "玉米", "设施蔬菜", "植保", "畜牧", "果树"], "先进制造与自动化": ["数控", "焊接", "机器人", "模具"],
            "电子信息": ["软件", "物联网", "传感器", "大数据"], "新材料": ["高分子", "陶瓷", "复合材料"],
            "生物与新医药": ["中药材", "发酵", "检测"], "资源与环境": ["污水", "固废", "节水"],
            "新能源与节能": ["光伏", "储能", "余热"], "高技术服务": ["检验检测", "工业设计"]}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红"
YEAR = 2026


def demo_pdf(title: str) -> bytes:
    """A minimal one-page PDF standing in for a scanned material."""
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n"
            + f"% {title}".encode("utf-8") + b"\n%%EOF\n")


@demo_generator(order=45, name="talent")
def demo_talent(ctx: DemoContext) -> dict:
    if Talent.objects.exists():
        return {"kept": True, "talents": Talent.objects.count()}
    rng = np.random.default_rng([ctx.seed, 45])
    with transaction.atomic():
        units = list(Organisation.objects.filter(kind__in=["university", "institute"]))
        firms = list(Organisation.objects.filter(kind="enterprise").select_related("region"))
        talents = []
        for i in range(int(1500 * ctx.scale) + 1):
            unit = units[i % len(units)] if rng.random() < 0.8 else firms[int(rng.integers(len(firms)))]
            f = list(rng.choice(FIELDS, size=int(rng.integers(1, 3)), replace=False))
            words = sorted({w for x in f for w in rng.choice(KEYWORDS[x], size=2, replace=False)})
            name = SURNAMES[int(rng.integers(len(SURNAMES)))] + "".join(rng.choice(list(GIVEN), size=int(rng.integers(1, 3))))
            talents.append(Talent(name=name, home_unit=unit, title=str(rng.choice(["教授", "研究员", "副教授", "高级工程师", "工程师"])),
                                  degree=str(rng.choice(["博士", "硕士", "本科"])), fields=f, keywords=words,
                                  capacity=int(rng.integers(1, 3)), availability_days=int(rng.integers(30, 90)),
                                  programmes=["commissioner"] + (["qianren"] if rng.random() < 0.6 else []),
                                  term_start=datetime.date(2024, 1, 1), term_end=datetime.date(2026, 12, 31),
                                  certificate_number=f"SDKJTPY2024{i:05d}"))
        Talent.objects.bulk_create(talents, batch_size=1000)
        # The city-level demo talent accounts are the first few talents.
        for user, talent in zip(User.objects.filter(role="talent").order_by("username"), Talent.objects.order_by("id")):
            talent.user = user
            talent.home_unit = user.organisation or talent.home_unit
            talent.save(update_fields=["user", "home_unit"])
        demands = []
        for j in range(int(1200 * ctx.scale) + 1):
            firm = firms[int(rng.integers(len(firms)))]
            field = str(rng.choice(FIELDS))
            words = list(rng.choice(KEYWORDS[field], size=2, replace=False))
            demands.append(ServiceDemand(requester=firm, region=firm.region, year=YEAR, fields=[field], keywords=words,
                                         problem=f"{'、'.join(words)}方面的技术难题，需要{field}领域专家现场指导（需求{j + 1:04d}）",
                                         days_needed=int(rng.integers(15, 60))))
        ServiceDemand.objects.bulk_create(demands, batch_size=1000)
    # The platform's own run: the plan is for the province of the demo's enterprises.
    try:
        plan = services.solve_plan(actor=None, year=YEAR, constraints={"min_per_county": 1},
                                   province=firms[0].region.province)
    except ValidationError:  # a province whose remote counties no talent can reach: no county minimum
        plan = services.solve_plan(actor=None, year=YEAR, constraints={}, province=firms[0].region.province)
    services.publish_plan(actor=None, plan=plan)
    logs, slots = [], {}
    for a in Assignment.objects.filter(plan=plan).order_by("id")[:600]:
        slot = slots[a.talent_id] = slots.get(a.talent_id, -1) + 1  # a talent's assignments on separate dates
        for k in range(int(rng.integers(1, 5))):
            # A visit of several consecutive days logs at most one day per date (the platform's own rule).
            start = datetime.date(YEAR, 3 + k + 4 * (slot // 2), int(rng.integers(1, 8)) + 14 * (slot % 2))
            span = int(rng.integers(1, 8))
            logs.append(ServiceLog(assignment=a, visited_on=start,
                                   visited_until=start + datetime.timedelta(days=span - 1) if span > 1 else None,
                                   days=Decimal(int(rng.integers(max(1, span - 2), span + 1))),
                                   content="现场技术指导、解决生产问题",
                                   status="confirmed" if rng.random() < 0.85 else "pending",
                                   satisfaction=int(rng.integers(3, 6))))
    for log in logs:
        if log.status == "pending":
            log.satisfaction = None
    ServiceLog.objects.bulk_create(logs)
    # Counties evaluate most of the commissioners serving there (服务成效); a few are still to do.
    for a in Assignment.objects.filter(plan=plan).select_related("demand__region").order_by("id")[:500]:
        if rng.random() < 0.8:
            services.evaluate_service(actor=None, assignment=a, score=Decimal(int(rng.integers(60, 101))),
                                      comment="服务认真，解决了企业的实际问题")
    services.assess_year(actor=None, year=YEAR)
    hosts = firms[:40]
    for n, host in enumerate(hosts):
        status = ("approved" if n % 4 == 0 else "city_approved" if n % 4 == 1 else "submitted")
        app = services.file_workstation(
            actor=None, host=host, kind="academician" if n % 3 == 0 else "expert",
            expert_name=f"{SURNAMES[n % len(SURNAMES)]}院士" if n % 3 == 0 else f"{SURNAMES[n % len(SURNAMES)]}教授",
            expert_retired=n % 2 == 0, other_stations=0, months_per_year=Decimal(3 + n % 4),
            materials=[("agreement", ContentFile(demo_pdf("合作协议"), name="合作协议.pdf")),
                       ("expert", ContentFile(demo_pdf("进站承诺及简历"), name="进站承诺及简历.pdf"))],
            today=datetime.date(YEAR, 1 + n % 11, 10))
        if status != "submitted":
            day = datetime.date(YEAR, 1 + n % 11, 15)
            services.review_workstation(actor=None, app=app, approve=True, comment="材料齐全，同意", today=day)
            if status == "approved":
                services.review_workstation(actor=None, app=app, approve=True, comment="同意备案",
                                            today=day + datetime.timedelta(days=3))
    return {"talents": Talent.objects.count(), "demands": ServiceDemand.objects.count(),
            "assigned": plan.summary["objective"]["assigned"], "logs": len(logs)}

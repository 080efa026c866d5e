"""About 1,500 talents from universities, institutes and enterprises, 1,200 enterprise demands for
2026, the solved and published plan, service logs, assessments and workstation applications."""

from __future__ import annotations

import datetime

import numpy as np
from django.db import transaction

from countyinno.accounts.models import Organisation, User
from countyinno.core.demo import DemoContext, demo_generator

from . import services
from .models import Assignment, ServiceDemand, ServiceLog, Talent, WorkstationApplication

FIELDS = ["现代农业", "先进制造与自动化", "电子信息", "新材料", "生物与新医药", "资源与环境", "新能源与节能", "高技术服务"]
KEYWORDS = {"现代农业": ["小麦", "玉米", "设施蔬菜", "植保", "畜牧", "果树"], "先进制造与自动化": ["数控", "焊接", "机器人", "模具"],
            "电子信息": ["软件", "物联网", "传感器", "大数据"], "新材料": ["高分子", "陶瓷", "复合材料"],
            "生物与新医药": ["中药材", "发酵", "检测"], "资源与环境": ["污水", "固废", "节水"],
            "新能源与节能": ["光伏", "储能", "余热"], "高技术服务": ["检验检测", "工业设计"]}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红"
YEAR = 2026


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
    plan = services.solve_plan(actor=None, year=YEAR, constraints={"min_per_county": 1},
                               province=firms[0].region.province)
    services.publish_plan(actor=None, plan=plan)
    logs = []
    for a in Assignment.objects.filter(plan=plan).order_by("id")[:600]:
        for k in range(int(rng.integers(1, 5))):
            logs.append(ServiceLog(assignment=a, visited_on=datetime.date(YEAR, 3 + k, int(rng.integers(1, 28))),
                                   days=float(rng.integers(2, 9)), content="现场技术指导、解决生产问题",
                                   status="confirmed" if rng.random() < 0.85 else "pending",
                                   satisfaction=int(rng.integers(3, 6))))
    ServiceLog.objects.bulk_create(logs)
    services.assess_year(actor=None, year=YEAR)
    hosts = firms[:40]
    for n, host in enumerate(hosts):
        WorkstationApplication.objects.create(host=host, kind="academician" if n % 3 == 0 else "expert",
                                              expert_name=f"{SURNAMES[n % len(SURNAMES)]}院士" if n % 3 == 0 else f"{SURNAMES[n % len(SURNAMES)]}教授",
                                              expert_retired=n % 2 == 0, months_per_year=3 + n % 4,
                                              materials_complete=n % 5 != 0)
    return {"talents": Talent.objects.count(), "demands": ServiceDemand.objects.count(),
            "assigned": plan.summary["objective"]["assigned"], "logs": len(logs)}

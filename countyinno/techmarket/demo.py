"""About 3,500 realistic Chinese listings (achievements from universities, institutes and firms;
demands from enterprises) spread over the 136 counties, a few in review, and a matchmaking event."""

from __future__ import annotations

import datetime

import numpy as np
from django.db import transaction
from django.utils import timezone

from countyinno.accounts.models import Organisation
from countyinno.core.demo import DemoContext, demo_generator
from countyinno.regions.models import Region

from . import events
from .models import Listing, MatchView, Negotiation, NegotiationMessage

TOPICS = {
    "先进制造与自动化": [("数控机床热误差补偿", "C"), ("工业机器人视觉引导装配", "C"), ("激光焊接工艺优化", "C"),
                    ("农机装备智能监测", "C"), ("液压系统故障诊断", "C")],
    "电子信息": [("工业互联网设备接入平台", "I"), ("机器视觉表面缺陷检测", "I"), ("物联网冷链温湿度监测", "I"),
             ("大数据产品质量追溯", "I")],
    "新材料": [("高性能碳纤维复合材料", "C"), ("锂电池正极材料改性", "C"), ("耐高温陶瓷涂层", "C"), ("可降解塑料改性", "C")],
    "生物与新医药": [("中药材有效成分提取", "C"), ("微生物发酵饲料", "C"), ("动物疫病快速检测试剂", "Q")],
    "资源与环境": [("高盐废水零排放处理", "N"), ("农村生活污水生态处理", "N"), ("工业固废资源化利用", "N")],
    "新能源与节能": [("分布式光伏运维", "D"), ("工业余热回收利用", "D"), ("储能电池热管理", "D"), ("氢能燃料电池", "D")],
    "高技术服务": [("检验检测认证服务", "M"), ("工业设计服务", "M")],
}
AGRI = [("小麦条锈病绿色防控", "A"), ("设施蔬菜水肥一体化", "A"), ("苹果矮砧密植栽培", "A"), ("生猪健康养殖环境控制", "A")]
VERBS_A = ["一种{}方法及装置", "{}关键技术", "{}系统及其应用", "基于{}的新工艺"]
VERBS_D = ["寻求{}技术支持", "{}难题攻关", "急需{}解决方案", "{}技术合作需求"]


@demo_generator(order=50, name="techmarket")
def demo_techmarket(ctx: DemoContext) -> dict:
    if Listing.objects.exists():
        return {"kept": True, "listings": Listing.objects.count()}
    rng = np.random.default_rng([ctx.seed, 50])
    topics = [(field, t) for field, items in TOPICS.items() for t in items] + [("资源与环境", t) for t in AGRI]
    sellers = list(Organisation.objects.filter(kind__in=["university", "institute", "enterprise"]).select_related("region"))
    firms = [o for o in sellers if o.kind == "enterprise"]
    today = timezone.localdate()
    listings = []
    with transaction.atomic():
        for kind, count, owners, verbs in (("achievement", 2000, sellers, VERBS_A), ("demand", 1500, firms, VERBS_D)):
            for i in range(int(count * ctx.scale) + 1):
                field, (topic, section) = topics[int(rng.integers(len(topics)))]
                owner = owners[int(rng.integers(len(owners)))]
                node = owner.region if owner.region.level == "county" else Region.objects.filter(city=owner.region,
                                                                                               level="county").first()
                title = verbs[int(rng.integers(len(verbs)))].format(topic)
                published = timezone.now() - datetime.timedelta(days=int(rng.integers(1, 360)))
                status = "published" if rng.random() > 0.03 else str(rng.choice(["draft", "submitted"]))
                listing = Listing(
                    kind=kind, organisation=owner, market_node=node, title=title + (f"（{i % 97 + 1}）" if i >= len(topics) else ""),
                    summary=f"{topic}：面向{node.name}及周边{field}产业的{'成熟成果' if kind == 'achievement' else '技术需求'}",
                    public_description=f"围绕{topic}，{'已完成中试，可提供技术许可与合作开发' if kind == 'achievement' else '企业在生产中遇到瓶颈，希望与高校院所合作解决'}。",
                    confidential_detail="关键工艺参数与配方（仅授权方可见）" if kind == "achievement" else "现有产线参数与成本数据",
                    keywords=list(dict.fromkeys([topic[:4], topic[-4:], field[:2]])), field=field, industry=section,
                    trl=int(rng.integers(3, 10)) if kind == "achievement" else None,
                    transfer_modes=list(rng.choice(["transfer", "license_ordinary", "joint_development", "equity"],
                                                   size=2, replace=False)) if kind == "achievement" else [],
                    price=None if kind == "demand" or rng.random() < 0.3 else float(round(rng.uniform(10, 500))),
                    budget_min=float(round(rng.uniform(5, 50))) if kind == "demand" else None,
                    budget_max=float(round(rng.uniform(60, 400))) if kind == "demand" else None,
                    tender=kind == "demand" and rng.random() < 0.15, hide_company=kind == "demand" and rng.random() < 0.1,
                    indicators=[{"name": "合格率", "target": "≥99", "unit": "%"}] if kind == "demand" else [],
                    valid_until=today + datetime.timedelta(days=int(rng.integers(60, 365))), status=status,
                    published_at=published if status == "published" else None,
                    reconfirmed_at=published if status == "published" else None)
                listings.append(listing)
        Listing.objects.bulk_create(listings, batch_size=1000)
    # The event goes through the organisers' own actions (the demo runs inside audit.system()).
    # 寿光 in Shandong; elsewhere the province's first county-level unit hosts the event.
    host = (Region.objects.filter(code="370783", province__code=f"{ctx.province}0000").first()
            or Region.objects.filter(province__code=f"{ctx.province}0000", level="county").order_by("code").first())
    event = events.create_event(actor=None, organiser_node=host,
                                  title=f"2026年{host.province.name}县域科技成果供需对接会（{host.name}）", held_on=today)
    demands = Listing.objects.filter(kind="demand", status="published",
                                     market_node__city=host.city_or_province)[:20] if host.city_id else \
        Listing.objects.filter(kind="demand", status="published", market_node__province=host.province)[:20]
    pairings = events.plan_pairings(actor=None, event=event, demands=demands, per_demand=2)
    for pairing in pairings:
        events.record_outcome(actor=None, pairing=pairing,
                                outcome=str(rng.choice(["planned", "intent", "follow_up", "contract", "none"])))
    negotiations = _demo_negotiations(pairings)
    return {"listings": len(listings), "published": sum(1 for x in listings if x.status == "published"),
            "event_pairings": len(pairings), "negotiations": negotiations}


STAGE_OF_OUTCOME = {"intent": Negotiation.Status.INTEREST, "follow_up": Negotiation.Status.NEGOTIATING,
                    "contract": Negotiation.Status.AGREED}


def _demo_negotiations(pairings) -> int:
    """The market's chain for the event's pairings: each firm opened its match; those that showed intent on
    site expressed interest, those following up negotiate, those that signed agreed."""
    from countyinno.accounts.models import User

    now, made = timezone.now(), 0
    for pairing in pairings:
        demand, offer = pairing.demand, pairing.achievement
        if demand.organisation_id == offer.organisation_id:
            continue
        buyer = User.objects.filter(organisation_id=demand.organisation_id, role="org_member", is_active=True).first()
        if buyer is None:
            continue
        MatchView.objects.get_or_create(listing=offer, source=demand, defaults={"user": buyer})
        stage = STAGE_OF_OUTCOME.get(pairing.outcome)
        if stage is None or Negotiation.objects.filter(listing=offer, party_id=demand.organisation_id).exists():
            continue
        replied = stage != Negotiation.Status.INTEREST
        agreed = stage == Negotiation.Status.AGREED
        negotiation = Negotiation.objects.create(
            listing=offer, party_id=demand.organisation_id, opened_by=buyer, source=demand, status=stage,
            replied_at=now if replied else None, owner_agreed_at=now if agreed else None,
            party_agreed_at=now if agreed else None, agreed_at=now if agreed else None)
        NegotiationMessage.objects.create(negotiation=negotiation, author=buyer, organisation_id=demand.organisation_id,
                                          body=f"我单位在对接会上了解到「{offer.title}」，希望进一步洽谈合作方式。")
        if replied:
            NegotiationMessage.objects.create(negotiation=negotiation, organisation_id=offer.organisation_id,
                                              body="欢迎来访，可先安排技术交流，再商定许可或合作开发方式。")
        made += 1
    return made

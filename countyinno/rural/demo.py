"""Knowledge base, farmers' questions, stations, training, outreach and pairings for the demo province."""

from __future__ import annotations

import datetime

import numpy as np
from django.db import transaction
from django.utils import timezone

from countyinno.accounts.models import Organisation
from countyinno.core.demo import DemoContext, demo_generator
from countyinno.regions.models import Region
from countyinno.talent.models import Talent

from . import services
from .models import (CountyPairing, Course, Enrolment, KnowledgeEntry, OutreachEvent, Pairing, PairingActivity,
                     Registration, ServiceStation)

KB = {
    "小麦": [("小麦条锈病怎么防治", "发病初期用三唑酮或戊唑醇喷雾，7–10 天一次，连喷 2 次；选用抗病品种，适期晚播。"),
             ("小麦冬前旺长怎么办", "镇压控旺，或喷施多效唑；控制冬前追肥，防止冻害。"),
             ("小麦赤霉病如何预防", "抽穗扬花期遇雨及时喷施氰烯菌酯或戊唑醇，扬花初期第一次用药。")],
    "玉米": [("玉米螟怎样防治", "大喇叭口期投放颗粒剂或释放赤眼蜂；秸秆粉碎还田减少越冬虫源。"),
             ("玉米倒伏怎么预防", "合理密植，选用抗倒品种，拔节期化控，增施钾肥。")],
    "设施蔬菜": [("大棚黄瓜霜霉病怎么治", "降低棚内湿度，早晚通风；发病初期喷烯酰吗啉或氟菌·霜霉威。"),
              ("番茄脐腐病原因", "缺钙和水分供应不均；均衡浇水，叶面喷施钙肥。")],
    "果树": [("苹果腐烂病如何防治", "刮除病斑后涂抹甲基硫菌灵糊剂；加强树势，秋施基肥。")],
    "畜牧": [("仔猪腹泻怎么办", "做好保温和消毒，补液防脱水；细菌性腹泻在兽医指导下用药。")],
    "中药材": [("金银花白粉病防治", "注意通风透光，发病初期喷施三唑酮或嘧菌酯。")],
}


@demo_generator(order=60, name="rural")
def demo_rural(ctx: DemoContext) -> dict:
    if KnowledgeEntry.objects.exists():
        return {"kept": True}
    rng = np.random.default_rng([ctx.seed, 60])
    counties = list(Region.objects.filter(level="county", province__code=f"{ctx.province}0000").order_by("code"))
    with transaction.atomic():
        KnowledgeEntry.objects.bulk_create([KnowledgeEntry(question=q, answer=a, field=f)
                                            for f, items in KB.items() for q, a in items])
        # Commissioners serve as the Q&A experts; give a few agricultural fields.
        for talent in Talent.objects.filter(user__isnull=False):
            talent.fields = sorted(set(talent.fields) | {"小麦", "玉米", "设施蔬菜", "果树"})
            talent.save(update_fields=["fields"])
    questions = 0
    samples = [(f, q) for f, items in KB.items() for q, _ in items] + [("小麦", "小麦叶片发黄有斑点是什么病"),
                                                                         ("设施蔬菜", "大棚辣椒落花落果严重怎么办")]
    for i in range(int(300 * ctx.scale) + 1):
        field, text = samples[int(rng.integers(len(samples)))]
        county = counties[int(rng.integers(len(counties)))]
        phone = f"13{int(rng.integers(100000000, 999999999))}"
        q = services.ask_question(actor=None, asker=f"农户{i + 1:03d}", phone=phone, region=county, field=field,
                                  text=text + ("" if rng.random() < 0.6 else "？急，已经发生三天了"))
        if q.status == "routed" and rng.random() < 0.7:
            q.answer, q.status = "建议及时请当地农技站现场诊断，按说明用药并做好记录。", "answered"
            q.answered_at = q.routed_at + datetime.timedelta(hours=float(rng.uniform(2, 60)))
            q.save(update_fields=["answer", "status", "answered_at"])
        questions += 1
    with transaction.atomic():
        experts = list(Talent.objects.all()[:200])
        for county in counties[::2]:
            station = ServiceStation.objects.create(name=f"{county.name}农科驿站", township=f"{county.name[:2]}镇",
                                                    region=county)
            station.experts.set(experts[int(rng.integers(0, 190)):][:3])
        today = timezone.localdate()
        for n, county in enumerate(counties):
            crop = list(KB)[n % len(KB)]
            course = Course.objects.create(title=f"{crop}{['春季', '夏季', '秋季', '冬季'][n % 4]}管理技术培训", crop=crop,
                                           season=["春", "夏", "秋", "冬"][n % 4], region=county,
                                           session_date=today - datetime.timedelta(days=int(rng.integers(5, 200))),
                                           capacity=60)
            Enrolment.objects.bulk_create([Enrolment(course=course, name=f"学员{k}", phone=f"139{n:03d}{k:05d}",
                                                     attended=rng.random() < 0.85, feedback=int(rng.integers(3, 6)))
                                           for k in range(int(rng.integers(15, 60)))])
        start = timezone.now() - datetime.timedelta(days=150)
        for n, county in enumerate(counties[::3]):
            event = OutreachEvent.objects.create(title=f"{county.name}科技活动周", kind="week", region=county,
                                                 online=n % 4 == 0, starts_at=start, ends_at=start + datetime.timedelta(days=6),
                                                 capacity=300, closed=True)
            Registration.objects.bulk_create([Registration(event=event, name=f"市民{k}", phone=f"137{n:03d}{k:05d}",
                                                           checked_in_at=start if rng.random() < 0.8 else None)
                                              for k in range(int(rng.integers(40, 250)))])
        partners = list(Organisation.objects.filter(kind__in=["university", "institute", "park", "enterprise"])[:300])
        Pairing.objects.bulk_create([Pairing(village=f"{['东', '西', '南', '北'][k % 4]}{['王', '李', '张'][k % 3]}村",
                                             region=counties[int(rng.integers(len(counties)))],
                                             partner=partners[int(rng.integers(len(partners)))],
                                             agreement_on=today - datetime.timedelta(days=int(rng.integers(30, 700))),
                                             actions=["技术培训", "产业项目", "消费帮扶"][: 1 + k % 3],
                                             outcome="带动村集体增收") for k in range(120)])
    county_pairings = _demo_county_pairings(rng)
    return {"knowledge": KnowledgeEntry.objects.count(), "questions": questions, "pairings": 120,
            "county_pairings": county_pairings}


def _demo_county_pairings(rng) -> int:
    """强县帮弱县: the strongest county of each city helps its weakest (latest index), agreed by both,
    with a logged visit; a few more stay proposed, waiting for the counties."""
    from countyinno.accounts.models import User

    run, results, _ = services.latest_index_results()
    if not results:
        return 0
    by_city: dict[int, list] = {}
    for r in results:
        by_city.setdefault(r.region.city_id, []).append(r)
    now, made = timezone.now(), 0
    for n, (_, ranked) in enumerate(sorted(by_city.items())):
        if len(ranked) < 2:
            continue
        strong, weak = ranked[0], ranked[-1]
        admins = {u.region_id: u for u in User.objects.filter(role="county_admin",
                                                              region__in=[strong.region_id, weak.region_id])}
        active = n % 3 != 2 and len(admins) == 2
        pairing = CountyPairing.objects.create(
            strong=strong.region, weak=weak.region, run=run, basis="综合指数 / composite index",
            status=CountyPairing.Status.ACTIVE if active else CountyPairing.Status.PROPOSED,
            strong_confirmed_at=now if active else None, strong_confirmed_by=admins.get(strong.region_id) if active else None,
            weak_confirmed_at=now if active else None, weak_confirmed_by=admins.get(weak.region_id) if active else None)
        if active:
            PairingActivity.objects.create(pairing=pairing, side=strong.region, logged_by=admins[strong.region_id],
                                           happened_on=timezone.localdate() - datetime.timedelta(
                                               days=int(rng.integers(5, 90))),
                                           title=f"{strong.region.name}科技局赴{weak.region.name}交流创新平台建设")
        made += 1
    return made

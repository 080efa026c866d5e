"""Demo organisations and accounts for every role, named by role and region code."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from countyinno.core.demo import DemoContext, demo_generator
from countyinno.core.validators import CREDIT_CODE_CHARSET, make_credit_code
from countyinno.regions.models import Region

from .models import Organisation, Role, User

# Real universities and institutes with their county-level location; credit codes are synthetic.
UNIVERSITIES = [
    ("山东大学", "370102", Organisation.Kind.UNIVERSITY), ("济南大学", "370103", Organisation.Kind.UNIVERSITY),
    ("中国海洋大学", "370212", Organisation.Kind.UNIVERSITY), ("青岛大学", "370202", Organisation.Kind.UNIVERSITY),
    ("山东科技大学", "370211", Organisation.Kind.UNIVERSITY), ("中国石油大学（华东）", "370211", Organisation.Kind.UNIVERSITY),
    ("山东理工大学", "370303", Organisation.Kind.UNIVERSITY), ("烟台大学", "370613", Organisation.Kind.UNIVERSITY),
    ("山东农业大学", "370902", Organisation.Kind.UNIVERSITY), ("曲阜师范大学", "370881", Organisation.Kind.UNIVERSITY),
    ("聊城大学", "371502", Organisation.Kind.UNIVERSITY), ("临沂大学", "371302", Organisation.Kind.UNIVERSITY),
    ("潍坊学院", "370705", Organisation.Kind.UNIVERSITY), ("鲁东大学", "370602", Organisation.Kind.UNIVERSITY),
    ("山东省农业科学院", "370112", Organisation.Kind.INSTITUTE), ("山东省科学院", "370112", Organisation.Kind.INSTITUTE),
    ("青岛海洋科学与技术试点国家实验室", "370212", Organisation.Kind.INSTITUTE),
]

INDUSTRY_WORDS = ["智能装备", "新材料", "生物医药", "电子信息", "现代农业", "海洋科技", "节能环保", "精细化工",
                  "汽车零部件", "食品科技", "纺织科技", "新能源", "软件", "机械制造", "医疗器械", "数字科技"]
ORG_TYPE_FOR_KIND = {
    Organisation.Kind.ENTERPRISE: ("9", "1"),  # 工商 / 企业
    Organisation.Kind.UNIVERSITY: ("1", "2"),  # 机构编制 / 事业单位
    Organisation.Kind.INSTITUTE: ("1", "2"),
    Organisation.Kind.BUREAU: ("1", "1"),  # 机关
    Organisation.Kind.AGENCY: ("9", "1"),
    Organisation.Kind.PARK: ("9", "1"),
}


def demo_credit_code(rng, kind: str, area_code: str) -> str:
    authority, org_type = ORG_TYPE_FOR_KIND[kind]
    body = "".join(rng.choice(CREDIT_CODE_CHARSET) for _ in range(9))
    return make_credit_code(authority, org_type, area_code, body)


def bureau_name(region: Region) -> str:
    if region.level == Region.Level.PROVINCE:
        return f"{region.name}科学技术厅"
    return f"{region.name}科学技术局"


def county_enterprise_count(region: Region, scale: float) -> int:
    """More firms in urban districts and populous counties (2020 census), as in reality."""
    facts = region.profile.get("facts") or {}
    population = (facts.get("resident_population") or {}).get("value", 60.0)
    urban = (facts.get("urban_population_census") or {}).get("value", population * 0.5)
    base = 4 + population / 12 + 10 * (urban / population if population else 0.5)
    return max(1, round(base * scale))


@demo_generator(order=20, name="accounts")
@transaction.atomic
def demo_accounts(ctx: DemoContext) -> dict:
    rng = ctx.rng("accounts")
    password_hash = make_password(settings.DEMO_PASSWORD)  # one hash: hashing hundreds of times is slow
    regions = list(Region.objects.filter(province__code=f"{ctx.province}0000").order_by("code"))
    existing = set(Organisation.objects.values_list("name", "region_id"))
    used_codes = set(Organisation.objects.exclude(credit_code=None).values_list("credit_code", flat=True))
    new_orgs: list[Organisation] = []

    def add(name, kind, region):
        if (name, region.pk) in existing:
            return
        # The code depends only on the organisation, so re-runs and partial runs agree.
        code_rng = ctx.rng(f"credit:{region.code}:{name}")
        code = demo_credit_code(code_rng, kind, region.code)
        while code in used_codes:
            code = demo_credit_code(code_rng, kind, region.code)
        used_codes.add(code)
        existing.add((name, region.pk))
        new_orgs.append(Organisation(name=name, kind=kind, region=region, credit_code=code,
                                     address=f"{region.full_name}"))

    by_code = {r.code: r for r in regions}
    for region in regions:
        add(bureau_name(region), Organisation.Kind.BUREAU, region)
    for name, code, kind in UNIVERSITIES:  # real Shandong names: only where the demo province is Shandong
        if code in by_code:
            add(name, kind, by_code[code])
    if not any(code in by_code for _, code, _ in UNIVERSITIES):  # another province: one synthetic university
        seat = next((r for r in regions if r.level == Region.Level.COUNTY), regions[0])
        add(f"{seat.province.name if seat.province else ''}科技大学（演示）", Organisation.Kind.UNIVERSITY, seat)
    # A municipality has no cities: its agency and park sit at the province level.
    seats = [r for r in regions if r.level == Region.Level.CITY] or [r for r in regions if r.level == "province"]
    for region in regions:
        if region in seats:
            add(f"{region.name}技术转移中心", Organisation.Kind.AGENCY, region)
            add(f"{region.name}高新技术创业服务中心", Organisation.Kind.PARK, region)
    for region in regions:
        if region.level != Region.Level.COUNTY:
            continue
        short = region.name[:-1] if len(region.name) > 2 else region.name
        words = rng.sample(INDUSTRY_WORDS, k=len(INDUSTRY_WORDS))
        for i in range(county_enterprise_count(region, ctx.scale)):
            word = words[i % len(words)]
            suffix = "" if i < len(words) else f"第{i // len(words) + 1}"
            add(f"山东{short}{word}{suffix}科技有限公司", Organisation.Kind.ENTERPRISE, region)
        if rng.random() < 0.5:
            add(f"{region.name}众创空间", Organisation.Kind.PARK, region)
    Organisation.objects.bulk_create(new_orgs, batch_size=500)

    bureaus = {o.region.code: o for o in Organisation.objects.filter(kind=Organisation.Kind.BUREAU).select_related("region")}
    existing_users = set(User.objects.values_list("username", flat=True))
    new_users: list[User] = []

    def add_user(username, role, display_name, organisation, region=None, **extra):
        if username in existing_users:
            return
        existing_users.add(username)
        new_users.append(User(username=username, password=password_hash, role=role, region=region,
                              organisation=organisation, display_name=display_name, **extra))

    role_by_level = {"province": Role.PROVINCE_ADMIN, "city": Role.CITY_ADMIN, "county": Role.COUNTY_ADMIN}
    for region in regions:
        prefix = {"province": f"province-{region.code[:2]}", "city": f"city-{region.code}",
                  "county": f"county-{region.code}"}[region.level]
        # No admin-site access: admins manage accounts on the platform's own pages (superusers: CLI only).
        add_user(prefix, role_by_level[region.level], f"{region.name}管理员", bureaus[region.code], region)
    first_enterprise = {}
    for org in Organisation.objects.filter(kind=Organisation.Kind.ENTERPRISE).select_related("region").order_by("id"):
        first_enterprise.setdefault(org.region.code, org)
    for code, org in first_enterprise.items():
        add_user(f"enterprise-{code}", Role.ORG_MEMBER, f"{org.name}联系人", org)
    taken_names: set[str] = set()
    for org in (Organisation.objects.filter(kind__in=[Organisation.Kind.UNIVERSITY, Organisation.Kind.INSTITUTE,
                                                     Organisation.Kind.AGENCY, Organisation.Kind.PARK])
                .select_related("region").order_by("region__code", "kind", "name")):
        # e.g. university-370102, a second one in the same county university-370102-2
        username, n = f"{org.kind}-{org.region.code}", 1
        while username in taken_names:
            n += 1
            username = f"{org.kind}-{org.region.code}-{n}"
        taken_names.add(username)
        add_user(username, Role.ORG_MEMBER, f"{org.name}联系人", org)
    universities = list(Organisation.objects.filter(kind=Organisation.Kind.UNIVERSITY,
                                                    region__province__code=f"{ctx.province}0000").order_by("id"))
    cities = [r for r in regions if r.level == Region.Level.CITY] or [r for r in regions if r.level == "province"]
    for i, city in enumerate(cities):
        add_user(f"talent-{city.code}", Role.TALENT, f"科技特派员{i + 1:02d}", universities[i % len(universities)])
    User.objects.bulk_create(new_users, batch_size=500)
    return {"organisations_created": len(new_orgs), "users_created": len(new_users),
            "organisations": Organisation.objects.count(), "users": User.objects.count()}

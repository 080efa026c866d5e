"""Test helpers every app uses to prove its scoping.

    world = ScopeWorld.build()            # two counties of 济南, one of 青岛, users for every role
    obj_a, obj_b, obj_c = make(world.county_a), make(world.county_b), make(world.county_c)
    world.assert_scoping(MyModel, {"a": obj_a, "b": obj_b, "c": obj_c})
    world.assert_pages_scoped(client, lambda obj: reverse(...), {...})
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from countyinno.accounts.models import Organisation, Role, User
from countyinno.core.validators import make_credit_code
from countyinno.regions.models import Region


@dataclass
class ScopeWorld:
    province: Region
    city_ab: Region  # 济南市
    city_c: Region  # 青岛市
    county_a: Region  # 历下区
    county_b: Region  # 市中区（济南）
    county_c: Region  # 市南区（青岛）
    enterprise_a: Organisation
    enterprise_a2: Organisation  # a second firm in county A
    enterprise_c: Organisation
    users: dict[str, User]

    COUNTIES = {"a": "370102", "b": "370103", "c": "370202"}

    @classmethod
    def build(cls) -> "ScopeWorld":
        regions = {r.code: r for r in Region.objects.filter(code__in=["370000", "370100", "370200",
                                                                        *cls.COUNTIES.values()])}
        serial = iter(range(1, 10_000))

        def org(name, kind, region):
            body = f"TW{next(serial):07d}"
            return Organisation.objects.create(name=name, kind=kind, region=region,
                                               credit_code=make_credit_code("9", "1", region.code, body))

        def user(username, role, region=None, organisation=None):
            u = User(username=username, role=role, region=region, organisation=organisation)
            u.set_password(settings.DEMO_PASSWORD)
            u.save()
            return u

        bureaus = {code: org(f"{r.name}科学技术局（测试）", Organisation.Kind.BUREAU, r) for code, r in regions.items()}
        ent_a = org("测试企业甲", Organisation.Kind.ENTERPRISE, regions["370102"])
        ent_a2 = org("测试企业乙", Organisation.Kind.ENTERPRISE, regions["370102"])
        ent_c = org("测试企业丙", Organisation.Kind.ENTERPRISE, regions["370202"])
        users = {
            "province": user("t-province", Role.PROVINCE_ADMIN, regions["370000"], bureaus["370000"]),
            "city_ab": user("t-city-370100", Role.CITY_ADMIN, regions["370100"], bureaus["370100"]),
            "city_c": user("t-city-370200", Role.CITY_ADMIN, regions["370200"], bureaus["370200"]),
            "county_a": user("t-county-370102", Role.COUNTY_ADMIN, regions["370102"], bureaus["370102"]),
            "county_b": user("t-county-370103", Role.COUNTY_ADMIN, regions["370103"], bureaus["370103"]),
            "county_c": user("t-county-370202", Role.COUNTY_ADMIN, regions["370202"], bureaus["370202"]),
            "member_a": user("t-member-a", Role.ORG_MEMBER, organisation=ent_a),
            "member_a2": user("t-member-a2", Role.ORG_MEMBER, organisation=ent_a2),
            "member_c": user("t-member-c", Role.ORG_MEMBER, organisation=ent_c),
            # An individual talent (科技特派员) acts as a person: no organisation rights.
            "talent_a": user("t-talent-a", Role.TALENT),
        }
        return cls(province=regions["370000"], city_ab=regions["370100"], city_c=regions["370200"],
                   county_a=regions["370102"], county_b=regions["370103"], county_c=regions["370202"],
                   enterprise_a=ent_a, enterprise_a2=ent_a2, enterprise_c=ent_c, users=users)

    # Which of the objects placed in counties a, b, c each admin may see.
    REGION_EXPECTATIONS = {
        "province": {"a", "b", "c"},
        "city_ab": {"a", "b"},
        "city_c": {"c"},
        "county_a": {"a"},
        "county_b": {"b"},
        "county_c": {"c"},
    }

    def assert_scoping(self, model, objects: dict[str, object], *, members: dict[str, set[str]] | None = None,
                       action: str = "view") -> None:
        """Assert the whole role × county matrix for `objects` keyed "a", "b", "c" (and any extra keys).

        `members` says which keys each member user sees (default: none), e.g. {"member_a": {"a"}}.
        """
        expectations = {**self.REGION_EXPECTATIONS,
                        **{k: set() for k in ("member_a", "member_a2", "member_c", "talent_a")}, **(members or {})}
        failures = []
        for who, expected in expectations.items():
            visible_pks = set(model.objects.restrict(self.users[who], action).values_list("pk", flat=True))
            for key, obj in objects.items():
                should = key in expected
                if (obj.pk in visible_pks) != should:
                    failures.append(f"{who} {'should' if should else 'should not'} {action} {key}: {obj}")
        assert not failures, "scoping broken:\n" + "\n".join(failures)

    def assert_urls_scoped(self, client, url_for, objects: dict[str, object], *,
                           members: dict[str, set[str]] | None = None, ok_status: int = 200) -> None:
        """Log in as each role and fetch url_for(obj): in scope → ok_status, out of scope → 404."""
        expectations = {**self.REGION_EXPECTATIONS,
                        **{k: set() for k in ("member_a", "member_a2", "member_c", "talent_a")}, **(members or {})}
        failures = []
        for who, expected in expectations.items():
            client.force_login(self.users[who])
            for key, obj in objects.items():
                status = client.get(url_for(obj)).status_code
                wanted = ok_status if key in expected else 404
                if status != wanted:
                    failures.append(f"{who} GET {url_for(obj)} ({key}) → {status}, expected {wanted}")
            client.logout()
        assert not failures, "page/API scoping broken:\n" + "\n".join(failures)

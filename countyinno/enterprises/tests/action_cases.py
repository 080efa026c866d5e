"""One case per declared action of enterprises: who may, and a realistic someone who may not."""

import datetime

from countyinno.core.testing import Case, action_case
from countyinno.core.validators import make_credit_code
from countyinno.enterprises.models import Carrier, Certificate, Enterprise, PoolMembership

FIGURES = {"sales": 3000, "total_income": 3100, "hightech_income": 2200, "total_assets": 4000, "net_assets": 1500,
           "staff_total": 80, "st_staff": 12, "rd_personnel": 60}


def _firm(organisation, size="small"):
    return Enterprise.objects.create(organisation=organisation, industry="C3911", size=size,
                                     founded=datetime.date(2015, 5, 1), domain="电子信息")


def _member(firm, year=2021):
    return PoolMembership.objects.create(enterprise=firm, region=firm.organisation.region, year_joined=year)


@action_case("enterprises.save_year")
def _(world):
    # The neighbouring firm's member may not enter another firm's figures.
    return Case(kwargs={"enterprise": _firm(world.enterprise_a), "year": 2023, "values": FIGURES},
                allowed=world.users["member_a"], denied=world.users["member_a2"])


@action_case("enterprises.nominate")
def _(world):
    # Another county of the same city may not nominate this county's firm; the city admin may.
    return Case(kwargs={"enterprise": _firm(world.enterprise_a), "year": 2024},
                allowed=world.users["city_ab"], denied=world.users["county_b"])


@action_case("enterprises.add_certificate")
def _(world):
    # A firm may not record its own 高企 certificate; its county does (and the pool membership graduates).
    firm = _firm(world.enterprise_a)
    _member(firm)
    return Case(kwargs={"enterprise": firm, "kind": "hightech", "number": "GR202237990001",
                        "issued": datetime.date(2023, 11, 30), "valid_until": datetime.date(2026, 11, 30)},
                allowed=world.users["county_a"], denied=world.users["member_a"])


@action_case("enterprises.graduate")
def _(world):
    firm = _firm(world.enterprise_c)
    membership = _member(firm)
    Certificate.objects.create(enterprise=firm, kind="hightech", number="GR202237990002",
                               issued=datetime.date(2023, 11, 30), valid_until=datetime.date(2026, 11, 30))
    return Case(kwargs={"membership": membership, "year": 2023},
                allowed=world.users["county_c"], denied=world.users["county_a"])


@action_case("enterprises.register_carrier")
def _(world):
    # A county registers carriers in its own county, not in the neighbouring one.
    return Case(kwargs={"region": world.county_a, "name": "历下区科技企业孵化器（测试）", "kind": "incubator",
                        "level": "county", "recognised": datetime.date(2024, 6, 1)},
                allowed=world.users["county_a"], denied=world.users["county_b"])


@action_case("enterprises.edit_carrier")
def _(world):
    # The city over the carrier's county may keep it up to date; a firm in the county may not.
    carrier = Carrier.objects.create(name="历下区众创空间（测试）", kind="makerspace", level="county",
                                     region=world.county_a, recognised=datetime.date(2023, 6, 1))
    firm = _firm(world.enterprise_a)
    return Case(kwargs={"carrier": carrier, "region": world.county_a, "name": carrier.name, "kind": "makerspace",
                        "level": "city", "recognised": datetime.date(2023, 6, 1), "residents": [firm]},
                allowed=world.users["city_ab"], denied=world.users["member_a"])


@action_case("enterprises.register_enterprise")
def _(world):
    # A county registers firms in its own county, not in the neighbouring one.
    return Case(kwargs={"region": world.county_a, "name": "历下区新登记科技有限公司",
                        "credit_code": make_credit_code("9", "1", "370102", "MA3C00001"), "industry": "C3911",
                        "size": "small", "founded": datetime.date(2020, 3, 1), "address": "历下区经十路 1 号",
                        "contact_phone": "0531-1234567"},
                allowed=world.users["county_a"], denied=world.users["county_b"])


@action_case("enterprises.update_enterprise")
def _(world):
    # A firm's member keeps its own basic data; the member of the other firm in the same county may not.
    return Case(kwargs={"enterprise": _firm(world.enterprise_a), "industry": "I6513", "size": "medium",
                        "founded": datetime.date(2015, 5, 1), "domain": "电子信息", "address": "历下区新地址 8 号",
                        "contact_phone": "0531-7654321"},
                allowed=world.users["member_a"], denied=world.users["member_a2"])

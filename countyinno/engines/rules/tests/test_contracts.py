"""Every registrability rule of rules.md §4, through the engine and the CLI."""

import copy
import datetime
import json

import pytest

from countyinno.engines.identifiers import make_credit_code
from countyinno.engines.rules import contracts
from countyinno.engines.rules.cli import contracts_main

TODAY = datetime.date(2026, 6, 1)
GOOD = {
    "project_name": "高效节能电机控制技术转让", "category": "transfer", "subtype": "patent",
    "signed_on": "2026-03-01", "valid_from": "2026-03-01", "valid_to": "2028-03-01", "form": "written",
    "seller": {"name": "山东历下智能装备科技有限公司", "credit_code": make_credit_code("9", "1", "370102", "MA3C00001"),
               "area_code": "370102", "legal_type": "110"},
    "buyer": {"name": "寿光市新材料有限公司", "credit_code": make_credit_code("9", "1", "370783", "MA3C00002"),
              "area_code": "370783", "legal_type": "110"},
    "registration_point_area_code": "370102",
    "ip": {"type": "patent", "number": "ZL202010000001.2", "status": "valid", "expires_on": "2040-01-01"},
    "total_amount": 800, "non_technical_costs": {"equipment": 150, "raw_materials": 50},
}


def variant(**changes):
    data = copy.deepcopy(GOOD)
    for key, value in changes.items():
        node = data
        parts = key.split("__")
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value
    return data


def test_a_good_contract_is_registrable_with_its_amount_and_tax_benefits():
    result = contracts.check(GOOD, TODAY)
    assert result["registrable"] and result["failed"] == []
    assert result["technical_transaction_amount"] == 600 and result["ruleset"]["version"] == "2026"
    assert result["tax_benefits"] == {"vat_exempt": True, "income_tax": {"exempt": 500, "halved": 100}}
    # the rule set follows the application date (an administrative act), not the signing date
    assert contracts.check(variant(signed_on="2025-12-01"), TODAY)["ruleset"]["version"] == "2026"
    early = variant(signed_on="2025-12-01", valid_from="2025-12-01")
    assert contracts.check(early, datetime.date(2026, 1, 22))["ruleset"]["version"] == "2000"
    assert contracts.check(dict(early, application_date="2026-01-22"), TODAY)["ruleset"]["version"] == "2000"


CASES = [
    ("C01", variant(buyer__credit_code="")),
    ("C02", variant(project_name="", subject_described=False)),
    ("C03", variant(total_amount=0)),
    ("C04", variant(illegal_monopoly=True)),
    ("C05", variant(supporting_documents=False)),
    ("C06", variant(seal_names_match=False)),
    ("C07", variant(valid_to="2025-01-01")),
    ("C08", variant(category="sale", subtype="goods")),
    ("C09", variant(form="oral")),
    ("C10", variant(ip__status="expired")),
    ("C11", variant(non_technical_costs={"equipment": 900})),
    ("C12", variant(registration_point_area_code="370202")),
    ("C13", variant(buyer__credit_code=GOOD["buyer"]["credit_code"][:-1] + "0"
                    if GOOD["buyer"]["credit_code"][-1] != "0" else GOOD["buyer"]["credit_code"][:-1] + "1")),
]


@pytest.mark.parametrize("rule, data", CASES, ids=[c[0] for c in CASES])
def test_each_rule_refuses_with_its_reason(rule, data, tmp_path, capsys):
    result = contracts.check(data, TODAY)
    assert not result["registrable"]
    assert rule in [f["rule"] for f in result["failed"]]
    assert all(" / " in f["reason"] for f in result["failed"])
    path = tmp_path / "contract.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code = contracts_main(["check", "--input", str(path), "--date", TODAY.isoformat()])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    out = json.loads(captured.out)
    assert out["registrable"] is False and rule in [f["rule"] for f in out["failed"]]


def test_expired_patent_by_date_and_licence_exclusivity():
    assert "C10" in [f["rule"] for f in contracts.check(variant(ip__expires_on="2025-12-31"), TODAY)["failed"]]
    licence = variant(category="licensing", subtype="patent_license")
    assert "C08" in [f["rule"] for f in contracts.check(licence, TODAY)["failed"]]
    licence["exclusivity"] = "exclusive"
    assert contracts.check(licence, TODAY)["registrable"]


def test_city_point_accepts_its_counties_and_carriers_are_not_deducted():
    assert contracts.check(variant(registration_point_area_code="370100"), TODAY)["registrable"]
    carrier = contracts.check(variant(non_technical_costs={"technology_carrier": 100}), TODAY)
    assert "C11" in [f["rule"] for f in carrier["failed"]]
    # carriers are itemised in carrier_costs: counted against the total, never deducted
    itemised = contracts.check(variant(carrier_costs=100), TODAY)
    assert itemised["registrable"] and itemised["technical_transaction_amount"] == 600
    too_much = contracts.check(variant(carrier_costs=600.000001), TODAY)
    assert [f["rule"] for f in too_much["failed"]] == ["C11"]


def test_services_are_vat_exempt_only_when_tied():
    service = variant(category="service", subtype="technical_service", ip={})
    assert contracts.check(service, TODAY)["tax_benefits"]["vat_exempt"] is False
    service["tied_to_transfer_or_development"] = True
    assert contracts.check(service, TODAY)["tax_benefits"]["vat_exempt"] is True

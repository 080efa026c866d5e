"""Contract data shared by the app's tests and its declared-action cases."""

from countyinno.core.validators import make_credit_code


def contract_data(**overrides) -> dict:
    """A registrable development contract (300 万元, 40 万元 of equipment → 260 万元 technical amount)."""
    data = {"project_name": "节能电机控制技术开发", "category": "development", "subtype": "entrusted",
            "signed_on": "2026-02-01", "valid_to": "2027-02-01",
            "buyer": {"name": "买方公司", "credit_code": make_credit_code("9", "1", "370783", "BUYER0001"),
                      "area_code": "370783"},
            "total_amount": 300, "non_technical_costs": {"equipment": 40}}
    data.update(overrides)
    return data

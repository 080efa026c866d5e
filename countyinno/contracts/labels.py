"""Words, not codes: sub-type names from the rule sets, the parties' titles per contract type, money in 万元.

No model import here (models use these helpers)."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from countyinno.engines.rules import ruleset_for

# 合同当事人称谓: (the seller's title, the buyer's title) as the contract law names them.
PARTY_TITLES = {
    "development": ("受托方", "委托方"),
    "transfer": ("让与方", "受让方"),
    "licensing": ("许可方", "被许可方"),
    "consulting": ("受托方", "委托方"),
    "service": ("受托方", "委托方"),
}


def party_titles(category: str) -> tuple[str, str]:
    return PARTY_TITLES.get(category, ("卖方", "买方"))


def _params(day: datetime.date | None) -> dict:
    try:
        return ruleset_for("contracts", day or datetime.date.today()).params
    except Exception:  # a date no rule set covers: today's names
        return ruleset_for("contracts", datetime.date.today()).params


def subtype_label(category: str, subtype: str, day: datetime.date | None = None) -> str:
    """专利实施许可 for ("licensing", "patent_license"); the code itself only when no rule set knows it."""
    for params in (_params(day), _params(None)):
        name = ((params.get("categories") or {}).get(category) or {}).get("subtypes", {}).get(subtype)
        if name:
            return name
    return subtype


def category_label(category: str) -> str:
    name = ((_params(None).get("categories") or {}).get(category) or {}).get("name")
    return name or category


def exact(value) -> Decimal:
    """An amount as an exact Decimal; floats go through their shortest decimal text (0.1 → Decimal("0.1"))."""
    if isinstance(value, Decimal):
        return value
    if value is None or value == "":
        return Decimal(0)
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def wan(value, places: int = 2) -> str:
    """An amount in 万元, rounded half up for display: 1234.5 → "1,234.50"."""
    amount = exact(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{amount:,.{places}f}"


def plain(value):
    """Engine output made JSON-safe: Decimals as their exact text."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value

"""七(一): resources tilted to top counties, and 创新型县（市）candidates — pure functions over results."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from countyinno.core.errors import bilingual


@dataclass
class CountyScore:
    code: str
    name: str
    county_type: str
    index: float
    rank: int
    performance_group: str
    rank_change: int | None = None


class DecisionError(ValueError):
    pass


def _dec(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def _largest_remainder(shares: dict[str, Decimal], total_amount: Decimal, unit: Decimal) -> dict[str, Decimal]:
    """Split `total_amount` by shares into multiples of `unit` that add up exactly (Hamilton's method)."""
    total = sum(shares.values(), Decimal(0))
    if total <= 0:
        return {k: Decimal(0) * unit for k in shares}
    units = int((total_amount / unit).to_integral_value(rounding=ROUND_HALF_UP))
    raw = {k: units * v / total for k, v in shares.items()}
    base = {k: int(v) for k, v in raw.items()}  # v >= 0: int() is the floor
    left = units - sum(base.values())
    for k in sorted(raw, key=lambda k: (raw[k] - base[k], shares[k]), reverse=True)[:left]:
        base[k] += 1
    return {k: base[k] * unit for k in shares}


CENT = Decimal("0.01")


def allocate(scores: list[CountyScore], budget, rule: str, *, top_n: int = 20,
             group_weights: dict[str, object] | None = None, floor=0, unit=CENT) -> list[dict]:
    """Allocate `budget` (万元) to counties: top_n (equal shares among the best N), group_weights
    (a weight per performance group) or score (in proportion to index above `floor`).

    Exact decimals throughout: amounts are multiples of `unit` (0.01 万元) adding up to the budget, and
    `share` (a percentage with two decimals) adds up to exactly 100 when anything is allocated."""
    budget, floor, unit = _dec(budget), _dec(floor or 0), _dec(unit)
    if budget < 0:
        raise DecisionError(bilingual("预算不能为负", "the budget must not be negative"))
    if rule == "top_n":
        if top_n < 1:
            raise DecisionError(bilingual("N 至少为 1", "N must be at least 1"))
        shares = {s.code: Decimal(1) if s.rank <= top_n else Decimal(0) for s in scores}
    elif rule == "group_weights":
        weights = {k: _dec(v or 0) for k, v in (group_weights or {}).items()}
        unknown = sorted({s.performance_group for s in scores} - set(weights))
        if unknown:
            raise DecisionError(bilingual(f"缺少类别权重：{'、'.join(unknown)}", f"missing weights for groups {unknown}"))
        if any(w < 0 for w in weights.values()):
            raise DecisionError(bilingual("类别权重不能为负", "group weights must not be negative"))
        shares = {s.code: weights[s.performance_group] for s in scores}
    elif rule == "score":
        shares = {s.code: max(_dec(round(s.index, 6)) - floor, Decimal(0)) for s in scores}
    else:
        raise DecisionError(bilingual(f"未知分配规则 {rule}", f"unknown allocation rule {rule}"))
    if scores and sum(shares.values(), Decimal(0)) <= 0 and budget > 0:
        raise DecisionError(bilingual("按当前规则没有县获得资金（权重或门槛过高）",
                                      "no county receives anything under this rule (weights or floor too strict)"))
    amounts = _largest_remainder(shares, budget, unit)
    percents = _largest_remainder(shares, Decimal(100), CENT)
    out = []
    for s in sorted(scores, key=lambda s: s.rank):
        out.append({"code": s.code, "name": s.name, "rank": s.rank, "index": s.index,
                    "performance_group": s.performance_group, "county_type": s.county_type,
                    "share": percents[s.code], "amount": amounts[s.code]})
    return out


def innovative_county_candidates(scores: list[CountyScore], *, max_rank: int = 30, min_index: float = 0.0,
                                 min_rank_gain: int | None = None,
                                 county_types: tuple[str, ...] = ("县", "县级市")) -> list[CountyScore]:
    """创新型县（市）candidates: counties and county-level cities (not districts by default) ranked
    within max_rank, with an index of at least min_index and, optionally, a rank gain over last year."""
    out = []
    for s in scores:
        if county_types and s.county_type not in county_types:
            continue
        if s.rank > max_rank or s.index < min_index:
            continue
        if min_rank_gain is not None and (s.rank_change is None or s.rank_change < min_rank_gain):
            continue
        out.append(s)
    return sorted(out, key=lambda s: s.rank)

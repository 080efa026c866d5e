"""七(一): resources tilted to top counties, and 创新型县（市）candidates — pure functions over results."""

from __future__ import annotations

from dataclasses import dataclass

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


def _largest_remainder(shares: dict[str, float], budget: float, unit: float) -> dict[str, float]:
    """Split `budget` by shares into multiples of `unit` that add up exactly."""
    total = sum(shares.values())
    if total <= 0:
        return {k: 0.0 for k in shares}
    units = round(budget / unit)
    raw = {k: units * v / total for k, v in shares.items()}
    base = {k: int(v) for k, v in raw.items()}
    left = units - sum(base.values())
    for k in sorted(raw, key=lambda k: (raw[k] - base[k], shares[k]), reverse=True)[:left]:
        base[k] += 1
    return {k: base[k] * unit for k in shares}


def allocate(scores: list[CountyScore], budget: float, rule: str, *, top_n: int = 20,
             group_weights: dict[str, float] | None = None, floor: float = 0.0, unit: float = 1.0) -> list[dict]:
    """Allocate `budget` (万元) to counties: top_n (equal shares among the best N), group_weights
    (a weight per performance group) or score (in proportion to index above `floor`)."""
    if budget < 0:
        raise DecisionError(bilingual("预算不能为负", "the budget must not be negative"))
    if rule == "top_n":
        if top_n < 1:
            raise DecisionError(bilingual("N 至少为 1", "N must be at least 1"))
        shares = {s.code: 1.0 if s.rank <= top_n else 0.0 for s in scores}
    elif rule == "group_weights":
        weights = group_weights or {}
        unknown = sorted({s.performance_group for s in scores} - set(weights))
        if unknown:
            raise DecisionError(bilingual(f"缺少类别权重：{unknown}", f"missing weights for groups {unknown}"))
        if any(w < 0 for w in weights.values()):
            raise DecisionError(bilingual("类别权重不能为负", "group weights must not be negative"))
        shares = {s.code: weights[s.performance_group] for s in scores}
    elif rule == "score":
        shares = {s.code: max(s.index - floor, 0.0) for s in scores}
    else:
        raise DecisionError(bilingual(f"未知分配规则 {rule}", f"unknown allocation rule {rule}"))
    amounts = _largest_remainder(shares, budget, unit)
    total = sum(shares.values())
    out = []
    for s in sorted(scores, key=lambda s: s.rank):
        out.append({"code": s.code, "name": s.name, "rank": s.rank, "index": s.index,
                    "performance_group": s.performance_group,
                    "share": shares[s.code] / total if total else 0.0, "amount": amounts[s.code]})
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

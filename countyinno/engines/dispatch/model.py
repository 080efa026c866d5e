"""The dispatch instance: talents, demands, candidate edges with costs and reasons, constraints."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from countyinno.engines.inputs import EngineInputError, Problem, check_document, schema_problems, to_decimal


class DispatchError(EngineInputError):
    """Bad input, an infeasible plan or a solver failure; every problem names the item or constraint.
    kind: "invalid" (input), "infeasible" (no plan meets the constraints) or "solver" (the solver failed)."""

    def __init__(self, problems=None, kind: str = "invalid"):
        super().__init__(list(problems or []), kind)

    def as_dict(self) -> dict:
        return {"error": self.kind, "message": self.head(),
                "problems": [{"where": p.where, "message": p.message} for p in self.problems]}


SCHEMA = json.loads((Path(__file__).resolve().parent / "instance.schema.json").read_text(encoding="utf-8"))
MAX_COST_DECIMALS = 6


def _bracket(path: str) -> str:
    """talents.0.capacity → talents[0].capacity (the dispatch engine's historical path style)."""
    return re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", path)


def cost_scale(costs) -> int:
    """10^d for the fewest decimals d (≤ 6) that every cost has (floats read by their shortest repr), so
    that cost × 10^d are exact integers; more than 6 decimals is an input error."""
    values = np.asarray(costs, dtype=float)
    if values.size == 0:
        return 1
    for places in range(MAX_COST_DECIMALS + 1):
        scale = 10 ** places
        if np.array_equal(np.round(values * scale) / scale, values):
            return scale
    raise DispatchError([Problem("edges", f"成本最多 {MAX_COST_DECIMALS} 位小数（请先四舍五入）",
                                 f"costs have at most {MAX_COST_DECIMALS} decimals (round them first)")])


DEFAULT_COST_MODEL = {"distance_weight": 0.2, "field_weight": 40.0, "text_weight": 20.0, "previous_pairing_bonus": 15.0,
                      "preference_bonus": 10.0, "max_distance_km": 400.0, "max_candidates_per_demand": 50}


def haversine_km(a, b) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


@dataclass
class Instance:
    talent_ids: list[str]
    capacity: np.ndarray  # per talent
    home_unit: list[str]
    demand_ids: list[str]
    need: np.ndarray  # per demand
    county: list[str]
    edge_t: np.ndarray  # candidate edges: talent index
    edge_d: np.ndarray  # demand index
    cost: np.ndarray  # float cost, lower is better
    reasons: list  # per edge: list of reason strings
    min_per_county: dict[str, int]
    max_per_unit_per_county: int | None
    pinned: list[tuple[int, int]]
    mode: str = "optimal"
    priority: np.ndarray | None = None  # per demand: cost of one unserved place (objective.unserved = priority)
    talent_prefs: dict[int, list[int]] = field(default_factory=dict)
    demand_prefs: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict) -> "Instance":
        problems: list[Problem] = []
        if not isinstance(data, dict):
            raise DispatchError([Problem("$", "输入应为 JSON 对象", "the instance must be a JSON object")])
        try:
            check_document(data)
        except EngineInputError as exc:
            raise DispatchError([Problem(_bracket(p.where), p.message_zh, p.message_en) for p in exc.problems]) from None
        found = schema_problems(SCHEMA, data)
        if found:
            raise DispatchError([Problem(_bracket(p.where), p.message_zh, p.message_en) for p in found])
        talents, demands = data.get("talents") or [], data.get("demands") or []
        t_index, d_index = {}, {}
        for i, t in enumerate(talents):
            tid = str(t.get("id", ""))
            if not tid or tid in t_index:
                problems.append(Problem(f"talents[{i}].id", "缺少或重复的编号", "missing or duplicate id"))
            t_index[tid] = i
            cap = t.get("capacity", 1)
            if not isinstance(cap, int) or cap < 0:
                problems.append(Problem(f"talents[{i}].capacity", f"服务容量应为非负整数，收到 {cap!r}",
                                        f"capacity must be a non-negative integer, got {cap!r}"))
        for i, d in enumerate(demands):
            did = str(d.get("id", ""))
            if not did or did in d_index:
                problems.append(Problem(f"demands[{i}].id", "缺少或重复的编号", "missing or duplicate id"))
            d_index[did] = i
            need = d.get("need", 1)
            if not isinstance(need, int) or need < 0:
                problems.append(Problem(f"demands[{i}].need", f"需求人数应为非负整数，收到 {need!r}",
                                        f"need must be a non-negative integer, got {need!r}"))
        cost_model = {**DEFAULT_COST_MODEL, **(data.get("cost_model") or {})}
        constraints = data.get("constraints") or {}
        forbidden = set()
        for k, pair in enumerate(constraints.get("forbidden") or []):
            pair = [str(x) for x in pair]
            if len(pair) != 2 or pair[0] not in t_index or pair[1] not in d_index:
                problems.append(Problem(f"constraints.forbidden[{k}]", f"未知的人才或需求编号 {pair}",
                                        f"unknown talent or demand id in {pair}"))
            else:
                forbidden.add((t_index[pair[0]], d_index[pair[1]]))
        pinned = []
        for k, pair in enumerate(constraints.get("pinned") or []):
            pair = [str(x) for x in pair]
            if len(pair) != 2 or pair[0] not in t_index or pair[1] not in d_index:
                problems.append(Problem(f"constraints.pinned[{k}]", f"未知的人才或需求编号 {pair}",
                                        f"unknown talent or demand id in {pair}"))
            elif (t_index[pair[0]], d_index[pair[1]]) in forbidden:
                problems.append(Problem(f"constraints.pinned[{k}]", f"指定结对 {pair[0]} → {pair[1]} 同时被禁止",
                                        f"the pinned pair {pair[0]} → {pair[1]} is also forbidden"))
            elif (t_index[pair[0]], d_index[pair[1]]) in set(pinned):
                problems.append(Problem(f"constraints.pinned[{k}]", f"重复的指定结对 {pair}", f"duplicate pinned pair {pair}"))
            else:
                pinned.append((t_index[pair[0]], d_index[pair[1]]))
        if problems:
            raise DispatchError(problems)
        edges = data.get("edges")
        if edges is not None:
            edge_t, edge_d, cost, reasons = [], [], [], []
            seen: dict[tuple[int, int], int] = {}
            for k, e in enumerate(edges):
                e = dict(e, talent=str(e.get("talent")), demand=str(e.get("demand")))
                if e.get("talent") not in t_index or e.get("demand") not in d_index:
                    problems.append(Problem(f"edges[{k}]", f"未知编号 {e.get('talent')} → {e.get('demand')}",
                                            f"unknown id {e.get('talent')} → {e.get('demand')}"))
                    continue
                c = e.get("cost")
                try:
                    exact_cost = to_decimal(c)
                    ok = not isinstance(c, bool) and exact_cost.is_finite() and math.isfinite(float(exact_cost))
                except (ValueError, TypeError, ArithmeticError):
                    ok = False
                if not ok:
                    problems.append(Problem(f"edges[{k}].cost", "成本应为有限数值", "cost must be a finite number"))
                    continue
                if -exact_cost.normalize().as_tuple().exponent > MAX_COST_DECIMALS:
                    problems.append(Problem(f"edges[{k}].cost", f"成本最多 {MAX_COST_DECIMALS} 位小数，收到 {c}",
                                            f"costs have at most {MAX_COST_DECIMALS} decimals, got {c}"))
                    continue
                c = float(exact_cost)
                pair = (t_index[e["talent"]], d_index[e["demand"]])
                if pair in seen:
                    problems.append(Problem(f"edges[{k}]", f"重复的候选边 {e['talent']} → {e['demand']}（与 edges[{seen[pair]}] 相同）",
                                            f"duplicate edge {e['talent']} → {e['demand']} (same as edges[{seen[pair]}])"))
                    continue
                seen[pair] = k
                if pair in forbidden:
                    continue
                edge_t.append(pair[0])
                edge_d.append(pair[1])
                cost.append(c)
                reasons.append(list(e.get("reasons") or []))
            if problems:
                raise DispatchError(problems)
        else:
            edge_t, edge_d, cost, reasons = candidate_edges(talents, demands, cost_model, forbidden,
                                                            data.get("previous_pairs") or [], data.get("preferences") or {})
        edge_set = set(zip(edge_t, edge_d))
        for k, (ti, di) in enumerate(pinned):
            if (ti, di) not in edge_set:
                problems.append(Problem(f"constraints.pinned[{k}]",
                                        f"{talents[ti]['id']} → {demands[di]['id']} 不是候选结对（没有这条边），不能指定",
                                        f"{talents[ti]['id']} → {demands[di]['id']} is not a candidate pair (no such edge) "
                                        f"and cannot be pinned"))
        for k, ti_di in enumerate(pinned):
            if ti_di in edge_set:
                idx = next(i for i, pair in enumerate(zip(edge_t, edge_d)) if pair == ti_di)
                reasons[idx] = list(reasons[idx]) + ["官员指定 pinned by an official"]
        if problems:
            raise DispatchError(problems)
        county_min = constraints.get("min_per_county") or {}
        if isinstance(county_min, int):
            county_min = {c: county_min for c in {str(d.get("county", "")) for d in demands}}
        prefs = data.get("preferences") or {}
        objective = data.get("objective") or {}
        priority = None
        if objective.get("unserved") == "priority":
            default = objective.get("default_priority")
            missing = [f"demands[{j}].priority" for j, d in enumerate(demands) if d.get("priority") is None]
            if missing and default is None:
                raise DispatchError([Problem(m, "按优先级求解时须给出每个需求的优先级（或 objective.default_priority）",
                                             "with objective.unserved = priority every demand needs a priority "
                                             "(or objective.default_priority)") for m in missing[:20]])
            priority = np.array([float(d["priority"]) if d.get("priority") is not None else float(default)
                                 for d in demands], dtype=float)
        elif any(d.get("priority") is not None for d in demands):
            j = next(j for j, d in enumerate(demands) if d.get("priority") is not None)
            raise DispatchError([Problem(f"demands[{j}].priority", "需求优先级只在 objective.unserved = \"priority\" 时使用",
                                         "demand priorities are only used with objective.unserved = \"priority\"")])
        inst = cls(
            talent_ids=list(t_index), capacity=np.array([t.get("capacity", 1) for t in talents], dtype=np.int64),
            home_unit=[str(t.get("home_unit", "")) for t in talents], demand_ids=list(d_index),
            need=np.array([d.get("need", 1) for d in demands], dtype=np.int64),
            county=[str(d.get("county", "")) for d in demands], edge_t=np.array(edge_t, dtype=np.int64),
            edge_d=np.array(edge_d, dtype=np.int64), cost=np.array(cost, dtype=float), reasons=reasons,
            min_per_county={str(k): int(v) for k, v in county_min.items()},
            max_per_unit_per_county=constraints.get("max_per_unit_per_county"), pinned=pinned,
            mode=data.get("mode", "optimal"), priority=priority,
            talent_prefs={t_index[k]: [d_index[str(x)] for x in v if str(x) in d_index]
                          for k, v in (prefs.get("talents") or {}).items() if k in t_index},
            demand_prefs={d_index[k]: [t_index[str(x)] for x in v if str(x) in t_index]
                          for k, v in (prefs.get("demands") or {}).items() if k in d_index})
        if inst.mode not in ("optimal", "stable"):
            raise DispatchError([Problem("mode", "模式应为 optimal 或 stable", "mode must be optimal or stable")])
        return inst


def candidate_edges(talents, demands, model, forbidden, previous_pairs, preferences):
    """Cost model: distance, field overlap, text overlap, previous pairings and stated preferences.
    Each demand keeps its best `max_candidates_per_demand` talents within `max_distance_km`."""
    previous = {(str(a), str(b)) for a, b in previous_pairs}
    talent_pref = {k: set(v) for k, v in (preferences.get("talents") or {}).items()}
    demand_pref = {k: set(v) for k, v in (preferences.get("demands") or {}).items()}
    t_fields = [set(t.get("fields") or []) for t in talents]
    t_words = [set(t.get("keywords") or []) for t in talents]
    edge_t, edge_d, cost, reasons = [], [], [], []
    for j, d in enumerate(demands):
        d_fields, d_words = set(d.get("fields") or []), set(d.get("keywords") or [])
        scored = []
        for i, t in enumerate(talents):
            if (i, j) in forbidden:
                continue
            why = []
            km = None
            if t.get("location") and d.get("location"):
                km = haversine_km(t["location"], d["location"])
                if km > model["max_distance_km"]:
                    continue
                why.append(f"距离 {km:.0f} km")
            overlap = t_fields[i] & d_fields
            field_fit = len(overlap) / len(d_fields) if d_fields else 0.0
            if d_fields and not overlap:
                continue  # no shared field: not a candidate
            if overlap:
                why.append("领域匹配 " + "、".join(sorted(overlap)))
            text_fit = len(t_words[i] & d_words) / len(d_words) if d_words else 0.0
            if text_fit:
                why.append("关键词 " + "、".join(sorted(t_words[i] & d_words)))
            c = model["distance_weight"] * (km or 0) + model["field_weight"] * (1 - field_fit) \
                + model["text_weight"] * (1 - text_fit)
            tid, did = str(t.get("id")), str(d.get("id"))
            if (tid, did) in previous:
                c -= model["previous_pairing_bonus"]
                why.append("曾结对服务 previous pairing")
            if did in talent_pref.get(tid, ()):
                c -= model["preference_bonus"]
                why.append("人才意向 talent's preference")
            if tid in demand_pref.get(did, ()):
                c -= model["preference_bonus"]
                why.append("需求方意向 demand's preference")
            scored.append((c, i, why))
        scored.sort(key=lambda x: x[0])
        for c, i, why in scored[: int(model["max_candidates_per_demand"])]:
            edge_t.append(i)
            edge_d.append(j)
            cost.append(round(c, 4))
            reasons.append(why)
    return edge_t, edge_d, cost, reasons

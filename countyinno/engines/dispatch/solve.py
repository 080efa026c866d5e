"""Exact dispatch plans.

Objective (default, objective.unserved = "maximise_served"), in order: (1) every county gets at least
its minimum (hard), (2) as many demand places served as possible, (3) the lowest total cost. With
objective.unserved = "priority" the plan minimises total cost + Σ priority(d) × unserved places of d
(a county marks urgent or poverty-alleviation demands with a high priority).

Without per-unit caps this is a min-cost flow with lower bounds solved exactly by OR-Tools'
SimpleMinCostFlow (a cost-scaling push-relabel algorithm on integer costs) — two solves: the most
places, then the least cost at that count (no big-M, so costs of national size cannot overflow);
with "at most m from one home unit per county" it is an integer program solved exactly by HiGHS
(two phases likewise). Costs are scaled to integers by the data's own precision (10^d for d decimals,
d ≤ 6), so the optimum is exact. The stable mode (双向选择) runs many-to-one deferred acceptance.
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np

from .model import DispatchError, Instance, Problem, cost_scale

INT_LIMIT = 2**62  # |integer cost × flow| the flow solver can hold without overflow


def _solver_failure(where: str, zh: str, en: str) -> DispatchError:
    return DispatchError([Problem(where, zh, en)], kind="solver")


def solve(instance: Instance | dict) -> dict:
    inst = instance if isinstance(instance, Instance) else Instance.from_dict(instance)
    started = time.perf_counter()  # `seconds` covers solving only: pins, checks, the solver, the plan
    cap, need, pinned_edges = _apply_pins(inst)
    _check_minimums_possible(inst, cap, need, pinned_edges)
    if inst.mode == "stable":
        chosen, solver = _stable(inst, cap, need), "deferred_acceptance"
    elif inst.max_per_unit_per_county is not None:
        chosen, solver = _milp(inst, cap, need, pinned_edges), "milp_highs"
    else:
        chosen, solver = _min_cost_flow(inst, cap, need, pinned_edges), "min_cost_flow_ortools"
    chosen = sorted(set(chosen) | set(pinned_edges))
    return _plan(inst, chosen, set(pinned_edges), solver, time.perf_counter() - started)


def _apply_pins(inst: Instance):
    cap, need = inst.capacity.copy(), inst.need.copy()
    edge_of = {(int(t), int(d)): k for k, (t, d) in enumerate(zip(inst.edge_t, inst.edge_d))}
    problems, pinned = [], []
    for t, d in inst.pinned:
        cap[t] -= 1
        need[d] -= 1
        pinned.append(edge_of[(t, d)])
    for i in np.flatnonzero(cap < 0):
        problems.append(Problem(f"talent {inst.talent_ids[i]}", "指定的结对数超过该人才的服务容量",
                                "more pinned pairs than the talent's capacity"))
    for j in np.flatnonzero(need < 0):
        problems.append(Problem(f"demand {inst.demand_ids[j]}", "指定的结对数超过该需求的人数",
                                "more pinned pairs than the demand needs"))
    if problems:
        raise DispatchError(problems, kind="infeasible")
    return cap, need, pinned


def _remaining_minimums(inst, pinned_edges):
    counts = defaultdict(int)
    for k in pinned_edges:
        counts[inst.county[inst.edge_d[k]]] += 1
    return {c: max(m - counts[c], 0) for c, m in inst.min_per_county.items()}


def _check_minimums_possible(inst, cap, need, pinned_edges):
    """Explain a county minimum that no plan can meet, before solving."""
    remaining = _remaining_minimums(inst, pinned_edges)
    problems = []
    for county, minimum in remaining.items():
        if minimum == 0:
            continue
        demands = [j for j, c in enumerate(inst.county) if c == county]
        needed = int(sum(need[j] for j in demands))
        reachable = {int(t) for t, d in zip(inst.edge_t, inst.edge_d) if inst.county[d] == county}
        supply = int(sum(cap[t] for t in reachable))
        if min(needed, supply) < minimum:
            problems.append(Problem(f"constraints.min_per_county[{county}]",
                                    f"该县至少 {minimum} 人，但需求仅 {needed} 个、可匹配人才容量 {supply}",
                                    f"needs at least {minimum}, but has {needed} open demand(s) and {supply} "
                                    f"reachable talent capacity"))
    if problems:
        raise DispatchError(problems, kind="infeasible")


def _scale(inst) -> int:
    return cost_scale(np.concatenate([inst.cost, inst.priority if inst.priority is not None else []]))


def _int_costs(inst, with_priority: bool = False) -> np.ndarray:
    """Exact integer costs: every cost × 10^d (d = the most decimals in the data), shifted to ≥ 0.
    With `with_priority`, each edge's cost minus its demand's priority, not shifted (0 = indifferent)."""
    if not inst.cost.size:
        return np.zeros(0, dtype=np.int64)
    scale = _scale(inst)
    limit = 2.0 ** 53  # exact integers in a float
    scaled = np.round(inst.cost * scale)
    if with_priority:
        scaled = scaled - np.round(inst.priority[inst.edge_d] * scale)
    else:
        scaled = scaled - scaled.min()
    if np.abs(scaled).max() >= limit:
        raise _solver_failure("edges", "成本数值过大，整数求解器无法精确表示", "costs too large for the exact integer solver")
    return scaled.astype(np.int64)


def _min_cost_flow(inst, cap, need, pinned_edges) -> list[int]:
    from ortools.graph.python import min_cost_flow

    free = np.ones(inst.edge_t.size, dtype=bool)
    free[pinned_edges] = False
    e_idx = np.flatnonzero(free)
    if e_idx.size == 0:
        return []
    counties = sorted(set(inst.county))
    county_pos = {c: i for i, c in enumerate(counties)}
    county_of = np.array([county_pos[c] for c in inst.county], dtype=np.int64)
    nT, nD, nC = len(inst.talent_ids), len(inst.demand_ids), len(counties)
    S, Z = 0, 1
    T0, D0, C0 = 2, 2 + nT, 2 + nT + nD
    total_flow = int(min(cap.sum(), need.sum()))
    minimum = _remaining_minimums(inst, pinned_edges)
    lower = np.array([minimum.get(c, 0) for c in counties], dtype=np.int64)
    unbounded = int(need.sum()) + 1

    def run(edge_costs: np.ndarray, bypass_capacity: int, phase: str):
        if edge_costs.size and int(np.abs(edge_costs).max()) * max(total_flow, 1) >= INT_LIMIT:
            raise _solver_failure("edges", f"成本过大：{phase}阶段的总成本超出 64 位整数范围",
                                  f"costs too large: the {phase} total cost exceeds 64-bit integers")
        flow = min_cost_flow.SimpleMinCostFlow()
        tails = np.concatenate([np.full(nT, S), T0 + inst.edge_t[e_idx], D0 + np.arange(nD), C0 + np.arange(nC), [S]])
        heads = np.concatenate([T0 + np.arange(nT), D0 + inst.edge_d[e_idx], C0 + county_of, np.full(nC, Z), [Z]])
        capacities = np.concatenate([cap, np.ones(e_idx.size, dtype=np.int64), need,
                                     np.full(nC, unbounded) - lower, [bypass_capacity]])
        unit_costs = np.concatenate([np.zeros(nT, dtype=np.int64), edge_costs, np.zeros(nD, dtype=np.int64),
                                     np.zeros(nC, dtype=np.int64), [0]])
        flow.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32),
                                                  capacities.astype(np.int64), unit_costs.astype(np.int64))
        supplies = np.zeros(C0 + nC, dtype=np.int64)
        supplies[S] = total_flow
        supplies[Z] = -total_flow + int(lower.sum())  # lower bounds on county → sink become demands at the county
        supplies[C0:C0 + nC] -= lower
        flow.set_nodes_supplies(np.arange(supplies.size, dtype=np.int32), supplies)
        status = flow.solve()
        if status == flow.INFEASIBLE:
            if lower.sum():
                raise DispatchError([Problem("constraints.min_per_county", "各县最低人数无法同时满足（人才被多个县争用）",
                                             "the county minimums cannot all be met at once (counties compete for the "
                                             "same talents)")], kind="infeasible")
            raise _solver_failure("solver", "求解器报告无可行流（实例没有最低人数，这不应发生）",
                                  "the flow solver reported infeasibility on an instance without minimums")
        if status == flow.BAD_COST_RANGE:
            raise _solver_failure("edges", "成本范围过大，求解器发生整数溢出", "the cost range overflows the flow solver")
        if status != flow.OPTIMAL:
            names = {flow.NOT_SOLVED: "NOT_SOLVED", flow.UNBALANCED: "UNBALANCED", flow.BAD_RESULT: "BAD_RESULT"}
            raise _solver_failure("solver", f"最小费用流求解失败（{names.get(status, status)}）",
                                  f"the min-cost flow solver failed ({names.get(status, status)})")
        return flow.flows(np.arange(nT, nT + e_idx.size, dtype=np.int32))

    if inst.priority is not None:  # one solve: cost − priority of the demand served; unserved places cost nothing more
        used = run(_int_costs(inst, with_priority=True)[e_idx], total_flow, "优先级")
        return [int(k) for k in e_idx[used > 0]]
    # phase 1: the most places (every edge −1); phase 2: the least cost at that count (exact integer costs)
    used = run(np.full(e_idx.size, -1, dtype=np.int64), total_flow, "计数")
    count = int(used.sum())
    costs = _int_costs(inst)[e_idx]
    used = run(costs, total_flow - count, "成本")
    return [int(k) for k in e_idx[used > 0]]


def _milp(inst, cap, need, pinned_edges) -> list[int]:
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_matrix

    n = inst.edge_t.size
    lower_bounds = np.zeros(n)
    lower_bounds[pinned_edges] = 1  # pinned edges are in every plan
    rows, cols, lo, hi = [], [], [], []
    groups = []

    def add_group(members, low, high):
        groups.append((members, low, high))

    by_talent, by_demand = defaultdict(list), defaultdict(list)
    by_county, by_unit_county = defaultdict(list), defaultdict(list)
    for k, (t, d) in enumerate(zip(inst.edge_t, inst.edge_d)):
        by_talent[int(t)].append(k)
        by_demand[int(d)].append(k)
        by_county[inst.county[d]].append(k)
        by_unit_county[(inst.home_unit[t], inst.county[d])].append(k)
    for t, members in by_talent.items():
        add_group(members, 0, int(inst.capacity[t]))
    for d, members in by_demand.items():
        add_group(members, 0, int(inst.need[d]))
    for county, minimum in inst.min_per_county.items():
        add_group(by_county.get(county, []), minimum, np.inf)
    for key, members in by_unit_county.items():
        if key[0]:
            add_group(members, 0, int(inst.max_per_unit_per_county))
    for r, (members, low, high) in enumerate(groups):
        rows.extend([r] * len(members))
        cols.extend(members)
        lo.append(low)
        hi.append(high)
    A = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(groups), n))
    constraints = [LinearConstraint(A, lo, hi)]
    bounds = Bounds(lower_bounds, np.ones(n))
    integrality = np.ones(n)
    def check(result, phase):
        if result.status == 0 and result.x is not None:
            return result
        if result.status == 2:  # infeasible
            raise DispatchError([Problem("constraints", "在“每县最低人数”和“同一单位在一个县至多 m 人”约束下无可行方案",
                                         "no plan meets the county minimums together with the per-unit limit")],
                                kind="infeasible")
        raise _solver_failure("solver", f"整数规划求解失败（{phase}，HiGHS 状态 {result.status}：{result.message}）",
                              f"the integer program failed ({phase}, HiGHS status {result.status}: {result.message})")

    if inst.priority is not None:
        weights = _int_costs(inst, with_priority=True).astype(float)
        result = check(milp(weights, constraints=constraints, bounds=bounds, integrality=integrality), "priority")
        return [int(k) for k in np.flatnonzero(result.x > 0.5)]
    first = check(milp(-np.ones(n), constraints=constraints, bounds=bounds, integrality=integrality), "count")
    count = round(-first.fun)
    at_count = LinearConstraint(np.ones((1, n)), count, count)
    costs = _int_costs(inst).astype(float)  # exact integers (≤ 2^53 checked below) for HiGHS
    if costs.size and costs.max() * n >= 2**53:
        raise _solver_failure("edges", "成本过大，整数规划无法精确求解", "costs too large to solve the integer program exactly")
    second = check(milp(costs, constraints=constraints + [at_count], bounds=bounds, integrality=integrality), "cost")
    return [int(k) for k in np.flatnonzero(second.x > 0.5)]


def _stable(inst, cap, need) -> list[int]:
    """Many-to-one deferred acceptance, talents proposing (talent-optimal stable matching)."""
    edges = {(int(t), int(d)): k for k, (t, d) in enumerate(zip(inst.edge_t, inst.edge_d))}
    options = defaultdict(list)
    for (t, d), k in edges.items():
        options[t].append(d)
    for t in options:
        explicit = inst.talent_prefs.get(t)
        rank = {d: i for i, d in enumerate(explicit)} if explicit else {}
        options[t].sort(key=lambda d: (rank.get(d, len(rank)), inst.cost[edges[(t, d)]]))

    def demand_rank(d, t):
        explicit = inst.demand_prefs.get(d)
        if explicit and t in explicit:
            return (explicit.index(t), 0.0)
        return (len(explicit or []), inst.cost[edges[(t, d)]])

    held = defaultdict(list)  # demand -> talents
    slots = {t: int(cap[t]) for t in range(len(inst.talent_ids))}
    nxt = defaultdict(int)
    free = [t for t in range(len(inst.talent_ids)) if slots[t] > 0]
    while free:
        t = free.pop()
        while slots[t] > 0 and nxt[t] < len(options[t]):
            d = options[t][nxt[t]]
            nxt[t] += 1
            if need[d] <= 0 or t in held[d]:
                continue
            held[d].append(t)
            slots[t] -= 1
            if len(held[d]) > need[d]:
                held[d].sort(key=lambda x: demand_rank(d, x))
                rejected = held[d].pop()
                slots[rejected] += 1
                if rejected != t:
                    free.append(rejected)
    return [edges[(t, d)] for d, ts in held.items() for t in ts]


def _plan(inst: Instance, chosen: list[int], pinned: set[int], solver: str, seconds: float) -> dict:
    assignments, served = [], defaultdict(int)
    load, counties = defaultdict(int), defaultdict(int)
    for k in chosen:
        t, d = int(inst.edge_t[k]), int(inst.edge_d[k])
        served[d] += 1
        load[t] += 1
        counties[inst.county[d]] += 1
        assignments.append({"talent": inst.talent_ids[t], "demand": inst.demand_ids[d], "county": inst.county[d],
                            "cost": round(float(inst.cost[k]), 4), "reasons": inst.reasons[k], "pinned": k in pinned})
    unserved = [{"demand": inst.demand_ids[d], "missing": int(inst.need[d] - served[d])}
                for d in range(len(inst.demand_ids)) if served[d] < inst.need[d]]
    idle = [inst.talent_ids[t] for t in range(len(inst.talent_ids)) if load[t] == 0 and inst.capacity[t] > 0]
    from decimal import Decimal

    from countyinno.engines.inputs import plain, to_decimal

    total = sum((to_decimal(float(inst.cost[k])) for k in chosen), Decimal(0))
    objective = {"assigned": len(assignments), "total_cost": plain(total) if chosen else 0.0,
                 "unserved_places": sum(u["missing"] for u in unserved),
                 "unserved": "priority" if inst.priority is not None else "maximise_served"}
    if inst.priority is not None:
        penalty = sum((to_decimal(float(inst.priority[inst.demand_ids.index(u["demand"])])) * u["missing"]
                       for u in unserved), Decimal(0))
        objective["unserved_cost"] = plain(penalty)
        objective["total_with_unserved"] = plain(total + penalty)
    return {"status": "stable" if solver == "deferred_acceptance" else "optimal", "solver": solver,
            "objective": objective,
            "assignments": assignments, "unserved_demands": unserved, "idle_talents": idle,
            "county_counts": dict(sorted(counties.items())), "seconds": round(seconds, 4)}

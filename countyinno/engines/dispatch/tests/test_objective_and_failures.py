"""Per-demand priorities, exact costs at any precision and size, refused pins and edges, honest failures."""

from decimal import Decimal

import pytest

from countyinno.engines.dispatch import DispatchError, solve

from .test_dispatch import lsa_optimum, random_instance


def small():
    return {"talents": [{"id": "T1", "capacity": 1}, {"id": "T2", "capacity": 1}],
            "demands": [{"id": "D1", "county": "A"}, {"id": "D2", "county": "A"}, {"id": "D3", "county": "B"}],
            "edges": [{"talent": "T1", "demand": "D1", "cost": 10}, {"talent": "T1", "demand": "D3", "cost": 50},
                      {"talent": "T2", "demand": "D2", "cost": 10}, {"talent": "T2", "demand": "D3", "cost": 60}]}


def test_priorities_decide_which_demands_are_served():
    plain = solve(small())
    assert {a["demand"] for a in plain["assignments"]} == {"D1", "D2"}
    urgent = small()
    urgent["objective"] = {"unserved": "priority", "default_priority": 100}
    urgent["demands"][2]["priority"] = 1000  # D3: a poverty-alleviation demand
    plan = solve(urgent)
    assert "D3" in {a["demand"] for a in plan["assignments"]}
    assert plan["objective"]["unserved"] == "priority" and plan["objective"]["unserved_cost"] == 100
    assert plan["objective"]["total_with_unserved"] == plan["objective"]["total_cost"] + 100
    milp = solve(dict(urgent, constraints={"max_per_unit_per_county": 5}))
    assert milp["objective"] == plan["objective"]


def test_a_low_priority_demand_is_left_unserved_when_serving_costs_more():
    inst = small()
    inst["objective"] = {"unserved": "priority", "default_priority": 5}
    plan = solve(inst)
    assert plan["assignments"] == [] and plan["objective"]["unserved_cost"] == 15


def test_priorities_need_the_objective_option():
    inst = small()
    inst["demands"][0]["priority"] = 3
    with pytest.raises(DispatchError) as info:
        solve(inst)
    assert "demands[0].priority" in str(info.value)
    inst["objective"] = {"unserved": "priority"}
    with pytest.raises(DispatchError) as info:
        solve(inst)
    assert "demands[1].priority" in str(info.value)


@pytest.mark.parametrize("seed", range(8))
def test_costs_with_many_decimals_and_national_size_values_are_exact(seed):
    inst = random_instance(400 + seed, max_need=1, density=0.6)
    for k, e in enumerate(inst["edges"]):
        e["cost"] = float(f"{5_000_000 + k * 7919 % 1000}.{k * 104729 % 10**6:06d}")  # 6 decimals around 5·10⁶
    plan = solve(inst)
    count, _, chosen = lsa_optimum(inst)
    cost = {(e["talent"], e["demand"]): Decimal(repr(e["cost"])) for e in inst["edges"]}
    assert plan["objective"]["assigned"] == count
    assert Decimal(repr(plan["objective"]["total_cost"])) == sum((cost[p] for p in chosen), Decimal(0))


def test_too_many_decimals_are_refused():
    inst = small()
    inst["edges"][0]["cost"] = 1.1234567
    with pytest.raises(DispatchError) as info:
        solve(inst)
    assert "edges[0].cost" in str(info.value) and "decimals" in str(info.value)


def test_duplicate_edges_are_refused():
    inst = small()
    inst["edges"].append({"talent": "T1", "demand": "D1", "cost": 1})
    with pytest.raises(DispatchError) as info:
        solve(inst)
    assert "edges[4]" in str(info.value) and "duplicate" in str(info.value)


def test_pins_on_forbidden_pairs_or_non_edges_are_refused():
    inst = small()
    with pytest.raises(DispatchError) as info:
        solve(dict(inst, constraints={"pinned": [["T1", "D2"]]}))  # no edge T1 → D2
    assert "constraints.pinned[0]" in str(info.value) and "not a candidate" in str(info.value)
    with pytest.raises(DispatchError) as info:
        solve(dict(inst, constraints={"pinned": [["T1", "D1"]], "forbidden": [["T1", "D1"]]}))
    assert "forbidden" in str(info.value)
    pinned = solve(dict(inst, constraints={"pinned": [["T1", "D3"]]}))
    match = [a for a in pinned["assignments"] if a["pinned"]]
    assert match and match[0]["cost"] == 50  # the edge's own cost, never 0


def test_failures_without_minimums_never_blame_minimums(monkeypatch):
    from ortools.graph.python import min_cost_flow

    class Broken(min_cost_flow.SimpleMinCostFlow):
        def solve(self):
            return self.BAD_COST_RANGE

    monkeypatch.setattr(min_cost_flow, "SimpleMinCostFlow", Broken)
    with pytest.raises(DispatchError) as info:
        solve(small())
    assert info.value.kind == "solver" and "minimum" not in str(info.value) and "overflow" in str(info.value)


def test_unknown_keys_are_refused_with_their_path():
    inst = small()
    inst["demands"][0]["nede"] = 2
    inst["constraints"] = {"min_per_county": 1, "pined": []}
    with pytest.raises(DispatchError) as info:
        solve(inst)
    text = str(info.value)
    assert "demands[0].nede" in text and "constraints.pined" in text and " / " in text

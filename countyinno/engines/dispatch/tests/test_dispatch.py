import json
from collections import defaultdict

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from countyinno.engines.dispatch import DispatchError, solve
from countyinno.engines.dispatch.cli import main

MISSING = 1e9


def random_instance(seed, talents=8, demands=10, density=1.0, max_cap=3, max_need=2, counties=3, units=3):
    rng = np.random.default_rng(seed)
    inst = {"talents": [{"id": f"T{i}", "capacity": int(rng.integers(0, max_cap + 1)), "home_unit": f"U{i % units}"}
                        for i in range(talents)],
            "demands": [{"id": f"D{j}", "need": int(rng.integers(1, max_need + 1)), "county": f"C{j % counties}"}
                        for j in range(demands)],
            "edges": []}
    for i in range(talents):
        for j in range(demands):
            if rng.random() < density:
                inst["edges"].append({"talent": f"T{i}", "demand": f"D{j}", "cost": float(rng.integers(0, 1000)) / 10})
    return inst


def lsa_optimum(inst):
    """Independent exact answer: expand capacities and needs into copies, then Hungarian."""
    rows = [t["id"] for t in inst["talents"] for _ in range(t["capacity"])]
    cols = [d["id"] for d in inst["demands"] for _ in range(d["need"])]
    if not rows or not cols:
        return 0, 0.0
    cost = {(e["talent"], e["demand"]): e["cost"] for e in inst["edges"]}
    matrix = np.full((len(rows), len(cols)), MISSING)
    for r, t in enumerate(rows):
        for c, d in enumerate(cols):
            if (t, d) in cost:
                matrix[r, c] = cost[(t, d)]
    # A talent serves a demand at most once: copies of the same pair beyond the first are not allowed.
    r_idx, c_idx = linear_sum_assignment(matrix)
    chosen = [(rows[r], cols[c]) for r, c in zip(r_idx, c_idx) if matrix[r, c] < MISSING]
    return len(chosen), round(sum(cost[p] for p in chosen), 4), chosen


@pytest.mark.parametrize("seed", range(25))
def test_flow_optimum_equals_hungarian_on_expanded_matrix_when_needs_are_single(seed):
    inst = random_instance(seed, max_need=1, density=0.6)
    plan = solve(inst)
    count, total, _ = lsa_optimum(inst)
    assert plan["objective"]["assigned"] == count
    assert plan["objective"]["total_cost"] == pytest.approx(total, abs=1e-6)


@pytest.mark.parametrize("seed", range(15))
def test_flow_and_milp_agree_with_capacities_and_needs(seed):
    inst = random_instance(100 + seed, density=0.5)
    flow = solve(inst)
    milp = solve(dict(inst, constraints={"max_per_unit_per_county": 10_000}))
    assert flow["solver"].startswith("min_cost_flow") and milp["solver"] == "milp_highs"
    assert flow["objective"] == milp["objective"]
    pairs = [(a["talent"], a["demand"]) for a in flow["assignments"]]
    assert len(pairs) == len(set(pairs))
    load, served = defaultdict(int), defaultdict(int)
    for t, d in pairs:
        load[t] += 1
        served[d] += 1
    caps = {t["id"]: t["capacity"] for t in inst["talents"]}
    needs = {d["id"]: d["need"] for d in inst["demands"]}
    assert all(load[t] <= caps[t] for t in load) and all(served[d] <= needs[d] for d in served)


def test_county_minimums_are_met_and_explained_when_impossible():
    inst = random_instance(7, talents=6, demands=9, density=0.7, counties=3)
    base = solve(inst)
    forced = solve(dict(inst, constraints={"min_per_county": 2}))
    assert all(forced["county_counts"].get(c, 0) >= 2 for c in ("C0", "C1", "C2"))
    assert forced["objective"]["assigned"] <= base["objective"]["assigned"] + 0
    with pytest.raises(DispatchError) as info:
        solve(dict(inst, constraints={"min_per_county": {"C1": 99}}))
    assert info.value.kind == "infeasible" and "C1" in str(info.value) and "99" in str(info.value)


def test_per_unit_limit_holds():
    inst = {"talents": [{"id": f"T{i}", "capacity": 1, "home_unit": "U1" if i < 3 else "U2"} for i in range(5)],
            "demands": [{"id": f"D{j}", "need": 1, "county": "C1"} for j in range(4)],
            "edges": [{"talent": f"T{i}", "demand": f"D{j}", "cost": float(i)} for i in range(5) for j in range(4)]}
    plan = solve(dict(inst, constraints={"max_per_unit_per_county": 1}))
    units = [a["talent"] for a in plan["assignments"]]
    assert plan["objective"]["assigned"] == 2  # one from U1, one from U2
    assert sum(1 for t in units if t in ("T0", "T1", "T2")) == 1
    assert plan["objective"]["total_cost"] == 0 + 3  # T0 and T3, the cheapest of each unit


def test_pinned_and_forbidden_pairs():
    inst = random_instance(3, max_need=1)
    first = solve(inst)
    a = first["assignments"][0]
    plan = solve(dict(inst, constraints={"forbidden": [[a["talent"], a["demand"]]]}))
    assert (a["talent"], a["demand"]) not in {(x["talent"], x["demand"]) for x in plan["assignments"]}
    other = next(d["id"] for d in inst["demands"] if d["id"] != a["demand"])
    pinned = solve(dict(inst, constraints={"pinned": [[a["talent"], other]]}))
    match = [x for x in pinned["assignments"] if x["talent"] == a["talent"] and x["demand"] == other]
    assert match and match[0]["pinned"]
    with pytest.raises(DispatchError) as info:
        solve(dict(inst, constraints={"pinned": [["T0", "D0"], ["T0", "D1"], ["T0", "D2"], ["T0", "D3"]]}))
    assert "capacity" in str(info.value)


def test_bad_input_is_named():
    with pytest.raises(DispatchError) as info:
        solve({"talents": [{"id": "T1", "capacity": -1}], "demands": [{"id": "D1"}],
               "edges": [{"talent": "T9", "demand": "D1", "cost": 1}]})
    assert info.value.kind == "invalid" and "talents[0].capacity" in str(info.value)
    with pytest.raises(DispatchError) as info:
        solve({"talents": [{"id": "T1"}], "demands": [{"id": "D1"}],
               "edges": [{"talent": "T9", "demand": "D1", "cost": 1}]})
    assert "T9" in str(info.value)


def blocking_pairs(inst, plan):
    cost = {(e["talent"], e["demand"]): e["cost"] for e in inst["edges"]}
    caps = {t["id"]: t["capacity"] for t in inst["talents"]}
    needs = {d["id"]: d["need"] for d in inst["demands"]}
    by_t, by_d = defaultdict(list), defaultdict(list)
    for a in plan["assignments"]:
        by_t[a["talent"]].append(a["demand"])
        by_d[a["demand"]].append(a["talent"])
    found = []
    for (t, d), c in cost.items():
        if d in by_t[t] or caps[t] == 0:
            continue
        t_wants = len(by_t[t]) < caps[t] or any(cost[(t, x)] > c for x in by_t[t])
        d_wants = len(by_d[d]) < needs[d] or any(cost[(y, d)] > c for y in by_d[d])
        if t_wants and d_wants:
            found.append((t, d))
    return found


@pytest.mark.parametrize("seed", range(10))
def test_stable_mode_has_no_blocking_pair(seed):
    inst = random_instance(200 + seed, density=0.6)
    plan = solve(dict(inst, mode="stable"))
    assert plan["status"] == "stable"
    assert blocking_pairs(inst, plan) == []


def test_cost_model_builds_explained_candidates():
    inst = {"talents": [{"id": "T1", "fields": ["现代农业", "植保"], "keywords": ["小麦"], "location": [117.0, 36.6]},
                        {"id": "T2", "fields": ["电子信息"], "location": [120.3, 36.1]}],
            "demands": [{"id": "D1", "fields": ["现代农业"], "keywords": ["小麦"], "location": [117.1, 36.7],
                         "county": "370124"}],
            "previous_pairs": [["T1", "D1"]]}
    plan = solve(inst)
    assert [a["talent"] for a in plan["assignments"]] == ["T1"]
    reasons = " ".join(plan["assignments"][0]["reasons"])
    assert "领域匹配" in reasons and "km" in reasons and "previous pairing" in reasons


def test_cli(tmp_path, capsys):
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(random_instance(1)), encoding="utf-8")
    assert main(["solve", "--input", str(path), "--out", str(tmp_path / "plan.json")]) == 0
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert plan["status"] == "optimal" and plan["assignments"]
    path.write_text(json.dumps({"talents": [{"id": "T", "capacity": "x"}], "demands": []}))
    capsys.readouterr()
    assert main(["solve", "--input", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "capacity" in captured.err and "Traceback" not in captured.err

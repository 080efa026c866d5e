"""Dispatch optimiser: a 1,000 × 1,000 yearly plan and a national-scale sparse instance."""

import numpy as np

from countyinno.engines.dispatch.model import Instance
from countyinno.engines.dispatch.solve import solve


def array_instance(talents, demands, edges_per_demand, seed=1, counties=2844, dense=False):
    rng = np.random.default_rng(seed)
    if dense:
        edge_t = np.repeat(np.arange(talents), demands)
        edge_d = np.tile(np.arange(demands), talents)
    else:
        edge_d = np.repeat(np.arange(demands), edges_per_demand)
        edge_t = rng.integers(0, talents, size=edge_d.size)
        keep = np.unique(edge_d * talents + edge_t, return_index=True)[1]  # no duplicate pairs
        edge_t, edge_d = edge_t[keep], edge_d[keep]
    return Instance(
        talent_ids=[f"T{i}" for i in range(talents)], capacity=rng.integers(1, 6, size=talents),
        home_unit=[f"U{i % 500}" for i in range(talents)], demand_ids=[f"D{j}" for j in range(demands)],
        need=np.ones(demands, dtype=np.int64), county=[f"C{j % counties}" for j in range(demands)],
        edge_t=edge_t.astype(np.int64), edge_d=edge_d.astype(np.int64), cost=np.round(rng.random(edge_t.size) * 100, 4),  # 4 decimals, like the cost model
        reasons=[[] for _ in range(edge_t.size)], min_per_county={}, max_per_unit_per_county=None, pinned=[])


def test_yearly_plan_1000_by_1000(benchmark):
    inst = array_instance(1000, 1000, 0, dense=True, counties=136)
    plan = benchmark.pedantic(lambda: solve(inst), rounds=3, iterations=1, warmup_rounds=1)
    assert plan["objective"]["assigned"] == 1000


def test_national_sparse_20000_by_100000(benchmark):
    inst = array_instance(20_000, 100_000, 50)
    plan = benchmark.pedantic(lambda: solve(inst), rounds=1, iterations=1)
    ceiling = min(int(inst.capacity.sum()), int(inst.need.sum()))
    print(f"\nedges={inst.edge_t.size} assigned={plan['objective']['assigned']} of at most {ceiling}")
    assert plan["objective"]["assigned"] >= 0.95 * ceiling

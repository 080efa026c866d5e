"""Synthetic, realistic inputs for the benchmarks (deterministic)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def county_index_inputs(units: int = 2844, indicators: int = 30, years: int = 10, dimensions: int = 5,
                        missing: float = 0.02, seed: int = 42) -> tuple[pd.DataFrame, pd.DataFrame]:
    """China's 2,844 county-level units × 30 indicators × 10 years, skewed like real county statistics."""
    rng = np.random.default_rng(seed)
    per_dim = indicators // dimensions
    meta_rows = []
    for i in range(indicators):
        meta_rows.append({"Level": 1, "iCode": f"I{i:02d}", "iName": f"indicator {i}",
                          "Direction": -1 if i % 7 == 3 else 1, "Weight": 1, "Parent": f"D{i // per_dim}",
                          "Type": "Indicator"})
    for d in range(dimensions):
        meta_rows.append({"Level": 2, "iCode": f"D{d}", "iName": f"dimension {d}", "Direction": 1, "Weight": 1,
                          "Parent": "Index", "Type": "Aggregate"})
    meta_rows.append({"Level": 3, "iCode": "Index", "iName": "Index", "Direction": 1, "Weight": 1, "Parent": "",
                      "Type": "Aggregate"})
    meta_rows.append({"iCode": "City", "Type": "Group"})
    meta = pd.DataFrame(meta_rows)
    capability = rng.normal(size=units)
    frames = []
    for year in range(2015, 2015 + years):
        growth = 1 + 0.05 * (year - 2015)
        block = {"uCode": [f"C{u:04d}" for u in range(units)], "uName": [f"县{u:04d}" for u in range(units)],
                 "City": [f"M{u // 9:03d}" for u in range(units)], "Time": year}
        for i in range(indicators):
            sigma = 0.4 + 0.1 * (i % 8)  # some indicators heavily skewed
            values = np.exp(0.6 * capability + rng.normal(scale=sigma, size=units)) * growth
            values[rng.random(units) < missing] = np.nan
            block[f"I{i:02d}"] = values
        frames.append(pd.DataFrame(block))
    return meta, pd.concat(frames, ignore_index=True)

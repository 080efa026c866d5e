"""Uncertainty and sensitivity analysis: Monte Carlo rank bands and Sobol indices (Saltelli sampling).

An uncertain input is either a choice among alternatives for any configuration path
(`{"name": "winsorising", "path": "treat.winsorise_max", "choices": [3, 4, 5, 6, 7]}`) or random weight
noise (`{"name": "weights", "type": "weight_noise", "amount": 0.25}`: every weight multiplied by
U(1 − a, 1 + a)). Each replication maps one uniform draw per input onto its alternatives, runs the
pipeline (steps before aggregation are cached per distinct configuration), and ranks the units.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from .errors import CompositeError
from .pipeline import Pipeline, aggregate_tree, merge_config
from .steps import rank_min


@dataclass
class UncertainInput:
    name: str
    kind: str  # "choice" or "weight_noise"
    path: str | None = None
    choices: list | None = None
    amount: float = 0.0
    codes: list[str] | None = None  # weight_noise: which weights (default all)

    @classmethod
    def parse(cls, spec: dict) -> "UncertainInput":
        kind = spec.get("type", "choice")
        if kind == "choice":
            if not spec.get("path") or not spec.get("choices"):
                raise CompositeError.single("config", spec.get("name"), "uncertainty.inputs",
                                            "不确定输入须有 path 和 choices", "an uncertain input needs path and choices")
        elif kind == "weight_noise":
            if not 0 <= float(spec.get("amount", 0)) < 1:
                raise CompositeError.single("config", spec.get("name"), "uncertainty.inputs.amount",
                                            "权重扰动幅度应在 [0, 1) 内", "weight noise must be in [0, 1)")
        else:
            raise CompositeError.single("config", spec.get("name"), "uncertainty.inputs.type",
                                        f"未知类型 {kind}", f"unknown input type {kind}")
        return cls(name=spec.get("name") or spec.get("path") or kind, kind=kind, path=spec.get("path"),
                   choices=spec.get("choices"), amount=float(spec.get("amount", 0.0)), codes=spec.get("codes"))


def _set_path(config: dict, path: str, value) -> None:
    node = config
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


class RankModel:
    """Maps a vector of uniforms (one per input) to the index ranks of every unit and year."""

    def __init__(self, framework, base_config: dict, inputs: list[UncertainInput]):
        self.framework = framework
        self.base = merge_config(Pipeline().config, base_config)
        self.inputs = inputs
        self.prefix_cache: dict = {}
        self.step_cache: dict = {}
        nominal = self._evaluate_config(copy.deepcopy(self.base), None)
        self.present, self.units, self.years = nominal["present"], nominal["units"], nominal["years"]
        self.nominal_ranks = nominal["ranks"]
        self.nominal_scores = nominal["scores"]

    def _prefix(self, config: dict):
        prefix_config = copy.deepcopy(config)
        prefix_config["aggregate"]["enabled"] = False
        key = repr({k: v for k, v in prefix_config.items() if k not in ("weights", "aggregate", "results")})
        if key not in self.prefix_cache:
            self.prefix_cache[key] = Pipeline(prefix_config).run(self.framework, cache=self.step_cache)
        return self.prefix_cache[key]

    def _evaluate_config(self, config: dict, noise_rng) -> dict:
        prefix = self._prefix(config)
        X = prefix.datasets.get("normalised", prefix.datasets[list(prefix.datasets)[-1]])
        pipeline = Pipeline(config)
        weights = pipeline._weights(self.framework, X, prefix.present, prefix.indicators)
        if noise_rng is not None:
            for spec, rng in noise_rng:
                for code in spec.codes or list(weights):
                    weights[code] = weights[code] * rng.uniform(1 - spec.amount, 1 + spec.amount)
        scores = aggregate_tree(self.framework, X, prefix.present, prefix.indicators, weights, config["aggregate"])
        root = scores[self.framework.root]
        ranks = np.full(root.shape, np.nan)
        for t in range(root.shape[0]):
            keep = prefix.present[t]
            ranks[t, keep] = rank_min(root[t, keep][:, None])[:, 0]
        return {"ranks": ranks, "scores": root, "present": prefix.present, "units": prefix.units,
                "years": prefix.years}

    def evaluate(self, u: np.ndarray) -> np.ndarray:
        config = copy.deepcopy(self.base)
        noise = []
        for value, spec in zip(u, self.inputs):
            if spec.kind == "choice":
                _set_path(config, spec.path, spec.choices[min(int(value * len(spec.choices)), len(spec.choices) - 1)])
            else:
                noise.append((spec, np.random.default_rng(int(value * 2 ** 31))))
        return self._evaluate_config(config, noise or None)["ranks"]

    def mean_rank_shift(self, ranks: np.ndarray) -> float:
        return float(np.nanmean(np.abs(ranks - self.nominal_ranks)))


def monte_carlo(framework, base_config: dict, input_specs: list[dict], replications: int = 1000, seed: int = 1,
                progress: Callable[[float, str], None] | None = None) -> dict:
    """Rank bands: each unit's nominal, median, 5th and 95th percentile rank over the replications."""
    inputs = [UncertainInput.parse(s) for s in input_specs]
    model = RankModel(framework, base_config, inputs)
    rng = np.random.default_rng(seed)
    draws = rng.random((replications, len(inputs)))
    all_ranks = np.empty((replications,) + model.nominal_ranks.shape)
    shifts = np.empty(replications)
    failures = []
    for r in range(replications):
        try:
            all_ranks[r] = model.evaluate(draws[r])
            shifts[r] = model.mean_rank_shift(all_ranks[r])
        except Exception as exc:  # noqa: BLE001  one failing replication must not lose the others
            all_ranks[r] = np.nan
            shifts[r] = np.nan
            failures.append({"replication": r, "draw": [float(x) for x in draws[r]],
                             "error": f"{type(exc).__name__}: {exc}"[:500]})
        if progress and (r % 20 == 0 or r == replications - 1):
            progress((r + 1) / replications, f"Monte Carlo {r + 1}/{replications}")
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            median = np.nanmedian(all_ranks, axis=0)
            q05 = np.nanpercentile(all_ranks, 5, axis=0)
            q95 = np.nanpercentile(all_ranks, 95, axis=0)
    rows = []
    for t, year in enumerate(model.years):
        for i, unit in enumerate(model.units):
            if not model.present[t, i]:
                continue
            rows.append({"Time": year, "uCode": unit, "nominal_rank": model.nominal_ranks[t, i],
                         "median_rank": median[t, i], "rank_p05": q05[t, i], "rank_p95": q95[t, i],
                         "nominal_score": model.nominal_scores[t, i]})
    bands = pd.DataFrame(rows).sort_values(["Time", "nominal_rank", "uCode"]).reset_index(drop=True)
    if len(failures) == replications:
        raise CompositeError.single("config", None, "uncertainty", f"全部 {replications} 次重复均失败：{failures[0]['error']}",
                                    f"all {replications} replications failed: {failures[0]['error']}")
    return {"rank_bands": bands, "mean_rank_shift": shifts[~np.isnan(shifts)], "replications": replications,
            "failed": len(failures), "failures": failures, "inputs": [i.name for i in inputs]}


def sobol_indices(f: Callable[[np.ndarray], float], k: int, base_samples: int, seed: int = 1,
                  progress: Callable[[float, str], None] | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """First-order (Saltelli 2010) and total (Jansen 1999) Sobol indices of f on [0, 1)^k, from a
    scrambled Sobol' sequence: N·(k + 2) evaluations."""
    from scipy.stats import qmc

    sample = qmc.Sobol(d=2 * k, scramble=True, seed=seed).random(base_samples)
    A, B = sample[:, :k], sample[:, k:]
    total_runs, done = base_samples * (k + 2), 0
    failures: list[dict] = []

    def run(matrix):
        nonlocal done
        out = np.empty(matrix.shape[0])
        for r in range(matrix.shape[0]):
            try:
                out[r] = f(matrix[r])
            except Exception as exc:  # noqa: BLE001  recorded, the run goes on
                out[r] = np.nan
                failures.append({"sample": done, "error": f"{type(exc).__name__}: {exc}"[:500]})
            done += 1
            if progress and (done % 20 == 0 or done == total_runs):
                progress(done / total_runs, f"Sobol {done}/{total_runs}")
        return out

    fA, fB = run(A), run(B)
    both = np.concatenate([fA, fB])
    variance = float(np.nanvar(both, ddof=1)) if np.count_nonzero(~np.isnan(both)) > 1 else 0.0
    first, total = np.zeros(k), np.zeros(k)
    for i in range(k):
        ABi = A.copy()
        ABi[:, i] = B[:, i]
        fABi = run(ABi)
        if variance > 0:  # failed samples (NaN) are left out of the means
            first[i] = np.nanmean(fB * (fABi - fA)) / variance
            total[i] = 0.5 * np.nanmean((fA - fABi) ** 2) / variance
    sobol_indices.failures = failures
    return first, total, variance


def sobol(framework, base_config: dict, input_specs: list[dict], base_samples: int = 64, seed: int = 1,
          progress: Callable[[float, str], None] | None = None) -> dict:
    """Sobol indices of the index's mean absolute rank shift with respect to each uncertain input."""
    inputs = [UncertainInput.parse(s) for s in input_specs]
    if not inputs:
        raise CompositeError.single("config", None, "uncertainty.inputs", "没有不确定输入", "no uncertain inputs")
    model = RankModel(framework, base_config, inputs)
    first, total, variance = sobol_indices(lambda u: model.mean_rank_shift(model.evaluate(u)), len(inputs),
                                           base_samples, seed, progress)
    indices = pd.DataFrame({"input": [i.name for i in inputs], "first_order": first, "total_order": total})
    failures = getattr(sobol_indices, "failures", [])
    return {"indices": indices, "output_variance": variance, "runs": base_samples * (len(inputs) + 2),
            "failed": len(failures), "failures": failures, "output": "mean absolute rank shift of the index"}

"""The configurable pipeline: denominate → impute → screen → treat → normalise → weight → aggregate.

Every step can be configured or switched off, and its output is kept for inspection. Panels of
several years are a cube (years × units × indicators) with NaN where a unit has no row that year.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from . import steps
from .errors import CompositeError, InputProblem
from .framework import Framework

DEFAULT_CONFIG: dict = {
    "order": ["denominate", "impute", "screen", "treat", "normalise", "aggregate"],
    "denominate": {"enabled": True},
    "impute": {"enabled": True, "method": "none", "group": None, "carry_forward": False},
    "screen": {"enabled": True, "unit_min_availability": None, "indicator_min_availability": None,
               "keep_units": []},
    "treat": {"enabled": True, "winsorise_max": 5, "skew_threshold": 2.0, "kurtosis_threshold": 3.5,
              "fallback": "log_ct", "boxcox_lambda": 0.5, "combine": False, "skip": []},
    "normalise": {"enabled": True, "method": "minmax", "range": [0, 100], "mean": 0, "sd": 1,
                  "across_years": False, "base_year": None, "goalposts": {}},
    "weights": {"method": "metadata", "overrides": {}, "ahp": {}, "noise": 0.0},
    "aggregate": {"enabled": True, "method": "arithmetic", "p": 2.0, "by_level": {}},
    "results": {"group_columns": [], "performance": {"reference": "mean", "thresholds": [1.25, 1.0, 0.7],
                                                     "labels": ["领先 leading", "较好 above average",
                                                                "一般 average", "落后 lagging"]},
                "strengths": 5},
    # Read by the uncertainty analysis only (see uncertainty.py); the pipeline itself ignores it.
    "uncertainty": {"replications": 1000, "seed": 1, "sobol_samples": 0, "inputs": []},
}
STEP_NAMES = ("denominate", "impute", "screen", "treat", "normalise", "aggregate")


def merge_config(base: dict, override: dict | None) -> dict:
    out = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_config(out[key], value)
        else:
            out[key] = value
    return out


# Mappings whose keys are the user's own (indicator codes, levels): not checked against the defaults.
FREE_FORM = {"normalise.goalposts", "weights.overrides", "weights.ahp", "aggregate.by_level"}
# Keys whose default is None or that accept more than the default's type.
NULLABLE = {"impute.group", "screen.unit_min_availability", "screen.indicator_min_availability", "normalise.base_year",
            "treat.fallback"}
UNCERTAIN_INPUT_KEYS = {"name", "type", "path", "choices", "amount", "codes"}


def _type_name(value) -> tuple[str, str]:
    if isinstance(value, bool):
        return "布尔值 true/false", "true/false"
    if isinstance(value, (int, float)):
        return "数值", "a number"
    if isinstance(value, str):
        return "文本", "text"
    if isinstance(value, list):
        return "列表", "a list"
    if isinstance(value, dict):
        return "映射", "a mapping"
    return type(value).__name__, type(value).__name__


def _same_kind(default, value) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, (str, list, dict)):
        return isinstance(value, type(default))
    return True


def config_problems(config: dict, defaults: dict = DEFAULT_CONFIG, prefix: str = "") -> list:
    """Unknown keys and wrong types at every level of a configuration (a misspelt `winsorize_max` or
    `methd` is refused, naming its path), bilingual."""
    out = []
    if not isinstance(config, dict):
        return [InputProblem("config", None, prefix or "$", "应为映射（键: 值）", "expected a mapping (key: value)")]
    for key, value in config.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if key not in defaults:
            known = ", ".join(sorted(defaults))
            out.append(InputProblem("config", None, path, f"未知配置项 {key!r}（允许：{known}）",
                                    f"unknown configuration key {key!r} (allowed: {known})"))
            continue
        default = defaults[key]
        if path in FREE_FORM:
            if not isinstance(value, dict):
                out.append(InputProblem("config", None, path, "应为映射（键: 值）", "expected a mapping (key: value)"))
            continue
        if value is None and (default is None or path in NULLABLE):
            continue
        if path == "uncertainty.inputs":
            if not isinstance(value, list):
                out.append(InputProblem("config", None, path, "应为列表", "expected a list"))
                continue
            for i, spec in enumerate(value):
                if not isinstance(spec, dict):
                    out.append(InputProblem("config", None, f"{path}.{i}", "应为映射", "expected a mapping"))
                    continue
                for k in sorted(set(spec) - UNCERTAIN_INPUT_KEYS):
                    out.append(InputProblem("config", None, f"{path}.{i}.{k}", f"未知配置项 {k!r}（允许：{', '.join(sorted(UNCERTAIN_INPUT_KEYS))}）",
                                            f"unknown key {k!r} (allowed: {', '.join(sorted(UNCERTAIN_INPUT_KEYS))})"))
            continue
        if default is not None and not _same_kind(default, value) and not (path in NULLABLE and isinstance(value, str)):
            zh, en = _type_name(default)
            gzh, gen = _type_name(value)
            out.append(InputProblem("config", None, path, f"应为{zh}，收到{gzh}", f"expected {en}, got {gen}"))
            continue
        if isinstance(default, dict) and isinstance(value, dict):
            out.extend(config_problems(value, default, path))
        if isinstance(default, list) and isinstance(value, list) and default and path != "order":
            kind = default[0]
            for i, item in enumerate(value):
                if not _same_kind(kind, item):
                    zh, en = _type_name(kind)
                    out.append(InputProblem("config", None, f"{path}.{i}", f"应为{zh}", f"expected {en}"))
    return out


def validate_config(config: dict) -> None:
    problems = config_problems(config)
    if problems:
        raise CompositeError(problems)
    bad_steps = [s for s in config["order"] if not isinstance(s, str) or s not in STEP_NAMES]
    if bad_steps:
        raise CompositeError.single("config", None, "order", f"未知步骤 {bad_steps}", f"unknown steps {bad_steps}")
    lo, hi = config["normalise"]["range"]
    if not lo < hi:
        raise CompositeError.single("config", None, "normalise.range", "区间下限应小于上限",
                                    "the lower end of the range must be below the upper end")


@dataclass
class PipelineResult:
    framework: Framework
    config: dict
    years: list
    units: list[str]
    indicators: list[str]  # kept after screening
    datasets: dict[str, np.ndarray]  # name -> cube (years × units × indicators)
    present: np.ndarray  # years × units: unit has a row and survived screening
    scores: dict[str, np.ndarray]  # aggregate code -> years × units
    weights: dict[str, float]
    treatment: pd.DataFrame
    screened_out: dict = field(default_factory=dict)

    # ---------------------------------------------------------------- tables
    def _frame(self, cube: np.ndarray, columns: list[str]) -> pd.DataFrame:
        rows = []
        names = self.framework.data.drop_duplicates("uCode").set_index("uCode")["uName"].to_dict()
        for t, year in enumerate(self.years):
            keep = self.present[t]
            block = pd.DataFrame(cube[t][keep], columns=columns)
            block.insert(0, "uName", [names.get(u, u) for u, k in zip(self.units, keep) if k])
            block.insert(0, "uCode", [u for u, k in zip(self.units, keep) if k])
            block.insert(0, "Time", year)
            rows.append(block)
        return pd.concat(rows, ignore_index=True)

    def dataset(self, name: str) -> pd.DataFrame:
        return self._frame(self.datasets[name], self.indicators)

    @property
    def root(self) -> str:
        return self.framework.root

    def score_cube(self) -> tuple[np.ndarray, list[str]]:
        codes = list(self.scores)
        return np.stack([self.scores[c] for c in codes], axis=2), codes

    def ranks(self, code: str | None = None) -> np.ndarray:
        """Rank of every unit (1 = best, 'min' ties) per year for an aggregate (default: the index)."""
        values = self.scores[code or self.root]
        out = np.full(values.shape, np.nan)
        for t in range(values.shape[0]):
            keep = self.present[t] & ~np.isnan(values[t])
            out[t, keep] = steps.rank_min(values[t, keep][:, None])[:, 0]
        return out

    def results_table(self) -> pd.DataFrame:
        """uCode, every aggregate's score, the index, its rank (plus group ranks, performance group, change)."""
        cube, codes = self.score_cube()
        table = self._frame(cube, codes)
        root = self.root
        ranks = self.ranks()
        table[f"{root}_rank"] = np.concatenate([ranks[t][self.present[t]] for t in range(len(self.years))])
        cfg = self.config["results"]
        data = self.framework.data
        for group in cfg.get("group_columns") or []:
            if group not in data.columns:
                raise CompositeError.single("config", None, "results.group_columns", f"没有分组列 {group}",
                                            f"no group column {group}")
            table = table.merge(data[["Time", "uCode", group]], on=["Time", "uCode"], how="left")
            table[f"{root}_rank_in_{group}"] = table.groupby(["Time", group])[root].rank(method="min", ascending=False)
        table["performance_group"] = self._performance_groups(table, root)
        if len(self.years) > 1:
            table = table.sort_values(["uCode", "Time"])
            table[f"{root}_change"] = table.groupby("uCode")[root].diff()
            table[f"{root}_rank_change"] = -table.groupby("uCode")[f"{root}_rank"].diff()
            table = table.sort_values(["Time", f"{root}_rank", "uCode"]).reset_index(drop=True)
        else:
            table = table.sort_values([f"{root}_rank", "uCode"]).reset_index(drop=True)
        return table

    def _performance_groups(self, table: pd.DataFrame, root: str) -> list[str]:
        perf = self.config["results"]["performance"]
        thresholds = sorted(perf["thresholds"], reverse=True)
        labels = perf["labels"]
        if len(labels) != len(thresholds) + 1:
            raise CompositeError.single("config", None, "results.performance.labels", "标签数应比阈值多一个",
                                        "there must be one more label than thresholds")
        out = []
        for year, block in table.groupby("Time", sort=False):
            ref = block[root].median() if perf["reference"] == "median" else block[root].mean()
            for value in block[root]:
                idx = next((i for i, th in enumerate(thresholds) if value >= th * ref), len(thresholds))
                out.append(labels[idx])
        return out

    def strengths_and_weaknesses(self, unit: str, year=None, n: int | None = None) -> dict:
        """The unit's best- and worst-ranked indicators (by rank among units, on normalised data)."""
        n = n or self.config["results"]["strengths"]
        t = self.years.index(year) if year is not None else len(self.years) - 1
        u = self.units.index(unit)
        X = self.datasets["normalised"][t][self.present[t]]
        ranks = steps.rank_min(X)  # higher normalised score = better (directions already applied)
        row = ranks[list(np.flatnonzero(self.present[t])).index(u)]
        order = np.argsort(row, kind="stable")
        valid = [i for i in order if not np.isnan(row[i])]
        strengths = [{"iCode": self.indicators[i], "rank": int(row[i])} for i in valid[:n]]
        weaknesses = [{"iCode": self.indicators[i], "rank": int(row[i])} for i in valid[::-1][:n]]
        return {"strengths": strengths, "weaknesses": weaknesses}


class Pipeline:
    def __init__(self, config: dict | None = None):
        self.config = merge_config(DEFAULT_CONFIG, config)
        validate_config(self.config)

    @classmethod
    def from_config(cls, config: dict | None) -> "Pipeline":
        return cls(config)

    @classmethod
    def from_yaml(cls, path) -> "Pipeline":
        from countyinno.engines.inputs import EngineInputError, read_yaml

        try:
            loaded = read_yaml(path, where=str(path)) or {}
        except EngineInputError as exc:
            raise CompositeError([InputProblem("config", None, p.where, p.message_zh, p.message_en)
                                  for p in exc.problems]) from None
        return cls(loaded)

    # ---------------------------------------------------------------- data cube
    @staticmethod
    def cube(framework: Framework, columns: list[str]) -> tuple[np.ndarray, np.ndarray, list, list[str]]:
        data = framework.data
        years = framework.years
        units = sorted(data["uCode"].unique().tolist())
        t_index = pd.Index(years).get_indexer(data["Time"])
        u_index = pd.Index(units).get_indexer(data["uCode"])
        cube = np.full((len(years), len(units), len(columns)), np.nan)
        cube[t_index, u_index] = data[columns].to_numpy(dtype=float)
        present = np.zeros((len(years), len(units)), dtype=bool)
        present[t_index, u_index] = True
        return cube, present, years, units

    @staticmethod
    def cube_labels(framework: Framework, column: str, years, units):
        """A text column (e.g. a group) as a years × units array of labels ("" where absent)."""
        data = framework.data
        labels = np.full((len(years), len(units)), "", dtype=object)
        labels[pd.Index(years).get_indexer(data["Time"]), pd.Index(units).get_indexer(data["uCode"])] = \
            data[column].astype(str).to_numpy()
        return labels, None, years, units

    def run(self, framework: Framework, progress: Callable[[float, str], None] | None = None,
            cache: dict | None = None) -> PipelineResult:
        cfg = self.config
        report = progress or (lambda fraction, message: None)
        indicators = list(framework.indicators)
        X, present, years, units = self.cube(framework, indicators)
        datasets = {"raw": X.copy()}
        screened_out: dict = {"units": {}, "indicators": []}
        treatment = pd.DataFrame()
        weights = self._weights(framework)
        scores: dict[str, np.ndarray] = {}
        order = cfg["order"]
        for index, step in enumerate(order):
            report(index / len(order), step)
            if step == "denominate" and cfg["denominate"]["enabled"]:
                D, _, _, _ = self.cube(framework, framework.denominators) if framework.denominators else (None,) * 4
                names = [str(framework.meta.at[c, "Denominator"]).strip() for c in indicators]
                for t in range(len(years)):
                    dmat = np.full((len(units), len(indicators)), np.nan)
                    for j, name in enumerate(names):
                        if name:
                            dmat[:, j] = D[t][:, framework.denominators.index(name)]
                    X[t] = steps.denominate(X[t], dmat, units, indicators, names)
                datasets["denominated"] = X.copy()
            elif step == "impute" and cfg["impute"]["enabled"]:
                X = self._impute(framework, X, present, years, units)
                datasets["imputed"] = X.copy()
            elif step == "screen" and cfg["screen"]["enabled"]:
                X, present, indicators = self._screen(X, present, units, indicators, years, screened_out)
                datasets = {k: v[:, :, [framework.indicators.index(c) for c in indicators]]
                            if v.shape[2] != len(indicators) else v for k, v in datasets.items()}
                datasets["screened"] = X.copy()
            elif step == "treat" and cfg["treat"]["enabled"]:
                key = ("treat", id(framework), repr(cfg["treat"]), tuple(indicators), repr(order[:index]),
                       repr({k: cfg[k] for k in order[:index]}))
                if cache is not None and key in cache:
                    X, treatment = cache[key]
                    X = X.copy()
                else:
                    X, treatment = self._treat(X, present, years, indicators)
                    if cache is not None:
                        cache[key] = (X.copy(), treatment)
                datasets["treated"] = X.copy()
            elif step == "normalise" and cfg["normalise"]["enabled"]:
                X = self._normalise(framework, X, present, years, indicators)
                datasets["normalised"] = X.copy()
            elif step == "aggregate" and cfg["aggregate"]["enabled"]:
                if "normalised" not in datasets:
                    datasets["normalised"] = X.copy()
                weights = self._weights(framework, X, present, indicators)
                scores = self._aggregate(framework, X, present, indicators, weights)
        report(1.0, "done")
        return PipelineResult(framework=framework, config=cfg, years=years, units=units, indicators=indicators,
                              datasets=datasets, present=present, scores=scores, weights=weights,
                              treatment=treatment, screened_out=screened_out)

    # ---------------------------------------------------------------- steps
    def _impute(self, framework, X, present, years, units):
        cfg = self.config["impute"]
        if cfg.get("carry_forward"):
            X = steps.carry_forward(X)
        method = cfg.get("method") or "none"
        if method == "none":
            return X
        groups_cube = None
        if method.startswith("group_"):
            group = cfg.get("group")
            if not group or group not in framework.data.columns:
                raise CompositeError.single("config", None, "impute.group", f"分组列 {group!r} 不存在",
                                            f"group column {group!r} not found in iData")
            labels, _, _, _ = self.cube_labels(framework, group, years, units)
            groups_cube = labels
        for t in range(len(years)):
            keep = present[t]
            groups = groups_cube[t][keep] if groups_cube is not None else None
            X[t][keep] = steps.impute(X[t][keep], method, groups)
        return X

    def _screen(self, X, present, units, indicators, years, screened_out):
        cfg = self.config["screen"]
        present = present.copy()
        keep_units = set(cfg.get("keep_units") or [])
        ind_threshold = cfg.get("indicator_min_availability")
        if ind_threshold is not None:
            stacked = np.concatenate([X[t][present[t]] for t in range(len(years))])
            avail = steps.availability(stacked, axis=0)
            keep = avail >= ind_threshold
            screened_out["indicators"] = [c for c, k in zip(indicators, keep) if not k]
            X = X[:, :, keep]
            indicators = [c for c, k in zip(indicators, keep) if k]
        unit_threshold = cfg.get("unit_min_availability")
        if unit_threshold is not None:
            for t, year in enumerate(years):
                avail = steps.availability(X[t], axis=1)
                drop = present[t] & (avail < unit_threshold)
                for i in np.flatnonzero(drop):
                    if units[i] in keep_units:
                        continue
                    present[t, i] = False
                    screened_out["units"].setdefault(str(year), []).append(units[i])
        return X, present, indicators

    def _treat(self, X, present, years, indicators):
        cfg = self.config["treat"]
        skip = set(cfg.get("skip") or [])
        rows = []
        X = X.copy()
        for t, year in enumerate(years):
            keep = present[t]
            skews, kurts = steps.skew_kurt_columns(X[t][keep])
            for j, code in enumerate(indicators):
                if code in skip:
                    continue
                if abs(skews[j]) < cfg["skew_threshold"] or kurts[j] < cfg["kurtosis_threshold"] or np.isnan(kurts[j]):
                    rows.append({"Time": year, "iCode": code, "skew": skews[j], "kurtosis": kurts[j],
                                 "winsorised": 0, "transform": "", "passes_after": True})
                    continue
                column, info = steps.treat_column(
                    X[t][keep, j], winsorise_max=int(cfg["winsorise_max"]), skew_threshold=cfg["skew_threshold"],
                    kurtosis_threshold=cfg["kurtosis_threshold"], fallback=cfg["fallback"],
                    boxcox_lambda=cfg.get("boxcox_lambda", 0.5), combine=cfg["combine"])
                block = X[t]
                block[keep, j] = column
                rows.append({"Time": year, "iCode": code, "skew": info["skew"], "kurtosis": info["kurtosis"],
                             "winsorised": info["winsorised"], "transform": info["transform"],
                             "passes_after": info["passes"]})
        return X, pd.DataFrame(rows)

    def _normalise(self, framework, X, present, years, indicators):
        cfg = self.config["normalise"]
        method = cfg["method"]
        low, high = cfg["range"]
        directions = framework.meta.loc[indicators, "Direction"].to_numpy(dtype=float)
        targets = framework.meta.loc[indicators, "Target"].to_numpy(dtype=float)
        goalposts = None
        if method == "goalposts":
            gp = cfg.get("goalposts") or {}
            missing = [c for c in indicators if c not in gp]
            if missing:
                raise CompositeError.single("config", None, "normalise.goalposts", f"缺少指标的目标值：{missing}",
                                            f"goalposts missing for {missing}")
            goalposts = np.array([gp[c] for c in indicators], dtype=float)
        out = np.full_like(X, np.nan)
        col_min = col_max = None
        if cfg.get("across_years") and method == "minmax":
            stacked = np.concatenate([X[t][present[t]] for t in range(len(years))]) * directions
            with np.errstate(all="ignore"):
                col_min, col_max = np.nanmin(stacked, axis=0), np.nanmax(stacked, axis=0)
        reference = None
        if method == "index":
            base = cfg.get("base_year")
            if base not in years:
                raise CompositeError.single("config", None, "normalise.base_year", f"基准年 {base} 不在数据中",
                                            f"base year {base} is not in the data")
            reference = X[years.index(base)]
        for t in range(len(years)):
            keep = present[t]
            out[t][keep] = steps.normalise(
                X[t][keep], method, directions, low=low, high=high, mean=cfg.get("mean", 0), sd=cfg.get("sd", 1),
                targets=targets, goalposts=goalposts, reference=None if reference is None else reference[keep],
                columns_min=col_min, columns_max=col_max)
        return out

    def _weights(self, framework, X=None, present=None, indicators=None) -> dict[str, float]:
        from . import weights as weighting

        cfg = self.config["weights"]
        return weighting.compute(framework, cfg, X, present, indicators)

    def _aggregate(self, framework, X, present, indicators, weights):
        return aggregate_tree(framework, X, present, indicators, weights, self.config["aggregate"])


def aggregate_tree(framework, X, present, indicators, weights, cfg) -> dict[str, np.ndarray]:
    """Aggregate bottom-up through the tree, all years at once (absent units stay NaN)."""
    T, N, _ = X.shape
    values: dict[str, np.ndarray] = {code: X[:, :, j] for j, code in enumerate(indicators)}
    scores = {}
    for code in framework.aggregates:
        kids = [k for k in framework.children[code] if k in values]
        if not kids:
            raise CompositeError.single("iMeta", code, "Parent", f"{code} 的全部下级都被筛除",
                                        f"every child of {code} was screened out")
        method = cfg.get("by_level", {}).get(framework.level[code], cfg["method"])
        w = np.array([weights[k] for k in kids], dtype=float)
        V = np.stack([values[k] for k in kids], axis=2)  # years × units × children
        V = np.where(present[:, :, None], V, np.nan)
        if method == "copeland":  # comparisons only among units of the same year
            out = np.full((T, N), np.nan)
            for t in range(T):
                keep = present[t]
                out[t, keep] = steps.aggregate_block(V[t][keep], w, method, parent=code)
        else:
            out = steps.aggregate_block(V.reshape(T * N, -1), w, method, p=cfg.get("p", 2.0),
                                        parent=code).reshape(T, N)
        values[code] = out
        scores[code] = out
    return scores

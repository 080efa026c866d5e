"""Pipeline steps as plain functions on (units × indicators) float arrays; NaN marks missing data."""

from __future__ import annotations

import numpy as np

from .errors import CompositeError, InputProblem


# ---------------------------------------------------------------- denominate
def denominate(X: np.ndarray, denominators: np.ndarray, unit_codes, indicator_codes, denominator_names) -> np.ndarray:
    """X / denominator column by column; a zero denominator is an error naming the unit, never a silent inf."""
    out = X.copy()
    problems = []
    for j, name in enumerate(denominator_names):
        if not name:
            continue
        d = denominators[:, j]
        zero = (d == 0) & ~np.isnan(X[:, j])
        for i in np.flatnonzero(zero):
            problems.append(InputProblem("iData", unit_codes[i], name, f"指标 {indicator_codes[j]} 的分母为零",
                                         f"denominator is zero for indicator {indicator_codes[j]}"))
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:, j] = X[:, j] / d
    if problems:
        raise CompositeError(problems)
    return out


# ---------------------------------------------------------------- impute
def impute(X: np.ndarray, method: str, groups: np.ndarray | None = None) -> np.ndarray:
    """Fill NaN by column mean / median, or by the mean / median of the unit's group."""
    if method in (None, "none"):
        return X
    out = X.copy()
    reducer = {"mean": np.nanmean, "median": np.nanmedian, "group_mean": np.nanmean,
               "group_median": np.nanmedian}.get(method)
    if reducer is None:
        raise CompositeError.single("config", None, "impute.method", f"未知插补方法 {method}",
                                    f"unknown imputation method {method}")
    missing = np.isnan(out)
    if not missing.any():
        return out
    with np.errstate(all="ignore"), _quiet():
        if method.startswith("group_"):
            if groups is None:
                raise CompositeError.single("config", None, "impute.group", "按组插补需要指定分组列",
                                            "group imputation needs a group column")
            for g in np.unique(groups):
                rows = groups == g
                fill = reducer(out[rows], axis=0)
                block = out[rows]
                block_missing = np.isnan(block)
                block[block_missing] = np.broadcast_to(fill, block.shape)[block_missing]
                out[rows] = block
        else:
            fill = reducer(out, axis=0)
            out[missing] = np.broadcast_to(fill, out.shape)[missing]
    return out


def carry_forward(panel: np.ndarray) -> np.ndarray:
    """Previous-year carry-forward over a (years × units × indicators) panel."""
    out = panel.copy()
    for t in range(1, out.shape[0]):
        gap = np.isnan(out[t])
        out[t][gap] = out[t - 1][gap]
    return out


class _quiet:
    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


# ---------------------------------------------------------------- screen
def availability(X: np.ndarray, axis: int) -> np.ndarray:
    return 1.0 - np.isnan(X).mean(axis=axis)


# ---------------------------------------------------------------- treat
def skew_kurt(x: np.ndarray) -> tuple[float, float]:
    """Sample skewness and excess kurtosis, type 2 (as Excel SKEW / KURT, e1071 type 2 and COINr),
    ignoring NaN; NaN when there are too few points (3 for skew, 4 for kurtosis)."""
    x = x[~np.isnan(x)]
    n = x.size
    if n < 3:
        return np.nan, np.nan
    d = x - x.mean()
    d2 = d * d
    m2 = d2.sum()
    if m2 == 0:
        return 0.0, 0.0
    skew = np.sqrt(n) * (d2 * d).sum() / m2 ** 1.5 * np.sqrt(n * (n - 1)) / (n - 2)
    if n < 4:
        return float(skew), np.nan
    r = n * (d2 * d2).sum() / m2 ** 2
    return float(skew), float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def skew_kurt_columns(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """skew_kurt for every column at once (same definitions)."""
    n = np.sum(~np.isnan(X), axis=0).astype(float)
    with np.errstate(all="ignore"), _quiet():
        d = X - np.nanmean(X, axis=0)
        d2 = d * d
        m2 = np.nansum(d2, axis=0)
        skew = np.sqrt(n) * np.nansum(d2 * d, axis=0) / m2 ** 1.5 * np.sqrt(n * (n - 1)) / (n - 2)
        r = n * np.nansum(d2 * d2, axis=0) / m2 ** 2
        kurt = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    skew = np.where(m2 == 0, 0.0, np.where(n < 3, np.nan, skew))
    kurt = np.where(m2 == 0, 0.0, np.where(n < 4, np.nan, kurt))
    return skew, kurt


def skewness(x: np.ndarray) -> float:
    return skew_kurt(x)[0]


def kurtosis(x: np.ndarray) -> float:
    return skew_kurt(x)[1]


def _passes(skew: float, kurt: float, skew_threshold: float, kurtosis_threshold: float) -> bool:
    return abs(skew) < skew_threshold or kurt < kurtosis_threshold


def passes_skew_kurt(x, skew_threshold: float, kurtosis_threshold: float) -> bool:
    """Pass when |skew| < threshold OR kurtosis < threshold (the JRC / COINr rule)."""
    return _passes(*skew_kurt(x), skew_threshold, kurtosis_threshold)


def winsorise(x: np.ndarray, max_points: int, skew_threshold: float, kurtosis_threshold: float):
    """Reassign the most extreme value to the next one, on the side the skew points to, until the skew /
    kurtosis rule passes or `max_points` points have been changed. Tied extreme values move together,
    as in COINr: a tied group is winsorised whole even when it takes the count past `max_points` (no
    further step is taken then). Winsorised points tie with the next value, so a point moved twice
    counts once."""
    x = x.copy()
    high: set[int] = set()
    low: set[int] = set()
    skew, kurt = skew_kurt(x)
    finite = ~np.isnan(x)
    while not _passes(skew, kurt, skew_threshold, kurtosis_threshold):
        if skew >= 0:
            extreme = np.nanmax(x)
            target_set = high
        else:
            extreme = np.nanmin(x)
            target_set = low
        at = np.flatnonzero(finite & (x == extreme))
        rest = x[finite & (x != extreme)]
        if rest.size == 0:
            break
        if len(high | low) >= max_points:
            break  # the limit is reached; a tied group that crosses it is still winsorised whole (as COINr does)
        x[at] = rest.max() if target_set is high else rest.min()
        target_set.update(at.tolist())
        skew, kurt = skew_kurt(x)
    return x, sorted(high), sorted(low)


def log_ct(x: np.ndarray) -> np.ndarray:
    """COIN Tool log: log(x − min + 0.01·(max − min))."""
    lo, hi = np.nanmin(x), np.nanmax(x)
    return np.log(x - lo + 0.01 * (hi - lo))


def log_ct_orig(x: np.ndarray) -> np.ndarray:
    return np.log(x - np.nanmin(x) + 1)


def log_gii(x: np.ndarray) -> np.ndarray:
    """GII log: log((max − 1)(x − min)/(max − min) + 1). COINr 1.x computes it and then returns the
    untransformed x; here the transform is returned. With max ≤ 1 the formula would reverse or flatten
    the indicator, so the values are first shifted to start at 1."""
    lo, hi = np.nanmin(x), np.nanmax(x)
    if hi == lo:
        return x.copy()
    if hi <= 1:
        x = x - lo + 1
        lo, hi = 1.0, hi - lo + 1
    return np.log((hi - 1) * (x - lo) / (hi - lo) + 1)


def boxcox(x: np.ndarray, lam: float) -> np.ndarray:
    x = x - np.nanmin(x) + 1
    return np.log(x) if lam == 0 else (x ** lam - 1) / lam


TRANSFORMS = {"log_ct": log_ct, "log_ct_orig": log_ct_orig, "log_gii": log_gii}


def treat_column(x: np.ndarray, *, winsorise_max: int = 5, skew_threshold: float = 2.0,
                 kurtosis_threshold: float = 3.5, fallback: str | None = "log_ct", boxcox_lambda: float = 0.5,
                 combine: bool = False) -> tuple[np.ndarray, dict]:
    """Skew / kurtosis check → winsorise → (if still failing) transform the original (or winsorised) data."""
    skew, kurt = skew_kurt(x)
    info = {"skew": skew, "kurtosis": kurt, "winsorised": 0, "transform": "", "passes": True,
            "high": [], "low": []}
    if np.count_nonzero(~np.isnan(x)) < 4 or _passes(skew, kurt, skew_threshold, kurtosis_threshold):
        return x, info
    treated, high, low = winsorise(x, winsorise_max, skew_threshold, kurtosis_threshold)
    info.update(winsorised=len(high) + len(low), high=high, low=low)
    if passes_skew_kurt(treated, skew_threshold, kurtosis_threshold) or not fallback or fallback == "none":
        info["passes"] = passes_skew_kurt(treated, skew_threshold, kurtosis_threshold)
        info.update(skew_after=skewness(treated), kurtosis_after=kurtosis(treated))
        return treated, info
    base = treated if combine else x
    if fallback == "boxcox":
        transformed = boxcox(base, boxcox_lambda)
    elif fallback in TRANSFORMS:
        transformed = TRANSFORMS[fallback](base)
    else:
        raise CompositeError.single("config", None, "treat.fallback", f"未知变换 {fallback}",
                                    f"unknown transform {fallback}")
    if not combine:
        info.update(winsorised=0, high=[], low=[])
    info.update(transform=fallback, passes=passes_skew_kurt(transformed, skew_threshold, kurtosis_threshold),
                skew_after=skewness(transformed), kurtosis_after=kurtosis(transformed))
    return transformed, info


# ---------------------------------------------------------------- normalise
def rank_min(values: np.ndarray, descending: bool = True) -> np.ndarray:
    """Competition ranks ('min' ties: 1, 2, 2, 4); NaN stays NaN. Works down the last axis' columns."""
    from scipy.stats import rankdata

    v = -values if descending else values
    return rankdata(np.where(np.isnan(v), np.inf, v), method="min", axis=0).astype(float) * np.where(
        np.isnan(values), np.nan, 1.0)


def normalise(X: np.ndarray, method: str, directions: np.ndarray, *, low: float = 0.0, high: float = 100.0,
              mean: float = 0.0, sd: float = 1.0, targets: np.ndarray | None = None,
              goalposts: np.ndarray | None = None, reference: np.ndarray | None = None,
              columns_min: np.ndarray | None = None, columns_max: np.ndarray | None = None) -> np.ndarray:
    """Normalise each column after applying its direction (+1 / −1).

    columns_min / columns_max (of the direction-adjusted data) let a panel share one min-max frame
    across years, so scores are comparable over time."""
    from scipy.stats import rankdata

    Y = X * directions
    with np.errstate(divide="ignore", invalid="ignore"), _quiet():
        if method == "minmax":
            lo = np.nanmin(Y, axis=0) if columns_min is None else columns_min
            hi = np.nanmax(Y, axis=0) if columns_max is None else columns_max
            span = hi - lo
            out = (Y - lo) / np.where(span == 0, np.nan, span) * (high - low) + low
            # A constant indicator carries no information: everyone gets the middle of the range.
            out[:, span == 0] = np.where(np.isnan(Y[:, span == 0]), np.nan, (low + high) / 2)
            return out
        if method == "zscore":
            mu = np.nanmean(Y, axis=0)
            s = np.nanstd(Y, axis=0, ddof=1)
            out = (Y - mu) / np.where(s == 0, np.nan, s) * sd + mean
            out[:, s == 0] = np.where(np.isnan(Y[:, s == 0]), np.nan, mean)
            return out
        if method == "goalposts":
            if goalposts is None:
                raise CompositeError.single("config", None, "normalise.goalposts", "需要目标值（下限、上限）",
                                            "goalposts need lower and upper values")
            lo_gp, hi_gp = goalposts[:, 0], goalposts[:, 1]
            up = (X - lo_gp) / (hi_gp - lo_gp)
            down = (hi_gp - X) / (hi_gp - lo_gp)
            out = np.where(directions > 0, up, down)
            return np.clip(out, 0, 1) * (high - low) + low
        if method == "distance_to_target":
            if targets is None or np.isnan(targets).any():
                raise CompositeError.single("iMeta", None, "Target", "到目标距离法需要每个指标的 Target",
                                            "distance to target needs a Target for every indicator")
            lo = np.nanmin(Y, axis=0)
            t = targets * directions
            out = (Y - lo) / np.where(t - lo == 0, np.nan, t - lo)
            return np.clip(out, 0, 1) * (high - low) + low
        if method == "rank":
            return rank_min(Y, descending=False)
        if method == "percentile_rank":  # COINr n_prank: (rank − 1) / (n − 1), "min" ties, in [0, 1]
            n = np.sum(~np.isnan(Y), axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                out = (rank_min(Y, descending=False) - 1) / np.where(n > 1, n - 1, np.nan)
            return np.where(np.isnan(Y), np.nan, out)
        if method == "midrank_percentile":  # (average rank − ½) / n × 100 (this engine's former percentile_rank)
            n = np.sum(~np.isnan(Y), axis=0)
            r = rankdata(np.where(np.isnan(Y), np.inf, Y), method="average", axis=0)
            out = (r - 0.5) / n * 100
            return np.where(np.isnan(Y), np.nan, out)
        if method == "borda":  # COINr n_borda: rank − 1, "min" ties (the lowest value scores 0)
            return np.where(np.isnan(Y), np.nan, rank_min(Y, descending=False) - 1)
        if method == "index":
            if reference is None:
                raise CompositeError.single("config", None, "normalise.base_year", "基期指数法需要基准年",
                                            "the base-year index needs base_year")
            return X / np.where(reference == 0, np.nan, reference) * 100.0
    raise CompositeError.single("config", None, "normalise.method", f"未知归一化方法 {method}",
                                f"unknown normalisation method {method}")


# ---------------------------------------------------------------- aggregate
def aggregate_block(V: np.ndarray, w: np.ndarray, method: str, *, p: float = 2.0,
                    parent: str = "", child_codes=()) -> np.ndarray:
    """Aggregate children columns V (units × children) with weights w; weights renormalise over missing data."""
    present = ~np.isnan(V)
    W = np.where(present, w, 0.0)
    wsum = W.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "arithmetic":
            out = np.nansum(np.where(present, V, 0.0) * W, axis=1) / wsum
        elif method in ("geometric", "harmonic") or (method == "generalised" and p <= 0):
            if np.any(V[present] <= 0):
                raise CompositeError.single(
                    "config", None, "aggregate.method",
                    f"{parent}：几何/调和平均要求下级得分为正（请将归一化区间设为如 [1, 100]）",
                    f"{parent}: geometric / harmonic means need positive scores (normalise to e.g. [1, 100])")
            if method == "geometric" or p == 0:
                out = np.exp(np.nansum(np.where(present, np.log(np.where(present, V, 1.0)), 0.0) * W, axis=1) / wsum)
            elif method == "harmonic":
                out = wsum / np.nansum(np.where(present, W / np.where(present, V, 1.0), 0.0), axis=1)
            else:
                out = (np.nansum(np.where(present, np.where(present, V, 1.0) ** p, 0.0) * W, axis=1) / wsum) ** (1 / p)
        elif method == "generalised":
            out = (np.nansum(np.where(present, V, 0.0) ** p * W, axis=1) / wsum) ** (1 / p)
        elif method == "copeland":
            out = copeland(V, w)
        else:
            raise CompositeError.single("config", None, "aggregate.method", f"未知汇总方法 {method}",
                                        f"unknown aggregation method {method}")
    out = np.where(wsum > 0, out, np.nan)
    return out


def copeland(V: np.ndarray, w: np.ndarray, chunk: int = 512) -> np.ndarray:
    """Copeland score: for every other unit, +1 if the weighted majority of indicators prefers this unit,
    −1 if it prefers the other. Missing values do not vote."""
    n = V.shape[0]
    scores = np.zeros(n)
    filled = np.where(np.isnan(V), np.nan, V)
    for start in range(0, n, chunk):
        block = filled[start:start + chunk, None, :]  # b × 1 × k
        diff = block - filled[None, :, :]  # b × n × k
        votes = np.nansum(np.sign(diff) * w, axis=2)
        scores[start:start + chunk] = np.sign(votes).sum(axis=1)
    return scores

"""Weighting: metadata, equal, AHP (with consistency ratio), entropy, PCA; effective weights."""

from __future__ import annotations

import numpy as np

from .errors import CompositeError

# Saaty's random consistency index by matrix size.
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49,
                11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59}


def ahp(matrix) -> tuple[np.ndarray, float]:
    """Principal-eigenvector weights of a reciprocal pairwise matrix, and its consistency ratio."""
    A = np.asarray(matrix, dtype=float)
    n = A.shape[0]
    if A.shape != (n, n) or np.any(A <= 0) or not np.allclose(A * A.T, 1.0, rtol=1e-6):
        raise CompositeError.single("config", None, "weights.ahp",
                                    "成对比较矩阵须为正的互反方阵（a_ij · a_ji = 1）",
                                    "a pairwise matrix must be square, positive and reciprocal (a_ij · a_ji = 1)")
    eigenvalues, eigenvectors = np.linalg.eig(A)
    k = int(np.argmax(eigenvalues.real))
    w = np.abs(eigenvectors[:, k].real)
    w = w / w.sum()
    lambda_max = float(eigenvalues[k].real)
    ci = (lambda_max - n) / (n - 1) if n > 2 else 0.0
    ri = RANDOM_INDEX.get(n, 1.59)
    return w, (ci / ri if ri else 0.0)


def entropy_weights(V: np.ndarray) -> np.ndarray:
    """Entropy weight method on non-negative data (units × children)."""
    V = np.where(np.isnan(V), np.nanmean(V, axis=0), V)
    V = V - np.minimum(V.min(axis=0), 0)
    totals = V.sum(axis=0)
    P = np.divide(V, totals, out=np.zeros_like(V), where=totals > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(P > 0, np.log(P), 0.0)
    n = V.shape[0]
    e = -(P * logs).sum(axis=0) / np.log(n)
    d = 1 - e
    return d / d.sum() if d.sum() > 0 else np.full(V.shape[1], 1 / V.shape[1])


def pca_weights(V: np.ndarray) -> tuple[np.ndarray, float]:
    """Squared loadings of the first principal component (OECD/JRC handbook), and its variance share."""
    V = np.where(np.isnan(V), np.nanmean(V, axis=0), V)
    sd = V.std(axis=0, ddof=1)
    Z = (V - V.mean(axis=0)) / np.where(sd == 0, 1, sd)
    corr = np.corrcoef(Z, rowvar=False) if V.shape[1] > 1 else np.ones((1, 1))
    corr = np.nan_to_num(corr)
    values, vectors = np.linalg.eigh(corr)
    loading = vectors[:, -1]
    w = loading ** 2
    return w / w.sum(), float(values[-1] / values.sum())


def compute(framework, cfg: dict, X=None, present=None, indicators=None) -> dict[str, float]:
    method = cfg.get("method", "metadata")
    weights = framework.weights()
    if method == "equal":
        weights = {code: 1.0 for code in weights}
    elif method == "ahp":
        for parent, spec in (cfg.get("ahp") or {}).items():
            codes = spec["codes"]
            w, cr = ahp(spec["matrix"])
            if cr > spec.get("max_cr", 0.1):
                raise CompositeError.single("config", parent, "weights.ahp",
                                            f"{parent} 的成对比较一致性比率 CR={cr:.3f} 超过 0.1",
                                            f"pairwise comparisons for {parent} are inconsistent: CR={cr:.3f} > 0.1")
            weights.update(dict(zip(codes, w)))
    elif method in ("entropy", "pca"):
        if X is None:
            return weights  # data-driven weights are set once normalised data exist
        stacked = np.concatenate([X[t][present[t]] for t in range(X.shape[0])])
        for parent in framework.aggregates:
            kids = [k for k in framework.children[parent] if k in indicators]
            if len(kids) < 2 or len(kids) != len(framework.children[parent]):
                continue
            V = stacked[:, [indicators.index(k) for k in kids]]
            w = entropy_weights(V) if method == "entropy" else pca_weights(V)[0]
            weights.update(dict(zip(kids, w)))
    elif method != "metadata":
        raise CompositeError.single("config", None, "weights.method", f"未知权重方法 {method}",
                                    f"unknown weighting method {method}")
    for code, value in (cfg.get("overrides") or {}).items():
        if code not in weights:
            raise CompositeError.single("config", None, "weights.overrides", f"未知代码 {code}", f"unknown code {code}")
        weights[code] = float(value)
    return weights


def effective_weights(framework, weights: dict[str, float]) -> dict[str, float]:
    """Each node's share of the index: its weight within its siblings times its parent's share."""
    out: dict[str, float] = {}

    def walk(code: str, share: float):
        out[code] = share
        kids = framework.children.get(code) or []
        total = sum(weights[k] for k in kids)
        for k in kids:
            walk(k, share * weights[k] / total if total > 0 else 0.0)

    walk(framework.root, 1.0)
    return out

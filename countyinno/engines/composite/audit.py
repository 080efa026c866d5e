"""Statistical audit (OECD/JRC handbook, step 7): correlations, Cronbach's alpha, PCA variance."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .weights import pca_weights


def cronbach_alpha(V: np.ndarray) -> float:
    """Internal consistency of the columns of V (units × items); rows with missing data are dropped."""
    V = V[~np.isnan(V).any(axis=1)]
    k = V.shape[1]
    if k < 2 or V.shape[0] < 2:
        return float("nan")
    item_variance = V.var(axis=0, ddof=1).sum()
    total_variance = V.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - item_variance / total_variance)) if total_variance > 0 else float("nan")


def audit(result, year=None) -> dict:
    """For one year: each node's correlation with its parent and with the index, and per aggregate
    the mean correlation among its children, Cronbach's alpha and the first component's variance share."""
    fw = result.framework
    t = result.years.index(year) if year is not None else len(result.years) - 1
    keep = result.present[t]
    columns = {code: result.datasets["normalised"][t][keep, j] for j, code in enumerate(result.indicators)}
    columns.update({code: values[t][keep] for code, values in result.scores.items()})
    frame = pd.DataFrame(columns)
    corr = frame.corr(method="pearson")
    root = fw.root
    nodes = []
    for code in list(result.indicators) + [c for c in fw.aggregates if c != root]:
        parent = fw.parent.get(code)
        nodes.append({"iCode": code, "parent": parent,
                      "corr_with_parent": float(corr.at[code, parent]) if parent in corr else np.nan,
                      "corr_with_index": float(corr.at[code, root])})
    groups = []
    for code in fw.aggregates:
        kids = [k for k in fw.children[code] if k in frame.columns]
        V = frame[kids].to_numpy()
        pair = corr.loc[kids, kids].to_numpy()
        off = pair[~np.eye(len(kids), dtype=bool)]
        variance_share = pca_weights(V)[1] if len(kids) > 1 else 1.0
        groups.append({"iCode": code, "children": len(kids),
                       "mean_child_correlation": float(np.nanmean(off)) if off.size else np.nan,
                       "min_child_correlation": float(np.nanmin(off)) if off.size else np.nan,
                       "cronbach_alpha": cronbach_alpha(V), "pc1_variance_share": variance_share})
    return {"correlations": corr, "nodes": pd.DataFrame(nodes), "groups": pd.DataFrame(groups)}

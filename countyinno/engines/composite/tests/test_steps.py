import numpy as np
import pytest
from scipy import stats

from countyinno.engines.composite import steps
from countyinno.engines.composite.errors import CompositeError
from countyinno.engines.composite.weights import ahp, entropy_weights, pca_weights


def test_skew_and_kurtosis_are_type_2():
    rng = np.random.default_rng(3)
    x = rng.lognormal(size=40)
    assert steps.skewness(x) == pytest.approx(stats.skew(x, bias=False))
    assert steps.kurtosis(x) == pytest.approx(stats.kurtosis(x, bias=False))
    with_gap = np.append(x, np.nan)
    assert steps.skewness(with_gap) == pytest.approx(steps.skewness(x))


def test_winsorise_limit_is_cumulative_and_moves_the_high_tail():
    x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100.0])
    treated, high, low = steps.winsorise(x, max_points=1, skew_threshold=2, kurtosis_threshold=3.5)
    assert high == [11] and low == [] and treated[11] == 30
    treated, high, _ = steps.winsorise(x, max_points=5, skew_threshold=2, kurtosis_threshold=3.5)
    assert len(high) <= 5 and steps.passes_skew_kurt(treated, 2, 3.5)
    assert np.all(np.sort(treated) == treated)  # order preserved


def test_treat_falls_back_to_log_of_the_original():
    x = np.concatenate([np.ones(20), [2, 3, 50, 400, 1000, 5000, 20000.0]])
    out, info = steps.treat_column(x, winsorise_max=1)
    assert info["transform"] == "log_ct" and info["winsorised"] == 0
    assert np.allclose(out, steps.log_ct(x))


def test_log_gii_returns_the_transformed_values():
    x = np.array([2.0, 5.0, 10.0, 50.0])
    out = steps.log_gii(x)
    assert np.allclose(out, np.log((50 - 1) * (x - 2) / 48 + 1))
    assert not np.allclose(out, x)
    small = steps.log_gii(np.array([0.1, 0.2, 0.9]))
    assert np.all(np.diff(small) > 0)  # direction kept even when max < 1


@pytest.mark.parametrize("method", ["minmax", "zscore", "rank", "percentile_rank", "borda"])
def test_normalise_respects_direction(method):
    X = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    out = steps.normalise(X, method, np.array([1.0, -1.0]))
    assert out[2, 0] > out[0, 0] and out[2, 1] < out[0, 1]


def test_minmax_range_goalposts_and_target():
    X = np.array([[0.0], [5.0], [10.0]])
    assert np.allclose(steps.normalise(X, "minmax", np.array([1.0]), low=1, high=10)[:, 0], [1, 5.5, 10])
    gp = steps.normalise(X, "goalposts", np.array([1.0]), goalposts=np.array([[2.0, 8.0]]))
    assert np.allclose(gp[:, 0], [0, 50, 100])
    target = steps.normalise(X, "distance_to_target", np.array([1.0]), targets=np.array([5.0]))
    assert np.allclose(target[:, 0], [0, 100, 100])


def test_constant_indicator_gets_the_middle_not_nan():
    out = steps.normalise(np.array([[4.0], [4.0]]), "minmax", np.array([1.0]))
    assert np.allclose(out, 50)


def test_aggregation_renormalises_weights_over_missing_data():
    V = np.array([[10.0, 20.0, np.nan], [np.nan, np.nan, np.nan]])
    w = np.array([1.0, 3.0, 2.0])
    out = steps.aggregate_block(V, w, "arithmetic")
    assert out[0] == pytest.approx((10 + 60) / 4) and np.isnan(out[1])


def test_geometric_harmonic_generalised():
    V = np.array([[1.0, 4.0]])
    w = np.array([1.0, 1.0])
    assert steps.aggregate_block(V, w, "geometric")[0] == pytest.approx(2.0)
    assert steps.aggregate_block(V, w, "harmonic")[0] == pytest.approx(1.6)
    assert steps.aggregate_block(V, w, "generalised", p=2)[0] == pytest.approx(np.sqrt(8.5))
    with pytest.raises(CompositeError) as info:
        steps.aggregate_block(np.array([[0.0, 4.0]]), w, "geometric", parent="P1")
    assert "P1" in str(info.value) and "positive" in str(info.value)


def test_copeland_counts_pairwise_majorities():
    V = np.array([[3.0, 3.0, 3.0], [2.0, 2.0, 2.0], [1.0, 1.0, 4.0]])
    scores = steps.copeland(V, np.array([1.0, 1.0, 1.0]))
    assert list(scores) == [2.0, 0.0, -2.0]


def test_ranks_use_min_ties():
    ranks = steps.rank_min(np.array([[5.0], [7.0], [7.0], [np.nan], [1.0]]))[:, 0]
    assert list(ranks[[0, 1, 2, 4]]) == [3, 1, 1, 4] and np.isnan(ranks[3])


def test_ahp_weights_and_consistency():
    # Saaty's classic example: consistent 3×3 matrix.
    w, cr = ahp([[1, 2, 4], [0.5, 1, 2], [0.25, 0.5, 1]])
    assert np.allclose(w, [4 / 7, 2 / 7, 1 / 7]) and cr == pytest.approx(0, abs=1e-9)
    _, bad = ahp([[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]])
    assert bad > 0.1
    with pytest.raises(CompositeError):
        ahp([[1, 2], [2, 1]])


def test_entropy_and_pca_weights_sum_to_one():
    rng = np.random.default_rng(0)
    V = rng.random((50, 4))
    V[:, 3] = 0.5  # no spread → no entropy weight
    w = entropy_weights(V)
    assert w.sum() == pytest.approx(1) and w[3] == pytest.approx(0, abs=1e-12)
    pw, share = pca_weights(rng.random((50, 3)))
    assert pw.sum() == pytest.approx(1) and 0 < share <= 1


def test_group_imputation_uses_the_units_group():
    X = np.array([[1.0], [3.0], [np.nan], [10.0], [np.nan]])
    groups = np.array(["a", "a", "a", "b", "b"])
    out = steps.impute(X, "group_mean", groups)
    assert out[2, 0] == 2.0 and out[4, 0] == 10.0


def test_zero_denominator_is_an_error_naming_the_unit():
    with pytest.raises(CompositeError) as info:
        steps.denominate(np.array([[1.0], [2.0]]), np.array([[5.0], [0.0]]), ["U1", "U2"], ["I1"], ["GDP"])
    assert "U2" in str(info.value) and "GDP" in str(info.value)

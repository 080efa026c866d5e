"""COINr's definitions (tied winsorising, Borda, percentile ranks), robust uncertainty runs and
nested configuration keys validated like top-level ones."""

import numpy as np
import pytest

from countyinno.engines.composite import Framework, Pipeline, steps
from countyinno.engines.composite.errors import CompositeError
from countyinno.engines.composite.uncertainty import monte_carlo

from .test_panel_and_uncertainty import META, panel


def test_a_tied_extreme_group_is_winsorised_whole_even_past_the_limit():
    x = np.array(list(range(1, 21)) + [500, 500.0])  # skew 3.05, kurtosis 8.05: treatment needed
    treated, high, low = steps.winsorise(x, max_points=1, skew_threshold=2, kurtosis_threshold=3.5)
    assert high == [20, 21] and low == [] and np.all(treated[20:] == 20)  # 2 tied points, limit 1
    _, info = steps.treat_column(x, winsorise_max=1)
    assert info["winsorised"] == 2 and info["passes"] and not info["transform"]  # no log fallback


def test_the_limit_still_stops_further_steps():
    x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100.0])
    _, high, _ = steps.winsorise(x, max_points=1, skew_threshold=2, kurtosis_threshold=3.5)
    assert high == [11]


def test_borda_and_percentile_rank_follow_coinr():
    X = np.array([[1.0], [2.0], [2.0], [5.0], [np.nan]])
    borda = steps.normalise(X, "borda", np.array([1.0]))
    assert borda[:4, 0].tolist() == [0, 1, 1, 3] and np.isnan(borda[4, 0])  # n_borda: rank("min") − 1
    prank = steps.normalise(X, "percentile_rank", np.array([1.0]))
    assert prank[:4, 0].tolist() == pytest.approx([0, 1 / 3, 1 / 3, 1])  # n_prank: (rank − 1) / (n − 1)
    mid = steps.normalise(X, "midrank_percentile", np.array([1.0]))
    assert mid[:4, 0].tolist() == pytest.approx([12.5, 50, 50, 87.5])


def test_an_uncertainty_run_survives_failing_replications():
    framework = Framework.from_frames(META, panel(years=(2023,), units=10))
    inputs = [{"name": "agg", "path": "aggregate.method", "choices": ["arithmetic", "geometric"]}]
    result = monte_carlo(framework, {}, inputs, replications=20, seed=3)  # geometric fails on the 0 of minmax
    assert 0 < result["failed"] < 20 and len(result["failures"]) == result["failed"]
    assert "geometric" in result["failures"][0]["error"] or result["failures"][0]["error"]
    assert not result["rank_bands"]["median_rank"].isna().any()
    with pytest.raises(CompositeError):
        monte_carlo(framework, {}, [{"name": "agg", "path": "aggregate.method", "choices": ["geometric"]}],
                    replications=3)


@pytest.mark.parametrize("config, where", [
    ({"treat": {"winsorize_max": 3}}, "treat.winsorize_max"),
    ({"aggregate": {"methd": "geometric"}}, "aggregate.methd"),
    ({"results": {"performance": {"refernce": "median"}}}, "results.performance.refernce"),
    ({"treat": {"winsorise_max": "five"}}, "treat.winsorise_max"),
    ({"normalise": {"range": [0, "x"]}}, "normalise.range.1"),
    ({"uncertainty": {"inputs": [{"name": "w", "type": "weight_noise", "amount": 0.1, "code": ["x"]}]}},
     "uncertainty.inputs.0.code"),
])
def test_nested_configuration_keys_are_validated(config, where):
    with pytest.raises(CompositeError) as info:
        Pipeline(config)
    assert any(p.column == where for p in info.value.problems), str(info.value)
    assert " / " in str(info.value)


def test_weight_noise_codes_key_is_accepted():
    Pipeline({"uncertainty": {"inputs": [{"name": "w", "type": "weight_noise", "amount": 0.1, "codes": ["x"]}]}})

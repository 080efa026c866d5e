"""Composite index engine on a national-scale panel: 2,844 counties × 30 indicators × 10 years.

Run: make bench  (or .venv/bin/pytest benchmarks --benchmark-enable). Results: docs/benchmarks.md.
"""

import pytest

from countyinno.engines.composite import Framework, Pipeline
from countyinno.engines.composite.uncertainty import monte_carlo

from .synthetic import county_index_inputs

CONFIG = {"impute": {"method": "group_mean", "group": "City"}, "screen": {"unit_min_availability": 0.8},
          "results": {"group_columns": ["City"]}}


@pytest.fixture(scope="module")
def framework():
    meta, data = county_index_inputs()
    return Framework.from_frames(meta.astype(str).replace("nan", ""), data)


def test_full_pipeline_2844x30x10(benchmark, framework):
    def run():
        result = Pipeline(CONFIG).run(framework)
        return result.results_table()

    table = benchmark.pedantic(run, rounds=5, iterations=1, warmup_rounds=1)
    assert len(table) > 28000


def test_monte_carlo_1000_replications(benchmark, framework):
    inputs = [{"name": "winsorising", "path": "treat.winsorise_max", "choices": [3, 4, 5, 6, 7]},
              {"name": "normalisation", "path": "normalise.method", "choices": ["minmax", "zscore"]},
              {"name": "aggregation", "path": "aggregate.method", "choices": ["arithmetic", "generalised"]},
              {"name": "weights", "type": "weight_noise", "amount": 0.25}]
    out = benchmark.pedantic(lambda: monte_carlo(framework, CONFIG, inputs, replications=1000, seed=1),
                             rounds=1, iterations=1)
    assert out["replications"] == 1000

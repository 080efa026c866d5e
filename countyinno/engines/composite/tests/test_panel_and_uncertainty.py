import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from countyinno.engines.composite import Framework, Pipeline
from countyinno.engines.composite.uncertainty import monte_carlo, sobol, sobol_indices

META = pd.DataFrame({
    "Level": ["1", "1", "1", "2"], "iCode": ["x", "y", "z", "Index"], "Direction": ["1", "1", "-1", ""],
    "Weight": ["1", "1", "1", "1"], "Parent": ["Index", "Index", "Index", ""],
    "Type": ["Indicator", "Indicator", "Indicator", "Aggregate"],
})


def panel(years=(2021, 2022, 2023), units=8, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for year in years:
        for u in range(units):
            rows.append({"uCode": f"C{u}", "Time": year, "x": rng.random() * 10 + u, "y": rng.random() * 5 + u,
                         "z": rng.random() * 3, "city": "A" if u < 4 else "B"})
    return pd.DataFrame(rows)


def test_panel_years_group_ranks_and_change():
    frame = panel()
    meta = pd.concat([META, pd.DataFrame([{"iCode": "city", "Type": "Group"}])], ignore_index=True).fillna("")
    result = Pipeline({"results": {"group_columns": ["city"]}}).run(Framework.from_frames(meta, frame))
    table = result.results_table()
    assert sorted(table["Time"].unique()) == [2021, 2022, 2023]
    assert len(table) == 24
    assert {"Index_rank_in_city", "Index_change", "Index_rank_change", "performance_group"} <= set(table.columns)
    first_year = table[table["Time"] == 2021]
    assert first_year["Index_change"].isna().all()
    assert table[table["Time"] == 2022]["Index_change"].notna().all()
    assert set(table.groupby(["Time", "city"])["Index_rank_in_city"].min()) == {1}


def test_carry_forward_fills_from_the_previous_year():
    frame = panel()
    frame.loc[(frame["Time"] == 2022) & (frame["uCode"] == "C1"), "x"] = np.nan
    previous = frame.loc[(frame["Time"] == 2021) & (frame["uCode"] == "C1"), "x"].item()
    result = Pipeline({"impute": {"carry_forward": True}}).run(Framework.from_frames(META, frame))
    t, u = result.years.index(2022), result.units.index("C1")
    assert result.datasets["imputed"][t, u, 0] == previous


def test_across_years_minmax_and_base_year_index():
    frame = panel()
    frame.loc[frame["Time"] == 2023, "x"] += 100  # everyone improves a lot in 2023
    common = Pipeline({"normalise": {"across_years": True}}).run(Framework.from_frames(META, frame))
    per_year = Pipeline().run(Framework.from_frames(META, frame))
    assert np.nanmean(common.datasets["normalised"][2, :, 0]) > np.nanmean(common.datasets["normalised"][0, :, 0])
    assert np.nanmax(per_year.datasets["normalised"][2, :, 0]) == pytest.approx(100)
    indexed = Pipeline({"normalise": {"method": "index", "base_year": 2021}, "treat": {"enabled": False}}).run(
        Framework.from_frames(META, frame))
    assert np.allclose(indexed.datasets["normalised"][0], 100)


def test_unit_screening_drops_sparse_units_per_year():
    frame = panel()
    frame.loc[(frame["Time"] == 2023) & (frame["uCode"] == "C2"), ["x", "y"]] = np.nan
    result = Pipeline({"screen": {"unit_min_availability": 0.9}}).run(Framework.from_frames(META, frame))
    assert result.screened_out["units"] == {"2023": ["C2"]}
    assert "C2" not in set(result.results_table().query("Time == 2023")["uCode"])


def test_strengths_and_weaknesses():
    result = Pipeline().run(Framework.from_frames(META, panel(years=(2023,))))
    sw = result.strengths_and_weaknesses("C7", n=1)
    assert len(sw["strengths"]) == 1 and sw["strengths"][0]["rank"] <= sw["weaknesses"][0]["rank"]


def test_monte_carlo_bands_are_ordered_and_reproducible():
    framework = Framework.from_frames(META, panel(years=(2023,), units=12))
    inputs = [{"name": "norm", "path": "normalise.method", "choices": ["minmax", "zscore"]},
              {"name": "w", "type": "weight_noise", "amount": 0.3}]
    first = monte_carlo(framework, {}, inputs, replications=60, seed=5)
    again = monte_carlo(framework, {}, inputs, replications=60, seed=5)
    bands = first["rank_bands"]
    assert bands.equals(again["rank_bands"])
    assert (bands["rank_p05"] <= bands["median_rank"]).all() and (bands["median_rank"] <= bands["rank_p95"]).all()
    still = monte_carlo(framework, {}, [{"name": "w", "type": "weight_noise", "amount": 0.0}], replications=10)
    assert (still["rank_bands"]["rank_p05"] == still["rank_bands"]["nominal_rank"]).all()
    assert (still["mean_rank_shift"] == 0).all()


def test_sobol_estimator_on_an_analytic_model():
    # y = 2·u1 + u2 with independent uniforms: V1 = 4/12, V2 = 1/12 → S1 = 0.8, S2 = 0.2, no interaction.
    first, total, variance = sobol_indices(lambda u: 2 * u[0] + u[1], 2, 1024, seed=3)
    assert first == pytest.approx([0.8, 0.2], abs=0.05)
    assert total == pytest.approx([0.8, 0.2], abs=0.05)
    assert variance == pytest.approx(5 / 12, rel=0.05)


def test_sobol_on_the_index_runs_and_names_inputs():
    framework = Framework.from_frames(META, panel(years=(2023,), units=10))
    out = sobol(framework, {}, [{"name": "norm", "path": "normalise.method", "choices": ["minmax", "zscore"]},
                                {"name": "w", "type": "weight_noise", "amount": 0.5}], base_samples=16)
    assert list(out["indices"]["input"]) == ["norm", "w"] and out["runs"] == 16 * 4


def test_engine_imports_no_django():
    code = ("import sys; import countyinno.engines.composite.cli, countyinno.engines.composite.uncertainty, "
            "countyinno.engines.composite.audit; assert not [m for m in sys.modules if m.startswith('django')]")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_audit_reports_alpha_and_correlations():
    from countyinno.engines.composite.audit import audit

    result = Pipeline().run(Framework.from_frames(META, panel(years=(2023,), units=20)))
    report = audit(result)
    group = report["groups"].set_index("iCode").loc["Index"]
    assert group["children"] == 3 and -1 <= group["mean_child_correlation"] <= 1
    assert set(report["nodes"]["iCode"]) == {"x", "y", "z"}

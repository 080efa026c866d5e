"""Properties that must hold for any data (hypothesis)."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from countyinno.engines.composite import Framework, Pipeline

META = pd.DataFrame({
    "Level": ["1", "1", "1", "1", "2", "2", "3"],
    "iCode": ["a", "b", "c", "d", "P", "Q", "Index"],
    "Direction": ["1", "1", "-1", "1", "1", "1", "1"],
    "Weight": ["1", "2", "1", "1", "1", "1", "1"],
    "Parent": ["P", "P", "Q", "Q", "Index", "Index", ""],
    "Type": ["Indicator"] * 4 + ["Aggregate"] * 3,
})

values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def datasets(draw, min_units=4, max_units=25):
    n = draw(st.integers(min_units, max_units))
    columns = {code: draw(st.lists(values, min_size=n, max_size=n)) for code in "abcd"}
    frame = pd.DataFrame({"uCode": [f"U{i:02d}" for i in range(n)], **columns})
    return frame


def run(frame, config=None):
    return Pipeline(config or {}).run(Framework.from_frames(META, frame))


@settings(max_examples=60, deadline=None)
@given(datasets(), st.sampled_from([(0, 100), (1, 10), (-5, 5)]))
def test_scores_stay_within_the_normalisation_range(frame, bounds):
    result = run(frame, {"normalise": {"range": list(bounds)}})
    for code, score in result.scores.items():
        finite = score[~np.isnan(score)]
        assert np.all(finite >= bounds[0] - 1e-9) and np.all(finite <= bounds[1] + 1e-9), code


@settings(max_examples=60, deadline=None)
@given(datasets())
def test_identical_units_share_a_rank(frame):
    frame = pd.concat([frame, frame.iloc[[0]].assign(uCode="TWIN")], ignore_index=True)
    result = run(frame)
    table = result.results_table().set_index("uCode")
    first = frame["uCode"].iloc[0]
    assert table.at[first, "Index_rank"] == table.at["TWIN", "Index_rank"]
    ranks = table["Index_rank"].to_numpy()
    assert ranks.min() == 1 and ranks.max() <= len(table)


@settings(max_examples=80, deadline=None)
@given(datasets(), st.integers(0, 3), st.floats(min_value=0.1, max_value=1e5))
def test_raising_a_positive_indicator_never_lowers_the_units_index(frame, unit, bump):
    unit = unit % len(frame)
    config = {"treat": {"enabled": False}}
    before = run(frame, config)
    raised = frame.copy()
    raised.loc[unit, "b"] = raised.loc[unit, "b"] + bump  # b has direction +1
    after = run(raised, config)
    i = before.units.index(frame["uCode"].iloc[unit])
    root = before.root
    assert after.scores[root][0, i] >= before.scores[root][0, i] - 1e-9
    assert after.ranks()[0, i] <= before.ranks()[0, i]


@settings(max_examples=40, deadline=None)
@given(datasets())
def test_missing_values_are_never_turned_into_scores_of_missing_units(frame):
    frame = frame.copy()
    frame.loc[0, ["a", "b", "c", "d"]] = np.nan
    result = run(frame, {"treat": {"enabled": False}})
    i = result.units.index(frame["uCode"].iloc[0])
    assert np.isnan(result.scores["Index"][0, i])
    others = np.delete(result.scores["Index"][0], i)
    assert not np.isnan(others).any()

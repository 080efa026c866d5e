"""Bad inputs get an error naming the table, row and column — never a silent NaN."""

import pandas as pd
import pytest

from countyinno.engines.composite import CompositeError, Framework, Pipeline


def meta(rows):
    return pd.DataFrame(rows, columns=["Level", "iCode", "iName", "Direction", "Weight", "Parent", "Type"]).astype(str)


GOOD_META = [
    [1, "A", "A", 1, 1, "P", "Indicator"],
    [1, "B", "B", -1, 1, "P", "Indicator"],
    [2, "P", "P", 1, 1, "", "Aggregate"],
]


def data(**overrides):
    frame = pd.DataFrame({"uCode": ["U1", "U2", "U3"], "A": ["1", "2", "3"], "B": ["3", "2", "1"]})
    for key, value in overrides.items():
        frame[key] = value
    return frame


def problems(meta_rows, frame):
    with pytest.raises(CompositeError) as info:
        Framework.from_frames(meta(meta_rows), frame)
    return info.value.problems


def test_good_inputs_work():
    result = Pipeline({"treat": {"enabled": False}}).run(Framework.from_frames(meta(GOOD_META), data()))
    assert list(result.results_table()["uCode"]) == ["U3", "U2", "U1"] or len(result.results_table()) == 3


def test_unknown_parent_names_row_and_column():
    rows = GOOD_META[:2] + [[1, "C", "C", 1, 1, "NOPE", "Indicator"], GOOD_META[2]]
    found = problems(rows, data(C=["1", "1", "1"]))
    assert any(p.row == 4 and p.column == "Parent" and "NOPE" in str(p) for p in found)


def test_cycle_is_reported():
    rows = [[1, "A", "A", 1, 1, "P", "Indicator"], [2, "P", "P", 1, 1, "Q", "Aggregate"],
            [3, "Q", "Q", 1, 1, "P", "Aggregate"]]
    found = problems(rows, data())
    assert any("cycle" in str(p) for p in found)


def test_weights_must_sum_to_something_positive():
    rows = [[1, "A", "A", 1, 0, "P", "Indicator"], [1, "B", "B", 1, 0, "P", "Indicator"], GOOD_META[2]]
    found = problems(rows, data())
    assert any(p.column == "Weight" and "P" in str(p) for p in found)


def test_non_numeric_cell_names_row_and_column():
    found = problems(GOOD_META, data(A=["1", "abc", "3"]))
    assert [(p.table, p.row, p.column) for p in found] == [("iData", 3, "A")]
    assert "abc" in str(found[0])


def test_missing_columns_and_bad_direction():
    found = problems(GOOD_META, data().drop(columns=["B"]))
    assert any(p.column == "B" for p in found)
    rows = [[1, "A", "A", 2, 1, "P", "Indicator"]] + GOOD_META[1:]
    assert any(p.column == "Direction" for p in problems(rows, data()))


def test_duplicate_codes_and_units():
    assert any("duplicate" in str(p) for p in problems(GOOD_META + [GOOD_META[0]], data()))
    dup = pd.DataFrame({"uCode": ["U1", "U1"], "A": ["1", "2"], "B": ["1", "2"]})
    assert any(p.column == "uCode" for p in problems(GOOD_META, dup))


def test_unknown_config_is_refused():
    with pytest.raises(CompositeError):
        Pipeline({"normalize": {}})
    with pytest.raises(CompositeError):
        Pipeline({"normalise": {"range": [100, 0]}})
    with pytest.raises(CompositeError):
        Pipeline({"normalise": {"method": "magic"}}).run(Framework.from_frames(meta(GOOD_META), data()))


def test_cli_reports_errors_and_exits_2(tmp_path, capsys):
    from countyinno.engines.composite.cli import main

    meta(GOOD_META).to_csv(tmp_path / "m.csv", index=False)
    data(A=["1", "x", "3"]).to_csv(tmp_path / "d.csv", index=False)
    code = main(["run", "--meta", str(tmp_path / "m.csv"), "--data", str(tmp_path / "d.csv"), "--out",
                 str(tmp_path / "out"), "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert "row 3" in err and "column A" in err and "不是数字" in err

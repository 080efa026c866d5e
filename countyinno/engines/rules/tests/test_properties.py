import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from countyinno.engines.rules import hightech, tsme

from .test_worked_examples import HIGHTECH, TSME

ORDER = {"FAIL": 0, "BORDERLINE": 1, "PASS": 2}


@settings(max_examples=150, deadline=None)
@given(st.floats(min_value=0, max_value=2000), st.floats(min_value=0, max_value=1), st.integers(0, 30),
       st.floats(min_value=0, max_value=3000))
def test_hightech_verdict_never_improves_when_rd_falls(rd, cut, st_staff, sales):
    firm = copy.deepcopy(HIGHTECH)
    firm["st_staff"] = st_staff
    for year in firm["years"]:
        year["sales"] = sales + 1
        year["rd"] = year["rd_domestic"] = rd
    before = hightech.assess(firm)["verdict"]
    for year in firm["years"]:
        year["rd"] = year["rd_domestic"] = rd * cut
    after = hightech.assess(firm)["verdict"]
    assert ORDER[after] <= ORDER[before]


@settings(max_examples=150, deadline=None)
@given(st.floats(min_value=0, max_value=500), st.floats(min_value=0, max_value=1), st.integers(0, 100))
def test_tsme_score_never_rises_when_rd_falls(rd, cut, st_staff):
    firm = dict(TSME, rd_expense=rd, st_staff=st_staff)
    before = tsme.assess(firm)
    after = tsme.assess(dict(firm, rd_expense=rd * cut))
    assert after["score"] <= before["score"] and ORDER[after["verdict"]] <= ORDER[before["verdict"]]

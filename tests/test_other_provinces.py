"""Any province can run it: 山东, 海南 and 重庆 loaded side by side, and a monitoring campaign with an
index run on 重庆 — a municipality whose districts and counties sit directly under the province."""

import datetime

import numpy as np
import pytest

from countyinno.core import audit
from countyinno.monitoring import indexing, services
from countyinno.monitoring.demo import demo_value
from countyinno.monitoring.models import CountySubmission, IndexResult, IndexRun, SubmissionValue
from countyinno.regions.models import Region
from countyinno.regions.services import ensure_province


def fill_approved(campaign, counties, seed=7):
    rng = np.random.default_rng(seed)
    # 重庆 ships no census facts here, so the capability profile is drawn rather than derived from them.
    capability = {r.code: float(rng.normal()) for r in counties}
    extra = {"population": {r.code: float(rng.uniform(20, 120)) for r in counties},
             "schooling": {r.code: float(rng.normal()) for r in counties}, "facts": {r.code: {} for r in counties}}
    rows = [SubmissionValue(submission=s, node=node, source="demo",
                            value=demo_value(node.code, node, capability, extra, s.region, campaign.year, rng))
            for s in campaign.submissions.select_related("region") for node in campaign.framework.indicators()]
    with audit.system("test: survey data"), audit.bulk("test: survey data"):
        SubmissionValue.objects.bulk_create(rows)
        campaign.submissions.update(status=CountySubmission.Status.APPROVED)


@pytest.mark.django_db
def test_three_provinces_load_and_chongqing_runs_its_index(shandong):
    with audit.system("test: load provinces"):
        ensure_province("46")
        ensure_province("50")
    counts = {code: Region.objects.filter(province__code=f"{code}0000", level="county").count()
              for code in ("37", "46", "50")}
    assert counts == {"37": 136, "46": 26, "50": 38}

    chongqing = Region.objects.get(code="500000")
    counties = list(Region.objects.filter(province=chongqing, level="county").order_by("code"))
    with audit.system("test: chongqing campaign"):
        framework = services.publish_framework(actor=None, framework=services.create_framework(
            actor=None, code="CQ", name="重庆县域创新", rows=services.default_framework_rows()))
        campaigns = [services.open_campaign(actor=None, year=year, framework=framework, province=chongqing,
                                            deadline=datetime.date(year + 1, 3, 31),
                                            pipeline_config={"uncertainty": {"replications": 10}})
                     for year in (2023, 2024)]
    for campaign in campaigns:
        assert campaign.submissions.count() == 38  # one per county-level unit of 重庆, none of 山东
        fill_approved(campaign, counties)
    with audit.system("test: chongqing index run"):
        run = indexing.start_index_run(actor=None, campaign=campaigns[-1], backend="sync")
    run.refresh_from_db()
    assert run.status == IndexRun.Status.SUCCEEDED, run.error if hasattr(run, "error") else run.status
    results = IndexResult.objects.filter(run=run, year=2024)
    assert results.count() == 38
    assert sorted(results.values_list("rank", flat=True)) == list(range(1, 39))
    assert not results.filter(region__province__code="370000").exists()


@pytest.mark.django_db(transaction=True)
def test_the_demo_builds_for_another_province(shandong):
    """`countyinno demo --province 46`: 海南's regions, accounts on the same pattern, and every app's data."""
    from django.core.management import call_command

    from countyinno.accounts.models import User

    call_command("demo", province="46", scale=0.03, stdout=open("/dev/null", "w"))
    assert User.objects.filter(username="province-46", region__code="460000").exists()
    assert User.objects.filter(username="county-469002").exists()  # 琼海市, directly under the province
    assert IndexRun.objects.filter(campaign__province__code="460000", status="succeeded").exists()

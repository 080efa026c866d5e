import datetime

import numpy as np
import pytest

from countyinno.core import audit
from countyinno.monitoring import services
from countyinno.monitoring.demo import county_capability, demo_value
from countyinno.monitoring.models import CountySubmission, SubmissionValue
from countyinno.regions.models import Region

FAST_PIPELINE = {"uncertainty": {"replications": 20}}


@pytest.fixture
def framework(world):
    fw = services.create_framework(actor=world.users["province"], code="T-CII", name="测试指标体系",
                                   rows=services.default_framework_rows())
    return services.publish_framework(actor=world.users["province"], framework=fw)


def open_campaign(world, framework, year):
    return services.open_campaign(actor=world.users["province"], year=year, framework=framework,
                                  deadline=datetime.date(year + 1, 3, 31), pipeline_config=FAST_PIPELINE)


@pytest.fixture
def campaign(world, framework):
    return open_campaign(world, framework, 2024)


def fill_approved(campaign, exclude=(), seed=1):
    """Every county (but `exclude`) answers with realistic values, approved by the province."""
    counties = list(Region.objects.filter(level="county", province__code="370000").order_by("code"))
    rng = np.random.default_rng(seed)
    capability, extra = county_capability(counties, rng)
    nodes = {n.code: n for n in campaign.framework.indicators()}
    year_rng = np.random.default_rng([seed, campaign.year])
    rows = []
    for submission in campaign.submissions.select_related("region"):
        if submission.region.code in exclude:
            continue
        for code, node in nodes.items():
            rows.append(SubmissionValue(submission=submission, node=node, source="demo",
                                        value=demo_value(code, node, capability, extra, submission.region,
                                                         campaign.year, year_rng)))
    # Test data loaded as platform work: bulk writes, each recorded per object.
    with audit.system("test fixture: approved survey data"), audit.bulk("test fixture: approved survey data"):
        SubmissionValue.objects.bulk_create(rows)
        campaign.submissions.exclude(region__code__in=exclude).update(status=CountySubmission.Status.APPROVED)
    return campaign


@pytest.fixture
def run(world, framework):
    """A computed index run: 2023 and 2024 approved (2024 without 370103), started by the province."""
    from countyinno.monitoring import indexing

    fill_approved(open_campaign(world, framework, 2023))
    campaign = fill_approved(open_campaign(world, framework, 2024), exclude={"370103"})
    return indexing.start_index_run(actor=world.users["province"], campaign=campaign, backend="sync")

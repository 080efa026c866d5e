"""One case per declared action of the monitoring app (walked by tests/test_declared_actions.py).

Builders run inside audit.system() + audit.bulk(), so they may call actions with actor=None."""

import datetime

from countyinno.core.testing import Case, action_case
from countyinno.monitoring import services
from countyinno.monitoring.models import IndexResult, IndexRun

FAST = {"uncertainty": {"replications": 0}}


def _framework(code="AC", publish=True):
    framework = services.create_framework(actor=None, code=code, name="动作测试体系",
                                           rows=services.default_framework_rows())
    return services.publish_framework(actor=None, framework=framework) if publish else framework


def _campaign(year=2025):
    return services.open_campaign(actor=None, year=year, framework=_framework(), deadline=datetime.date(year + 1, 3, 31),
                                  pipeline_config=FAST)


def good_values(campaign):
    return {n.code: n.min_value + (n.max_value - n.min_value) * 0.3 for n in campaign.framework.indicators()}


def _submission(world, step=None):
    """County A's submission, filled in and moved on to `step` ("submitted", "city_approved")."""
    campaign = _campaign()
    submission = campaign.submissions.get(region=world.county_a)
    services.save_values(actor=None, submission=submission, values=good_values(campaign))
    if step in ("submitted", "city_approved"):
        services.submit_submission(actor=None, submission=submission)
    if step == "city_approved":
        services.city_approve_submission(actor=None, submission=submission)
    submission.refresh_from_db()
    return submission


# ------------------------------------------------------------------ frameworks
@action_case("monitoring.create_framework")
def _(world):
    return Case(kwargs={"code": "NEW", "name": "新体系", "rows": services.default_framework_rows()},
                allowed=world.users["province"], denied=world.users["county_a"])


@action_case("monitoring.update_node")
def _(world):
    node = _framework(publish=False).indicators().first()
    return Case(kwargs={"node": node, "weight": 2.0}, allowed=world.users["province"], denied=world.users["city_ab"])


@action_case("monitoring.publish_framework")
def _(world):
    return Case(kwargs={"framework": _framework(publish=False)}, allowed=world.users["province"],
                denied=world.users["county_a"])


@action_case("monitoring.copy_framework")
def _(world):
    return Case(kwargs={"framework": _framework()}, allowed=world.users["province"], denied=world.users["member_a"])


# ------------------------------------------------------------------ campaigns
@action_case("monitoring.open_campaign")
def _(world):
    return Case(kwargs={"year": 2026, "framework": _framework(), "deadline": datetime.date(2027, 3, 31)},
                allowed=world.users["province"], denied=world.users["county_a"])


@action_case("monitoring.close_campaign")
def _(world):
    return Case(kwargs={"campaign": _campaign()}, allowed=world.users["province"], denied=world.users["city_ab"])


# ------------------------------------------------------------------ submissions
@action_case("monitoring.save_values")
def _(world):
    submission = _campaign().submissions.get(region=world.county_a)
    return Case(kwargs={"submission": submission, "values": {"RD_GDP": 2.0}}, allowed=world.users["county_a"],
                denied=world.users["county_b"])


@action_case("monitoring.submit_submission")
def _(world):
    return Case(kwargs={"submission": _submission(world)}, allowed=world.users["county_a"],
                denied=world.users["county_b"])


@action_case("monitoring.city_approve_submission")
def _(world):
    return Case(kwargs={"submission": _submission(world, "submitted"), "comment": "同意"},
                allowed=world.users["city_ab"], denied=world.users["city_c"])


@action_case("monitoring.city_return_submission")
def _(world):
    return Case(kwargs={"submission": _submission(world, "submitted"), "comment": "请核实"},
                allowed=world.users["city_ab"], denied=world.users["county_a"])


@action_case("monitoring.province_approve_submission")
def _(world):
    return Case(kwargs={"submission": _submission(world, "city_approved")}, allowed=world.users["province"],
                denied=world.users["city_ab"])


@action_case("monitoring.province_return_submission")
def _(world):
    return Case(kwargs={"submission": _submission(world, "city_approved"), "comment": "请补充说明"},
                allowed=world.users["province"], denied=world.users["county_a"])


# ------------------------------------------------------------------ index runs
@action_case("monitoring.start_index_run")
def _(world):
    from countyinno.monitoring.tests.conftest import fill_approved

    campaign = fill_approved(_campaign())
    return Case(kwargs={"campaign": campaign, "config_override": FAST, "backend": "sync"},
                allowed=world.users["province"], denied=world.users["county_a"])


def _queued_run():
    return IndexRun.objects.create(campaign=_campaign(), config={})


@action_case("monitoring.begin_index_run")
def _(world):
    return Case(kwargs={"run": _queued_run()}, allowed=world.users["province"], denied=world.users["city_ab"])


@action_case("monitoring.fail_index_run")
def _(world):
    return Case(kwargs={"run": _queued_run(), "error": "engine failed"}, allowed=world.users["province"],
                denied=world.users["county_a"])


@action_case("monitoring.complete_index_run")
def _(world):
    run = _queued_run()
    results = [IndexResult(run=run, region=world.county_a, year=2025, index=50.0, rank=1)]
    return Case(kwargs={"run": run, "results": results, "summary": {"counties": 1}},
                allowed=world.users["province"], denied=world.users["county_a"])


@action_case("monitoring.publish_index_run")
def _(world):
    run = IndexRun.objects.create(campaign=_campaign(), config={}, status=IndexRun.Status.SUCCEEDED)
    return Case(kwargs={"run": run}, allowed=world.users["province"], denied=world.users["city_ab"])


# ------------------------------------------------------------------ batch approval and reminders
@action_case("monitoring.batch_approve_submissions")
def _(world):
    return Case(kwargs={"submissions": [_submission(world, "submitted")], "comment": "同意"},
                allowed=world.users["city_ab"], denied=world.users["county_a"])


def _overdue_campaign():
    campaign = _campaign()
    campaign.deadline = datetime.date(2020, 1, 1)
    campaign.save()
    return campaign


@action_case("monitoring.remind_overdue")
def _(world):
    return Case(kwargs={"campaign": _overdue_campaign()}, allowed=world.users["city_ab"],
                denied=world.users["county_a"])

"""Role home pages: each role lands on its own to-dos, and the menu shows only what it can use."""

import datetime

import pytest
from django.utils import timezone

from countyinno.core import audit


@pytest.fixture
def campaign(world):
    from countyinno.monitoring import services

    with audit.system("home test"):
        framework = services.publish_framework(actor=None, framework=services.create_framework(
            actor=None, code="HOME", name="首页测试", rows=services.default_framework_rows()))
        return services.open_campaign(actor=None, year=2025, framework=framework,
                                      deadline=timezone.localdate() + datetime.timedelta(days=30))


def _set(submission, status, comment=""):
    from countyinno.monitoring.models import CountySubmission, ReviewComment

    with audit.system("home test"), audit.bulk("home test"):
        CountySubmission.objects.filter(pk=submission.pk).update(status=status)
        if comment:
            ReviewComment.objects.create(submission=submission, from_status="submitted", to_status=status,
                                         comment=comment)


def test_each_official_sees_the_surveys_waiting_for_them(world, client, campaign):
    from countyinno.monitoring.models import CountySubmission

    subs = {key: CountySubmission.objects.get(campaign=campaign, region=getattr(world, f"county_{key}"))
            for key in "abc"}
    _set(subs["a"], "returned", "研发经费与上年差异过大，请核对")
    _set(subs["b"], "submitted")
    _set(subs["c"], "city_approved")

    client.force_login(world.users["county_a"])
    page = client.get("/").content.decode()
    assert 'id="todo-survey-returned"' in page and "研发经费与上年差异过大，请核对" in page
    client.force_login(world.users["county_b"])
    page = client.get("/").content.decode()
    assert 'id="todo-survey-returned"' not in page and 'id="todo-survey-draft"' not in page
    client.force_login(world.users["city_ab"])
    page = client.get("/").content.decode()
    assert 'id="todo-survey-city"' in page and world.county_b.name in page
    client.force_login(world.users["city_c"])
    assert 'id="todo-survey-city"' not in client.get("/").content.decode()
    client.force_login(world.users["province"])
    page = client.get("/").content.decode()
    assert 'id="todo-survey-province"' in page and 'id="todo-survey-city"' not in page


def test_unrouted_questions_reach_the_county(world, client):
    from countyinno.rural.models import FarmerQuestion

    with audit.system("home test"):
        FarmerQuestion.objects.create(asker="农户", phone="13800000000", region=world.county_a, field="小麦",
                                      text="小麦叶片发黄怎么办", status="unrouted")
    client.force_login(world.users["county_a"])
    assert "小麦叶片发黄怎么办" in client.get("/").content.decode()
    client.force_login(world.users["county_c"])
    assert "小麦叶片发黄怎么办" not in client.get("/").content.decode()


@pytest.mark.parametrize("who, sees", [("member_a", False), ("talent_a", False), ("county_a", True)])
def test_menu_shows_a_role_only_what_it_can_use(world, client, who, sees):
    client.force_login(world.users[who])
    page = client.get("/").content.decode()
    assert ('href="/audit/"' in page) is sees and ('href="/jobs/"' in page) is sees
    assert (client.get("/audit/").status_code == 200) is sees


def test_members_home_offers_their_own_jobs(world, client):
    client.force_login(world.users["member_a"])
    page = client.get("/").content.decode()
    assert "我的工作台" in page and "技术合同登记申请" in page and "创新监测" not in page

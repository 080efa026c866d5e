import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook, load_workbook

from countyinno.core.errors import ImportFailed
from countyinno.monitoring import excel, services
from countyinno.monitoring.models import CountySubmission, ReviewComment, SubmissionValue
from countyinno.core.models import AuditLogEntry

from .conftest import fill_approved, open_campaign


def good_values(campaign):
    return {n.code: n.min_value + (n.max_value - n.min_value) * 0.3 for n in campaign.framework.indicators()}


def submission_of(campaign, code):
    return campaign.submissions.get(region__code=code)


def test_framework_rows_are_validated_with_row_numbers(world):
    rows = services.default_framework_rows()
    rows[7]["parent_code"] = "NOPE"
    rows[8]["weight"] = "heavy"
    rows.append(dict(rows[6]))  # duplicate code
    with pytest.raises(ImportFailed) as info:
        services.create_framework(actor=world.users["province"], code="X", name="x", rows=rows)
    found = {(e.row, e.field) for e in info.value.errors}
    assert (9, "parent_code") in found and (10, "weight") in found and (len(rows) + 1, "code") in found


def test_published_framework_is_frozen_and_copies_to_a_new_version(world, framework):
    node = framework.indicators().first()
    with pytest.raises(ValidationError):
        services.update_node(actor=world.users["province"], node=node, weight=3)
    draft = services.copy_framework(actor=world.users["province"], framework=framework)
    assert draft.version == framework.version + 1 and draft.status == "draft"
    services.update_node(actor=world.users["province"], node=draft.indicators().first(), weight=3)
    with pytest.raises(PermissionDenied):
        services.update_node(actor=world.users["county_a"], node=draft.indicators().first(), weight=2)


def test_campaign_creates_a_submission_per_county(world, campaign):
    assert campaign.submissions.count() == 136
    with pytest.raises(ValidationError):
        open_campaign(world, campaign.framework, 2024)


def test_values_are_validated_and_saved_all_or_nothing(world, campaign):
    submission = submission_of(campaign, "370102")
    values = good_values(campaign)
    values["RD_GDP"] = "abc"
    values["GDP_PC"] = 1  # below the valid range
    with pytest.raises(ImportFailed) as info:
        services.save_values(actor=world.users["county_a"], submission=submission, values=values)
    fields = {e.field for e in info.value.errors}
    assert fields == {"RD_GDP", "GDP_PC"}
    assert all(" / " in e.message for e in info.value.errors)
    assert not SubmissionValue.objects.filter(submission=submission).exists()
    values = good_values(campaign)
    saved = services.save_values(actor=world.users["county_a"], submission=submission, values=values,
                                 expected_revision=0)
    assert saved.revision == 1 and submission.values.count() == 25


def test_two_officials_cannot_overwrite_each_other(world, campaign):
    submission = submission_of(campaign, "370102")
    services.save_values(actor=world.users["county_a"], submission=submission, values={"RD_GDP": 2.0},
                         expected_revision=0)
    with pytest.raises(services.EditConflict):
        services.save_values(actor=world.users["county_a"], submission=submission, values={"RD_GDP": 2.5},
                             expected_revision=0)
    assert submission.values.get(node__code="RD_GDP").value == 2.0


def test_jump_against_last_year_needs_an_explanation(world, framework):
    last = fill_approved(open_campaign(world, framework, 2023))
    this = open_campaign(world, framework, 2024)
    submission = submission_of(this, "370102")
    previous = submission_of(last, "370102").values.get(node__code="HTE_COUNT").value
    with pytest.raises(ImportFailed) as info:
        services.save_values(actor=world.users["county_a"], submission=submission, values={"HTE_COUNT": previous * 3})
    assert "explanation" in str(info.value.errors[0])
    services.save_values(actor=world.users["county_a"], submission=submission, values={"HTE_COUNT": previous * 3},
                         explanations={"HTE_COUNT": "新认定 40 家高企"})
    assert submission.values.get(node__code="HTE_COUNT").explanation == "新认定 40 家高企"


def test_review_workflow_with_roles_and_comments(world, campaign):
    submission = submission_of(campaign, "370102")
    with pytest.raises(ImportFailed):  # required indicators missing
        services.transition(actor=world.users["county_a"], submission=submission, action="submit")
    services.save_values(actor=world.users["county_a"], submission=submission, values=good_values(campaign))
    services.transition(actor=world.users["county_a"], submission=submission, action="submit")
    with pytest.raises(PermissionDenied):  # another city's admin
        services.transition(actor=world.users["city_c"], submission=submission, action="city_approve")
    with pytest.raises(ValidationError):  # a return needs a comment
        services.transition(actor=world.users["city_ab"], submission=submission, action="city_return")
    services.transition(actor=world.users["city_ab"], submission=submission, action="city_return", comment="R&D 偏高请核实")
    submission.refresh_from_db()
    assert submission.status == "returned" and submission.is_editable
    services.transition(actor=world.users["county_a"], submission=submission, action="submit")
    services.transition(actor=world.users["city_ab"], submission=submission, action="city_approve", comment="同意")
    with pytest.raises(ValidationError):
        services.save_values(actor=world.users["county_a"], submission=submission, values={"RD_GDP": 1.0})
    done = services.transition(actor=world.users["province"], submission=submission, action="province_approve")
    assert done.status == "approved" and done.approved_at
    steps = list(ReviewComment.objects.filter(submission=submission).values_list("to_status", flat=True))
    assert steps == ["submitted", "returned", "submitted", "city_approved", "approved"]
    assert AuditLogEntry.objects.filter(action="state", object_id=str(submission.pk),
                                        content_type__model="countysubmission").count() == 5


def fill_template(content: bytes, values: dict, explanation: dict | None = None) -> bytes:
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook[excel.DATA_SHEET]
    for row in sheet.iter_rows(min_row=excel.FIRST_ROW):
        code = row[0].value
        if code in values:
            row[5].value = values[code]
        if explanation and code in explanation:
            row[6].value = explanation[code]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_excel_template_round_trip_through_the_page(world, campaign, client):
    submission = submission_of(campaign, "370102")
    client.force_login(world.users["county_a"])
    template = client.get(f"/monitoring/submissions/{submission.pk}/template.xlsx")
    assert template.status_code == 200
    filled = fill_template(template.content, good_values(campaign))
    response = client.post(f"/monitoring/submissions/{submission.pk}/upload/",
                           {"file": io.BytesIO(filled)}, format="multipart")
    assert response.status_code == 302
    assert submission.values.count() == 25
    assert set(submission.values.values_list("source", flat=True)) == {"upload"}


@pytest.mark.parametrize("problem", ["text_in_number", "foreign", "not_excel", "wrong_version", "other_county"])
def test_bad_uploads_name_the_place_and_save_nothing(world, campaign, problem):
    submission = submission_of(campaign, "370102")
    content = excel.build_template(submission)
    if problem == "text_in_number":
        content = fill_template(content, {**good_values(campaign), "RD_GDP": "两点五"})
    elif problem == "foreign":
        buffer = io.BytesIO()
        Workbook().save(buffer)
        content = buffer.getvalue()
    elif problem == "not_excel":
        content = b"uCode,value\n370102,1\n"
    elif problem == "wrong_version":
        workbook = load_workbook(io.BytesIO(content))
        workbook[excel.META_SHEET]["B2"] = "T-CII-v0"
        buffer = io.BytesIO()
        workbook.save(buffer)
        content = buffer.getvalue()
    elif problem == "other_county":
        content = excel.build_template(submission_of(campaign, "370103"))
    with pytest.raises(ImportFailed) as info:
        values, explanations, rows = excel.read_template(submission, content)
        services.save_values(actor=world.users["county_a"], submission=submission, values=values,
                             explanations=explanations, sheet=excel.DATA_SHEET, rows=rows)
    error = info.value.errors[0]
    text = str(error)
    if problem == "text_in_number":
        assert error.sheet == excel.DATA_SHEET and error.row == excel.FIRST_ROW and error.field == "RD_GDP"
        assert "两点五" in text
    elif problem == "wrong_version":
        assert "T-CII-v0" in text and "T-CII-v1" in text
    assert " / " in text
    assert not submission.values.exists()


def test_platform_data_prefills_and_is_marked(world, framework):
    services.PLATFORM_PROVIDERS["enterprises.hightech_count"] = lambda region, year: 42.0
    try:
        campaign = open_campaign(world, framework, 2025)
    finally:
        services.PLATFORM_PROVIDERS.pop("enterprises.hightech_count")
    value = submission_of(campaign, "370102").values.get(node__code="HTE_COUNT")
    assert value.value == 42.0 and value.source == SubmissionValue.Source.PLATFORM


def test_submission_scoping(world, campaign, client, api_client):
    objects = {key: submission_of(campaign, code) for key, code in world.COUNTIES.items()}
    world.assert_scoping(CountySubmission, objects)
    world.assert_urls_scoped(client, lambda s: f"/monitoring/submissions/{s.pk}/", objects)
    world.assert_urls_scoped(api_client, lambda s: f"/api/monitoring/submissions/{s.pk}/", objects)
    world.assert_urls_scoped(client, lambda s: f"/monitoring/submissions/{s.pk}/template.xlsx", objects)


def test_api_transition_and_values(world, campaign, api_client):
    submission = submission_of(campaign, "370102")
    api_client.force_authenticate(world.users["county_a"])
    bad = api_client.post(f"/api/monitoring/submissions/{submission.pk}/values_update/",
                          {"revision": 0, "values": {"RD_GDP": "x"}}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "RD_GDP"
    ok = api_client.post(f"/api/monitoring/submissions/{submission.pk}/values_update/",
                         {"revision": 0, "values": good_values(campaign)}, format="json")
    assert ok.status_code == 200 and ok.json()["revision"] == 1
    stale = api_client.post(f"/api/monitoring/submissions/{submission.pk}/values_update/",
                            {"revision": 0, "values": {"RD_GDP": 1}}, format="json")
    assert stale.status_code == 400
    response = api_client.post(f"/api/monitoring/submissions/{submission.pk}/transition/", {"action": "submit"},
                               format="json")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    api_client.force_authenticate(world.users["city_c"])
    assert api_client.post(f"/api/monitoring/submissions/{submission.pk}/transition/",
                           {"action": "city_approve"}, format="json").status_code == 404

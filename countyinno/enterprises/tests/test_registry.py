"""登记企业 and the firm's basic data: scope, credit-code checks, duplicates, the form keeping what was typed."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from countyinno.accounts.models import Organisation
from countyinno.core.models import AuditLogEntry
from countyinno.core.validators import make_credit_code
from countyinno.enterprises import services
from countyinno.enterprises.models import Enterprise

CODE = make_credit_code("9", "1", "370102", "MA3C12345")


def _basics(**overrides):
    data = {"name": "历下区登记测试科技有限公司", "credit_code": CODE, "industry": "c3911", "size": "small",
            "founded": datetime.date(2019, 6, 1), "domain": "电子信息", "address": "历下区经十路 1 号",
            "contact_phone": "0531-1234567"}
    data.update(overrides)
    return data


def _post(**overrides):
    data = _basics(**overrides)
    data["founded"] = data["founded"].isoformat() if isinstance(data["founded"], datetime.date) else data["founded"]
    return data


def test_a_county_registers_a_firm_in_its_county_organisation_and_record_in_one_audited_action(world):
    firm = services.register_enterprise(actor=world.users["county_a"], region=world.county_a, **_basics())
    organisation = firm.organisation
    assert organisation.kind == Organisation.Kind.ENTERPRISE and organisation.region == world.county_a
    assert organisation.credit_code == CODE and organisation.address == "历下区经十路 1 号"
    assert firm.industry == "C3911" and firm.size == "small"  # the code as the model stores it
    for model, pk in ((Enterprise, firm.pk), (Organisation, organisation.pk)):
        entry = AuditLogEntry.objects.get(content_type=ContentType.objects.get_for_model(model), object_id=str(pk),
                                          action="create")
        assert entry.actor == world.users["county_a"] and entry.operation.endswith(
            "register_enterprise" if model is Enterprise else "create_organisation")
    assert firm in Enterprise.objects.restrict(world.users["county_a"])
    assert firm in Enterprise.objects.restrict(world.users["city_ab"])
    assert firm not in Enterprise.objects.restrict(world.users["county_b"])


def test_a_county_admin_cannot_register_a_firm_in_another_county(world, client):
    with pytest.raises(PermissionDenied):
        services.register_enterprise(actor=world.users["county_a"], region=world.county_b, **_basics())
    with pytest.raises(PermissionDenied):  # nor can a firm's member register firms at all
        services.register_enterprise(actor=world.users["member_a"], region=world.county_a, **_basics())
    assert not Organisation.objects.filter(credit_code=CODE).exists()
    denied = AuditLogEntry.objects.filter(action="denied", operation="enterprises.register_enterprise")
    assert denied.count() == 2
    # the page offers only the admin's own county, and a forged county is refused beside the field
    client.force_login(world.users["county_a"])
    page = client.get(reverse("enterprises:create"))
    assert list(page.context["form"].fields["region"].queryset) == [world.county_a]
    response = client.post(reverse("enterprises:create"), _post(region=world.county_b.pk))
    assert response.status_code == 400 and "region" in response.context["form"].errors
    assert not Organisation.objects.filter(credit_code=CODE).exists()
    # a city admin registers in any county of the city, but not in another city's
    services.register_enterprise(actor=world.users["city_ab"], region=world.county_b, **_basics())
    with pytest.raises(PermissionDenied):
        services.register_enterprise(actor=world.users["city_ab"], region=world.county_c,
                                     **_basics(credit_code=make_credit_code("9", "1", "370202", "MA3C00002")))


def test_a_city_or_province_is_no_county_to_register_in(world):
    with pytest.raises(ValidationError) as info:
        services.register_enterprise(actor=world.users["province"], region=world.city_ab, **_basics())
    assert "region" in info.value.message_dict


def test_a_duplicate_credit_code_is_refused_beside_the_field_naming_the_existing_firm(world, client):
    services.register_enterprise(actor=world.users["county_a"], region=world.county_a, **_basics())
    with pytest.raises(ValidationError) as info:
        services.register_enterprise(actor=world.users["county_a"], region=world.county_a,
                                     **_basics(name="另一家公司", credit_code=CODE.lower()))
    assert "历下区登记测试科技有限公司" in info.value.message_dict["credit_code"][0]
    client.force_login(world.users["county_a"])
    response = client.post(reverse("enterprises:create"), _post(name="另一家公司", region=world.county_a.pk))
    assert response.status_code == 400
    html = response.content.decode()
    assert "已登记为“历下区登记测试科技有限公司”" in html and "统一社会信用代码：" in html
    assert 'value="另一家公司"' in html and 'value="历下区经十路 1 号"' in html  # what was typed stays
    assert Organisation.objects.filter(name="另一家公司").count() == 0


def test_a_bad_check_character_is_refused_and_the_form_keeps_the_input(world, client):
    wrong = CODE[:17] + ("0" if CODE[17] != "0" else "1")
    with pytest.raises(ValidationError) as info:
        services.register_enterprise(actor=world.users["county_a"], region=world.county_a,
                                     **_basics(credit_code=wrong))
    assert f"应为 {CODE[17]}" in info.value.message_dict["credit_code"][0]
    client.force_login(world.users["county_a"])
    response = client.post(reverse("enterprises:create"), _post(credit_code=wrong, region=world.county_a.pk,
                                                                industry="Z99"))
    assert response.status_code == 400
    form = response.context["form"]
    assert f"应为 {CODE[17]}" in form.errors["credit_code"][0] and "industry" in form.errors
    html = response.content.decode()
    assert f'value="{wrong}"' in html and 'value="历下区登记测试科技有限公司"' in html
    assert not Enterprise.objects.exists()


def test_registering_by_the_page_leads_to_the_firm_and_to_creating_its_account(world, client):
    client.force_login(world.users["county_a"])
    assert reverse("enterprises:create") in client.get(reverse("enterprises:list")).content.decode()
    response = client.post(reverse("enterprises:create"), _post(region=world.county_a.pk), follow=True)
    firm = Enterprise.objects.get(organisation__credit_code=CODE)
    assert response.redirect_chain[-1][0] == reverse("enterprises:detail", args=[firm.pk])
    html = response.content.decode()
    assert f"{reverse('accounts:user-create')}?organisation={firm.organisation.pk}" in html
    assert client.get(f"{reverse('accounts:user-create')}?organisation={firm.organisation.pk}").status_code == 200


def test_a_member_may_not_register_but_edits_its_own_firms_basic_data(world, client):
    firm = services.register_enterprise(actor=world.users["county_a"], region=world.county_a, **_basics())
    member = world.users["member_a"]
    member.organisation = firm.organisation
    member.save()
    client.force_login(member)
    assert client.get(reverse("enterprises:create")).status_code == 404
    detail = client.get(reverse("enterprises:detail", args=[firm.pk])).content.decode()
    assert reverse("enterprises:edit", args=[firm.pk]) in detail
    bad = client.post(reverse("enterprises:edit", args=[firm.pk]), _post(industry="批发零售大卖场", size="medium"))
    assert bad.status_code == 400 and "industry" in bad.context["form"].errors
    assert 'value="批发零售大卖场"' in bad.content.decode()
    ok = client.post(reverse("enterprises:edit", args=[firm.pk]),
                     _post(industry="i6513", size="medium", address="高新区新址 9 号"))
    assert ok.status_code == 302
    firm.refresh_from_db()
    firm.organisation.refresh_from_db()
    assert (firm.industry, firm.size, firm.organisation.address) == ("I6513", "medium", "高新区新址 9 号")
    # the name, code and county are not the member's to change
    assert "name" not in bad.context["form"].fields and "credit_code" not in bad.context["form"].fields
    with pytest.raises(PermissionDenied):
        services.update_enterprise(actor=world.users["member_a2"], enterprise=firm, **{
            k: v for k, v in _basics().items() if k not in ("name", "credit_code")})
    with pytest.raises(PermissionDenied):
        services.update_enterprise(actor=world.users["county_b"], enterprise=firm, **{
            k: v for k, v in _basics().items() if k not in ("name", "credit_code")})

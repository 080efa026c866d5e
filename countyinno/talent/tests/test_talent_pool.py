"""The talent pool (人才库) has a way in: officials register talents of their area and edit them; the
pool lists them with labels, filters by programme and field, and the dispatch engine and 12396 see them."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from countyinno.accounts.models import Role, User
from countyinno.core.models import AuditLogEntry
from countyinno.talent import services
from countyinno.talent.models import Talent

pytestmark = pytest.mark.django_db

GOOD = {"name": "孙研究员", "kind": "individual", "title": "研究员", "degree": "博士", "fields": ["现代农业", "小麦"],
        "keywords": "小麦，条锈病", "programmes": ["commissioner", "qianren"], "capacity": 2, "availability_days": 40}


def post(world, who, data, url=None):
    client = Client()
    client.force_login(world.users[who])
    return client, client.post(url or reverse("talent:talent-create"), data)


def test_county_admin_registers_a_talent_audited(world):
    talent = services.register_talent(actor=world.users["county_a"], home_unit=world.enterprise_a, name="孙研究员",
                                      fields=["现代农业"], programmes=["commissioner"], keywords=["小麦"], capacity=2)
    assert talent.home_unit == world.enterprise_a and talent.programme_labels == ["科技特派员"]
    entry = AuditLogEntry.objects.filter(operation="talent.register_talent").get()
    assert entry.actor == world.users["county_a"]
    # The dispatch engine's instance now has the talent.
    instance = services.build_instance(2026, {}, province=world.province)
    assert str(talent.pk) in {t["id"] for t in instance["talents"]}


def test_county_admin_cannot_register_in_another_county(world):
    with pytest.raises(PermissionDenied):
        services.register_talent(actor=world.users["county_a"], home_unit=world.enterprise_c, name="孙研究员",
                                 fields=["现代农业"], programmes=["commissioner"])
    assert not Talent.objects.exists()
    # Nor through the page: the other county's firm is not a choice of the select.
    _client, response = post(world, "county_a", {**GOOD, "home_unit": world.enterprise_c.pk})
    assert response.status_code == 400 and not Talent.objects.exists()
    assert "请从列表中选择" in response.content.decode()
    # A member or a talent has no register page at all.
    for who in ("member_a", "talent_a"):
        client = Client()
        client.force_login(world.users[who])
        assert client.get(reverse("talent:talent-create")).status_code == 404
        assert client.get(reverse("talent:pool")).status_code == 404


def test_city_and_province_register_within_their_area(world):
    services.register_talent(actor=world.users["city_ab"], home_unit=world.enterprise_a2, name="周教授",
                             fields=["新材料"], programmes=["qianren"])
    with pytest.raises(PermissionDenied):
        services.register_talent(actor=world.users["city_c"], home_unit=world.enterprise_a2, name="吴教授",
                                 fields=["新材料"], programmes=["qianren"])
    services.register_talent(actor=world.users["province"], home_unit=world.enterprise_c, name="郑教授",
                             fields=["新材料"], programmes=["youth"])
    assert set(Talent.objects.values_list("name", flat=True)) == {"周教授", "郑教授"}


def test_validation_messages_beside_fields_and_typed_values_kept(world):
    data = {**GOOD, "home_unit": world.enterprise_a.pk, "fields": [], "programmes": [], "capacity": "99",
            "name": "孙研究员"}
    _client, response = post(world, "county_a", data)
    html = response.content.decode()
    assert response.status_code == 400 and not Talent.objects.exists()
    assert html.count('class="field-error"') == 3  # fields, programmes, capacity
    assert "不能大于 20" in html and "此项必填" in html
    assert 'value="孙研究员"' in html and "小麦，条锈病" in html  # what was typed stays


def test_service_validation(world):
    actor = world.users["county_a"]
    with pytest.raises(ValidationError) as err:
        services.register_talent(actor=actor, home_unit=world.enterprise_a, name=" ", fields=["火星农业"],
                                 programmes=["astronaut"], capacity=21)
    assert set(err.value.message_dict) == {"name", "fields", "programmes", "capacity"}
    services.register_talent(actor=actor, home_unit=world.enterprise_a, name="孙研究员", fields=["现代农业"],
                             programmes=["commissioner"])
    with pytest.raises(ValidationError) as err:  # the same name at the same unit twice
        services.register_talent(actor=actor, home_unit=world.enterprise_a, name="孙研究员", fields=["现代农业"],
                                 programmes=["commissioner"])
    assert "同名" in str(err.value.message_dict["name"])


def test_linking_an_account(world):
    actor = world.users["county_a"]
    own = User.objects.create_user(username="t-expert-a", password="x" * 12, role=Role.TALENT,
                                   organisation=world.enterprise_a)
    foreign = User.objects.create_user(username="t-expert-c", password="x" * 12, role=Role.TALENT,
                                       organisation=world.enterprise_c)
    linkable = set(services.linkable_users(actor))
    assert own in linkable and world.users["talent_a"] in linkable  # no organisation: an individual account
    assert foreign not in linkable and world.users["member_a"] not in linkable
    with pytest.raises(ValidationError) as err:
        services.register_talent(actor=actor, home_unit=world.enterprise_a, name="孙研究员", fields=["现代农业"],
                                 programmes=["commissioner"], user=world.users["member_a"])
    assert "user" in err.value.message_dict
    talent = services.register_talent(actor=actor, home_unit=world.enterprise_a, name="孙研究员",
                                      fields=["现代农业"], programmes=["commissioner"], user=own)
    assert own not in set(services.linkable_users(actor))  # linked once only
    with pytest.raises(ValidationError):
        services.register_talent(actor=actor, home_unit=world.enterprise_a2, name="李研究员", fields=["现代农业"],
                                 programmes=["commissioner"], user=own)
    # The linked account now sees its own to-dos page.
    client = Client()
    client.force_login(own)
    assert client.get(reverse("talent:profile")).status_code == 200
    assert talent.user == own


def test_update_talent_and_scope(world):
    talent = services.register_talent(actor=world.users["county_a"], home_unit=world.enterprise_a, name="孙研究员",
                                      fields=["现代农业"], programmes=["commissioner"])
    client, response = post(world, "county_a", {**GOOD, "home_unit": world.enterprise_a2.pk, "capacity": 3},
                            url=reverse("talent:talent-edit", args=[talent.pk]))
    assert response.status_code == 302
    talent.refresh_from_db()
    assert talent.home_unit == world.enterprise_a2 and talent.capacity == 3 and talent.keywords == ["小麦", "条锈病"]
    assert AuditLogEntry.objects.filter(operation="talent.update_talent").exists()
    # Moving the talent to a unit outside the area is refused.
    with pytest.raises(PermissionDenied):
        services.update_talent(actor=world.users["county_a"], talent=talent, home_unit=world.enterprise_c)
    # Another county neither sees the edit page nor may edit.
    other = Client()
    other.force_login(world.users["county_b"])
    assert other.get(reverse("talent:talent-edit", args=[talent.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        services.update_talent(actor=world.users["county_b"], talent=talent, capacity=1)


def test_pool_list_labels_and_filters(world):
    services.register_talent(actor=world.users["county_a"], home_unit=world.enterprise_a, name="孙研究员",
                             fields=["现代农业"], programmes=["commissioner"], kind="team")
    services.register_talent(actor=world.users["county_a"], home_unit=world.enterprise_a2, name="钱教授",
                             fields=["新材料"], programmes=["qianren"])
    services.register_talent(actor=world.users["province"], home_unit=world.enterprise_c, name="青岛专家",
                             fields=["新材料"], programmes=["qianren"])
    client = Client()
    client.force_login(world.users["county_a"])
    html = client.get(reverse("talent:pool")).content.decode()
    assert "孙研究员" in html and "钱教授" in html and "青岛专家" not in html
    table = html[html.index('id="talent-table"'):]
    assert "科技特派员" in table and "团队" in table and "commissioner" not in table and "未关联" in table
    html = client.get(reverse("talent:pool"), {"programme": "qianren"}).content.decode()
    assert "钱教授" in html and "孙研究员" not in html
    html = client.get(reverse("talent:pool"), {"field": "现代农业"}).content.decode()
    assert "孙研究员" in html and "钱教授" not in html
    response = client.get(reverse("talent:pool"), {"programme": "<script>", "field": "9" * 400, "page": "x"})
    assert response.status_code == 200
    assert 'id="register-talent"' in client.get(reverse("talent:pool")).content.decode()
    assert 'id="link-pool"' in client.get(reverse("talent:home")).content.decode()

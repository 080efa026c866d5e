import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from countyinno.techmarket import search, services
from countyinno.techmarket.models import Listing

ACHIEVEMENT = dict(title="锂电池正极材料改性关键技术", summary="高镍正极包覆改性，循环寿命提升 30%",
                   public_description="已完成中试验证，可提供技术许可与合作开发。", confidential_detail="包覆配方 A-17 与烧结曲线",
                   keywords=["锂电池", "正极材料"], field="新材料", industry="C", trl=7, price=120.0,
                   transfer_modes=["license_ordinary", "joint_development"])
DEMAND = dict(title="寻求锂电池正极材料改性技术支持", summary="提升高镍正极循环寿命",
              public_description="现有产品循环寿命不足，希望与高校院所合作攻关。", keywords=["锂电池", "正极"],
              field="新材料", industry="C", budget_min=50.0, budget_max=200.0, tender=True,
              indicators=[{"name": "循环寿命", "target": "≥2000", "unit": "次"}])


def publish(world, org, kind, data, who):
    listing = services.create_listing(actor=world.users[who], organisation=org, kind=kind, **data)
    services.submit(actor=world.users[who], listing=listing)
    county = {"member_a": "county_a", "member_a2": "county_a", "member_c": "county_c"}[who]
    return services.review(actor=world.users[county], listing=listing, approve=True)


def test_bad_listings_are_refused_per_field(world):
    with pytest.raises(ValidationError) as info:
        services.create_listing(actor=world.users["member_a"], organisation=world.enterprise_a, kind="demand",
                                **dict(DEMAND, budget_min=300.0, budget_max=100.0, field="炼金术"))
    assert {"budget_max", "field"} <= set(info.value.message_dict)
    with pytest.raises(ValidationError) as info:
        services.create_listing(actor=world.users["member_a"], organisation=world.enterprise_a, kind="achievement",
                                **dict(ACHIEVEMENT, trl=12, transfer_modes=["sell_everything"]))
    assert {"trl", "transfer_modes"} <= set(info.value.message_dict)
    with pytest.raises(PermissionDenied):
        services.create_listing(actor=world.users["member_c"], organisation=world.enterprise_a, kind="demand", **DEMAND)
    assert not Listing.objects.exists()


def test_workflow_review_by_the_node_admin_and_duplicates(world):
    listing = services.create_listing(actor=world.users["member_a"], organisation=world.enterprise_a, kind="demand", **DEMAND)
    services.submit(actor=world.users["member_a"], listing=listing)
    with pytest.raises(PermissionDenied):
        services.review(actor=world.users["county_c"], listing=listing, approve=True)
    with pytest.raises(ValidationError):
        services.review(actor=world.users["county_a"], listing=listing, approve=False)
    published = services.review(actor=world.users["county_a"], listing=listing, approve=True)
    assert published.status == "published" and published.published_at
    twin = services.create_listing(actor=world.users["member_a"], organisation=world.enterprise_a, kind="demand", **DEMAND)
    services.submit(actor=world.users["member_a"], listing=twin)
    assert twin.duplicate_of == listing and "duplicate" in twin.status_reason


def test_drafts_are_private_published_are_public_and_secrets_stay_secret(world, client, api_client):
    draft = services.create_listing(actor=world.users["member_a"], organisation=world.enterprise_a, kind="achievement",
                                    **ACHIEVEMENT)
    world.assert_scoping(Listing, {"a": draft}, members={"member_a": {"a"}})
    offer = publish(world, world.enterprise_c, "achievement", dict(ACHIEVEMENT, title="另一项锂电池正极成果"), "member_c")
    assert Listing.objects.restrict(world.users["member_a"]).filter(pk=offer.pk).exists()
    client.force_login(world.users["member_a"])
    page = client.get(f"/market/listings/{offer.pk}/").content.decode()
    assert "另一项锂电池正极成果" in page and "A-17" not in page
    results = client.get("/market/", {"q": "锂电池 正极"}).content.decode()
    assert "另一项锂电池正极成果" in results and "A-17" not in results
    api_client.force_authenticate(world.users["member_a"])
    assert "A-17" not in api_client.get(f"/api/market/listings/{offer.pk}/").content.decode()
    assert client.get(f"/market/listings/{draft.pk}/").status_code == 200
    client.force_login(world.users["member_c"])
    assert client.get(f"/market/listings/{draft.pk}/").status_code == 404
    # Access on request, granted by the owner.
    services.request_access(actor=world.users["member_a"], listing=offer)
    access = offer.access.get()
    with pytest.raises(PermissionDenied):
        services.grant_access(actor=world.users["member_a"], access=access)
    services.grant_access(actor=world.users["member_c"], access=access)
    client.force_login(world.users["member_a"])
    assert "A-17" in client.get(f"/market/listings/{offer.pk}/").content.decode()


def test_html_is_escaped(world, client):
    listing = publish(world, world.enterprise_a, "demand", dict(DEMAND, title="<script>alert(1)</script>需求"), "member_a")
    client.force_login(world.users["member_c"])
    page = client.get(f"/market/listings/{listing.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_explained_matches_both_ways(world):
    demand = publish(world, world.enterprise_a, "demand", DEMAND, "member_a")
    offer = publish(world, world.enterprise_a2, "achievement", ACHIEVEMENT, "member_a2")
    publish(world, world.enterprise_c, "achievement", dict(ACHIEVEMENT, title="设施蔬菜水肥一体化技术", summary="节水节肥",
                                                           keywords=["设施蔬菜"], field="资源与环境", industry="A"), "member_c")
    found = search.matches(demand)
    assert found[0]["listing"] == offer
    reasons = " ".join(found[0]["reasons"])
    assert "技术领域一致" in reasons and "预算" in reasons and "同在历下区" in reasons and "TRL 7" in reasons
    assert search.matches(offer)[0]["listing"] == demand


def test_stale_listings_expire(world):
    listing = publish(world, world.enterprise_a, "demand", DEMAND, "member_a")
    Listing.objects.filter(pk=listing.pk).update(reconfirmed_at=timezone.now() - datetime.timedelta(days=200))
    assert services.expire_stale() == 1
    listing.refresh_from_db()
    assert listing.status == "expired"


def test_bulletins_page_atom_and_pdf(world, client):
    from xml.etree import ElementTree

    from pypdf import PdfReader

    publish(world, world.enterprise_a, "demand", DEMAND, "member_a")
    today = timezone.localdate()
    client.force_login(world.users["county_a"])
    params = {"year": today.year, "month": today.month}
    assert "锂电池" in client.get("/market/bulletins/370100/", params).content.decode()
    feed = client.get("/market/bulletins/370102/", {**params, "format": "atom"})
    root = ElementTree.fromstring(feed.content)
    titles = [e.text for e in root.iter("{http://www.w3.org/2005/Atom}title")]
    assert any("锂电池" in (t or "") for t in titles)
    pdf = client.get("/market/bulletins/370000/", {**params, "format": "pdf"})
    assert "锂电池" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()

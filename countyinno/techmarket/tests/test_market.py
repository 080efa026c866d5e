import datetime
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from countyinno.core import audit
from countyinno.core.actions import ActionRefused
from countyinno.core.models import AuditLogEntry
from countyinno.techmarket import events, search, services
from countyinno.techmarket.models import ConfidentialAccess, EventPairing, Listing, MatchEvent, Subscription

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
    services.submit_listing(actor=world.users[who], listing=listing)
    county = {"member_a": "county_a", "member_a2": "county_a", "member_c": "county_c"}[who]
    return services.approve_listing(actor=world.users[county], listing=listing)


def entries_for(obj, **filters):
    return AuditLogEntry.objects.filter(content_type=ContentType.objects.get_for_model(type(obj)),
                                        object_id=str(obj.pk), **filters)


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
    with pytest.raises(PermissionDenied):  # reviewing a draft: nothing to review yet
        services.approve_listing(actor=world.users["county_a"], listing=listing)
    services.submit_listing(actor=world.users["member_a"], listing=listing)
    for outsider in ("county_c", "county_b", "member_a", "talent_a"):  # another node's admins, the owner itself
        with pytest.raises(PermissionDenied):
            services.approve_listing(actor=world.users[outsider], listing=listing)
    with pytest.raises(ValidationError):
        services.reject_listing(actor=world.users["county_a"], listing=listing, reason=" ")
    listing.refresh_from_db()
    assert listing.status == "submitted"
    published = services.approve_listing(actor=world.users["county_a"], listing=listing)
    assert published.status == "published" and published.published_at
    state = entries_for(published, action="state", operation="techmarket.approve_listing").get()
    assert state.actor == world.users["county_a"] and state.after == {"state": "published"}
    assert state.region_id == world.county_a.pk and state.organisation_id == world.enterprise_a.pk
    twin = services.create_listing(actor=world.users["member_a"], organisation=world.enterprise_a, kind="demand", **DEMAND)
    services.submit_listing(actor=world.users["member_a"], listing=twin)
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
    assert not access.approved
    with pytest.raises(PermissionDenied):
        services.grant_access(actor=world.users["member_a"], listing=offer, organisation=world.enterprise_a)
    client.force_login(world.users["member_a"])
    page = client.get(f"/market/listings/{offer.pk}/").content.decode()
    assert "A-17" not in page and "申请查看保密内容" in page
    client.force_login(world.users["member_c"])
    assert f'name="access" value="{access.pk}"' in client.get(f"/market/listings/{offer.pk}/").content.decode()
    response = client.post(f"/market/listings/{offer.pk}/grant-access/", {"access": access.pk})
    assert response.status_code == 302
    access.refresh_from_db()
    assert access.approved
    granted = entries_for(access, action="update", operation="techmarket.grant_access").get()
    assert granted.changes == {"approved": [False, True]} and granted.actor == world.users["member_c"]
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
    fresh = publish(world, world.enterprise_c, "demand", dict(DEMAND, title="另一条需求"), "member_c")
    with audit.system("test: a listing not reconfirmed for 200 days"), audit.bulk("test fixture"):
        Listing.objects.filter(pk=listing.pk).update(reconfirmed_at=timezone.now() - datetime.timedelta(days=200))
    # Platform work: no user runs it, not even the province admin, and not without system().
    for actor in (None, world.users["province"], world.users["member_a"]):
        with pytest.raises(ActionRefused):
            services.expire_listings(actor=actor)
    listing.refresh_from_db()
    assert listing.status == "published"
    with audit.system("scheduled: expire stale listings"):
        assert services.expire_listings(actor=None) == 1
    listing.refresh_from_db()
    fresh.refresh_from_db()
    assert listing.status == "expired" and fresh.status == "published"
    state = entries_for(listing, action="state", operation="techmarket.expire_listings").get()
    assert state.actor is None and state.actor_name == "system:scheduled: expire stale listings"


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
    # Both downloads are recorded: who, which bulletin, how many rows, which format.
    exports = AuditLogEntry.objects.filter(action="export", actor=world.users["county_a"]).order_by("id")
    assert [(e.after["format"], e.after["rows"], e.after["filters"]["node"]) for e in exports] == [
        ("atom", 1, "370102"), ("pdf", 1, "370000")]


def test_granting_confidential_access_is_audited_with_the_listings_scope(world, client):
    offer = publish(world, world.enterprise_a, "achievement", ACHIEVEMENT, "member_a")
    access = services.grant_access(actor=world.users["member_a"], listing=offer, organisation=world.enterprise_c)
    assert access.approved
    created = entries_for(access, action="create").get()
    assert created.operation == "techmarket.grant_access"
    assert created.actor == world.users["member_a"] and created.actor_name == "t-member-a"
    assert created.after["approved"] is True and created.after["organisation_id"] == world.enterprise_c.pk
    # Scoped like the listing: its owner and its node's admins see the entry, the grantee's county does not.
    assert created.organisation_id == world.enterprise_a.pk and created.region_id == world.county_a.pk
    assert AuditLogEntry.objects.restrict(world.users["county_a"]).filter(pk=created.pk).exists()
    assert not AuditLogEntry.objects.restrict(world.users["county_c"]).filter(pk=created.pk).exists()
    # The grantee reads the secret; a refused grant by someone else is itself recorded, nothing changed.
    client.force_login(world.users["member_c"])
    assert "A-17" in client.get(f"/market/listings/{offer.pk}/").content.decode()
    with pytest.raises(PermissionDenied):
        services.grant_access(actor=world.users["member_c"], listing=offer, organisation=world.enterprise_a2)
    assert not ConfidentialAccess.objects.filter(organisation=world.enterprise_a2).exists()
    denied = AuditLogEntry.objects.get(action="denied", operation="techmarket.grant_access")
    assert denied.actor == world.users["member_c"] and denied.organisation_id == world.enterprise_a.pk
    with pytest.raises(ValidationError):
        services.grant_access(actor=world.users["member_a"], listing=offer, organisation=world.enterprise_a)


def test_asking_for_access_needs_an_organisation_and_someone_elses_published_listing(world):
    offer = publish(world, world.enterprise_c, "achievement", ACHIEVEMENT, "member_c")
    draft = services.create_listing(actor=world.users["member_c"], organisation=world.enterprise_c,
                                    kind="achievement", **dict(ACHIEVEMENT, title="未发布成果"))
    for who, listing in (("talent_a", offer), ("member_c", offer), ("member_a", draft)):
        with pytest.raises(PermissionDenied):
            services.request_access(actor=world.users[who], listing=listing)
    access = services.request_access(actor=world.users["member_a"], listing=offer)
    assert not access.approved and access.organisation == world.enterprise_a
    assert entries_for(access, action="create", operation="techmarket.request_access").exists()


def test_listing_buttons_follow_the_predicates(world, client):
    listing = services.create_listing(actor=world.users["member_a"], organisation=world.enterprise_a, kind="demand",
                                      **DEMAND)
    url = f"/market/listings/{listing.pk}/"
    client.force_login(world.users["member_a"])
    page = client.get(url).content.decode()
    assert 'id="submit-listing"' in page and 'id="approve-listing"' not in page
    services.submit_listing(actor=world.users["member_a"], listing=listing)
    page = client.get(url).content.decode()
    assert 'id="submit-listing"' not in page and 'id="approve-listing"' not in page
    for admin in ("county_a", "city_ab", "province"):
        client.force_login(world.users[admin])
        assert 'id="approve-listing"' in client.get(url).content.decode(), admin
        assert "（1）" in client.get("/market/").content.decode(), admin  # the pending count
        assert listing.title in client.get("/market/review/").content.decode(), admin
    client.force_login(world.users["county_c"])
    assert client.get(url).status_code == 404
    assert listing.title not in client.get("/market/review/").content.decode()
    services.approve_listing(actor=world.users["county_a"], listing=listing)
    client.force_login(world.users["member_c"])  # a competitor reads the published listing, nothing to press
    page = client.get(url).content.decode()
    assert 'id="withdraw-listing"' not in page and 'id="approve-listing"' not in page
    client.force_login(world.users["county_a"])  # the node's admin may take it down
    assert 'id="withdraw-listing"' in client.get(url).content.decode()


def test_refused_posts_change_nothing_and_are_recorded(world, client):
    listing = publish(world, world.enterprise_a, "demand", DEMAND, "member_a")
    client.force_login(world.users["member_c"])
    response = client.post(f"/market/listings/{listing.pk}/withdraw/", {"reason": "捣乱"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/market/listings/{listing.pk}/"
    assert "only the owner or the market node&#x27;s admins withdraw a listing" in response.content.decode()
    listing.refresh_from_db()
    assert listing.status == "published"
    denied = AuditLogEntry.objects.get(action="denied", operation="techmarket.withdraw_listing")
    assert denied.actor == world.users["member_c"] and denied.object_id == str(listing.pk)
    # A draft of someone else is out of scope: 404, whatever the step.
    draft = services.create_listing(actor=world.users["member_a"], organisation=world.enterprise_a, kind="demand",
                                    **dict(DEMAND, title="另一条草稿"))
    assert client.post(f"/market/listings/{draft.pk}/submit/").status_code == 404
    assert client.post(f"/market/listings/{listing.pk}/grant-access/", {"access": "x"}).status_code == 404
    # Publishing is for members of an organisation.
    client.force_login(world.users["talent_a"])
    assert client.get("/market/new/demand/").status_code == 403
    assert "发布技术需求" not in client.get("/market/").content.decode()


def test_listings_are_filed_in_the_owners_own_market(world):
    with pytest.raises(ValidationError) as info:
        services.create_listing(actor=world.users["member_a"], organisation=world.enterprise_a, kind="demand",
                                market_node=world.county_c, **DEMAND)
    assert "market_node" in info.value.message_dict
    listing = services.create_listing(actor=world.users["member_a"], organisation=world.enterprise_a, kind="demand",
                                      market_node=world.city_ab, **DEMAND)
    assert listing.market_node == world.city_ab
    created = entries_for(listing, action="create").get()
    assert created.operation == "techmarket.create_listing" and created.region_id == world.city_ab.pk


def test_only_the_owner_edits_and_only_drafts(world):
    listing = services.create_listing(actor=world.users["member_a"], organisation=world.enterprise_a, kind="demand",
                                      **DEMAND)
    for who in ("member_a2", "county_a"):
        with pytest.raises(PermissionDenied):
            services.update_listing(actor=world.users[who], listing=listing, summary="改")
    services.update_listing(actor=world.users["member_a"], listing=listing, summary="提升低温性能")
    assert entries_for(listing, action="update").get().changes == {"summary": ["提升高镍正极循环寿命", "提升低温性能"]}
    services.submit_listing(actor=world.users["member_a"], listing=listing)
    with pytest.raises(PermissionDenied):
        services.update_listing(actor=world.users["member_a"], listing=listing, summary="提交后再改")


def test_events_pairings_and_outcomes(world, client):
    demand = publish(world, world.enterprise_a, "demand", DEMAND, "member_a")
    offer = publish(world, world.enterprise_a2, "achievement", ACHIEVEMENT, "member_a2")
    with pytest.raises(PermissionDenied):
        events.create_event(actor=world.users["county_c"], organiser_node=world.county_a, title="越界",
                              held_on=datetime.date(2026, 6, 1))
    event = events.create_event(actor=world.users["county_a"], organiser_node=world.county_a, title="历下对接会",
                                  held_on=datetime.date(2026, 6, 1))
    with pytest.raises(PermissionDenied):
        events.plan_pairings(actor=world.users["member_a"], event=event)
    pairings = events.plan_pairings(actor=world.users["county_a"], event=event)
    assert [(p.demand, p.achievement) for p in pairings] == [(demand, offer)]
    assert entries_for(pairings[0], action="create", operation="techmarket.plan_pairings").get().region_id \
        == world.county_a.pk
    assert events.plan_pairings(actor=world.users["county_a"], event=event) == []  # nothing planned twice
    with pytest.raises(ValidationError):
        events.plan_pairings(actor=world.users["county_a"], event=event, demands=[offer])
    url = f"/market/events/{event.pk}/pairings/{pairings[0].pk}/outcome/"
    client.force_login(world.users["member_a"])  # a participant sees the pairing but may not record outcomes
    assert 'name="outcome"' not in client.get(f"/market/events/{event.pk}/").content.decode()
    assert client.post(url, {"outcome": "contract"}).status_code == 302
    assert EventPairing.objects.get(pk=pairings[0].pk).outcome == "planned"
    assert AuditLogEntry.objects.filter(action="denied", operation="techmarket.record_outcome").count() == 1
    client.force_login(world.users["county_a"])
    assert 'name="outcome"' in client.get(f"/market/events/{event.pk}/").content.decode()
    client.post(url, {"outcome": "contract"})
    assert EventPairing.objects.get(pk=pairings[0].pk).outcome == "contract"
    with pytest.raises(ValidationError):
        events.record_outcome(actor=world.users["county_a"], pairing=pairings[0], outcome="married")
    assert MatchEvent.objects.count() == 1


def test_subscriptions_are_ones_own(world, client):
    with pytest.raises(PermissionDenied):
        services.subscribe(actor=world.users["member_c"], subscriber=world.users["member_a"], market_node=world.county_a)
    client.force_login(world.users["member_a"])
    client.post("/market/node/370102/subscription/")
    subscription = Subscription.objects.get(user=world.users["member_a"])
    assert subscription.market_node == world.county_a
    assert entries_for(subscription, action="create", operation="techmarket.subscribe").get().actor \
        == world.users["member_a"]
    assert "取消订阅" in client.get("/market/node/370102/").content.decode()
    client.force_login(world.users["member_a2"])  # someone else's subscription is out of reach
    assert client.post("/market/node/370102/subscription/", {"cancel": subscription.pk}).status_code == 404
    client.force_login(world.users["member_a"])
    client.post("/market/node/370102/subscription/", {"cancel": subscription.pk})
    assert not Subscription.objects.exists()
    assert entries_for(subscription, action="delete", operation="techmarket.unsubscribe").exists()


def test_listing_expiry_is_scheduled_and_runs_as_platform_work(shandong):
    from countyinno.core import schedule

    assert "techmarket.expire_listings" in schedule.tasks()
    assert schedule.run("techmarket.expire_listings") == {"expired": 0}

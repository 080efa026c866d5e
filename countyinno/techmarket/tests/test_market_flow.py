"""The public market, the buyer's chain (match viewed → interest → negotiation → agreed deal), reminders,
subscriptions, editing a rejected listing, readable relevance, and no server error from any parameter."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from countyinno.core import audit, schedule
from countyinno.core.models import AuditLogEntry, Notification
from countyinno.techmarket import search, services
from countyinno.techmarket.models import Bookmark, Listing, MatchView, Negotiation, NegotiationMessage, Subscription

from .test_market import ACHIEVEMENT, DEMAND, entries_for, publish


@pytest.fixture
def market(world):
    """A demand of firm A, an achievement of firm C (another city) that matches it, and a draft of C."""
    demand = publish(world, world.enterprise_a, "demand", DEMAND, "member_a")
    offer = publish(world, world.enterprise_c, "achievement", ACHIEVEMENT, "member_c")
    draft = services.create_listing(actor=world.users["member_c"], organisation=world.enterprise_c,
                                    kind="achievement", **dict(ACHIEVEMENT, title="未发布的草稿成果",
                                                               confidential_detail="草稿秘方 Z-9"))
    return demand, offer, draft


# ------------------------------------------------------------------ 1. the public market
def test_anonymous_visitors_browse_search_and_read_bulletins_without_secrets(world, client, market):
    demand, offer, draft = market
    page = client.get("/market/")
    assert page.status_code == 200
    html = page.content.decode()
    assert offer.title in html and demand.title in html and draft.title not in html
    assert 'id="new-demand"' not in html and "登录" in html
    html = client.get("/market/", {"q": "锂电池 正极"}).content.decode()
    assert offer.title in html and "★" in html and "A-17" not in html
    detail = client.get(f"/market/listings/{offer.pk}/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert offer.public_description in html
    assert "A-17" not in html and "包覆配方" not in html  # the confidential part never shows
    assert "申请查看保密内容" not in html and 'id="express-interest"' not in html
    assert client.get(f"/market/listings/{draft.pk}/").status_code == 404  # drafts stay private
    assert "Z-9" not in client.get("/market/", {"q": "草稿 秘方"}).content.decode()
    today = timezone.localdate()
    bulletin = client.get("/market/bulletins/370000/", {"year": today.year, "month": today.month})
    assert bulletin.status_code == 200 and offer.title in bulletin.content.decode()
    feed = client.get("/market/bulletins/370000/", {"year": today.year, "month": today.month, "format": "atom"})
    assert feed.status_code == 200 and feed["Content-Type"].startswith("application/atom+xml")
    body = feed.content.decode()
    assert offer.title in body and draft.title not in body and "A-17" not in body
    assert not AuditLogEntry.objects.filter(action="export").exists()  # an anonymous feed read is not an export
    # Writing still needs an account.
    response = client.post(f"/market/listings/{offer.pk}/interest/", {"body": "匿名意向"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not Negotiation.objects.exists()


# ------------------------------------------------------------------ 5. no 500 from parameters
@pytest.mark.parametrize("query", [
    "?page=abc", "?page=-1", "?page=99999999999999999999", "?q=" + "9" * 400, "?q=%00", "?kind=robot",
    "?field=<script>", "?industry=ZZ", "?sort=nonsense", "?sort=-published_at", "?q=锂电池&sort=relevance",
    "?q=锂电池&page=5"])
def test_market_parameters_never_fail(world, client, market, query):
    for who in (None, "member_a", "county_a"):
        if who:
            client.force_login(world.users[who])
        for path in ("/market/", "/market/node/370100/", "/market/review/", "/market/negotiations/",
                     "/market/bookmarks/"):
            if who is None and path in ("/market/review/", "/market/negotiations/", "/market/bookmarks/"):
                continue
            response = client.get(path + query)
            assert response.status_code < 500, (who, path + query)


@pytest.mark.parametrize("params", [{"month": "13"}, {"month": "0"}, {"year": "abc"}, {"year": "99999999999"},
                                    {"field": "炼金术"}, {"kind": "x"}, {"format": "exe"}, {"month": "13", "format": "atom"},
                                    {"month": "1e309", "format": "pdf"}])
def test_bad_bulletin_parameters_are_a_400_with_a_bilingual_message(client, market, params):
    response = client.get("/market/bulletins/370000/", params)
    assert response.status_code == 400
    assert " / " in response.content.decode()  # 中文 / English


def test_unknown_nodes_and_ids_are_404(world, client, market):
    for url in ("/market/node/999999/", "/market/node/" + "3" * 40 + "/", "/market/bulletins/abc/",
                "/market/listings/999999/"):
        assert client.get(url).status_code == 404
    client.force_login(world.users["member_a"])
    assert client.get("/market/negotiations/999999/").status_code == 404
    assert client.get(f"/market/listings/{market[1].pk}/?from=abc").status_code == 200


# ------------------------------------------------------------------ 2. a buyer acts on a match
def test_the_chain_match_viewed_interest_negotiation_agreement(world, client, market):
    demand, offer, _ = market
    client.force_login(world.users["member_a"])
    page = client.get(f"/market/listings/{demand.pk}/").content.decode()
    assert f"/market/listings/{offer.pk}/?from={demand.pk}" in page  # the match links carry where they came from
    page = client.get(f"/market/listings/{offer.pk}/", {"from": demand.pk}).content.decode()
    assert 'id="express-interest"' in page and 'id="bookmark-listing"' in page
    view = MatchView.objects.get()
    assert (view.listing, view.source, view.user) == (offer, demand, world.users["member_a"])
    client.get(f"/market/listings/{offer.pk}/", {"from": demand.pk})
    assert MatchView.objects.count() == 1  # once per pair
    client.force_login(world.users["member_c"])  # the owner opening its own listing is not a match view
    client.get(f"/market/listings/{offer.pk}/", {"from": demand.pk})
    assert MatchView.objects.count() == 1

    # Interest: an empty message keeps the form (and says why), a real one opens the negotiation.
    client.force_login(world.users["member_a"])
    response = client.post(f"/market/listings/{offer.pk}/interest/", {"body": "   ", "source": demand.pk})
    assert response.status_code == 400 and "必填 / required" in response.content.decode()
    response = client.post(f"/market/listings/{offer.pk}/interest/", {"body": "我们想谈谈许可条件", "source": demand.pk})
    negotiation = Negotiation.objects.get()
    assert response["Location"] == f"/market/negotiations/{negotiation.pk}/"
    assert (negotiation.party, negotiation.source, negotiation.status) == (world.enterprise_a, demand, "interest")
    assert entries_for(negotiation, action="create", operation="techmarket.express_interest").get().actor \
        == world.users["member_a"]
    notice = Notification.objects.get(user=world.users["member_c"], kind="techmarket.interest")
    assert notice.url == f"/market/negotiations/{negotiation.pk}/" and "测试企业甲" in notice.title
    with pytest.raises(ValidationError):  # once per organisation and listing
        services.express_interest(actor=world.users["member_a"], listing=offer, body="再说一次")

    # Who sees the thread: the two organisations and the admins over the listing's node (青岛 side).
    url = f"/market/negotiations/{negotiation.pk}/"
    for who, status in (("member_a", 200), ("member_c", 200), ("county_c", 200), ("city_c", 200), ("province", 200),
                        ("member_a2", 404), ("county_a", 404), ("talent_a", 404)):
        client.force_login(world.users[who])
        assert client.get(url).status_code == status, who
    client.force_login(world.users["county_c"])  # an admin follows but does not write
    assert 'id="send-message"' not in client.get(url).content.decode()
    with pytest.raises(PermissionDenied):
        services.post_message(actor=world.users["county_c"], negotiation=negotiation, body="管理员插话")

    # The buyer cannot agree before the owner replied; the owner's reply opens the negotiation.
    with pytest.raises(PermissionDenied):
        services.agree_deal(actor=world.users["member_a"], negotiation=negotiation)
    client.force_login(world.users["member_c"])
    assert client.post(url, {"body": ""}).status_code == 400
    client.post(url, {"body": "欢迎，普通许可 120 万元可谈"})
    negotiation.refresh_from_db()
    assert negotiation.status == "negotiating" and negotiation.replied_at
    assert NegotiationMessage.objects.filter(negotiation=negotiation).count() == 2
    assert Notification.objects.filter(user=world.users["member_a"], kind="techmarket.negotiation_message").exists()

    # Both agree, each once; then the seller gets the pre-filled contract application.
    client.post(f"{url}agree/")
    negotiation.refresh_from_db()
    assert negotiation.owner_agreed_at and negotiation.status == "negotiating"
    with pytest.raises(PermissionDenied):
        services.agree_deal(actor=world.users["member_c"], negotiation=negotiation)
    client.force_login(world.users["member_a"])
    client.post(f"{url}agree/")
    negotiation.refresh_from_db()
    assert negotiation.status == "agreed" and negotiation.agreed_at
    assert entries_for(negotiation, action="state", operation="techmarket.agree_deal").get().after == {"state": "agreed"}
    buyer_page = client.get(url).content.decode()
    assert 'id="contract-application"' not in buyer_page and "卖方" in buyer_page
    client.force_login(world.users["member_c"])
    page = client.get(url).content.decode()
    assert 'id="contract-application"' in page
    link = page.split('id="contract-application" href="')[1].split('"')[0].replace("&amp;", "&")
    query = parse_qs(urlsplit(link).query)
    assert urlsplit(link).path == "/contracts/apply/"
    assert query["project_name"] == [offer.title] and query["buyer_name"] == ["测试企业甲"]
    assert query["buyer_credit_code"] == [world.enterprise_a.credit_code] and query["buyer_area_code"] == ["370102"]
    assert query["seller"] == [str(world.enterprise_c.pk)] and query["category"] == ["licensing"]
    assert query["total_amount"] == ["120"] and query["listing"] == [str(offer.pk)]
    assert query["technical_field"] == ["新材料"]
    # The contracts page opens with it (its pre-fill reads these parameters).
    apply_page = client.get(link)
    assert apply_page.status_code == 200 and "测试企业甲" in apply_page.content.decode()

    # The node's admins read the chain on the market home; members do not.
    client.force_login(world.users["county_c"])
    home = client.get("/market/node/370202/").content.decode()
    for key, value in (("viewed", 1), ("interests", 1), ("negotiations", 1), ("agreed", 1)):
        assert f'id="figure-{key}">{value}<' in home
    assert 'id="market-figures"' not in client.get("/market/node/370102/").content.decode()
    client.force_login(world.users["member_c"])
    assert 'id="market-figures"' not in client.get("/market/node/370202/").content.decode()
    assert services.market_figures(Listing.objects.filter(market_node=world.county_a))["interests"] == 0


def test_closing_a_negotiation_keeps_the_reason_typed_on_error(world, client, market):
    _, offer, _ = market
    negotiation = services.express_interest(actor=world.users["member_a"], listing=offer, body="有意向")
    client.force_login(world.users["member_a"])
    response = client.post(f"/market/negotiations/{negotiation.pk}/close/", {"reason": "x" * 400})
    assert response.status_code == 400 and "x" * 300 in response.content.decode()
    client.post(f"/market/negotiations/{negotiation.pk}/close/", {"reason": "预算不足"})
    negotiation.refresh_from_db()
    assert negotiation.status == "closed" and negotiation.closed_reason == "预算不足"
    assert Notification.objects.filter(user=world.users["member_c"], kind="techmarket.negotiation_closed").exists()
    with pytest.raises(PermissionDenied):
        services.post_message(actor=world.users["member_c"], negotiation=negotiation, body="再谈谈？")


def test_bookmarks_are_ones_own(world, client, market):
    _, offer, _ = market
    client.force_login(world.users["member_a"])
    client.post(f"/market/listings/{offer.pk}/bookmark/")
    bookmark = Bookmark.objects.get()
    assert bookmark.user == world.users["member_a"]
    assert entries_for(bookmark, action="create", operation="techmarket.bookmark_listing").exists()
    assert offer.title in client.get("/market/bookmarks/").content.decode()
    assert "取消收藏" in client.get(f"/market/listings/{offer.pk}/").content.decode()
    client.force_login(world.users["member_a2"])
    assert offer.title not in client.get("/market/bookmarks/").content.decode()
    with pytest.raises(PermissionDenied):
        services.remove_bookmark(actor=world.users["member_a2"], bookmark=bookmark)
    with pytest.raises(PermissionDenied):  # nobody keeps their own listing
        services.bookmark_listing(actor=world.users["member_c"], listing=offer)
    client.force_login(world.users["member_a"])
    client.post(f"/market/listings/{offer.pk}/bookmark/", {"remove": "1"})
    assert not Bookmark.objects.exists()


# ------------------------------------------------------------------ 3. life cycle
def test_expiry_reminder_goes_once_to_the_owners_members(world, market):
    demand, offer, _ = market
    soon = timezone.localdate() + datetime.timedelta(days=10)
    with audit.system("test: a listing about to expire"), audit.bulk("test fixture"):
        Listing.objects.filter(pk=offer.pk).update(valid_until=soon)
    for actor in (None, world.users["province"], world.users["member_c"]):
        with pytest.raises(PermissionDenied):
            services.remind_expiring(actor=actor)
    assert schedule.run("techmarket.remind_expiring") == {"reminded": 1}
    notices = Notification.objects.filter(kind="techmarket.listing_expiring")
    assert [n.user for n in notices] == [world.users["member_c"]]
    assert soon.isoformat() in notices.get().title and notices.get().url == f"/market/listings/{offer.pk}/"
    assert entries_for(offer, action="update", operation="techmarket.remind_expiring").exists()
    assert schedule.run("techmarket.remind_expiring") == {"reminded": 0}  # once per listing
    # Reconfirming with a later validity date arms the reminder again for the next period.
    later = timezone.localdate() + datetime.timedelta(days=200)
    services.reconfirm_listing(actor=world.users["member_c"], listing=Listing.objects.get(pk=offer.pk), valid_until=later)
    offer.refresh_from_db()
    assert offer.valid_until == later and offer.expiry_reminded_at is None
    assert schedule.run("techmarket.remind_expiring") == {"reminded": 0}
    with pytest.raises(ValidationError):
        services.reconfirm_listing(actor=world.users["member_c"], listing=offer,
                                   valid_until=timezone.localdate() - datetime.timedelta(days=1))


def test_reminder_days_come_from_the_rule_set_or_default_to_14(market, monkeypatch):
    assert services.reminder_days() == 14
    real = services.rules
    monkeypatch.setattr(services, "rules", lambda day=None: {**real(day), "expiry_reminder_days": 30})
    assert services.reminder_days() == 30


def test_a_rejected_listing_is_edited_keeping_what_was_typed_and_resubmitted(world, client):
    listing = services.create_listing(actor=world.users["member_a"], organisation=world.enterprise_a, kind="demand",
                                      **DEMAND)
    services.submit_listing(actor=world.users["member_a"], listing=listing)
    services.reject_listing(actor=world.users["county_a"], listing=listing, reason="预算描述不清")
    assert Notification.objects.filter(user=world.users["member_a"], kind="techmarket.listing_rejected").exists()
    client.force_login(world.users["member_a"])
    page = client.get(f"/market/listings/{listing.pk}/").content.decode()
    assert "预算描述不清" in page and f'/market/listings/{listing.pk}/edit/' in page
    form = client.get(f"/market/listings/{listing.pk}/edit/").content.decode()
    assert listing.title in form and 'value="50.00"' in form and "循环寿命" in form  # the indicator row too
    data = {"title": "寻求锂电池正极材料改性技术支持（修订）", "summary": "提升高镍正极循环寿命",
            "public_description": "现有产品循环寿命不足，希望与高校院所合作攻关。", "keywords": "锂电池，正极",
            "field": "新材料", "industry": "C", "budget_min": "300", "budget_max": "abc",
            "indicator_name": ["循环寿命", "", ""], "indicator_target": ["≥2000", "", ""],
            "indicator_unit": ["次", "", ""], "submit_now": "on"}
    response = client.post(f"/market/listings/{listing.pk}/edit/", data)
    html = response.content.decode()
    assert response.status_code == 200 and "请输入数字 / enter a number" in html
    assert "（修订）" in html and 'value="300"' in html  # what was typed is kept
    response = client.post(f"/market/listings/{listing.pk}/edit/", {**data, "budget_max": "100"})
    assert "预算上限低于下限" in response.content.decode()
    response = client.post(f"/market/listings/{listing.pk}/edit/", {**data, "budget_max": "400"})
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == "submitted" and listing.title.endswith("（修订）") and str(listing.budget_max) == "400.00"
    assert entries_for(listing, action="update", operation="techmarket.update_listing").exists()
    assert entries_for(listing, action="state", operation="techmarket.submit_listing").count() == 2
    assert client.get(f"/market/listings/{listing.pk}/edit/").status_code == 404  # in review: no editing
    client.force_login(world.users["member_c"])
    assert client.get(f"/market/listings/{listing.pk}/edit/").status_code == 404


def test_new_listing_form_errors_use_labels_and_keep_input(world, client):
    client.force_login(world.users["member_a"])
    response = client.post("/market/new/achievement/", {"title": "新成果", "summary": "", "field": "炼金术",
                                                         "industry": "C", "trl": "12", "price": "-3"})
    html = response.content.decode()
    assert response.status_code == 200 and 'value="新成果"' in html
    assert "必填 / required" in html and "请从列表中选择" in html and "不能小于 0" in html
    assert not Listing.objects.exists()
    response = client.post("/market/new/achievement/", {
        "title": "新型秸秆还田机", "summary": "适用于玉米秸秆", "public_description": "已在三个县推广，可提供技术许可。",
        "field": "先进制造与自动化", "industry": "C", "trl": "7", "price": "35.5", "transfer_modes": ["license_ordinary"],
        "submit_now": "on"})
    listing = Listing.objects.get()
    assert response.status_code == 302 and listing.status == "submitted" and str(listing.price) == "35.50"
    page = client.get(f"/market/listings/{listing.pk}/").content.decode()
    assert "普通许可" in page and "license_ordinary" not in page and "35.5 万元" in page and "C 制造业" in page


# ------------------------------------------------------------------ 4. subscriptions deliver
def test_subscribers_hear_of_matching_new_listings_on_approval(world, client):
    client.force_login(world.users["member_c"])
    client.post("/market/node/370100/subscription/", {"field": "新材料", "kind": "achievement"})  # 济南, one field
    services.subscribe(actor=world.users["county_c"], subscriber=world.users["county_c"], market_node=world.county_a,
                       field="电子信息")  # another field: no notice
    services.subscribe(actor=world.users["member_a2"], subscriber=world.users["member_a2"], market_node=world.province)
    assert Subscription.objects.count() == 3
    assert client.post("/market/node/370100/subscription/", {"field": "炼金术"}).status_code == 302
    assert Subscription.objects.count() == 3
    offer = publish(world, world.enterprise_a, "achievement", ACHIEVEMENT, "member_a")
    notices = Notification.objects.filter(kind="techmarket.subscription")
    assert sorted(n.user.username for n in notices) == ["t-member-a2", "t-member-c"]
    assert all(n.url == f"/market/listings/{offer.pk}/" and offer.title in n.title for n in notices)
    publish(world, world.enterprise_a, "demand", DEMAND, "member_a")  # a demand: only the all-kinds subscription
    assert Notification.objects.filter(kind="techmarket.subscription", user=world.users["member_c"]).count() == 1
    assert Notification.objects.filter(kind="techmarket.subscription", user=world.users["member_a2"]).count() == 2


# ------------------------------------------------------------------ 6. readable relevance and grouping
def test_relevance_is_absolute_and_near_identical_listings_are_grouped(world, market):
    demand, offer, _ = market
    for i in (2, 3):
        publish(world, world.enterprise_c, "achievement", dict(ACHIEVEMENT, title=f"锂电池正极材料改性关键技术（{i}）"),
                "member_c")
    publish(world, world.enterprise_a2, "achievement", dict(ACHIEVEMENT, title="设施蔬菜水肥一体化技术", summary="节水",
                                                             public_description="滴灌施肥一体化，节水节肥。",
                                                             keywords=["设施蔬菜"], field="资源与环境", industry="A"),
            "member_a2")
    found = search.matches(Listing.objects.get(pk=demand.pk), grouped=True)
    head = found[0]
    assert head["listing"].organisation == world.enterprise_c and len(head["similar"]) == 2
    assert 1 <= head["stars"] <= 5 and head["band"] in ("高", "中", "低") and 0 <= head["score"] <= 1
    assert not any(r.startswith("文本相关度") for r in head["reasons"])
    # Absolute: the same hit keeps its rating whether or not a better hit exists.
    hits = {h["listing"].pk: h for h in search.search_results("锂电池 正极材料")}
    weak = {h["listing"].pk: h for h in search.search_results("锂电池 正极材料 水肥")}
    assert hits[offer.pk]["stars"] >= 4
    assert search.coverage("完全无关的词语组合", [str(offer.pk)])[str(offer.pk)] == 0
    assert 0 < weak[offer.pk]["relevance"] < hits[offer.pk]["relevance"]
    assert [search.stars(v) for v in (0.95, 0.7, 0.5, 0.3, 0.05)] == [5, 4, 3, 2, 1]


def test_reconfirming_with_a_bad_date_keeps_it_and_says_why(world, client, market):
    _, offer, _ = market
    client.force_login(world.users["member_c"])
    response = client.post(f"/market/listings/{offer.pk}/reconfirm/", {"valid_until": "2026-13-45"})
    html = response.content.decode()
    assert response.status_code == 400 and "YYYY-MM-DD" in html and 'value="2026-13-45"' in html
    response = client.post(f"/market/listings/{offer.pk}/reconfirm/", {"valid_until": "2001-01-01"}, follow=True)
    assert "新的有效期须晚于今天" in response.content.decode()
    client.post(f"/market/listings/{offer.pk}/reconfirm/", {"valid_until": ""})
    offer.refresh_from_db()
    assert offer.reconfirmed_at and offer.valid_until > timezone.localdate()

"""网上技术市场 — 科技成果 and 技术需求 homed in province / city / county sub-markets."""

from django.conf import settings
from django.db import models

from countyinno.core.audit import AuditedModel
from countyinno.core.models import TimeStampedModel
from countyinno.core.scoping import RestrictedManager, ScopeRule


class Listing(AuditedModel, TimeStampedModel):
    class Kind(models.TextChoices):
        ACHIEVEMENT = "achievement", "科技成果 achievement"
        DEMAND = "demand", "技术需求 demand"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿 draft"
        SUBMITTED = "submitted", "待审核 submitted"
        PUBLISHED = "published", "已发布 published"
        REJECTED = "rejected", "未通过 rejected"
        EXPIRED = "expired", "已过期 expired"
        WITHDRAWN = "withdrawn", "已撤回 withdrawn"

    kind = models.CharField("类型", max_length=12, choices=Kind.choices, db_index=True)
    organisation = models.ForeignKey("accounts.Organisation", verbose_name="发布单位", on_delete=models.PROTECT,
                                     related_name="listings")
    market_node = models.ForeignKey("regions.Region", verbose_name="所属市场", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("标题", max_length=200)
    summary = models.CharField("一句话简介", max_length=300)
    public_description = models.TextField("公开描述")
    confidential_detail = models.TextField("保密内容（仅授权方可见）", blank=True)
    keywords = models.JSONField("关键词", default=list)
    field = models.CharField("技术领域", max_length=20)
    industry = models.CharField("行业门类", max_length=2)
    trl = models.PositiveSmallIntegerField("技术成熟度 TRL", null=True, blank=True)
    ip_items = models.JSONField("知识产权", default=list, blank=True)
    transfer_modes = models.JSONField("转化方式", default=list, blank=True)
    price = models.DecimalField("价格（万元，空为面议）", max_digits=12, decimal_places=2, null=True, blank=True)
    budget_min = models.DecimalField("预算下限（万元）", max_digits=12, decimal_places=2, null=True, blank=True)
    budget_max = models.DecimalField("预算上限（万元）", max_digits=12, decimal_places=2, null=True, blank=True)
    indicators = models.JSONField("技术指标", default=list, blank=True)
    hide_company = models.BooleanField("隐藏企业名称", default=False)
    tender = models.BooleanField("揭榜挂帅", default=False)
    deadline = models.DateField("截止日期", null=True, blank=True)
    valid_until = models.DateField("有效期至")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    status_reason = models.CharField("状态说明", max_length=300, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    reconfirmed_at = models.DateTimeField(null=True, blank=True)
    # When the owner was told the listing is about to expire (once per validity period; reset on reconfirming).
    expiry_reminded_at = models.DateTimeField("到期提醒时间", null=True, blank=True)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedManager()
    # Published listings are the market: every signed-in user reads them; drafts stay with the owner and
    # the node's admins.
    scope = ScopeRule(region="market_node", organisation="organisation", public_filter=(("status", "published"),))

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["kind", "status"])]
        verbose_name = verbose_name_plural = "技术市场条目 listing"

    def __str__(self):
        return self.title

    def display_owner(self) -> str:
        return "（企业名称隐藏）" if self.hide_company else self.organisation.name

    @staticmethod
    def wan(value) -> str:
        """An amount in 万元 as people write it (120, 35.5), exact; '' for none."""
        from decimal import Decimal

        return f"{Decimal(str(value)).normalize():f}" if value is not None else ""

    def price_text(self) -> str:
        return self.wan(self.price)

    def budget_min_text(self) -> str:
        return self.wan(self.budget_min)

    def budget_max_text(self) -> str:
        return self.wan(self.budget_max)

    def expires_on(self, reconfirm_days: int):
        """The day it expires: its validity date, or the end of the reconfirmation period if earlier."""
        import datetime

        dates = [self.valid_until]
        if self.reconfirmed_at:
            dates.append((self.reconfirmed_at + datetime.timedelta(days=reconfirm_days)).date())
        return min(d for d in dates if d)


class ConfidentialAccess(AuditedModel):
    """An organisation approved by the owner to read a listing's confidential detail."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="access")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    approved = models.BooleanField(default=False)
    requested_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()
    # Requests and grants belong to the listing: its owner and the admins over its market node see them
    # (and so the audit entries about them).
    scope = ScopeRule(region="listing__market_node", organisation="listing__organisation")

    class Meta:
        unique_together = [("listing", "organisation")]

    def __str__(self):
        return f"{self.organisation} → {self.listing}"


class Subscription(AuditedModel):
    """A user's standing request to hear about new listings of a node (and a field or kind)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="market_subscriptions")
    market_node = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    field = models.CharField(max_length=20, blank=True)
    kind = models.CharField(max_length=12, blank=True)

    objects = RestrictedManager()
    scope = ScopeRule(owner="user")

    def __str__(self):
        return f"{self.user} · {self.market_node} {self.field} {self.kind}".strip()


class MatchEvent(AuditedModel, TimeStampedModel):
    """供需对接会 — an event with pre-computed pairings and on-site outcomes."""

    title = models.CharField("名称", max_length=200)
    organiser_node = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField("举办日期")
    participants = models.ManyToManyField("accounts.Organisation", blank=True, related_name="+")

    objects = RestrictedManager()
    scope = ScopeRule(region="organiser_node", public_view=True)

    class Meta:
        ordering = ["-held_on"]


class EventPairing(AuditedModel):
    class Outcome(models.TextChoices):
        PLANNED = "planned", "已安排 planned"
        INTENT = "intent", "达成意向 intent"
        FOLLOW_UP = "follow_up", "持续跟进 follow-up"
        CONTRACT = "contract", "签约 contract"
        NONE = "none", "未达成 none"

    event = models.ForeignKey(MatchEvent, on_delete=models.CASCADE, related_name="pairings")
    demand = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    achievement = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(default=0)
    reasons = models.JSONField(default=list)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.PLANNED)

    objects = RestrictedManager()
    scope = ScopeRule(region="event__organiser_node", public_view=True)  # like its event

    class Meta:
        unique_together = [("event", "demand", "achievement")]

    def __str__(self):
        return f"{self.demand} ↔ {self.achievement}"


class Bookmark(AuditedModel):
    """收藏 — a user keeps a listing to come back to."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="market_bookmarks")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="bookmarks")
    created_at = models.DateTimeField("收藏时间", auto_now_add=True)

    objects = RestrictedManager()
    scope = ScopeRule(owner="user")

    class Meta:
        unique_together = [("user", "listing")]
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "收藏 bookmark"

    def __str__(self):
        return f"{self.user} ☆ {self.listing}"


class MatchView(AuditedModel):
    """A member opened a listing shown among the matches of their own organisation's listing: the first step
    of the market's chain (match viewed → interest → negotiation → agreed deal). Once per pair of listings."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="match_views")
    source = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField("浏览时间", auto_now_add=True)

    objects = RestrictedManager()
    scope = ScopeRule(owner="user")  # counted in aggregate for the node's admins; each row is the viewer's

    class Meta:
        unique_together = [("listing", "source")]
        verbose_name = verbose_name_plural = "匹配浏览 match viewed"

    def __str__(self):
        return f"{self.source} → {self.listing}"


class Negotiation(AuditedModel, TimeStampedModel):
    """意向与洽谈 — an organisation's expression of interest in a listing and the negotiation that follows,
    between the listing's owner and that organisation; the admins over the listing's market node follow it."""

    class Status(models.TextChoices):
        INTEREST = "interest", "已表达意向 interest"
        NEGOTIATING = "negotiating", "洽谈中 negotiating"
        AGREED = "agreed", "双方同意 agreed"
        CLOSED = "closed", "已结束 closed"

    listing = models.ForeignKey(Listing, verbose_name="条目", on_delete=models.CASCADE, related_name="negotiations")
    party = models.ForeignKey("accounts.Organisation", verbose_name="意向方", on_delete=models.CASCADE, related_name="+")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    source = models.ForeignKey(Listing, verbose_name="意向方的条目", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.INTEREST, db_index=True)
    replied_at = models.DateTimeField("发布方首次回复", null=True, blank=True)
    owner_agreed_at = models.DateTimeField("发布方同意", null=True, blank=True)
    party_agreed_at = models.DateTimeField("意向方同意", null=True, blank=True)
    agreed_at = models.DateTimeField("达成一致", null=True, blank=True)
    closed_reason = models.CharField("结束原因", max_length=300, blank=True)

    objects = RestrictedManager()
    # Owner's members and the node's admins by the rule; the interested party through the view predicate.
    scope = ScopeRule(region="listing__market_node", organisation="listing__organisation")

    class Meta:
        unique_together = [("listing", "party")]
        ordering = ["-updated_at", "-id"]
        verbose_name = verbose_name_plural = "意向与洽谈 negotiation"

    def __str__(self):
        return f"{self.party} ↔ {self.listing}"

    def side_of(self, organisation_id) -> str | None:
        """"owner" or "party" for an organisation in this negotiation, else None."""
        if organisation_id and organisation_id == self.listing.organisation_id:
            return "owner"
        if organisation_id and organisation_id == self.party_id:
            return "party"
        return None

    @property
    def seller(self):
        """Who sells the technology (and files the contract registration): the achievement's owner, or
        the organisation answering a demand."""
        return self.listing.organisation if self.listing.kind == Listing.Kind.ACHIEVEMENT else self.party

    @property
    def buyer(self):
        return self.party if self.listing.kind == Listing.Kind.ACHIEVEMENT else self.listing.organisation


class NegotiationMessage(AuditedModel):
    """One message of a negotiation, from one side to the other."""

    negotiation = models.ForeignKey(Negotiation, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    body = models.TextField("内容")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    objects = RestrictedManager()
    scope = ScopeRule(region="negotiation__listing__market_node", organisation="negotiation__listing__organisation")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = verbose_name_plural = "洽谈消息 negotiation message"

    def __str__(self):
        return f"{self.organisation}: {self.body[:40]}"

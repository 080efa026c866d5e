"""The market's HTML lists (core.tables: sortable columns, pages); every value a word, never a code."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from countyinno.core.tables import BaseTable

from .models import Bookmark, Listing, Negotiation
from .services import rules

RELEVANCE_HELP = ("相关度为绝对值：按对方覆盖查询词的程度（按词的稀有度加权）计算，与其他结果无关。"
                  "★★★★★ ≥80%，★★★★ ≥60%，★★★ ≥40%，★★ ≥20%，其余 ★。")


def _listing_link(record):
    """linkify passes the row as `record`."""
    return reverse("techmarket:listing", args=[record.pk])


class ListingTable(BaseTable):
    kind = tables.Column("类型")
    title = tables.Column("标题", linkify=_listing_link, attrs={"td": {"class": "title"}})
    summary = tables.Column("简介", orderable=False)
    field = tables.Column("领域")
    industry = tables.Column("行业门类")
    owner = tables.Column("发布单位", accessor="organisation__name", orderable=False)
    market_node = tables.Column("所属市场", accessor="market_node__name", order_by="market_node__code")
    published_at = tables.DateColumn(verbose_name="发布日期", format="Y-m-d")

    class Meta(BaseTable.Meta):
        model = Listing
        fields = ("kind", "title", "summary", "field", "industry", "owner", "market_node", "published_at")
        attrs = {"class": "list", "id": "listing-table"}

    def render_industry(self, value):
        return f"{value} {rules()['industry_sections'].get(value, '')}".strip()

    def render_owner(self, record):
        return record.display_owner()  # a hidden company stays hidden


class OwnListingTable(BaseTable):
    """The user's own organisation's listings, with where each stands."""

    title = tables.Column("标题", linkify=_listing_link)
    kind = tables.Column("类型")
    status = tables.Column("状态")
    status_reason = tables.Column("说明", orderable=False, default="")
    updated_at = tables.DateTimeColumn(verbose_name="更新时间", format="Y-m-d H:i")

    class Meta(BaseTable.Meta):
        model = Listing
        fields = ("title", "kind", "status", "status_reason", "updated_at")
        attrs = {"class": "list", "id": "own-listings"}


class ReviewTable(BaseTable):
    title = tables.Column("标题", linkify=_listing_link)
    kind = tables.Column("类型")
    organisation = tables.Column("发布单位", accessor="organisation__name")
    market_node = tables.Column("所属市场", accessor="market_node__name", order_by="market_node__code")
    status_reason = tables.Column("提示", orderable=False, default="")
    updated_at = tables.DateTimeColumn(verbose_name="提交时间", format="Y-m-d H:i")

    class Meta(BaseTable.Meta):
        model = Listing
        fields = ("title", "kind", "organisation", "market_node", "status_reason", "updated_at")
        attrs = {"class": "list", "id": "review-list"}


class SearchTable(BaseTable):
    """Search hits (dicts from search.search_results): absolute relevance, near-identical ones grouped."""

    relevance = tables.Column("相关度", attrs={"th": {"title": RELEVANCE_HELP}})
    title = tables.Column("标题", accessor="listing__title", order_by="listing__title")
    kind = tables.Column("类型", accessor="listing__kind", order_by="listing__kind")
    field = tables.Column("领域", accessor="listing__field", order_by="listing__field")
    owner = tables.Column("发布单位", accessor="listing", orderable=False)
    market_node = tables.Column("所属市场", accessor="listing__market_node__name", order_by="listing__market_node__code")

    class Meta(BaseTable.Meta):
        attrs = {"class": "list", "id": "listing-table"}
        empty_text = "没有结果 / no results"

    def render_relevance(self, record):
        return format_html('<span class="stars" title="{}">{}</span> {}', RELEVANCE_HELP, record["stars_text"],
                           record["band"])

    def render_title(self, record):
        listing = record["listing"]
        html = format_html('<a href="{}">{}</a><br><span class="muted">{}</span>', _listing_link(listing),
                           listing.title, listing.summary)
        similar = record.get("similar") or []
        if similar:
            items = format_html("".join('<li><a href="{}">{}</a></li>' for _ in similar),
                                *[x for s in similar for x in (_listing_link(s["listing"]), s["listing"].title)])
            html += format_html('<details class="similar"><summary>另有 {} 条同单位相近条目</summary><ul>{}</ul></details>',
                                len(similar), items)
        return html

    def render_kind(self, record):
        return record["listing"].get_kind_display()

    def render_owner(self, record):
        return record["listing"].display_owner()


class BookmarkTable(BaseTable):
    title = tables.Column("标题", accessor="listing__title", linkify=lambda record: _listing_link(record.listing))
    kind = tables.Column("类型", accessor="listing__kind")
    status = tables.Column("状态", accessor="listing__status")
    created_at = tables.DateTimeColumn(verbose_name="收藏时间", format="Y-m-d H:i")
    remove = tables.TemplateColumn(
        '{% load i18n %}<form method="post" action="{% url \'techmarket:bookmark\' record.listing_id %}" class="inline">'
        '{% csrf_token %}<input type="hidden" name="remove" value="1"><button>{% trans "取消收藏" %}</button></form>',
        verbose_name="操作", orderable=False)

    class Meta(BaseTable.Meta):
        model = Bookmark
        fields = ("title", "kind", "status", "created_at", "remove")
        attrs = {"class": "list", "id": "bookmark-list"}

    def render_kind(self, record):
        return record.listing.get_kind_display()

    def render_status(self, record):
        return record.listing.get_status_display()


class NegotiationTable(BaseTable):
    listing = tables.Column("条目", accessor="listing__title",
                            linkify=lambda record: reverse("techmarket:negotiation", args=[record.pk]))
    owner = tables.Column("发布方", accessor="listing__organisation__name", orderable=False)
    party = tables.Column("意向方", accessor="party__name")
    status = tables.Column("状态")
    updated_at = tables.DateTimeColumn(verbose_name="最近更新", format="Y-m-d H:i")

    class Meta(BaseTable.Meta):
        model = Negotiation
        fields = ("listing", "owner", "party", "status", "updated_at")
        attrs = {"class": "list", "id": "negotiation-list"}

    def render_owner(self, record):
        # A demand filed with its company name hidden shows the name once its owner has replied.
        return record.listing.organisation.name if record.replied_at else record.listing.display_owner()

"""Periodic releases (成果信息定期发布): monthly bulletins per node and field, as a page, PDF and Atom."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from countyinno.regions.models import Region

from .models import Listing


def month_bounds(year: int, month: int):
    start = datetime.datetime(year, month, 1, tzinfo=timezone.get_current_timezone())
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, end


def bulletin_listings(node: Region, year: int, month: int, field: str = "", kind: str = ""):
    """Listings published that month in the node's market (a city's bulletin includes its counties)."""
    start, end = month_bounds(year, month)
    listings = Listing.objects.filter(status=Listing.Status.PUBLISHED, published_at__gte=start, published_at__lt=end)
    if node.level == Region.Level.COUNTY:
        listings = listings.filter(market_node=node)
    elif node.level == Region.Level.CITY:
        listings = listings.filter(market_node__city=node)
    else:
        listings = listings.filter(market_node__province=node)
    if field:
        listings = listings.filter(field=field)
    if kind:
        listings = listings.filter(kind=kind)
    return listings.select_related("organisation", "market_node").order_by("kind", "-published_at")


def atom(node: Region, listings, link: str) -> bytes:
    feed = Atom1Feed(title=f"{node.name}网上技术市场 · 新发布", link=link,
                     description="科技成果与技术需求 / achievements and demands", language="zh-hans")
    for listing in listings[:200]:
        feed.add_item(title=f"[{listing.get_kind_display().split()[0]}] {listing.title}",
                      link=f"{link.rstrip('/')}/listings/{listing.pk}/", description=listing.summary,
                      pubdate=listing.published_at, unique_id=f"countyinno-listing-{listing.pk}",
                      categories=[listing.field])
    return feed.writeString("utf-8").encode("utf-8")

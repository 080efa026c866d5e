"""What other apps add to a region's page.

regions imports no other app of the platform (they import regions), so an app that has something to
show about a region registers a function here:

    @region_page_context
    def organisation_counts(request, region, subtree) -> dict: ...   # accounts

The function gets the request, the region and the queryset of regions under it (the region itself
included) and returns items for the page's template context.
"""

from __future__ import annotations

from typing import Callable

_contributors: list[Callable] = []


def region_page_context(func: Callable) -> Callable:
    if func not in _contributors:
        _contributors.append(func)
    return func


def contributed_context(request, region, subtree) -> dict:
    context: dict = {}
    for func in _contributors:
        context.update(func(request, region, subtree))
    return context

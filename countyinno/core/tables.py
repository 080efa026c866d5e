"""HTML tables for lists: django-tables2 with the platform's template (sortable columns, pages).

    class ListingTable(BaseTable):
        title = tables.Column("标题", linkify=True)
        class Meta(BaseTable.Meta):
            model = Listing
            fields = ("title", "field", "status")

    table = ListingTable(filterset.qs)                      # a restricted, filtered queryset
    RequestConfig(request, paginate={"per_page": 50}).configure(table)

Filters go through django-filter FilterSets (the API uses the same ones); bad parameters are form
errors, never a 500. `RequestConfig` ignores an unknown sort column and clamps bad page numbers.
"""

import django_tables2 as tables
from django_tables2 import RequestConfig  # noqa: F401  re-exported for views


class BaseTable(tables.Table):
    class Meta:
        attrs = {"class": "list"}
        empty_text = "暂无记录 / nothing here yet"
        template_name = "core/table.html"


def configure(request, table, per_page: int = 50):
    """Sort and paginate from the request; a bad page number shows the last page instead of failing."""
    RequestConfig(request, paginate={"per_page": per_page}).configure(table)
    return table

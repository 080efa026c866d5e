"""HTML lists of enterprises' carriers and certificates (core.tables: sortable, paginated)."""

import datetime

import django_tables2 as tables
from django.utils.html import format_html
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from countyinno.core.tables import BaseTable

from .models import Carrier, Certificate


class CarrierTable(BaseTable):
    name = tables.Column(verbose_name=_("名称"), linkify=lambda record: reverse("enterprises:carrier", args=[record.pk]))
    kind = tables.Column(verbose_name=_("类型"))
    level = tables.Column(verbose_name=_("级别"))
    region = tables.Column(verbose_name=_("所在地区"), accessor="region__name", order_by=("region__code",))
    recognised = tables.DateColumn(format="Y-m-d", verbose_name=_("认定日期"))
    resident_count = tables.Column(verbose_name=_("在孵/入驻企业（家）"), orderable=True)

    class Meta(BaseTable.Meta):
        model = Carrier
        fields = ("name", "kind", "level", "region", "recognised", "resident_count")
        attrs = {"class": "list", "id": "carrier-table"}


class CertificateTable(BaseTable):
    enterprise = tables.Column(verbose_name=_("企业"), accessor="enterprise__organisation__name",
                               order_by=("enterprise__organisation__name",),
                               linkify=lambda record: reverse("enterprises:detail", args=[record.enterprise_id]))
    kind = tables.Column(verbose_name=_("类型"))
    number = tables.Column(verbose_name=_("证书编号"))
    issued = tables.DateColumn(format="Y-m-d", verbose_name=_("发证日期"))
    valid_until = tables.DateColumn(format="Y-m-d", verbose_name=_("有效期至"))
    state = tables.Column(verbose_name=_("状态"), empty_values=(), orderable=False)

    class Meta(BaseTable.Meta):
        model = Certificate
        fields = ("enterprise", "kind", "number", "issued", "valid_until", "state")
        attrs = {"class": "list", "id": "certificate-table"}

    def render_state(self, record):
        today = datetime.date.today()
        if record.valid_until < today:
            return format_html('<span class="muted">{}</span>', _("已过期"))
        return _("有效") if record.issued <= today else _("未生效")

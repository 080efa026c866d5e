"""HTML tables of the account pages (django-tables2 with the platform template)."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from countyinno.core.tables import BaseTable

from .models import User


class UserTable(BaseTable):
    username = tables.Column(_("账号"))
    display_name = tables.Column(_("姓名"))
    role = tables.Column(_("角色"))
    organisation = tables.Column(_("所属机构"), accessor="organisation__name", order_by=("organisation__name",))
    region = tables.Column(_("管辖地区"), accessor="region__name", order_by=("region__code",))
    is_active = tables.Column(_("状态"))
    second_factor = tables.Column(_("动态口令"), accessor="has_totp", orderable=False)
    last_login = tables.DateTimeColumn(format="Y-m-d H:i", verbose_name=_("最近登录"))

    class Meta(BaseTable.Meta):
        model = User
        fields = ("username", "display_name", "role", "organisation", "region", "is_active", "second_factor",
                  "last_login")
        attrs = {"class": "list", "id": "user-table"}
        order_by = ("username",)

    def render_username(self, record, value):
        return format_html('<a href="{}">{}</a>', reverse("accounts:user", args=[record.pk]), value)

    def render_role(self, record):
        return record.get_role_display()

    def render_is_active(self, value):
        return _("有效") if value else _("已停用")

    def render_second_factor(self, value):
        return _("已绑定") if value else _("未绑定")


class LockoutTable(tables.Table):
    username = tables.Column(_("账号"), orderable=False)
    name = tables.Column(_("姓名"), accessor="user", orderable=False, default="—")
    ip_address = tables.Column(_("来源地址"), orderable=False, default="—")
    failures = tables.Column(_("失败次数"), orderable=False)
    last_attempt = tables.DateTimeColumn(format="Y-m-d H:i:s", verbose_name=_("最近一次失败"), orderable=False)
    until = tables.DateTimeColumn(format="Y-m-d H:i:s", verbose_name=_("锁定至"), orderable=False)
    lift = tables.TemplateColumn(template_name="accounts/_lift_lockout.html", verbose_name=_("操作"), orderable=False,
                                 accessor="key")

    class Meta:
        attrs = {"class": "list", "id": "lockout-table"}
        empty_text = "暂无锁定 / no lock-outs"
        template_name = "core/table.html"

    def render_name(self, value):
        return str(value) if value else "—"

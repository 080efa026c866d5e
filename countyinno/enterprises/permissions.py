"""Who may do what in enterprise cultivation. Views, templates, services and the API ask these."""

from django.db.models import Q

from countyinno.accounts.roles import ADMINS, MEMBER, PROVINCE
from countyinno.core.permissions import define
from countyinno.regions.models import Region

from .models import Carrier, Enterprise, PoolMembership

# The registry itself: county, city and province bureaus register firms in a county of their area …
can_register_enterprise = define(
    "enterprises.register_enterprise", Region, action="add_enterprise", roles=ADMINS, via=("region",),
    description="登记企业 / register an enterprise in a county of one's area")

# … and keep a firm's basic data (industry, size, founding date, domain, address, phone) up to date, as may the
# firm's own members; its name, credit code and county are the registry's (accounts.change_organisation).
can_edit_enterprise = define(
    "enterprises.edit_enterprise", Enterprise, action="edit", roles=ADMINS | {MEMBER}, via=("region", "organisation"),
    description="维护企业基本信息 / edit an enterprise's basic data")

# Yearly figures: the firm's own members, and the S&T bureaus over its area.
can_edit_figures = define(
    "enterprises.edit_figures", Enterprise, action="change", roles=ADMINS | {MEMBER}, via=("region", "organisation"),
    description="填报年度数据 / enter an enterprise's yearly figures")

# Certificates (高企, 科技型中小企业) are recorded by the bureaus over the firm's area, never by the firm.
can_record_certificate = define(
    "enterprises.record_certificate", Enterprise, action="certify", roles=ADMINS, via=("region",),
    description="登记资质证书 / record a certificate")

# The 千强 pool: county, city and province admins nominate firms within their area …
can_nominate_enterprise = define(
    "enterprises.nominate_enterprise", Enterprise, action="nominate", roles=ADMINS, via=("region",),
    description="推荐入千强培育库 / nominate into the cultivation pool")

# … and mark an active member as graduated once it is a 高企.
can_graduate_member = define(
    "enterprises.graduate_member", PoolMembership, action="graduate", roles=ADMINS, via=("region",),
    where=Q(status=PoolMembership.Status.ACTIVE),
    description="培育库企业成长为高企 / a pool member became high-tech")

# Pages of the programme as a whole.
can_browse_registry = define("enterprises.browse_registry", roles=ADMINS,
                             description="浏览企业名录 / browse the enterprise registry")
can_view_pool_progress = define("enterprises.view_pool_progress", roles=ADMINS,
                                description="查看千强培育进展 / see the pool's progress")
can_view_pool_target = define("enterprises.view_pool_target", roles={PROVINCE},
                              description="对照全省目标 / compare with the province-wide target")

# Self-assessments (高企, 科技型中小企业, 加计扣除) on a firm's own figures: its members, and the bureaus over its area.
can_self_assess = define(
    "enterprises.self_assess", Enterprise, action="assess", roles=ADMINS | {MEMBER}, via=("region", "organisation"),
    description="企业自评 / run self-assessments on an enterprise's figures")

# Innovation carriers: the bureaus register them in a region of their area and keep them up to date.
can_register_carrier = define(
    "enterprises.register_carrier", Region, action="add_carrier", roles=ADMINS, via=("region",),
    description="登记创新载体 / register an innovation carrier in a region of one's area")
can_edit_carrier = define(
    "enterprises.edit_carrier", Carrier, action="change", roles=ADMINS, via=("region",),
    description="维护创新载体 / edit a carrier and its resident firms")

"""What each signed-in person has to do, gathered from every app for the role home page.

Each item is asked of the same predicates the pages use (`Model.objects.restrict(user, action)`), so a
to-do appears exactly when the user may act on it, and its link opens the page where they can.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_noop as _
from django.utils import timezone


@dataclass
class Todo:
    key: str
    title: str
    count: int
    url: str
    items: list[tuple[str, str, str]] = field(default_factory=list)  # (text, url, note)
    urgent: bool = False


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _todo(key, title, queryset, url, describe, limit=5, urgent=False) -> Todo | None:
    count = queryset.count()
    if not count:
        return None
    items = [describe(obj) for obj in queryset[:limit]]
    return Todo(key, title, count, url, items, urgent)


def monitoring_todos(user) -> list[Todo]:
    from countyinno.monitoring.models import CountySubmission, ReviewComment

    out = []
    base = CountySubmission.objects.select_related("campaign", "region", "region__city")

    def submission(sub, note=""):
        return (f"{sub.campaign.year} 年度 · {sub.region.name}（{getattr(sub.region.city, 'name', '')}）",
                _url("monitoring:submission", sub.pk), note)

    def returned_note(sub):
        comment = ReviewComment.objects.filter(submission=sub).order_by("-id").first()
        return submission(sub, f"退回意见：{comment.comment}" if comment and comment.comment else "")

    out.append(_todo("survey-returned", _("被退回的县域创新调查 · 请按意见修改后重新提交"),
                     base.restrict(user, "edit").filter(status="returned"), _url("monitoring:home"), returned_note,
                     urgent=True))
    today = timezone.localdate()
    drafts = base.restrict(user, "submit").filter(status="draft", campaign__status="open")
    out.append(_todo("survey-draft", _("待填报的县域创新调查"), drafts, _url("monitoring:home"),
                     lambda s: submission(s, f"截止 {s.campaign.deadline:%Y-%m-%d}" + (
                         "（已逾期）" if s.campaign.deadline and s.campaign.deadline < today else ""))))
    out.append(_todo("survey-city", _("待市级审核的调查"), base.restrict(user, "city_review").filter(status="submitted"),
                     _url("monitoring:home"), submission))
    out.append(_todo("survey-province", _("待省级审核的调查"),
                     base.restrict(user, "province_review").filter(status="city_approved"),
                     _url("monitoring:home"), submission))
    overdue = base.restrict(user, "move").filter(status__in=["draft", "returned"], campaign__status="open",
                                                 campaign__deadline__lt=today)
    if getattr(user, "admin_level", None) in ("city", "province"):
        out.append(_todo("survey-overdue", _("逾期未报的县（可催报）"), overdue, _url("monitoring:home"), submission,
                         urgent=True))
    return out


def rural_todos(user) -> list[Todo]:
    from countyinno.rural.models import FarmerQuestion

    out = []
    base = FarmerQuestion.objects.select_related("region")

    def question(q):
        return (f"{q.region.name} · {q.text[:30]}", _url("rural:answer-page", q.pk),
                f"提问于 {timezone.localtime(q.created_at):%m-%d %H:%M}")

    out.append(_todo("questions-unrouted", _("待分派专家的 12396 问题"), base.restrict(user, "route").filter(
        status="unrouted"), _url("rural:questions"), question, urgent=True))
    out.append(_todo("questions-overdue", _("超过应答时限的 12396 问题"), base.restrict(user, "route").filter(
        status="routed", due_at__lt=timezone.now()), _url("rural:questions"), question, urgent=True))
    out.append(_todo("questions-to-answer", _("待您解答的 12396 问题"), base.restrict(user, "answer").filter(
        status="routed"), _url("rural:questions"), question, urgent=True))
    return out


def market_todos(user) -> list[Todo]:
    from countyinno.techmarket.models import Listing

    out = []
    base = Listing.objects.select_related("organisation")

    def listing(item):
        return (f"{item.get_kind_display()} · {item.title}", _url("techmarket:listing", item.pk),
                item.get_status_display())

    out.append(_todo("listings-review", _("待审核的成果与需求"), base.restrict(user, "review"), _url("techmarket:review"),
                     listing))
    out.append(_todo("listings-rejected", _("未通过审核、可修改后重新提交的条目"),
                     base.restrict(user, "edit").filter(status="rejected"), _url("techmarket:market"), listing,
                     urgent=True))
    soon = timezone.localdate() + datetime.timedelta(days=14)
    out.append(_todo("listings-expiring", _("14 天内到期、需确认的条目"),
                     base.restrict(user, "reconfirm").filter(status="published", valid_until__lte=soon),
                     _url("techmarket:market"), listing))
    return out


def contract_todos(user) -> list[Todo]:
    from countyinno.contracts.models import TechContract

    out = []
    base = TechContract.objects.select_related("seller", "point")

    def contract(c):
        return (f"{c.project_name} · {c.seller}", _url("contracts:detail", c.pk),
                f"到期 {c.due_on:%Y-%m-%d}" if c.due_on else "")

    out.append(_todo("contracts-decide", _("待认定登记的技术合同"), base.restrict(user, "decide").filter(
        status="submitted").order_by("due_on"), _url("contracts:list"), contract))
    out.append(_todo("contracts-returned", _("被登记点退回、待补正的合同登记申请"),
                     base.restrict(user, "correct").filter(status="returned"), _url("contracts:list"), contract,
                     urgent=True))
    out.append(_todo("contracts-reference", _("将本机构列为中介、待确认的技术合同"),
                     base.restrict(user, "answer_reference").filter(agency_status="pending"),
                     _url("contracts:list"), contract))
    if getattr(user, "admin_level", None) is None:
        out.append(_todo("contracts-mine", _("本单位审核中的合同登记申请"), base.restrict(user).filter(
            status="submitted", seller_id=getattr(user, "organisation_id", None)), _url("contracts:list"), contract))
    return out


def talent_todos(user) -> list[Todo]:
    from countyinno.talent.models import Assignment, ServiceLog, WorkstationApplication

    out = []

    def assignment(a):
        return (f"{a.demand.requester} · {a.demand.problem[:24]}", _url("talent:assignment", a.pk),
                f"{a.plan.year} 年度")

    out.append(_todo("assignments", _("您的派驻任务（填写服务日志）"), Assignment.objects.restrict(user, "log").filter(
        plan__status="published").select_related("demand__requester", "plan"), _url("talent:home"), assignment))
    out.append(_todo("logs-confirm", _("待本单位确认的服务日志"), ServiceLog.objects.restrict(user, "confirm").filter(
        status="pending").select_related("assignment__talent"), _url("talent:home"),
        lambda log: (f"{log.assignment.talent} · {log.visited_on:%Y-%m-%d}", _url("talent:assignment",
                                                                                  log.assignment_id), log.content[:30])))
    def workstation(w):
        return (f"{w.host} · {w.expert_name}", _url("talent:workstation", w.pk), w.get_status_display())

    out.append(_todo("workstations-review", _("待审核的院士（专家）工作站备案"),
                     WorkstationApplication.objects.restrict(user, "review").filter(
                         status__in=["submitted", "city_approved"]).select_related("host"),
                     _url("talent:workstations"), workstation))
    out.append(_todo("workstations-returned", _("被退回、可修改后重新提交的工作站备案"),
                     WorkstationApplication.objects.restrict(user, "resubmit").select_related("host"),
                     _url("talent:workstations"), workstation, urgent=True))
    out.append(_todo("logs-disputed", _("被服务单位提出异议、待您答复的服务日志"),
                     ServiceLog.objects.restrict(user, "answer").select_related("assignment__demand__requester"),
                     _url("talent:home"),
                     lambda log: (f"{log.assignment.demand.requester} · {log.visited_on:%Y-%m-%d}",
                                  _url("talent:assignment", log.assignment_id), log.content[:30]), urgent=True))
    out.append(_todo("assignments-evaluate", _("待县级评价的科技特派员服务"),
                     Assignment.objects.restrict(user, "evaluate").filter(county_score__isnull=True)
                     .select_related("talent", "demand__requester"), _url("talent:evaluations"),
                     lambda a: (f"{a.talent} · {a.demand.requester}", _url("talent:assignment-evaluate", a.pk), "")))
    return out


COLLECTORS = [monitoring_todos, rural_todos, market_todos, contract_todos, talent_todos]


def todos_for(user) -> list[Todo]:
    found = []
    for collect in COLLECTORS:
        found += [t for t in collect(user) if t is not None]
    return sorted(found, key=lambda t: (not t.urgent, t.key))


def shortcuts_for(user) -> list[tuple[str, str]]:
    """The few pages this person opens most, each shown only when its predicate allows it."""
    from countyinno.core.permissions import predicate

    def allowed(name, obj=None):
        try:
            return predicate(name)(user, obj)
        except (KeyError, TypeError):
            return False

    links = []
    level = getattr(user, "admin_level", None)
    organisation = getattr(user, "organisation", None)
    if level:
        links += [(_("县域创新调查与审核"), _url("monitoring:home")), (_("指数排名与地图"), _url("monitoring:rankings")),
                  (_("12396 问题"), _url("rural:questions")), (_("成果与需求审核"), _url("techmarket:review")),
                  (_("技术合同"), _url("contracts:list")), (_("企业培育与千强"), _url("enterprises:list")),
                  (_("科技特派员"), _url("talent:home")), (_("政策目标"), _url("rural:targets"))]
    elif organisation is not None and getattr(user, "acts_for_organisation", False):
        if allowed("techmarket.create_listing", organisation):
            links.append((_("发布成果或需求"), _url("techmarket:market")))
        if allowed("contracts.apply_contract", organisation):
            links.append((_("技术合同登记申请"), _url("contracts:apply")))
        if allowed("talent.file_demand", organisation):
            links.append((_("申请科技特派员服务"), _url("talent:demand-create")))
        links.append((_("企业培育与自评"), _url("enterprises:list")))
    else:
        links += [(_("我的资料"), _url("talent:profile")), (_("派驻任务与服务日志"), _url("talent:home")),
                  (_("技术市场"), _url("techmarket:market"))]
    return [(label, url) for label, url in links if url]

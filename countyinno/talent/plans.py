"""A dispatch plan in words: the solver, the mode and every constraint as a sentence — never a code or a dict."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import ServiceDemand, Talent

SOLVERS = {
    "min_cost_flow_ortools": gettext_lazy("最小费用流（OR-Tools），精确最优解"),
    "milp_highs": gettext_lazy("整数规划（HiGHS），精确最优解"),
    "deferred_acceptance": gettext_lazy("双向选择稳定匹配（延迟接受算法）"),
}
MODES = {"optimal": gettext_lazy("全局最优"), "stable": gettext_lazy("双向选择（稳定匹配）")}
STATUSES = {"optimal": gettext_lazy("已求得最优解"), "feasible": gettext_lazy("已求得可行解"), "stable": gettext_lazy("稳定匹配")}
SHOWN_PAIRS = 10


def _number(value) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return "—"
    if not number.is_finite():
        return "—"
    return str(number.quantize(Decimal("0.01"))) if number != number.to_integral_value() else str(int(number))


def _pairs(pairs) -> tuple[int, str]:
    pairs = [p for p in pairs or [] if isinstance(p, (list, tuple)) and len(p) == 2]
    shown = pairs[:SHOWN_PAIRS]
    talent_ids = {int(t) for t, _d in shown if str(t).isdigit()}
    demand_ids = {int(d) for _t, d in shown if str(d).isdigit()}
    talents = dict(Talent.objects.filter(pk__in=talent_ids).values_list("pk", "name"))
    demands = {d.pk: d.requester.name for d in ServiceDemand.objects.filter(pk__in=demand_ids).select_related("requester")}
    names = []
    for t, d in shown:
        who = talents.get(int(t)) if str(t).isdigit() else None
        where = demands.get(int(d)) if str(d).isdigit() else None
        names.append(f"{who or _('人才') + ' #' + str(t)} → {where or _('需求') + ' #' + str(d)}")
    more = len(pairs) - len(shown)
    text = "；".join(names) + (_("；另 %(n)s 对") % {"n": more} if more > 0 else "")
    return len(pairs), text


def constraint_sentences(constraints: dict) -> list[str]:
    constraints = constraints if isinstance(constraints, dict) else {}
    out = []
    minimum = constraints.get("min_per_county")
    if isinstance(minimum, dict):
        for county, n in sorted(minimum.items()):
            out.append(_("县（区划代码 %(code)s）至少派驻 %(n)s 名特派员") % {"code": county, "n": _number(n)})
    elif minimum not in (None, "", 0):
        out.append(_("每个有需求的县至少派驻 %(n)s 名特派员") % {"n": _number(minimum)})
    cap = constraints.get("max_per_unit_per_county")
    if cap not in (None, ""):
        out.append(_("同一派出单位在同一个县至多派驻 %(n)s 人") % {"n": _number(cap)})
    count, text = _pairs(constraints.get("pinned"))
    if count:
        out.append(_("指定结对 %(n)s 对：%(pairs)s") % {"n": count, "pairs": text})
    count, text = _pairs(constraints.get("forbidden"))
    if count:
        out.append(_("禁止结对 %(n)s 对：%(pairs)s") % {"n": count, "pairs": text})
    if not out:
        out.append(_("无附加约束：按领域与关键词匹配、就近派驻，服务尽可能多的需求"))
    return out


def describe_plan(plan) -> dict:
    summary = plan.summary if isinstance(plan.summary, dict) else {}
    objective = summary.get("objective") if isinstance(summary.get("objective"), dict) else {}
    solver = str(summary.get("solver") or "")
    status = str(summary.get("status") or "")
    return {
        "solver": str(SOLVERS[solver]) if solver in SOLVERS else (_("其他求解器") if solver else "—"),
        "mode": str(MODES[plan.mode]) if plan.mode in MODES else _("其他模式"),
        "status": str(STATUSES[status]) if status in STATUSES else (_("已求解") if status else "—"),
        "assigned": _number(objective.get("assigned", 0)),
        "total_cost": _number(objective.get("total_cost")),
        "unserved": _number(summary.get("unserved", 0)),
        "idle": _number(summary.get("idle", 0)),
        "seconds": _number(summary.get("seconds")),
        "constraints": constraint_sentences(plan.constraints),
    }

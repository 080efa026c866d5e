import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from countyinno.core import jobs
from countyinno.core.actions import require
from countyinno.core.views import flash_errors, paginate

from . import services
from .models import Assessment, Assignment, DispatchPlan, ServiceDemand, ServiceLog, Talent, WorkstationApplication
from .permissions import can_file_demand, can_oversee_programme, can_solve_plan

FIELDS = ["现代农业", "先进制造与自动化", "电子信息", "新材料", "生物与新医药", "资源与环境", "新能源与节能", "高技术服务"]
# Crops and trades for the farm Q&A routing (rural), which talents may also cover.
PROFILE_FIELDS = FIELDS + ["小麦", "玉米", "设施蔬菜", "果树", "畜牧", "水产", "中药材", "农机"]


@login_required
def home(request):
    user = request.user
    context = {"fields": FIELDS, "year": datetime.date.today().year}
    talent = Talent.objects.filter(user=user).first()
    if talent is not None:
        context["talent"] = talent
        context["assignments"] = (Assignment.objects.restrict(user).filter(talent=talent, plan__status="published")
                                  .select_related("demand", "demand__requester", "demand__region", "plan"))
    if user.organisation_id and can_file_demand(user, user.organisation):
        context["demands"] = ServiceDemand.objects.restrict(user).filter(requester_id=user.organisation_id)
        context["served"] = (Assignment.objects.restrict(user).filter(demand__requester_id=user.organisation_id,
                                                                      plan__status="published")
                             .select_related("talent", "demand").prefetch_related("logs"))
    if can_oversee_programme(user):
        context["talents"] = paginate(request, Talent.objects.restrict(user).select_related("home_unit"))
        context["plans"] = DispatchPlan.objects.restrict(user)[:10]
        context["open_demands"] = ServiceDemand.objects.restrict(user).filter(status="open").count()
    return render(request, "talent/home.html", context)


@login_required
@require_POST
def demand_create(request):
    if not request.user.organisation_id:
        raise Http404
    try:
        services.file_demand(actor=request.user, requester=request.user.organisation,
                             problem=request.POST.get("problem", ""), fields=request.POST.getlist("fields"),
                             keywords=[w for w in request.POST.get("keywords", "").replace("，", ",").split(",") if w.strip()],
                             days_needed=int(request.POST.get("days_needed") or 0),
                             year=int(request.POST.get("year") or datetime.date.today().year))
        messages.success(request, "需求已提交 / demand filed")
    except ValueError:
        messages.error(request, "天数或年度应为整数 / days and year must be whole numbers")
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect("talent:home")


def _pairs(text: str) -> list[list[str]]:
    return [[a.strip(), b.strip()] for a, b in (line.split(",", 1) for line in text.splitlines() if "," in line)]


@login_required
@require_POST
def plan_solve(request):
    """Submit the solve as a background job and show its progress; the job page links to the plan."""
    try:
        year = int(request.POST.get("year"))
        constraints = {}
        if request.POST.get("min_per_county"):
            constraints["min_per_county"] = int(request.POST["min_per_county"])
        if request.POST.get("max_per_unit_per_county"):
            constraints["max_per_unit_per_county"] = int(request.POST["max_per_unit_per_county"])
        constraints["pinned"] = _pairs(request.POST.get("pinned", ""))
        constraints["forbidden"] = _pairs(request.POST.get("forbidden", ""))
    except (ValueError, TypeError):
        messages.error(request, "参数应为整数 / parameters must be whole numbers")
        return redirect("talent:home")
    try:
        require(can_solve_plan, request.user)
        province = services.plan_province(request.user)
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
        return redirect("talent:home")
    job = jobs.submit("talent.solve_plan", {"year": year, "constraints": constraints,
                                            "mode": request.POST.get("mode", "optimal"), "province": province.code},
                      user=request.user, region=province,
                      title=f"{year} 年度科技特派员选派方案 / {year} dispatch plan")
    messages.info(request, "方案计算已提交 / the plan is being solved")
    return redirect("job-page", job.pk)


@login_required
def plan_detail(request, pk):
    plan = get_object_or_404(DispatchPlan.objects.restrict(request.user), pk=pk)
    assignments = plan.assignments.select_related("talent", "talent__home_unit", "demand", "demand__requester",
                                                  "demand__region").order_by("demand__region__code")
    return render(request, "talent/plan_detail.html", {"plan": plan, "page": paginate(request, assignments, 100)})


@login_required
@require_POST
def plan_publish(request, pk):
    plan = get_object_or_404(DispatchPlan.objects.restrict(request.user), pk=pk)
    try:
        services.publish_plan(actor=request.user, plan=plan)
        messages.success(request, "方案已发布 / published")
    except PermissionDenied as exc:
        flash_errors(request, exc)
    return redirect("talent:plan", plan.pk)


@login_required
def assignment_detail(request, pk):
    assignment = get_object_or_404(Assignment.objects.restrict(request.user).select_related(
        "talent", "demand", "demand__requester", "plan"), pk=pk)
    return render(request, "talent/assignment_detail.html", {
        "assignment": assignment, "logs": assignment.logs.all(), "today": datetime.date.today().isoformat()})


@login_required
@require_POST
def log_create(request, pk):
    assignment = get_object_or_404(Assignment.objects.restrict(request.user), pk=pk)
    try:
        services.log_visit(actor=request.user, assignment=assignment,
                           visited_on=datetime.date.fromisoformat(request.POST.get("visited_on", "")),
                           days=float(request.POST.get("days") or 0), content=request.POST.get("content", ""))
        messages.success(request, "服务日志已提交，待服务单位确认 / logged, awaiting confirmation")
    except ValueError:
        messages.error(request, "日期或天数格式无效 / invalid date or days")
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect("talent:assignment", pk)


@login_required
@require_POST
def log_confirm(request, pk):
    log = get_object_or_404(ServiceLog.objects.restrict(request.user).select_related("assignment"), pk=pk)
    try:
        rating = request.POST.get("satisfaction")
        services.confirm_log(actor=request.user, log=log, accept=request.POST.get("accept", "1") == "1",
                             satisfaction=int(rating) if rating else None)
        messages.success(request, "已确认 / confirmed")
    except ValueError:
        messages.error(request, "满意度应为 1–5 / satisfaction must be 1–5")
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect("talent:assignment", log.assignment_id)


@login_required
def assessments(request):
    rows = Assessment.objects.restrict(request.user).select_related("talent", "talent__home_unit")
    return render(request, "talent/assessments.html", {"page": paginate(request, rows)})


@login_required
def workstations(request):
    rows = WorkstationApplication.objects.restrict(request.user).select_related("host", "host__region")
    return render(request, "talent/workstations.html", {"page": paginate(request, rows)})


@login_required
@require_POST
def workstation_review(request, pk):
    app = get_object_or_404(WorkstationApplication.objects.restrict(request.user), pk=pk)
    try:
        services.review_workstation(actor=request.user, app=app, approve=request.POST.get("approve") == "1",
                                    comment=request.POST.get("comment", ""))
        messages.success(request, "已审核 / reviewed")
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect("talent:workstations")


@login_required
def profile(request):
    """A talent's own profile (自助维护): fields, keywords, availability, capacity."""
    talent = getattr(request.user, "talent", None)
    if talent is None:
        raise Http404
    if request.method == "POST":
        try:
            services.update_profile(
                actor=request.user, talent=talent, title=request.POST.get("title", "").strip(),
                degree=request.POST.get("degree", "").strip(),
                fields=[f for f in request.POST.getlist("fields") if f in PROFILE_FIELDS],
                keywords=[w.strip() for w in request.POST.get("keywords", "").replace("，", ",").split(",") if w.strip()],
                availability_days=int(request.POST.get("availability_days") or 0),
                capacity=int(request.POST.get("capacity") or 0))
            messages.success(request, "资料已更新 / profile saved")
            return redirect("talent:profile")
        except ValueError:
            messages.error(request, "天数和容量应为整数 / days and capacity must be whole numbers")
        except (ValidationError, PermissionDenied) as exc:
            flash_errors(request, exc)
    return render(request, "talent/profile.html", {"talent": talent, "fields": PROFILE_FIELDS})

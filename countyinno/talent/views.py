"""Talent pages. Every parameter goes through a form or a FilterSet (forms.py); every write is a declared
action (services.py); who sees a button is the predicate's."""

import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from countyinno.core import jobs
from countyinno.core.actions import require
from countyinno.core.tables import configure
from countyinno.core.views import flash_errors

from . import services
from .forms import (AnswerForm, AssessForm, AssessmentFilter, ConfirmForm, DemandForm, DisputeForm, EvaluationFilter,
                    EvaluationForm, LogForm, ProfileForm, PublicityForm, ResubmitForm, ReviewForm, SolveForm,
                    TalentFilter, TalentForm, WorkstationFilter, WorkstationForm)
from .models import bilingual_part
from .models import Assessment, Assignment, DispatchPlan, ServiceDemand, ServiceLog, Talent, WorkstationApplication
from .permissions import (can_assess_year, can_file_demand, can_file_workstation, can_oversee_programme,
                          can_solve_plan, can_update_talent)
from .plans import describe_plan
from .tables import (AssessmentTable, AssignmentTable, EvaluationTable, PublicityTable, TalentTable,
                     WorkstationTable)

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=6, decimal_places=1))


def _confirmed_days():
    return Coalesce(Sum("logs__days", filter=Q(logs__status=ServiceLog.Status.CONFIRMED)), ZERO)


# ------------------------------------------------------------------ home
def _talent_todos(user, talent: Talent) -> dict:
    """What a talent has to do: assignments to log, disputes to answer, logs awaiting the unit."""
    minimum = Decimal(str(services._rules()["min_service_days"]))
    assignments = list(Assignment.objects.restrict(user, "log").filter(talent=talent, plan__status="published")
                       .select_related("demand", "demand__requester", "demand__region", "plan")
                       .annotate(confirmed_days=_confirmed_days(),
                                 pending=Count("logs", filter=Q(logs__status=ServiceLog.Status.PENDING)))
                       .order_by("-plan__year", "demand__requester__name"))
    for a in assignments:
        a.short_of = max(minimum - a.confirmed_days, Decimal("0"))
    disputes = (ServiceLog.objects.restrict(user, "answer").select_related("assignment__demand__requester")
                .order_by("-disputed_at"))
    return {"assignments": assignments, "disputes": disputes, "minimum_days": minimum}


def _home_context(request, demand_form=None, solve_form=None) -> dict:
    user = request.user
    context = {"year": timezone.localdate().year}
    talent = Talent.objects.filter(user=user).first()
    if talent is not None:
        context["talent"] = talent
        context.update(_talent_todos(user, talent))
    if user.organisation_id and can_file_demand(user, user.organisation):
        context["demand_form"] = demand_form or DemandForm()
        context["demands"] = ServiceDemand.objects.restrict(user).filter(requester_id=user.organisation_id)
        context["served"] = (Assignment.objects.restrict(user).filter(demand__requester_id=user.organisation_id,
                                                                      plan__status="published")
                             .select_related("talent", "demand")
                             .annotate(log_count=Count("logs"),
                                       to_confirm=Count("logs", filter=Q(logs__status=ServiceLog.Status.PENDING))))
    if can_oversee_programme(user):
        context["may_see_pool"] = True
        context["plans"] = [(p, describe_plan(p)) for p in DispatchPlan.objects.restrict(user)[:10]]
        context["open_demands"] = ServiceDemand.objects.restrict(user).filter(status="open").count()
        if can_solve_plan(user):
            context["solve_form"] = solve_form or SolveForm()
    context["may_evaluate"] = Assignment.objects.restrict(user, "evaluate").exists()
    return context


@login_required
def home(request):
    return render(request, "talent/home.html", _home_context(request))


@login_required
@require_POST
def demand_create(request):
    if not request.user.organisation_id:
        raise Http404
    form = DemandForm(request.POST)
    if form.is_valid():
        try:
            services.file_demand(actor=request.user, requester=request.user.organisation, **form.cleaned_data)
            messages.success(request, "需求已提交 / demand filed")
            return redirect("talent:home")
        except (ValidationError, PermissionDenied) as exc:
            form.take_errors(exc)
    return render(request, "talent/home.html", _home_context(request, demand_form=form), status=400)


@login_required
@require_POST
def plan_solve(request):
    """Submit the solve as a background job and show its progress; the job page links to the plan."""
    try:
        require(can_solve_plan, request.user)
        province = services.plan_province(request.user)
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
        return redirect("talent:home")
    form = SolveForm(request.POST)
    if not form.is_valid():
        return render(request, "talent/home.html", _home_context(request, solve_form=form), status=400)
    year = form.cleaned_data["year"]
    try:
        job = jobs.submit("talent.solve_plan", {"year": year, "constraints": form.constraints(),
                                                "mode": form.cleaned_data["mode"], "province": province.code},
                          user=request.user, region=province,
                          title=f"{year} 年度科技特派员选派方案 / {year} dispatch plan")
    except ValidationError as exc:  # JobThrottled: too many solves at once or this hour
        form.take_errors(exc)
        return render(request, "talent/home.html", _home_context(request, solve_form=form), status=429)
    messages.info(request, "方案计算已提交 / the plan is being solved")
    return redirect("job-page", job.pk)


# ------------------------------------------------------------------ the talent pool (人才库)
@login_required
def pool(request):
    """人才库: the talents of the official's area, filtered; officials register new ones from here."""
    if not can_oversee_programme(request.user):
        raise Http404
    rows = Talent.objects.restrict(request.user).select_related("home_unit", "home_unit__region", "user")
    filterset = TalentFilter(request.GET or None, queryset=rows)
    table = TalentTable(filterset.qs)
    table.editable = set(Talent.objects.restrict(request.user, "update").values_list("pk", flat=True))
    configure(request, table, per_page=30)
    return render(request, "talent/pool.html", {
        "filter": filterset, "table": table, "may_register": services.register_units(request.user).exists()})


def _talent_form_page(request, talent=None):
    form = TalentForm(request.POST or None, actor=request.user, talent=talent)
    if request.method == "POST" and form.is_valid():
        try:
            if talent is None:
                done = services.register_talent(actor=request.user, **form.cleaned_data)
                messages.success(request, f"已登记人才：{done.name} / talent registered")
            else:
                done = services.update_talent(actor=request.user, talent=talent, **form.cleaned_data)
                messages.success(request, f"已保存：{done.name} / saved")
            return redirect(f"{reverse('talent:pool')}?name={done.name}")
        except (ValidationError, PermissionDenied) as exc:
            form.take_errors(exc)
            if talent is not None:
                talent.refresh_from_db()
    status = 400 if request.method == "POST" else 200
    return render(request, "talent/talent_form.html", {"form": form, "talent": talent}, status=status)


@login_required
def talent_create(request):
    if not services.register_units(request.user).exists():
        raise Http404
    return _talent_form_page(request)


@login_required
def talent_edit(request, pk):
    talent = get_object_or_404(Talent.objects.restrict(request.user, "update").select_related("home_unit", "user"),
                               pk=pk)
    return _talent_form_page(request, talent)


# ------------------------------------------------------------------ plans
@login_required
def plan_detail(request, pk):
    plan = get_object_or_404(DispatchPlan.objects.restrict(request.user), pk=pk)
    assignments = plan.assignments.select_related("talent", "talent__home_unit", "demand", "demand__requester",
                                                  "demand__region").order_by("demand__region__code", "pk")
    table = configure(request, AssignmentTable(assignments), per_page=100)
    return render(request, "talent/plan_detail.html", {"plan": plan, "table": table, "about": describe_plan(plan)})


@login_required
@require_POST
def plan_publish(request, pk):
    plan = get_object_or_404(DispatchPlan.objects.restrict(request.user), pk=pk)
    try:
        services.publish_plan(actor=request.user, plan=plan)
        messages.success(request, "方案已发布 / published")
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect("talent:plan", plan.pk)


# ------------------------------------------------------------------ assignments and logs
def _assignment_context(request, assignment, **forms) -> dict:
    user = request.user
    logs = list(assignment.logs.select_related("confirmed_by").order_by("-visited_on", "-pk"))
    bound_for = forms.pop("log_pk", None)
    for log in logs:
        log.confirm_form = forms["confirm_form"] if bound_for == log.pk and "confirm_form" in forms else ConfirmForm(
            prefix=f"c{log.pk}")
        log.dispute_form = forms["dispute_form"] if bound_for == log.pk and "dispute_form" in forms else DisputeForm(
            prefix=f"d{log.pk}")
        log.answer_form = forms["answer_form"] if bound_for == log.pk and "answer_form" in forms else AnswerForm(
            prefix=f"a{log.pk}")
    today = timezone.localdate()
    figures = services.assessment_figures(assignment.talent, assignment.plan.year,
                                          services._rules(datetime.date(assignment.plan.year, 12, 31)))
    if figures is not None:
        figures["grade"] = bilingual_part(figures["grade"])
    return {"assignment": assignment, "logs": logs,
            "log_form": forms.get("log_form") or LogForm(initial={"visited_on": today, "days": 1}),
            "evaluation_form": forms.get("evaluation_form") or EvaluationForm(initial={
                "score": assignment.county_score, "comment": assignment.county_comment}),
            "figures": figures, "may_see_figures": can_oversee_programme(user) or assignment.talent.user_id == user.pk}


def _assignment(request, pk):
    return get_object_or_404(Assignment.objects.restrict(request.user).select_related(
        "talent", "talent__home_unit", "demand", "demand__requester", "demand__region", "plan"), pk=pk)


@login_required
def assignment_detail(request, pk):
    return render(request, "talent/assignment_detail.html", _assignment_context(request, _assignment(request, pk)))


@login_required
@require_POST
def log_create(request, pk):
    assignment = _assignment(request, pk)
    form = LogForm(request.POST)
    if form.is_valid():
        try:
            services.log_visit(actor=request.user, assignment=assignment, **form.cleaned_data)
            messages.success(request, "服务日志已提交，待服务单位确认 / logged, awaiting confirmation")
            return redirect("talent:assignment", pk)
        except (ValidationError, PermissionDenied) as exc:
            form.take_errors(exc)
    return render(request, "talent/assignment_detail.html", _assignment_context(request, assignment, log_form=form),
                  status=400)


def _log_action(request, pk, form_class, prefix, key, run, done):
    log = get_object_or_404(ServiceLog.objects.restrict(request.user).select_related("assignment"), pk=pk)
    form = form_class(request.POST, prefix=f"{prefix}{log.pk}")
    if form.is_valid():
        try:
            run(log, form.cleaned_data)
            messages.success(request, done)
            return redirect("talent:assignment", log.assignment_id)
        except (ValidationError, PermissionDenied) as exc:
            form.take_errors(exc)
    assignment = _assignment(request, log.assignment_id)
    return render(request, "talent/assignment_detail.html",
                  _assignment_context(request, assignment, log_pk=log.pk, **{key: form}), status=400)


@login_required
@require_POST
def log_confirm(request, pk):
    return _log_action(request, pk, ConfirmForm, "c", "confirm_form",
                       lambda log, d: services.confirm_log(actor=request.user, log=log, satisfaction=d["satisfaction"]),
                       "已确认并评分 / confirmed and rated")


@login_required
@require_POST
def log_dispute(request, pk):
    return _log_action(request, pk, DisputeForm, "d", "dispute_form",
                       lambda log, d: services.dispute_log(actor=request.user, log=log, reason=d["reason"]),
                       "已提出异议，特派员和县科技部门可见 / disputed; the talent and the county can see it")


@login_required
@require_POST
def log_answer(request, pk):
    return _log_action(request, pk, AnswerForm, "a", "answer_form",
                       lambda log, d: services.answer_dispute(actor=request.user, log=log, reply=d["reply"],
                                                              days=d["days"]),
                       "已答复，待服务单位重新确认 / answered; the unit confirms again")


@login_required
@require_POST
def assignment_evaluate(request, pk):
    assignment = _assignment(request, pk)
    form = EvaluationForm(request.POST)
    if form.is_valid():
        try:
            services.evaluate_service(actor=request.user, assignment=assignment, **form.cleaned_data)
            messages.success(request, "县级评价已保存，年度考核已重算 / evaluation saved; the assessment was recomputed")
            return redirect("talent:assignment", pk)
        except (ValidationError, PermissionDenied) as exc:
            form.take_errors(exc)
    return render(request, "talent/assignment_detail.html",
                  _assignment_context(request, assignment, evaluation_form=form), status=400)


@login_required
def evaluations(request):
    """The county's list of commissioners serving there, to evaluate (服务成效)."""
    rows = (Assignment.objects.restrict(request.user, "evaluate")
            .select_related("talent", "demand__requester", "plan")
            .annotate(confirmed_days=_confirmed_days()).order_by("-plan__year", "talent__name"))
    filterset = EvaluationFilter(request.GET or None, queryset=rows)
    table = configure(request, EvaluationTable(filterset.qs))
    return render(request, "talent/evaluations.html", {"filter": filterset, "table": table})


# ------------------------------------------------------------------ assessment
@login_required
def assessments(request):
    rows = Assessment.objects.restrict(request.user).select_related("talent", "talent__home_unit")
    filterset = AssessmentFilter(request.GET or None, queryset=rows)
    table = configure(request, AssessmentTable(filterset.qs))
    params = services._rules()
    year = timezone.localdate().year
    if filterset.is_bound and filterset.is_valid() and filterset.form.cleaned_data.get("year"):
        year = int(filterset.form.cleaned_data["year"])
    return render(request, "talent/assessments.html", {
        "filter": filterset, "table": table, "weights": params["assessment_weights"],
        "minimum_days": params["min_service_days"], "grades": params["grades"], "year": year,
        "may_assess": can_assess_year(request.user)})


@login_required
@require_POST
def assess(request):
    """The province recomputes a year's assessment from the logs, ratings and county evaluations."""
    form = AssessForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, f"{form.fields['year'].label}：{message}")
        return redirect("talent:assessments")
    year = form.cleaned_data["year"]
    try:
        done = services.assess_year(actor=request.user, year=year)
        messages.success(request, f"{year} 年度考核已重算：{len(done)} 人 / {year} recomputed for {len(done)} talent(s)")
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect(f"{reverse('talent:assessments')}?year={year}")


# ------------------------------------------------------------------ workstations
@login_required
def workstations(request):
    user = request.user
    rows = WorkstationApplication.objects.restrict(user).select_related("host", "host__region")
    filterset = WorkstationFilter(request.GET or None, queryset=rows)
    table = configure(request, WorkstationTable(filterset.qs))
    may_file = bool(user.organisation_id) and can_file_workstation(user, user.organisation)
    to_review = WorkstationApplication.objects.restrict(user, "review").count()
    return render(request, "talent/workstations.html", {"filter": filterset, "table": table, "may_file": may_file,
                                                        "to_review": to_review})


@login_required
def workstation_create(request):
    user = request.user
    if not user.organisation_id or not can_file_workstation(user, user.organisation):
        raise PermissionDenied("只有建站单位的成员可以申请备案 / only members of the host unit may file")
    form = WorkstationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            app = services.file_workstation(
                actor=user, host=user.organisation, kind=d["kind"], expert_name=d["expert_name"],
                expert_unit=d["expert_unit"], expert_retired=d["expert_retired"], other_stations=d["other_stations"],
                months_per_year=d["months_per_year"], materials=form.materials())
            messages.success(request, "备案申请已提交，待市级初审 / filed; the city reviews it first")
            return redirect("talent:workstation", app.pk)
        except (ValidationError, PermissionDenied) as exc:
            form.take_errors(exc)
    status = 400 if request.method == "POST" else 200
    return render(request, "talent/workstation_form.html", {"form": form}, status=status)


def _workstation_context(request, app, review_form=None, resubmit_form=None) -> dict:
    today = timezone.localdate()
    days_left = (services.working_days_left(app.province_due_on, today)
                 if app.status == WorkstationApplication.Status.CITY_APPROVED else None)
    return {"app": app, "materials": app.materials.all(), "today": today, "days_left": days_left,
            "days_overdue": -days_left if days_left is not None and days_left < 0 else None,
            "in_publicity": app.published_on is not None and app.published_on <= today <= app.publicity_ends_on,
            "problems": services.workstation_problems(app) if app.status == "submitted" else [],
            "review_form": review_form or ReviewForm(),
            "resubmit_form": resubmit_form or ResubmitForm(initial={"months_per_year": app.months_per_year,
                                                                   "other_stations": app.other_stations})}


def _workstation(request, pk):
    return get_object_or_404(WorkstationApplication.objects.restrict(request.user).select_related(
        "host", "host__region", "filed_by"), pk=pk)


@login_required
def workstation_detail(request, pk):
    return render(request, "talent/workstation_detail.html", _workstation_context(request, _workstation(request, pk)))


@login_required
@require_POST
def workstation_review(request, pk):
    app = _workstation(request, pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review_workstation(actor=request.user, app=app, approve=form.cleaned_data["approve"],
                                        comment=form.cleaned_data["comment"])
            messages.success(request, "已审核 / reviewed")
            return redirect("talent:workstation", app.pk)
        except PermissionDenied as exc:
            flash_errors(request, exc)
            return redirect("talent:workstation", app.pk)
        except ValidationError as exc:
            form.take_errors(exc)
    app = _workstation(request, pk)  # the refused attempt may have changed the object in memory
    return render(request, "talent/workstation_detail.html", _workstation_context(request, app, review_form=form),
                  status=400)


@login_required
@require_POST
def workstation_resubmit(request, pk):
    app = _workstation(request, pk)
    form = ResubmitForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.resubmit_workstation(actor=request.user, app=app, months_per_year=form.cleaned_data["months_per_year"],
                                          other_stations=form.cleaned_data["other_stations"],
                                          materials=form.materials())
            messages.success(request, "已重新提交，待市级初审 / resubmitted; the city reviews it again")
            return redirect("talent:workstation", app.pk)
        except PermissionDenied as exc:
            flash_errors(request, exc)
            return redirect("talent:workstation", app.pk)
        except ValidationError as exc:
            form.take_errors(exc)
    app = _workstation(request, pk)
    return render(request, "talent/workstation_detail.html", _workstation_context(request, app, resubmit_form=form),
                  status=400)


@login_required
def workstation_material(request, pk, material_pk):
    """A material of an application, to those who may see the application; always a download."""
    app = _workstation(request, pk)
    material = get_object_or_404(app.materials, pk=material_pk)
    try:
        handle = material.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("文件不存在 / the file is missing")
    response = FileResponse(handle, content_type=material.content_type, as_attachment=True,
                            filename=material.original_name or f"material.{material.extension}")
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def publicity(request):
    """公示: approved stations published in a month (public; published from their publication day on)."""
    today = timezone.localdate()
    published = (WorkstationApplication.objects.filter(status=WorkstationApplication.Status.APPROVED,
                                                       published_on__lte=today)
                 .select_related("host", "host__region"))
    form = PublicityForm(request.GET or None)
    month = form.cleaned_data["month"] if form.is_bound and form.is_valid() else None
    months = sorted({d.replace(day=1) for d in published.values_list("published_on", flat=True)}, reverse=True)
    if month is None:
        month = months[0] if months else today.replace(day=1)
    rows = published.filter(published_on__year=month.year, published_on__month=month.month)
    table = configure(request, PublicityTable(rows.order_by("host__region__code", "host__name")))
    return render(request, "talent/publicity.html", {"form": form, "table": table, "month": month, "months": months,
                                                     "today": today, "count": rows.count()})


# ------------------------------------------------------------------ profile
@login_required
def profile(request):
    """A talent's own profile (自助维护): fields, keywords, availability, capacity."""
    talent = getattr(request.user, "talent", None)
    if talent is None:
        raise Http404
    initial = {"title": talent.title, "degree": talent.degree, "fields": talent.fields,
               "keywords": "，".join(talent.keywords), "availability_days": talent.availability_days,
               "capacity": talent.capacity}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(actor=request.user, talent=talent, **form.cleaned_data)
            messages.success(request, "资料已更新 / profile saved")
            return redirect("talent:profile")
        except (ValidationError, PermissionDenied) as exc:
            form.take_errors(exc)
            talent.refresh_from_db()
    status = 400 if request.method == "POST" else 200
    return render(request, "talent/profile.html", {"talent": talent, "form": form}, status=status)

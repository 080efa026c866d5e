import io
import zipfile
from statistics import median

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from countyinno.core import audit
from countyinno.core.errors import ImportFailed, bilingual
from countyinno.core.exports import XLSX_MIME, file_response, xlsx_response
from countyinno.core.security import allow_inline_styles

from . import decisions, excel, indexing, reports, services
from .forms import AllocationForm, CampaignForm, NodeForm
from .models import (CountySubmission, FrameworkNode, IndexResult, IndexRun, IndicatorFramework, SubmissionValue,
                     SurveyCampaign)
from .permissions import can_download_run_inputs, can_edit_submission
from .results import city_summaries, dimensions_of, scores_for, scoped_results


def _error_messages(exc) -> list[str]:
    if isinstance(exc, ImportFailed):
        return [str(e) for e in exc.errors]
    if isinstance(exc, ValidationError):
        return exc.messages
    return [str(exc)]


# ------------------------------------------------------------------ overview
@login_required
def home(request):
    campaigns = SurveyCampaign.objects.restrict(request.user).select_related("framework")
    rows = []
    for campaign in campaigns:
        counts = dict(CountySubmission.objects.restrict(request.user).filter(campaign=campaign)
                      .values_list("status").annotate(n=Count("id")).values_list("status", "n"))
        run = campaign.runs.filter(status=IndexRun.Status.SUCCEEDED).order_by("-created_at").first()
        rows.append({"campaign": campaign, "counts": counts, "total": sum(counts.values()), "run": run})
    return render(request, "monitoring/home.html", {
        "rows": rows, "frameworks": IndicatorFramework.objects.restrict(request.user),
        "campaign_form": CampaignForm(), "statuses": CountySubmission.Status.choices})


@login_required
@require_POST
def campaign_create(request):
    form = CampaignForm(request.POST)
    if form.is_valid():
        try:
            campaign = services.open_campaign(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            for m in _error_messages(exc):
                messages.error(request, m)
        else:
            messages.success(request, f"已开启 {campaign.title} / campaign opened")
            return redirect("monitoring:campaign", campaign.pk)
    else:
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(errors)}")
    return redirect("monitoring:home")


# ------------------------------------------------------------------ frameworks
@login_required
def framework_detail(request, pk):
    framework = get_object_or_404(IndicatorFramework.objects.restrict(request.user), pk=pk)
    nodes = framework.nodes.order_by("order")
    return render(request, "monitoring/framework_detail.html", {"framework": framework, "nodes": nodes})


@login_required
@require_POST
def framework_node_update(request, pk, node_id):
    framework = get_object_or_404(IndicatorFramework.objects.restrict(request.user), pk=pk)
    node = get_object_or_404(framework.nodes, pk=node_id)
    form = NodeForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{node.code} {field}: {' '.join(errors)}")
    else:
        try:
            services.update_node(actor=request.user, node=node, **form.cleaned_data)
            messages.success(request, f"{node.code} 已保存 / saved")
        except (ValidationError, PermissionDenied) as exc:
            for m in _error_messages(exc):
                messages.error(request, m)
    return redirect("monitoring:framework", framework.pk)


@login_required
@require_POST
def framework_action(request, pk, action):
    framework = get_object_or_404(IndicatorFramework.objects.restrict(request.user), pk=pk)
    try:
        if action == "publish":
            services.publish_framework(actor=request.user, framework=framework)
            messages.success(request, "已发布，版本冻结 / published and frozen")
        elif action == "copy":
            framework = services.copy_framework(actor=request.user, framework=framework)
            messages.success(request, f"已创建新版本 v{framework.version} / new draft version")
        else:
            raise Http404
    except (ValidationError, PermissionDenied, ImportFailed) as exc:
        for m in _error_messages(exc):
            messages.error(request, m)
    return redirect("monitoring:framework", framework.pk)


@login_required
def framework_export(request, pk):
    framework = get_object_or_404(IndicatorFramework.objects.restrict(request.user), pk=pk)
    rows = ([getattr(n, f) for f in services.NODE_FIELDS] for n in framework.nodes.order_by("order"))
    return xlsx_response(f"framework-{framework.code}-v{framework.version}.xlsx", "framework", services.NODE_FIELDS, rows,
                         request=request, model=FrameworkNode, what="指标体系 / indicator framework",
                         filters={"framework": framework.pk, "code": framework.code, "version": framework.version})


@login_required
@require_POST
def framework_import(request):
    """Import an Excel framework as a new draft version (all-or-nothing, per-row messages)."""
    from openpyxl import load_workbook

    upload = request.FILES.get("file")
    code = (request.POST.get("code") or "").strip()
    name = (request.POST.get("name") or "").strip()
    try:
        if not upload or not code or not name:
            raise ValidationError("请填写代码、名称并选择文件 / code, name and a file are required")
        content = upload.read()
        if not zipfile.is_zipfile(io.BytesIO(content)):
            raise ValidationError("不是有效的 Excel (.xlsx) 文件 / not a valid .xlsx file")
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        rows_iter = sheet.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows_iter, [])]
        missing = [f for f in ("code", "kind", "name") if f not in header]
        if missing:
            raise ValidationError(f"缺少列 {missing} / missing columns {missing}")
        rows = [{h: ("" if v is None else v) for h, v in zip(header, r)} for r in rows_iter if any(v is not None for v in r)]
        framework = services.create_framework(actor=request.user, code=code, name=name, rows=rows)
    except (ValidationError, ImportFailed, PermissionDenied) as exc:
        for m in _error_messages(exc):
            messages.error(request, m)
        return redirect("monitoring:home")
    messages.success(request, f"已导入为草稿 v{framework.version} / imported as a draft")
    return redirect("monitoring:framework", framework.pk)


# ------------------------------------------------------------------ campaigns and submissions
@login_required
def campaign_detail(request, pk):
    campaign = get_object_or_404(SurveyCampaign.objects.restrict(request.user).select_related("framework"), pk=pk)
    submissions = (CountySubmission.objects.restrict(request.user).filter(campaign=campaign)
                   .select_related("region", "region__city"))
    status = request.GET.get("status", "")
    if status:
        submissions = submissions.filter(status=status)
    runs = campaign.runs.select_related("job")[:10]
    return render(request, "monitoring/campaign_detail.html", {
        "campaign": campaign, "submissions": submissions, "runs": runs, "status": status,
        "statuses": CountySubmission.Status.choices})


@login_required
@require_POST
def campaign_run(request, pk):
    campaign = get_object_or_404(SurveyCampaign.objects.restrict(request.user), pk=pk)
    try:
        run = indexing.start_index_run(actor=request.user, campaign=campaign)
    except (ValidationError, PermissionDenied) as exc:
        for m in _error_messages(exc):
            messages.error(request, m)
        return redirect("monitoring:campaign", campaign.pk)
    messages.success(request, f"指数测算已开始 / index run #{run.pk} started")
    return redirect("job-page", run.job_id)


def _submission(request, pk):
    """A submission the user may see (404 otherwise); the actions decide what the user may do with it."""
    return get_object_or_404(CountySubmission.objects.restrict(request.user)
                             .select_related("campaign", "campaign__framework", "region"), pk=pk)


@login_required
def submission_detail(request, pk):
    submission = _submission(request, pk)
    values = {v.node_id: v for v in submission.values.all()}
    previous = services.previous_values(submission)
    rows = [{"node": n, "value": values.get(n.pk), "previous": previous.get(n.code)}
            for n in submission.campaign.framework.indicators()]
    can_edit = submission.is_editable and can_edit_submission(request.user, submission)
    actions = services.available_steps(request.user, submission)
    return render(request, "monitoring/submission_detail.html", {
        "submission": submission, "rows": rows, "can_edit": can_edit, "actions": actions,
        "reviews": submission.reviews.select_related("actor"), "errors": request.session.pop("submission_errors", [])})


@login_required
@require_POST
def submission_save(request, pk):
    submission = _submission(request, pk)
    codes = [n.code for n in submission.campaign.framework.indicators()]
    values = {c: request.POST.get(f"value_{c}", "") for c in codes}
    explanations = {c: request.POST.get(f"explain_{c}", "") for c in codes}
    try:
        revision = int(request.POST.get("revision", ""))
    except ValueError:
        revision = None
    try:
        services.save_values(actor=request.user, submission=submission, values=values, explanations=explanations,
                             expected_revision=revision)
        messages.success(request, "已保存 / saved")
    except (ValidationError, ImportFailed, PermissionDenied) as exc:
        request.session["submission_errors"] = _error_messages(exc)
        messages.error(request, "未保存，请修正以下问题 / nothing was saved; please fix the problems below")
    return redirect("monitoring:submission", submission.pk)


@login_required
def submission_template(request, pk):
    """The county's Excel template, with its current and last year's values: recorded as an export."""
    submission = _submission(request, pk)
    content = excel.build_template(submission)
    audit.record_export(request.user, SubmissionValue, what="调查填报模板 / survey template",
                        filters={"submission": submission.pk, "campaign": submission.campaign_id,
                                 "region": submission.region.code},
                        rows=submission.campaign.framework.indicators().count())
    return file_response(content, f"survey-{submission.campaign.year}-{submission.region.code}.xlsx", XLSX_MIME)


@login_required
@require_POST
def submission_upload(request, pk):
    submission = _submission(request, pk)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationError("请选择文件 / choose a file")
        if upload.size > excel.MAX_UPLOAD_BYTES:
            raise ValidationError(f"文件过大，上限 {excel.MAX_UPLOAD_BYTES // 1024} KB / file too large")
        values, explanations, rows = excel.read_template(submission, upload.read())
        services.save_values(actor=request.user, submission=submission, values=values, explanations=explanations,
                             source=SubmissionValue.Source.UPLOAD, sheet=excel.DATA_SHEET, rows=rows)
        messages.success(request, f"已导入 {len(values)} 项指标 / imported")
    except (ValidationError, ImportFailed, PermissionDenied) as exc:
        request.session["submission_errors"] = _error_messages(exc)
        messages.error(request, "导入失败，未保存任何数据 / import refused; nothing was saved")
    return redirect("monitoring:submission", submission.pk)


@login_required
@require_POST
def submission_transition(request, pk, action):
    submission = _submission(request, pk)
    try:
        services.transition(actor=request.user, submission=submission, action=action,
                            comment=request.POST.get("comment", ""))
        messages.success(request, "操作成功 / done")
    except (ValidationError, ImportFailed, PermissionDenied) as exc:
        request.session["submission_errors"] = _error_messages(exc)
        messages.error(request, "操作未完成 / not done")
    return redirect("monitoring:submission", submission.pk)


# ------------------------------------------------------------------ results
def _run(request, pk):
    return get_object_or_404(IndexRun.objects.restrict(request.user).select_related("campaign", "campaign__framework"),
                             pk=pk, status=IndexRun.Status.SUCCEEDED)


@login_required
def rankings(request):
    year = request.GET.get("year")
    run = indexing.latest_run(int(year) if year and year.isdigit() else None)
    if run is None:
        messages.info(request, "尚无指数测算结果 / no index results yet")
        return redirect("monitoring:home")
    return redirect("monitoring:run", run.pk)


@login_required
def run_detail(request, pk):
    run = _run(request, pk)
    results = list(scoped_results(run, request.user))
    dimensions = dimensions_of(run)
    indicators = list(run.campaign.framework.indicators())
    for r in results:
        r.dimension_scores = [r.scores.get(d.code) for d in dimensions]
    movers = sorted([r for r in results if r.rank_change], key=lambda r: -r.rank_change)
    other_runs = IndexRun.objects.restrict(request.user).filter(status=IndexRun.Status.SUCCEEDED).select_related(
        "campaign").order_by("-campaign__year", "-created_at")
    return render(request, "monitoring/run_detail.html", {
        "run": run, "results": results, "dimensions": dimensions, "indicators": indicators,
        "cities": city_summaries(results), "risers": movers[:10], "fallers": movers[::-1][:10],
        "other_runs": other_runs, "years": run.years, "county_count": run.summary.get("counties")})


@login_required
def run_map_data(request, pk):
    """Per-county figures for the run's map: metric = index, a dimension code or an indicator code."""
    run = _run(request, pk)
    metric = request.GET.get("metric", "index")
    try:
        year = int(request.GET.get("year", run.campaign.year))
    except ValueError:
        raise Http404
    counties = {}
    for r in IndexResult.objects.restrict(request.user).filter(run=run, year=year).select_related("region"):
        if metric == "index":
            value = r.index
        elif metric in r.scores:
            value = r.scores[metric]
        else:
            value = r.values.get(metric)
        counties[r.region.code] = {"name": r.region.name, "value": value, "rank": r.rank}
    return JsonResponse({"year": year, "metric": metric, "counties": counties})


@login_required
def run_export(request, pk):
    """The ranking as Excel (every year of the run, or `?year=`), recorded as an export."""
    run = _run(request, pk)
    year = request.GET.get("year", "")
    if year and not (year.isdigit() and int(year) in run.years):
        raise Http404
    dimensions = dimensions_of(run)
    indicators = list(run.campaign.framework.indicators())
    header = (["年度 year", "区划代码 code", "县（市、区） county", "地级市 city", "综合指数 index", "排名 rank",
               "市内排名 rank in city", "类别 group", "名次变化 rank change", "排名区间下 rank p05", "排名中位 median",
               "排名区间上 rank p95"] + [f"{d.name} {d.code}" for d in dimensions] + [f"{i.code}" for i in indicators])
    results = IndexResult.objects.restrict(request.user).filter(run=run).select_related("region", "region__city")
    if year:
        results = results.filter(year=int(year))
    rows = ([r.year, r.region.code, r.region.name, r.region.city.name, r.index, r.rank, r.rank_in_city,
             r.performance_group, r.rank_change, r.rank_p05, r.rank_median, r.rank_p95]
            + [r.scores.get(d.code) for d in dimensions] + [r.values.get(i.code) for i in indicators]
            for r in results.order_by("-year", "rank"))
    name = f"county-innovation-index-{run.campaign.year}-run{run.pk}" + (f"-{year}" if year else "") + ".xlsx"
    return xlsx_response(name, "ranking", header, rows, request=request, model=IndexResult,
                         what="县域创新能力排名 / county innovation ranking",
                         filters={"run": run.pk, "campaign_year": run.campaign.year, "year": int(year) if year else None})


@login_required
def run_inputs(request, pk):
    """The run's exact inputs and configuration, to reproduce it with `countyinno index run`."""
    run = _run(request, pk)
    if not can_download_run_inputs(request.user, run):
        raise PermissionDenied(bilingual("仅省级管理员可下载测算输入", "only the province may download a run's inputs"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, content in indexing.reproduction_bundle(run).items():
            bundle.writestr(name, content)
        bundle.writestr("README.txt", f"countyinno index run --meta iMeta.csv --data iData.csv --config pipeline.yaml "
                                      f"--out out\n\ninput sha256 {run.input_hash}\ncode {run.code_version}\n")
    audit.record_export(request.user, IndexRun, what="指数测算输入 / index run inputs", filters={"run": run.pk},
                        rows=len(run.input_data), fmt="zip")
    return file_response(buffer.getvalue(), f"index-run-{run.pk}-inputs.zip", "application/zip")


@login_required
def county_profile(request, pk, code):
    run = _run(request, pk)
    result = get_object_or_404(IndexResult.objects.restrict(request.user).select_related("region", "region__city"),
                               run=run, year=run.campaign.year, region__code=code)
    framework = run.campaign.framework
    dimensions = dimensions_of(run)
    names = {n.code: n for n in framework.nodes.all()}
    # Provincial and county-type medians are aggregates, shown to everyone who may see the county.
    peers = IndexResult.objects.filter(run=run, year=run.campaign.year).select_related("region")
    province_median = [median([p.scores.get(d.code) or 0 for p in peers]) for d in dimensions]
    same_type = [p for p in peers if p.region.county_type == result.region.county_type]
    type_median = [median([p.scores.get(d.code) or 0 for p in same_type]) for d in dimensions]
    trend = list(IndexResult.objects.filter(run=run, region=result.region).order_by("year")
                 .values("year", "index", "rank"))
    chart = {"dimensions": [d.name for d in dimensions], "county": [result.scores.get(d.code) for d in dimensions],
             "province_median": province_median, "type_median": type_median,
             "county_name": result.region.name, "type_name": result.region.county_type, "trend": trend}
    return render(request, "monitoring/county_profile.html", {
        "run": run, "result": result, "dimensions": dimensions, "chart": chart,
        "dimension_rows": [(d, result.scores.get(d.code), pm, tm) for d, pm, tm in zip(dimensions, province_median, type_median)],
        "strengths": [names[c] for c in result.strengths if c in names],
        "weaknesses": [names[c] for c in result.weaknesses if c in names], "trend": trend,
        "county_count": peers.count()})


@login_required
def run_decisions(request, pk):
    run = _run(request, pk)
    form = AllocationForm(request.GET or None)
    allocation, candidates, error = [], [], None
    if form.is_valid():
        data = form.cleaned_data
        scores = scores_for(run, request.user)
        labels = run.config.get("results", {}).get("performance", {}).get("labels") or \
            ["领先 leading", "较好 above average", "一般 average", "落后 lagging"]
        weights = dict(zip(labels, [data["weight_leading"] or 0, data["weight_above"] or 0,
                                    data["weight_average"] or 0, data["weight_lagging"] or 0]))
        try:
            allocation = decisions.allocate(scores, data["budget"], data["rule"], top_n=data["top_n"] or 20,
                                            group_weights=weights, floor=data["floor"] or 0.0)
            candidates = decisions.innovative_county_candidates(
                scores, max_rank=data["candidate_max_rank"] or 40, min_index=data["candidate_min_index"] or 0,
                min_rank_gain=data["candidate_min_gain"])
        except decisions.DecisionError as exc:
            error = str(exc)
        if request.GET.get("format") == "xlsx" and not error:
            rows = ([a["rank"], a["code"], a["name"], a["index"], a["performance_group"], a["share"], a["amount"]]
                    for a in allocation)
            return xlsx_response(f"allocation-{run.campaign.year}.xlsx", "allocation",
                                 ["排名 rank", "代码 code", "县 county", "指数 index", "类别 group", "比例 share",
                                  "金额（万元） amount"], rows, request=request, model=IndexResult,
                                 what="资源倾斜测算 / resource allocation", filters={"run": run.pk, **data})
    return render(request, "monitoring/decisions.html", {
        "run": run, "form": form, "allocation": allocation, "candidates": candidates, "error": error,
        "total": sum(a["amount"] for a in allocation)})


@login_required
@require_POST
def run_report(request, pk):
    """The PDF report is typeset by a job; its page links to the file when done."""
    run = _run(request, pk)
    job = reports.request_pdf_report(run, request.user)
    return redirect("job-page", job.pk)


def _report_rows(run, user) -> int:
    return scoped_results(run, user).count()


@login_required
def run_report_html(request, pk):
    """The stored HTML report of this run for the user's scope; while a job renders it, a page that
    says so and links to the job. The request itself never renders the report."""
    run = _run(request, pk)
    html = reports.stored_html(run, request.user)
    if html is None:
        job = reports.request_html_report(run, request.user)
        html = reports.stored_html(run, request.user)  # a synchronous backend has finished it already
        if html is None:
            return render(request, "monitoring/report_pending.html", {"run": run, "job": job}, status=202)
    audit.record_export(request.user, IndexResult, what="县域创新监测报告 / monitoring report",
                        filters={"run": run.pk, "scope": reports.report_scope(request.user)},
                        rows=_report_rows(run, request.user), fmt="html")
    return allow_inline_styles(HttpResponse(html))


@login_required
def run_report_pdf(request, pk):
    """Serve the PDF the report job rendered for this user's scope (never another scope's file)."""
    run = _run(request, pk)
    path = reports.report_path(run, request.user)
    if not path.exists():
        raise Http404
    audit.record_export(request.user, IndexResult, what="县域创新监测报告 / monitoring report",
                        filters={"run": run.pk, "scope": reports.report_scope(request.user)},
                        rows=_report_rows(run, request.user), fmt="pdf")
    return FileResponse(open(path, "rb"), content_type="application/pdf", as_attachment=True,
                        filename=f"county-innovation-report-{run.campaign.year}.pdf")

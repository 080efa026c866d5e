import io
import zipfile
from decimal import Decimal
from statistics import median

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from countyinno.core import audit
from countyinno.core.errors import ImportFailed, RowError, bilingual
from countyinno.core.exports import XLSX_MIME, file_response, xlsx_response
from countyinno.core.security import allow_inline_styles
from countyinno.core.tables import configure
from countyinno.core.uploads import UploadRefused, guarded_rows, open_workbook

from . import decisions, excel, indexing, reports, services
from .filters import ResultFilter, SubmissionFilter
from .forms import (AllocationForm, CampaignForm, MapForm, NodeForm, SubmissionValuesForm, YearForm,
                    parse_number)
from .models import (CountySubmission, FrameworkNode, IndexResult, IndexRun, IndicatorFramework, SubmissionValue,
                     SurveyCampaign)
from .permissions import can_batch_review, can_create_framework, can_publish_index_run, can_download_run_inputs, can_edit_submission
from .results import (ambiguous_names, city_summaries, county_label, dimensions_of, latest_visible_run, peers_of,
                      run_results, scores_for, type_counts, visible_runs)
from .tables import RankingTable, SubmissionTable


def _error_messages(exc) -> list[str]:
    if isinstance(exc, ImportFailed):
        return [str(e) for e in exc.errors]
    if isinstance(exc, ValidationError):
        return exc.messages
    return [str(exc)]


# ------------------------------------------------------------------ overview
def _home(request, campaign_form=None, status=200):
    campaigns = SurveyCampaign.objects.restrict(request.user).select_related("framework")
    runs = visible_runs(request.user)
    rows = []
    for campaign in campaigns:
        counts = dict(CountySubmission.objects.restrict(request.user).filter(campaign=campaign).order_by()
                      .values_list("status").annotate(n=Count("id")).values_list("status", "n"))
        run = runs.filter(campaign=campaign).order_by("-published_at", "-created_at").first()
        rows.append({"campaign": campaign, "counts": counts, "total": sum(counts.values()), "run": run})
    return render(request, "monitoring/home.html", {
        "rows": rows, "frameworks": IndicatorFramework.objects.restrict(request.user),
        "campaign_form": campaign_form or CampaignForm(), "statuses": CountySubmission.Status.choices},
        status=status)


@login_required
def home(request):
    return _home(request)


@login_required
@require_POST
def campaign_create(request):
    form = CampaignForm(request.POST)
    if form.is_valid():
        try:
            campaign = services.open_campaign(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in (exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]):
                for e in errors:
                    form.add_error(field if field in form.fields else None, e)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已开启 {campaign.title} / campaign opened")
            return redirect("monitoring:campaign", campaign.pk)
    return _home(request, form, status=400)


# ------------------------------------------------------------------ frameworks
@login_required
def framework_detail(request, pk):
    framework = get_object_or_404(IndicatorFramework.objects.restrict(request.user), pk=pk)
    nodes = list(framework.nodes.order_by("order"))
    for n in nodes:
        n.source_label = reports.platform_source_label(n.platform_source)
    return render(request, "monitoring/framework_detail.html", {"framework": framework, "nodes": nodes})


@login_required
@require_POST
def framework_node_update(request, pk, node_id):
    framework = get_object_or_404(IndicatorFramework.objects.restrict(request.user), pk=pk)
    node = get_object_or_404(framework.nodes, pk=node_id)
    form = NodeForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{node.name} {label}：{' '.join(errors)}")
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
    upload = request.FILES.get("file")
    code = (request.POST.get("code") or "").strip()[:40]
    name = (request.POST.get("name") or "").strip()[:200]
    try:
        if not can_create_framework(request.user):  # asked before the file is read
            raise PermissionDenied(bilingual("仅省级管理员可导入指标体系", "only the province may import a framework"))
        if not upload or not code or not name:
            raise ValidationError(bilingual("请填写代码、名称并选择文件", "code, name and a file are required"))
        try:
            workbook = open_workbook(upload)
        except UploadRefused as exc:
            raise ImportFailed([RowError(None, None, m) for m in exc.messages]) from None
        rows_iter = guarded_rows(workbook.worksheets[0])
        header = [str(h).strip() if h is not None else "" for h in next(rows_iter, [])]
        missing = [f for f in ("code", "kind", "name") if f not in header]
        if missing:
            raise ValidationError(bilingual(f"缺少列 {'、'.join(missing)}", f"missing columns {', '.join(missing)}"))
        rows = [{h: ("" if v is None else v) for h, v in zip(header, r)} for r in rows_iter
                if any(v is not None for v in r)]
        framework = services.create_framework(actor=request.user, code=code, name=name, rows=rows)
    except (ValidationError, ImportFailed, PermissionDenied) as exc:
        for m in _error_messages(exc):
            messages.error(request, m)
        return redirect("monitoring:home")
    messages.success(request, f"已导入为草稿 v{framework.version} / imported as a draft")
    return redirect("monitoring:framework", framework.pk)


# ------------------------------------------------------------------ campaigns and submissions
def _campaign(request, pk):
    return get_object_or_404(SurveyCampaign.objects.restrict(request.user).select_related("framework", "province"),
                             pk=pk)


@login_required
def campaign_detail(request, pk):
    campaign = _campaign(request, pk)
    scoped = (CountySubmission.objects.restrict(request.user).filter(campaign=campaign)
              .select_related("region", "region__city", "campaign"))
    filterset = SubmissionFilter(request.GET or None, queryset=scoped, campaign=campaign)
    submissions = filterset.qs if filterset.is_bound and filterset.is_valid() else scoped
    table = configure(request, SubmissionTable(submissions.order_by("region__code"),
                                               exclude=() if can_batch_review(request.user) else ("pick",)), per_page=50)
    counts = dict(scoped.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    overdue = services.overdue_submissions(campaign).filter(pk__in=scoped.values("pk"))
    runs = campaign.runs.select_related("job")[:10]
    return render(request, "monitoring/campaign_detail.html", {
        "campaign": campaign, "table": table, "filter": filterset, "runs": runs,
        "counts": [(label, counts.get(value, 0), value) for value, label in CountySubmission.Status.choices],
        "total": sum(counts.values()), "overdue_count": overdue.count()})


@login_required
@require_POST
def campaign_batch_approve(request, pk):
    """Approve the ticked submissions the user may approve now; one review entry and audit trail each."""
    campaign = _campaign(request, pk)
    ids = []
    for raw in request.POST.getlist("pick"):
        if raw.isdigit() and len(raw) < 12:
            ids.append(int(raw))
    chosen = list(CountySubmission.objects.restrict(request.user).filter(campaign=campaign, pk__in=ids)
                  .select_related("region", "campaign"))
    if not chosen:
        messages.error(request, bilingual("请先勾选要审核通过的填报", "tick the submissions to approve first"))
        return redirect("monitoring:campaign", campaign.pk)
    try:
        outcome = services.batch_approve_submissions(actor=request.user, submissions=chosen,
                                                     comment=(request.POST.get("comment") or "")[:2000])
    except (ValidationError, ImportFailed, PermissionDenied) as exc:
        for m in _error_messages(exc):
            messages.error(request, m)
    else:
        done, skipped = len(outcome["approved"]), len(outcome["skipped"])
        messages.success(request, bilingual(f"已审核通过 {done} 份", f"{done} approved")
                         + (bilingual(f"；{skipped} 份当前不可由您审核，未改变", f"; {skipped} not yours to approve now, "
                                                                          f"left unchanged") if skipped else ""))
    return redirect(request.POST.get("next") if str(request.POST.get("next", "")).startswith(
        f"/monitoring/campaigns/{campaign.pk}/") else reverse("monitoring:campaign", args=[campaign.pk]))


@login_required
@require_POST
def campaign_remind(request, pk):
    """催报: notify the admins of the overdue counties in the user's area."""
    campaign = _campaign(request, pk)
    try:
        sent = services.remind_overdue(actor=request.user, campaign=campaign)
    except (ValidationError, PermissionDenied) as exc:
        for m in _error_messages(exc):
            messages.error(request, m)
    else:
        if sent:
            messages.success(request, bilingual(f"已向 {sent} 个逾期未报的县发送催报通知",
                                                f"reminders sent to {sent} overdue counties"))
        else:
            messages.info(request, bilingual("没有逾期未报的县", "no county is overdue"))
    return redirect("monitoring:campaign", campaign.pk)


@login_required
@require_POST
def campaign_close(request, pk):
    campaign = _campaign(request, pk)
    try:
        services.close_campaign(actor=request.user, campaign=campaign)
    except (ValidationError, PermissionDenied) as exc:
        for m in _error_messages(exc):
            messages.error(request, m)
    else:
        messages.success(request, bilingual("调查已截止，县级不能再修改填报", "the campaign is closed; counties can no "
                                                                       "longer change their answers"))
    return redirect("monitoring:campaign", campaign.pk)


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
                             .select_related("campaign", "campaign__framework", "region", "region__city"), pk=pk)


def _value_rows(submission, form):
    """One row per indicator: its fields, last year's value, the change and whether it needs a 变动说明."""
    stored = {v.node.code: v for v in submission.values.select_related("node")}
    previous = services.previous_values(submission)
    rows = []
    for node in form.nodes:
        saved = stored.get(node.code)
        if form.is_bound:
            typed = form.data.get(f"value_{node.code}", "")
            explained = (form.data.get(f"explain_{node.code}") or "").strip()
        else:
            typed = saved.value if saved else None
            explained = (saved.explanation if saved else "").strip()
        number, last = parse_number(typed), previous.get(node.code)
        change = None
        if number is not None and last not in (None, 0):
            change = ((number - Decimal(str(last))) / abs(Decimal(str(last))) * 100).quantize(Decimal("0.1"))
        jump = services.needs_explanation(node, number, last)
        rows.append({"node": node, "value": saved, "previous": last, "change": change, "jump": jump,
                     "missing_explanation": jump and not explained,
                     "threshold": (Decimal(str(node.jump_threshold)) * 100).quantize(Decimal("1")),
                     "field": form[f"value_{node.code}"], "explain": form[f"explain_{node.code}"]})
    return rows


def _submission_page(request, submission, form=None, status=200):
    nodes = list(submission.campaign.framework.indicators())
    form = form or SubmissionValuesForm(nodes=nodes, initial={
        "revision": submission.revision,
        **{f"value_{v.node.code}": v.value for v in submission.values.select_related("node")},
        **{f"explain_{v.node.code}": v.explanation for v in submission.values.select_related("node")}})
    can_edit = submission.is_editable and can_edit_submission(request.user, submission)
    actions = services.available_steps(request.user, submission)
    rows = _value_rows(submission, form)
    labels = dict(CountySubmission.Status.choices)
    return render(request, "monitoring/submission_detail.html", {
        "submission": submission, "rows": rows, "form": form, "can_edit": can_edit,
        "may_submit": can_edit and "submit" in actions,
        "actions": [a for a in actions if not (can_edit and a == "submit")],
        "jumps_missing": sum(1 for r in rows if r["missing_explanation"]),
        "reviews": [(r, labels.get(r.from_status, r.from_status), labels.get(r.to_status, r.to_status))
                    for r in submission.reviews.select_related("actor")],
        "errors": request.session.pop("submission_errors", [])}, status=status)


@login_required
def submission_detail(request, pk):
    return _submission_page(request, _submission(request, pk))


@login_required
@require_POST
def submission_save(request, pk):
    """Save the typed values; with "提交审核" (do=submit) save first, then hand in. On any problem the page
    comes back with everything the user typed and each error beside its field."""
    submission = _submission(request, pk)
    form = SubmissionValuesForm(request.POST, nodes=submission.campaign.framework.indicators())
    submit = request.POST.get("do") == "submit"
    if not form.is_valid():
        return _submission_page(request, submission, form, status=400)
    saved = False
    try:
        submission = services.save_values(
            actor=request.user, submission=submission, values=form.values(), explanations=form.explanations(),
            expected_revision=form.cleaned_data.get("revision"))
        saved = True
        if submit:
            submission = services.submit_submission(actor=request.user, submission=submission,
                                                    comment=form.cleaned_data.get("comment", ""))
    except ImportFailed as exc:
        form.add_row_errors(exc.errors)
    except services.EditConflict as exc:
        form.add_error(None, exc.messages[0] + "（" + bilingual("您填写的内容仍在下方，核对后再次保存将覆盖对方的修改",
                                                               "what you typed is kept below; saving again "
                                                               "replaces the other change") + "）")
        saved = None  # nothing saved; move the form to the stored revision so the user can decide
    except (ValidationError, PermissionDenied) as exc:
        for m in _error_messages(exc):
            form.add_error(None, m)
    else:
        messages.success(request, "已保存并提交审核 / saved and submitted for review" if submit else "已保存 / saved")
        return redirect("monitoring:submission", submission.pk)
    submission = _submission(request, pk)
    if saved is not False:
        form.data = form.data.copy()
        form.data["revision"] = str(submission.revision)
    if saved:
        # The values are stored; only the hand-in failed.
        messages.warning(request, "已保存，但未能提交审核，请补全以下问题 / saved, but not submitted: fix the problems below")
    else:
        messages.error(request, "未保存，请修正标出的问题 / nothing was saved; fix the marked fields")
    return _submission_page(request, submission, form, status=400)


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
        # Who may upload, and whether the submission takes values now, is asked before a byte is read.
        if not can_edit_submission(request.user, submission):
            raise PermissionDenied(bilingual("无权为该县上传填报", "you may not upload values for this county"))
        if not submission.is_editable:
            raise ValidationError(bilingual(f"当前状态（{submission.get_status_display()}）不可修改",
                                            "this submission cannot be changed now"))
        if upload is None:
            raise ValidationError(bilingual("请选择文件", "choose a file"))
        values, explanations, rows = excel.read_template(submission, upload)
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
    """A computed run whose results the user may open (published, or under the province's review)."""
    return get_object_or_404(visible_runs(request.user).select_related("campaign", "campaign__framework",
                                                                       "campaign__province"), pk=pk)


@login_required
def rankings(request):
    """最新排名: the latest run the user may see (or the one of `?year=`)."""
    runs = visible_runs(request.user)
    form = YearForm(request.GET, years=sorted(set(runs.values_list("campaign__year", flat=True))))
    if not form.is_valid():
        messages.error(request, bilingual("年度无效，已显示最新结果", "unknown year; showing the latest results"))
        year = None
    else:
        year = form.cleaned_data.get("year")
    run = latest_visible_run(request.user, year)
    if run is None:
        messages.info(request, bilingual("尚无已发布的指数测算结果", "no published index results yet"))
        return redirect("monitoring:home")
    return redirect("monitoring:run", run.pk)


def _ranking_table(request, run, results, dimensions, counts_by_type):
    filterset = ResultFilter(request.GET or None, queryset=results, run=run)
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else results
    table = RankingTable(rows, run=run, dimensions=dimensions, type_counts=counts_by_type)
    return filterset, configure(request, table, per_page=50)


@login_required
def run_detail(request, pk):
    run = _run(request, pk)
    results_qs = run_results(run, request.user)
    results = list(results_qs)
    dimensions = dimensions_of(run)
    indicators = list(run.campaign.framework.indicators())
    counts_by_type = type_counts(results)
    filterset, table = _ranking_table(request, run, results_qs, dimensions, counts_by_type)
    ambiguous = ambiguous_names(run.campaign.province)
    for r in results:
        r.label = county_label(r.region, ambiguous)
    movers = sorted([r for r in results if r.rank_change], key=lambda r: -r.rank_change)
    other_runs = visible_runs(request.user).select_related("campaign").order_by("-campaign__year", "-created_at")
    mine = None
    own_region = getattr(request.user, "region", None)
    if own_region is not None:
        mine = next((r for r in results if r.region_id == own_region.pk), None)
    return render(request, "monitoring/run_detail.html", {
        "run": run, "table": table, "filter": filterset, "results_count": len(results), "dimensions": dimensions,
        "indicators": indicators, "cities": city_summaries(results), "risers": movers[:10],
        "fallers": movers[::-1][:10], "other_runs": other_runs, "years": run.years, "mine": mine,
        "type_counts": sorted(counts_by_type.items()), "county_count": run.summary.get("counties"),
        "may_publish": can_publish_index_run(request.user, run)})


@login_required
@require_POST
def run_publish(request, pk):
    run = _run(request, pk)
    try:
        indexing.publish_index_run(actor=request.user, run=run)
    except (ValidationError, PermissionDenied) as exc:
        for m in _error_messages(exc):
            messages.error(request, m)
    else:
        messages.success(request, bilingual("已发布：全省各级管理员均可查看全部结果",
                                            "published: every official of the province now sees all results"))
    return redirect("monitoring:run", run.pk)


def _bad_parameters(form) -> JsonResponse:
    return JsonResponse({"errors": {field: [str(e) for e in errors] for field, errors in form.errors.items()},
                         "message": bilingual("参数无效", "invalid parameters")}, status=400)


@login_required
def run_map_data(request, pk):
    """Per-county figures for the run's map: metric = index, a dimension code or an indicator code."""
    run = _run(request, pk)
    codes = list(run.campaign.framework.nodes.exclude(kind="index").values_list("code", flat=True))
    form = MapForm(request.GET, metrics=["index", *codes], years=run.years)
    if not form.is_valid():
        return _bad_parameters(form)
    metric = form.cleaned_data.get("metric") or "index"
    year = form.cleaned_data.get("year") or run.campaign.year
    ambiguous = ambiguous_names(run.campaign.province)
    counties = {}
    for r in run_results(run, request.user, year=year):
        if metric == "index":
            value = r.index
        elif metric in r.scores:
            value = r.scores[metric]
        else:
            value = r.values.get(metric)
        counties[r.region.code] = {"name": county_label(r.region, ambiguous), "city": r.region.city_or_province.name,
                                   "value": value, "rank": r.rank}
    return JsonResponse({"year": year, "metric": metric, "counties": counties})


@login_required
def run_export(request, pk):
    """The ranking as Excel (every year of the run, or `?year=`), recorded as an export."""
    run = _run(request, pk)
    form = YearForm(request.GET, years=run.years)
    if not form.is_valid():
        return HttpResponseBadRequest(bilingual("年度无效", "unknown year") + f" ({', '.join(map(str, run.years))})")
    year = form.cleaned_data.get("year")
    dimensions = dimensions_of(run)
    indicators = list(run.campaign.framework.indicators())
    header = (["年度 year", "区划代码 code", "县（市、区） county", "地级市 city", "县级类型 type", "综合指数 index",
               "排名 rank", "类型内排名 rank in type", "市内排名 rank in city", "类别 group", "名次变化 rank change",
               "排名区间下 rank p05", "排名中位 median", "排名区间上 rank p95"]
              + [f"{d.name} {d.code}" for d in dimensions] + [f"{i.name} {i.code}" for i in indicators])
    rows = []
    for y in ([year] if year else sorted(run.years, reverse=True)):
        for r in run_results(run, request.user, year=y):
            rows.append([r.year, r.region.code, r.region.name, r.region.city_or_province.name, r.region.county_type, r.index,
                         r.rank, r.rank_in_type, r.rank_in_city, r.performance_group, r.rank_change, r.rank_p05,
                         r.rank_median, r.rank_p95] + [r.scores.get(d.code) for d in dimensions]
                        + [r.values.get(i.code) for i in indicators])
    name = f"county-innovation-index-{run.campaign.year}-run{run.pk}" + (f"-{year}" if year else "") + ".xlsx"
    return xlsx_response(name, "ranking", header, rows, request=request, model=IndexResult,
                         what="县域创新能力排名 / county innovation ranking",
                         filters={"run": run.pk, "campaign_year": run.campaign.year, "year": year})


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


def _county_context(request, run, code):
    """A county's profile: ranks (province, type, city), dimensions against the medians, peers, trend."""
    results = list(run_results(run, request.user))
    result = next((r for r in results if r.region.code == code), None)
    if result is None:
        raise Http404
    framework = run.campaign.framework
    dimensions = dimensions_of(run)
    names = {n.code: n for n in framework.nodes.all()}
    ambiguous = ambiguous_names(run.campaign.province)
    # Provincial and county-type medians are aggregates of the whole run.
    everyone = list(IndexResult.objects.filter(run=run, year=run.campaign.year).select_related("region"))
    province_median = [median([p.scores.get(d.code) or 0 for p in everyone]) for d in dimensions]
    same_type = [p for p in everyone if p.region.county_type == result.region.county_type]
    type_median = [median([p.scores.get(d.code) or 0 for p in same_type]) for d in dimensions]
    trend = list(IndexResult.objects.filter(run=run, region=result.region).order_by("year")
                 .values("year", "index", "rank"))
    peers = peers_of(result, results)
    for p in peers:
        p.label = county_label(p.region, ambiguous)
    label = county_label(result.region, ambiguous)
    chart = {"dimensions": [d.name for d in dimensions], "county": [result.scores.get(d.code) for d in dimensions],
             "province_median": province_median, "type_median": type_median,
             "county_name": label, "type_name": result.region.county_type, "trend": trend}
    dimension_rows = [(d, result.scores.get(d.code), pm, tm)
                      for d, pm, tm in zip(dimensions, province_median, type_median)]
    strengths = [names[c] for c in result.strengths if c in names]
    weaknesses = [names[c] for c in result.weaknesses if c in names]
    return {"run": run, "result": result, "label": label, "dimensions": dimensions, "chart": chart,
            "dimension_rows": dimension_rows, "strengths": strengths, "weaknesses": weaknesses, "trend": trend,
            "peers": peers, "county_count": len(everyone), "type_count": len(same_type),
            "city_count": sum(1 for p in everyone if p.region.city_id == result.region.city_id),
            "findings": reports.county_findings(result, label, dimension_rows, strengths, weaknesses, trend,
                                                len(everyone), len(same_type))}


@login_required
def county_profile(request, pk, code):
    run = _run(request, pk)
    return render(request, "monitoring/county_profile.html", _county_context(request, run, code))


@login_required
def county_report(request, pk, code):
    """县域报告: one county's printable report (profile, peers, strengths, weaknesses, trend)."""
    run = _run(request, pk)
    context = _county_context(request, run, code)
    audit.record_export(request.user, IndexResult, what="县域创新监测县域报告 / county report",
                        filters={"run": run.pk, "county": code}, rows=1, fmt="html")
    return render(request, "monitoring/county_report.html", context)


@login_required
def run_decisions(request, pk):
    run = _run(request, pk)
    form = AllocationForm(request.GET or None)
    allocation, candidates = [], []
    if form.is_valid():
        data = form.cleaned_data
        scores = scores_for(run, request.user)
        labels = run.config.get("results", {}).get("performance", {}).get("labels") or \
            ["领先 leading", "较好 above average", "一般 average", "落后 lagging"]
        weights = dict(zip(labels, [data["weight_leading"] or 0, data["weight_above"] or 0,
                                    data["weight_average"] or 0, data["weight_lagging"] or 0]))
        try:
            allocation = decisions.allocate(scores, data["budget"], data["rule"], top_n=data["top_n"] or 20,
                                            group_weights=weights, floor=data["floor"] or 0)
            candidates = decisions.innovative_county_candidates(
                scores, max_rank=data["candidate_max_rank"] or 40, min_index=float(data["candidate_min_index"] or 0),
                min_rank_gain=data["candidate_min_gain"])
        except decisions.DecisionError as exc:
            form.add_error(None, str(exc))
        if data.get("format") == "xlsx" and form.is_valid():
            rows = ([a["rank"], a["code"], a["name"], a["county_type"], a["index"], a["performance_group"],
                     a["share"], a["amount"]] for a in allocation)
            filters = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in data.items() if k != "format"}
            return xlsx_response(f"allocation-{run.campaign.year}.xlsx", "allocation",
                                 ["排名 rank", "代码 code", "县（市、区） county", "类型 type", "指数 index",
                                  "类别 group", "比例（%） share", "金额（万元） amount"], rows, request=request,
                                 model=IndexResult, what="资源倾斜测算 / resource allocation",
                                 filters={"run": run.pk, **filters})
    funded = [a for a in allocation if a["amount"]]
    return render(request, "monitoring/decisions.html", {
        "run": run, "form": form, "allocation": funded, "candidates": candidates,
        "total": sum((a["amount"] for a in allocation), Decimal(0)),
        "share_total": sum((a["share"] for a in allocation), Decimal(0)), "county_total": len(allocation)},
        status=400 if form.is_bound and not form.is_valid() else 200)


@login_required
@require_POST
def run_report(request, pk):
    """The PDF report is typeset by a job; its page links to the file when done."""
    run = _run(request, pk)
    try:
        job = reports.request_pdf_report(run, request.user)
    except ValidationError as exc:  # JobThrottled: too much background work at once
        for m in _error_messages(exc):
            messages.error(request, m)
        return redirect("monitoring:run", run.pk)
    return redirect("job-page", job.pk)


def _report_rows(run, user) -> int:
    return run_results(run, user).count()


@login_required
def run_report_html(request, pk):
    """The stored HTML report of this run for the user's scope; while a job renders it, a page that
    says so and links to the job. The request itself never renders the report."""
    run = _run(request, pk)
    html = reports.stored_html(run, request.user)
    if html is None:
        try:
            job = reports.request_html_report(run, request.user)
        except ValidationError as exc:  # JobThrottled
            for m in _error_messages(exc):
                messages.error(request, m)
            return redirect("monitoring:run", run.pk)
        html = reports.stored_html(run, request.user)  # a synchronous backend has finished it already
        if html is None:
            return render(request, "monitoring/report_pending.html", {"run": run, "job": job}, status=202)
    audit.record_export(request.user, IndexResult, what="县域创新监测报告 / monitoring report",
                        filters={"run": run.pk, "scope": reports.report_scope(request.user, run)},
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
                        filters={"run": run.pk, "scope": reports.report_scope(request.user, run)},
                        rows=_report_rows(run, request.user), fmt="pdf")
    return FileResponse(open(path, "rb"), content_type="application/pdf", as_attachment=True,
                        filename=f"county-innovation-report-{run.campaign.year}.pdf")

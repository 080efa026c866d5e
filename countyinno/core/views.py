from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .forms import AuditFilterForm
from .models import AuditLogEntry, Job


def flash_errors(request, exc) -> None:
    """Show a ValidationError's messages (or a PermissionDenied's text) on the next page."""
    from django.contrib import messages
    from django.core.exceptions import ValidationError

    for message in (exc.messages if isinstance(exc, ValidationError) else [str(exc)]):
        messages.error(request, message)


def page_number(request, name: str = "page") -> int:
    """The requested page as a sane integer: anything else (abc, -1, 10**30) is page 1."""
    raw = (request.GET.get(name) or "").strip()
    if not raw.isdigit() or len(raw) > 7:
        return 1
    return max(1, int(raw))


def paginate(request, queryset, per_page: int = 50):
    return Paginator(queryset, per_page).get_page(page_number(request))


@login_required
def audit_log(request):
    from django.core.exceptions import PermissionDenied

    from .permissions import can_view_audit_log

    if not can_view_audit_log(request.user):
        raise PermissionDenied("审计日志仅供管理人员查阅 / the audit log is for officials")
    form = AuditFilterForm(request.GET or None)
    entries = AuditLogEntry.objects.restrict(request.user).select_related("content_type")
    if form.is_bound:
        entries = form.filter(entries)
    return render(request, "core/audit_log.html", {"page": paginate(request, entries), "form": form})


@login_required
def job_list(request):
    from django.core.exceptions import PermissionDenied

    from .permissions import can_view_job_list

    if not can_view_job_list(request.user):
        raise PermissionDenied("后台任务列表仅供管理人员查阅 / the job list is for officials")
    jobs = Job.objects.restrict(request.user)
    return render(request, "core/job_list.html", {"page": paginate(request, jobs)})


@login_required
def job_detail(request, pk):
    job = get_object_or_404(Job.objects.restrict(request.user), pk=pk)
    return render(request, "core/job_detail.html", {"job": job})


def healthz(request):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def notification_list(request):
    from django.shortcuts import redirect
    from django.views.decorators.http import require_POST  # noqa: F401

    from .models import Notification
    from .notifications import mark_read

    if request.method == "POST":
        mark_read(request.user)
        return redirect("notifications")
    notices = Notification.objects.restrict(request.user)
    return render(request, "core/notifications.html", {"page": paginate(request, notices)})

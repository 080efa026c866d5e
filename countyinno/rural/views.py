from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from countyinno.core.views import flash_errors, paginate
from countyinno.regions.models import Region

from . import services, targets
from .models import Course, FarmerQuestion, OutreachEvent, Pairing, ServiceStation

FIELDS = ["小麦", "玉米", "设施蔬菜", "果树", "畜牧", "水产", "中药材", "农机"]


def home(request):
    return render(request, "rural/home.html", {"fields": FIELDS, "counties": Region.objects.filter(
        level="county", province__code="370000").order_by("code")})


def ask(request):
    """Farmers ask without an account (web or a hotline operator's form)."""
    if request.method != "POST":
        return redirect("rural:home")
    try:
        region = Region.objects.get(code=request.POST.get("region", ""))
    except Region.DoesNotExist:
        messages.error(request, "请选择县（市、区） / choose a county")
        return redirect("rural:home")
    try:
        question = services.ask(asker=request.POST.get("asker", ""), phone=request.POST.get("phone", ""),
                                region=region, field=request.POST.get("field", ""), text=request.POST.get("text", ""),
                                channel="hotline" if request.user.is_authenticated else "web",
                                attachment=request.FILES.get("attachment"),
                                actor=request.user if request.user.is_authenticated else None)
    except ValidationError as exc:
        for msgs in (exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages]):
            for m in msgs:
                messages.error(request, m)
        return redirect("rural:home")
    request.session.setdefault("my_questions", []).append(question.pk)
    request.session.modified = True
    return redirect("rural:answer-page", question.pk)


def answer_page(request, pk):
    """The asker sees the answer (or who will answer and by when), without anyone's phone number."""
    if pk not in request.session.get("my_questions", []) and not request.user.is_authenticated:
        raise Http404
    question = get_object_or_404(FarmerQuestion.objects.select_related("expert", "knowledge"), pk=pk)
    if request.user.is_authenticated and pk not in request.session.get("my_questions", []):
        question = get_object_or_404(FarmerQuestion.objects.restrict(request.user), pk=pk)
    return render(request, "rural/question.html", {"q": question, "show_phone": services.can_see_phone(request.user, question),
                                                   "is_expert": services.can_see_phone(request.user, question)})


@login_required
def questions(request):
    rows = FarmerQuestion.objects.restrict(request.user).select_related("region", "expert")
    return render(request, "rural/questions.html", {"page": paginate(request, rows),
                                                    "stats": services.question_stats(request.user),
                                                    "service": services.county_service_counts(request.user)})


@login_required
@require_POST
def answer(request, pk):
    question = get_object_or_404(FarmerQuestion.objects.restrict(request.user), pk=pk)
    try:
        services.answer(actor=request.user, question=question, text=request.POST.get("answer", ""),
                        promote=request.POST.get("promote") == "on")
        messages.success(request, "已解答 / answered")
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect("rural:answer-page", pk)


@login_required
def activities(request):
    return render(request, "rural/activities.html", {
        "stations": ServiceStation.objects.restrict(request.user).select_related("region")[:50],
        "courses": Course.objects.restrict(request.user).select_related("region")[:50],
        "events": OutreachEvent.objects.restrict(request.user).select_related("region")[:50],
        "pairings": Pairing.objects.restrict(request.user).select_related("region", "partner")[:50]})


@login_required
def dashboard(request):
    return render(request, "rural/targets.html", {
        "targets": targets.dashboard(), "not_computable": targets.NOT_COMPUTABLE,
        "policy_map": [(c, t, reverse(u)) for c, t, u in targets.POLICY_MAP]})

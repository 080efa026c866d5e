from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from countyinno.core.views import flash_errors, paginate
from countyinno.regions.models import Region
from countyinno.talent.models import Talent

from . import permissions as perms
from . import services, targets
from .models import Course, FarmerQuestion, KnowledgeEntry, OutreachEvent, Pairing, ServiceStation

FIELDS = ["小麦", "玉米", "设施蔬菜", "果树", "畜牧", "水产", "中药材", "农机"]


def _counties_for(user):
    """Farmers choose any county; hotline staff the counties they may enter questions for."""
    counties = Region.objects.filter(level="county", province__code="370000").order_by("code")
    if user.is_authenticated:
        rule = perms.can_ask_question.q(user)
        if rule is not None:
            counties = counties.filter(rule)
    return counties


def home(request):
    return render(request, "rural/home.html", {"fields": FIELDS, "counties": _counties_for(request.user)})


def ask(request):
    """Farmers ask without an account (web); signed-in bureau staff enter hotline calls."""
    if request.method != "POST":
        return redirect("rural:home")
    try:
        region = Region.objects.get(code=request.POST.get("region", ""))
    except Region.DoesNotExist:
        messages.error(request, "请选择县（市、区） / choose a county")
        return redirect("rural:home")
    try:
        question = services.ask_question(
            actor=request.user if request.user.is_authenticated else None, asker=request.POST.get("asker", ""),
            phone=request.POST.get("phone", ""), region=region, field=request.POST.get("field", ""),
            text=request.POST.get("text", ""), attachment=request.FILES.get("attachment"))
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
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
    context = {"q": question, "experts": [],
               "promoted": KnowledgeEntry.objects.filter(source_question=question).exists()}
    if perms.can_route_question(request.user, question):
        context["experts"] = sorted(services.expert_candidates(question), key=lambda t: (t.open, t.pk))[:30]
    return render(request, "rural/question.html", context)


@login_required
def questions(request):
    rows = FarmerQuestion.objects.restrict(request.user).select_related("region", "expert")
    return render(request, "rural/questions.html", {"page": paginate(request, rows),
                                                    "stats": services.question_stats(request.user),
                                                    "service": services.county_service_counts(request.user)})


def _act_on_question(request, pk, act, done: str):
    """Run a question action; a refusal or a validation error comes back as a message on the question."""
    question = get_object_or_404(FarmerQuestion.objects.restrict(request.user), pk=pk)
    try:
        act(question)
        messages.success(request, done)
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect("rural:answer-page", pk)


@login_required
@require_POST
def answer(request, pk):
    return _act_on_question(request, pk, lambda q: services.answer_question(
        actor=request.user, question=q, text=request.POST.get("answer", ""),
        promote=request.POST.get("promote") == "on"), "已解答 / answered")


@login_required
@require_POST
def route(request, pk):
    def act(question):
        expert = None
        if request.POST.get("expert"):
            expert = Talent.objects.filter(pk=request.POST["expert"]).first()
            if expert is None:
                raise ValidationError({"expert": "没有这位专家 / no such expert"})
        services.route_question(actor=request.user, question=question, expert=expert)

    return _act_on_question(request, pk, act, "已派专家 / routed to an expert")


@login_required
@require_POST
def promote(request, pk):
    return _act_on_question(request, pk, lambda q: services.promote_answer(actor=request.user, question=q),
                            "已收入知识库 / added to the knowledge base")


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

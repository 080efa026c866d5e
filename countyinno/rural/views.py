"""Rural pages: the 12396 question box and its look-up, the assignment queue, training and outreach,
county pairings. Every parameter goes through a form or FilterSet; every write is a declared action."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from countyinno.core.audit import client_ip
from countyinno.core.errors import bilingual
from countyinno.core.tables import configure
from countyinno.core.views import flash_errors, paginate
from countyinno.regions.models import Region

from . import forms
from . import permissions as perms
from . import services, targets
from .models import (CountyPairing, Course, Enrolment, FarmerQuestion, KnowledgeEntry, OutreachEvent, Pairing,
                     Registration, ServiceStation)
from .tables import CourseTable, EventTable, QueueTable

FIELDS = forms.FIELDS


def _counties_for(user):
    """Farmers choose any county; hotline staff the counties they may enter questions for."""
    counties = forms.counties()
    if user.is_authenticated:
        rule = perms.can_ask_question.q(user)
        if rule is not None:
            counties = counties.filter(rule)
    return counties


def _remember(request, question) -> None:
    mine = [pk for pk in request.session.get("my_questions", []) if isinstance(pk, int)][-50:]
    if question.pk not in mine:
        mine.append(question.pk)
    request.session["my_questions"] = mine


def _home(request, form, status=200):
    counties = _counties_for(request.user)
    return render(request, "rural/home.html", {"form": form, "counties": counties.exists(),
                                               "may_queue": perms.can_see_question_queue(request.user)},
                  status=status)


def home(request):
    return _home(request, forms.AskForm(county_queryset=_counties_for(request.user)))


def ask(request):
    """Farmers ask without an account (web; throttled); signed-in bureau staff enter hotline calls. On any
    error the form comes back with what was typed."""
    if request.method != "POST":
        return redirect("rural:home")
    form = forms.AskForm(request.POST, request.FILES, county_queryset=_counties_for(request.user))
    if not form.is_valid():
        return _home(request, form, status=400)
    data = form.cleaned_data
    try:
        question = services.ask_question(
            actor=request.user if request.user.is_authenticated else None, asker=data["asker"], phone=data["phone"],
            region=data["county"], field=data["field"], text=data["text"], attachment=data.get("attachment"),
            source_ip=client_ip(request))
    except ValidationError as exc:
        form.apply(exc)
        return _home(request, form, status=429 if not hasattr(exc, "error_dict") else 400)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return _home(request, form, status=403)
    _remember(request, question)
    request.session["just_asked"] = question.pk
    return redirect("rural:answer-page", question.pk)


def lookup(request):
    """The asker finds a question again with the mobile number and the code shown when they asked."""
    form = forms.LookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.check_lookup_rate(client_ip(request))
        except ValidationError as exc:
            form.apply(exc)
            return render(request, "rural/lookup.html", {"form": form}, status=429)
        question = services.find_question(form.cleaned_data["phone"], form.cleaned_data["code"])
        if question is not None:
            _remember(request, question)
            return redirect("rural:answer-page", question.pk)
        form.add_error(None, bilingual("手机号与查询码不匹配", "no question matches this number and code"))
    return render(request, "rural/lookup.html", {"form": form}, status=400 if form.errors else 200)


def _question_for(request, pk):
    mine = pk in request.session.get("my_questions", [])
    if not mine and not request.user.is_authenticated:
        raise Http404
    if mine:
        return get_object_or_404(FarmerQuestion.objects.select_related("expert__home_unit", "knowledge", "region"),
                                 pk=pk), True
    return get_object_or_404(FarmerQuestion.objects.restrict(request.user).select_related(
        "expert__home_unit", "knowledge", "region"), pk=pk), False


def _candidates(question):
    ranked = sorted(services.expert_candidates(question), key=lambda t: (t.open, t.pk))
    if not ranked:  # nobody covers the field: any commissioner with an account, nearest first
        ranked = services.all_expert_candidates(question)
    return ranked[:100]


def answer_page(request, pk, assign_form=None, answer_form=None, status=200):
    """The asker sees the answer (or who will answer and by when), without anyone's phone number; staff
    assign or reassign, the expert answers."""
    question, mine = _question_for(request, pk)
    context = {"q": question, "mine": mine, "clock": services.clock_view(question),
               "just_asked": request.session.pop("just_asked", None) == question.pk,
               "promoted": KnowledgeEntry.objects.filter(source_question=question).exists()}
    if perms.can_route_question(request.user, question):
        context["assign_form"] = assign_form or forms.AssignForm(candidates=_candidates(question))
    if perms.can_answer_question(request.user, question):
        context["answer_form"] = answer_form or forms.AnswerForm()
    return render(request, "rural/question.html", context, status=status)


@login_required
def questions(request):
    rows = FarmerQuestion.objects.restrict(request.user).select_related("region", "expert")
    return render(request, "rural/questions.html", {"page": paginate(request, rows),
                                                    "stats": services.question_stats(request.user),
                                                    "service": services.county_service_counts(request.user),
                                                    "may_queue": perms.can_see_question_queue(request.user)})


@login_required
def queue(request):
    """Unassigned and overdue questions for county, city and province staff: assign from here."""
    if not perms.can_see_question_queue(request.user):
        raise PermissionDenied(bilingual("仅科技管理部门可分派问题", "only science bureau staff assign questions"))
    base = FarmerQuestion.objects.restrict(request.user, "route").select_related("region", "expert")
    filterset = forms.QuestionQueueFilter(request.GET or None, queryset=base, user=request.user)
    table = configure(request, QueueTable(filterset.qs.order_by("due_at", "created_at")))
    return render(request, "rural/queue.html", {"filter": filterset, "table": table,
                                                "overdue": base.filter(due_at__lt=timezone.now()).count(),
                                                "unrouted": base.filter(status="unrouted").count()})


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
    question = get_object_or_404(FarmerQuestion.objects.restrict(request.user), pk=pk)
    form = forms.AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.answer_question(actor=request.user, question=question, text=form.cleaned_data["answer"],
                                     promote=form.cleaned_data["promote"])
            messages.success(request, "已解答 / answered")
            return redirect("rural:answer-page", pk)
        except ValidationError as exc:
            form.apply(exc)
        except PermissionDenied as exc:
            flash_errors(request, exc)
            return redirect("rural:answer-page", pk)
    return answer_page(request, pk, answer_form=form, status=400)


@login_required
@require_POST
def route(request, pk):
    question = get_object_or_404(FarmerQuestion.objects.restrict(request.user), pk=pk)
    form = forms.AssignForm(request.POST, candidates=_candidates(question))
    if form.is_valid():
        expert = form.candidates.get(form.cleaned_data["expert"]) if form.cleaned_data["expert"] else None
        try:
            question = services.route_question(actor=request.user, question=question, expert=expert)
            messages.success(request, bilingual(f"已派给 {question.expert.name}", f"assigned to {question.expert.name}"))
            return redirect("rural:answer-page", pk)
        except ValidationError as exc:
            form.apply(exc)
        except PermissionDenied as exc:
            flash_errors(request, exc)
            return redirect("rural:answer-page", pk)
    return answer_page(request, pk, assign_form=form, status=400)


@login_required
@require_POST
def promote(request, pk):
    return _act_on_question(request, pk, lambda q: services.promote_answer(actor=request.user, question=q),
                            "已收入知识库 / added to the knowledge base")


@login_required
@require_POST
def escalate(request, pk):
    return _act_on_question(request, pk, lambda q: services.escalate_question(actor=request.user, question=q),
                            "已升级督办 / escalated")


# ------------------------------------------------------------------ training and outreach
def activities(request):
    """Stations, courses, outreach events and pairings at a glance, with the ways in."""
    user = request.user
    return render(request, "rural/activities.html", {
        "stations": ServiceStation.objects.select_related("region")[:20],
        "courses": Course.objects.filter(session_date__gte=timezone.localdate()).select_related("region")
        .order_by("session_date")[:10],
        "events": OutreachEvent.objects.filter(ends_at__gte=timezone.now(), closed=False).select_related("region")
        .order_by("starts_at")[:10],
        "pairings": Pairing.objects.restrict(user).select_related("region", "partner")[:20] if user.is_authenticated
        else [],
        "county_pairings": CountyPairing.objects.exclude(status=CountyPairing.Status.ENDED)
        .select_related("strong", "weak")[:20] if user.is_authenticated else [],
        "may_add": _may_organise(user)})


def _add_regions(user, predicate):
    rule = predicate.q(user) if user.is_authenticated else None
    if not user.is_authenticated or rule is not None and rule == perms.NOTHING:
        return None
    counties = forms.counties().order_by("code")
    return counties.filter(rule) if rule is not None else counties


def _provider(user):
    """The organisation a signed-in training provider runs courses for, if they may."""
    organisation = getattr(user, "organisation", None) if user.is_authenticated else None
    return organisation if organisation is not None and perms.can_offer_course(user, organisation) else None


def _may_organise(user) -> bool:
    regions = _add_regions(user, perms.can_add_course)
    return bool(regions is not None and regions.exists()) or _provider(user) is not None


def course_list(request):
    courses = Course.objects.select_related("region", "organiser").annotate(n=Count("enrolments"))
    when = request.GET.get("when")
    today = timezone.localdate()
    courses = courses.filter(session_date__lt=today) if when == "past" else courses.filter(session_date__gte=today)
    table = configure(request, CourseTable(courses.order_by("session_date" if when != "past" else "-session_date")))
    return render(request, "rural/course_list.html", {"table": table, "when": "past" if when == "past" else "",
                                                      "may_add": _may_organise(request.user)})


def _form_for_new(request, form_class):
    regions = _add_regions(request.user, perms.can_add_course if form_class is forms.CourseForm
                           else perms.can_add_event)
    provider = _provider(request.user)
    if regions is not None and regions.exists():
        return form_class(request.POST or None, regions=regions), None
    if provider is not None:
        return form_class(request.POST or None), provider
    raise PermissionDenied(bilingual("仅科技管理部门和培训机构可发布", "only science bureaus and training providers"))


def _publish(request, form_class, *, by_county, by_provider, done, detail, template):
    """A county publishes a course or event for one of its counties; a training provider for its own."""
    form, provider = _form_for_new(request, form_class)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "region"}
        try:
            if provider is None:
                item = by_county(actor=request.user, region=form.cleaned_data["region"], **data)
            else:
                item = by_provider(actor=request.user, organisation=provider, **data)
            messages.success(request, done)
            return redirect(detail, item.pk)
        except ValidationError as exc:
            form.apply(exc)
    return render(request, template, {"form": form, "provider": provider}, status=400 if form.errors else 200)


@login_required
def course_create(request):
    return _publish(request, forms.CourseForm, by_county=services.create_course, by_provider=services.offer_course,
                    done="课程已发布 / course published", detail="rural:course", template="rural/course_form.html")


def course_detail(request, pk, signup_form=None, status=200):
    course = get_object_or_404(Course.objects.select_related("region", "organiser"), pk=pk)
    manage = perms.can_manage_course(request.user, course)
    context = {"course": course, "manage": manage, "taken": course.enrolments.count(),
               "open": course.session_date >= timezone.localdate(),
               "signup_form": signup_form or forms.SignupForm(),
               "done": request.session.pop("enrolled", None) == course.pk}
    if manage:
        context["enrolments"] = course.enrolments.all()
        context["feedback_form"] = forms.FeedbackForm(auto_id=False)
        context["attended"] = course.enrolments.filter(attended=True).count()
    return render(request, "rural/course_detail.html", context, status=status)


@require_POST
def course_enrol(request, pk):
    course = get_object_or_404(Course, pk=pk)
    form = forms.SignupForm(request.POST)
    if form.is_valid():
        try:
            services.enrol(actor=request.user if request.user.is_authenticated else None, course=course,
                           source_ip=client_ip(request), **form.cleaned_data)
            request.session["enrolled"] = course.pk
            return redirect("rural:course", pk)
        except ValidationError as exc:
            form.apply(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
    return course_detail(request, pk, signup_form=form, status=400)


def _enrolment(request, pk):
    enrolment = get_object_or_404(Enrolment.objects.select_related("course__region", "course__organiser"), pk=pk)
    if not perms.can_manage_course(request.user, enrolment.course):
        raise Http404
    return enrolment


def _act_on_enrolment(request, pk, act, done):
    enrolment = _enrolment(request, pk)
    try:
        act(enrolment)
        messages.success(request, done)
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect(reverse("rural:course", args=[enrolment.course_id]) + f"#enrolment-{enrolment.pk}")


@login_required
@require_POST
def enrolment_attend(request, pk):
    attended = request.POST.get("attended") != "0"
    return _act_on_enrolment(request, pk, lambda e: services.record_attendance(
        actor=request.user, enrolment=e, attended=attended), "已记录到课 / attendance recorded")


@login_required
@require_POST
def enrolment_feedback(request, pk):
    form = forms.FeedbackForm(request.POST)

    def act(enrolment):
        if not form.is_valid():
            raise ValidationError([m for errors in form.errors.values() for m in errors])
        services.record_feedback(actor=request.user, enrolment=enrolment, score=form.cleaned_data["score"],
                                 note=form.cleaned_data["note"])

    return _act_on_enrolment(request, pk, act, "已记录评价 / feedback recorded")


@login_required
@require_POST
def enrolment_certificate(request, pk):
    return _act_on_enrolment(request, pk, lambda e: services.issue_certificate(actor=request.user, enrolment=e),
                             "已发结业证书 / certificate issued")


@login_required
def certificate(request, pk):
    enrolment = _enrolment(request, pk)
    if not enrolment.certificate:
        raise Http404
    return render(request, "rural/certificate.html", {"e": enrolment, "course": enrolment.course})


def certificate_verify(request):
    """A trainee opens (and prints) their certificate with its number and their mobile number."""
    form = forms.CertificateLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.check_lookup_rate(client_ip(request))
        except ValidationError as exc:
            form.apply(exc)
            return render(request, "rural/certificate_lookup.html", {"form": form}, status=429)
        enrolment = services.find_certificate(form.cleaned_data["number"], form.cleaned_data["phone"])
        if enrolment is not None:
            return render(request, "rural/certificate.html", {"e": enrolment, "course": enrolment.course})
        form.add_error(None, bilingual("证书编号与手机号不匹配", "no certificate matches this number and phone"))
    return render(request, "rural/certificate_lookup.html", {"form": form}, status=400 if form.errors else 200)


def event_list(request):
    events = OutreachEvent.objects.select_related("region", "organiser").annotate(
        n=Count("registrations"), checked=Count("registrations", filter=Q(registrations__checked_in_at__isnull=False)))
    when = request.GET.get("when")
    now = timezone.now()
    events = events.filter(ends_at__lt=now) if when == "past" else events.filter(ends_at__gte=now)
    table = configure(request, EventTable(events.order_by("starts_at" if when != "past" else "-starts_at")))
    return render(request, "rural/event_list.html", {"table": table, "when": "past" if when == "past" else "",
                                                     "may_add": _may_organise(request.user)})


@login_required
def event_create(request):
    return _publish(request, forms.EventForm, by_county=services.create_event, by_provider=services.offer_event,
                    done="活动已发布 / event published", detail="rural:event", template="rural/event_form.html")


def event_detail(request, pk, signup_form=None, status=200):
    event = get_object_or_404(OutreachEvent.objects.select_related("region", "organiser"), pk=pk)
    manage = perms.can_manage_event(request.user, event)
    context = {"event": event, "manage": manage, "taken": event.registrations.count(),
               "open": not event.closed and event.ends_at >= timezone.now(),
               "signup_form": signup_form or forms.SignupForm(),
               "done": request.session.pop("registered", None) == event.pk}
    if manage:
        context["registrations"] = event.registrations.all()
        context["checked"] = event.registrations.exclude(checked_in_at=None).count()
    return render(request, "rural/event_detail.html", context, status=status)


@require_POST
def event_register(request, pk):
    event = get_object_or_404(OutreachEvent, pk=pk)
    form = forms.SignupForm(request.POST)
    if form.is_valid():
        try:
            services.register(actor=request.user if request.user.is_authenticated else None, event=event,
                              source_ip=client_ip(request), **form.cleaned_data)
            request.session["registered"] = event.pk
            return redirect("rural:event", pk)
        except ValidationError as exc:
            form.apply(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
    return event_detail(request, pk, signup_form=form, status=400)


@login_required
@require_POST
def registration_check_in(request, pk):
    registration = get_object_or_404(Registration.objects.select_related("event__region"), pk=pk)
    if not perms.can_manage_event(request.user, registration.event):
        raise Http404
    try:
        services.check_in(actor=request.user, registration=registration)
        messages.success(request, f"{registration.name} 已签到 / checked in")
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect(reverse("rural:event", args=[registration.event_id]) + f"#registration-{registration.pk}")


@login_required
@require_POST
def event_close(request, pk):
    event = get_object_or_404(OutreachEvent, pk=pk)
    if not perms.can_manage_event(request.user, event):
        raise Http404
    try:
        services.close_event(actor=request.user, event=event)
        messages.success(request, "报名与签到已结束 / registration and check-in closed")
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect("rural:event", pk)


# ------------------------------------------------------------------ county pairings
def _weak_choices(user):
    rule = perms.can_propose_county_pairing.q(user)
    counties = forms.counties().order_by("code")
    return counties if rule is None else counties.filter(rule)


@login_required
def county_pairings(request, propose_form=None, status=200):
    filterset = forms.PairingFilter(request.GET or None, queryset=CountyPairing.objects.select_related(
        "strong", "weak").annotate(n=Count("activities")))
    may_propose = _weak_choices(request.user).exists() and perms.can_propose_county_pairing.role_allows(request.user)
    context = {"filter": filterset, "pairings": paginate(request, filterset.qs.order_by("-created_at", "-id")),
               "may_propose": may_propose}
    if may_propose:
        context["suggestions"] = services.pairing_suggestions(request.user)
        context["propose_form"] = propose_form or forms.ProposePairingForm(weak_choices=_weak_choices(request.user))
    return render(request, "rural/county_pairings.html", context, status=status)


@login_required
@require_POST
def county_pairing_propose(request):
    form = forms.ProposePairingForm(request.POST, weak_choices=_weak_choices(request.user))
    if form.is_valid():
        run, _, _ = services.latest_index_results()
        try:
            pairing = services.propose_county_pairing(actor=request.user, run=run, **form.cleaned_data)
            messages.success(request, "已提出结对，等待两县确认 / proposed; both counties are asked to confirm")
            return redirect("rural:county-pairing", pairing.pk)
        except ValidationError as exc:
            form.apply(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
    return county_pairings(request, propose_form=form, status=400)


def _pairing(request, pk):
    return get_object_or_404(CountyPairing.objects.restrict(request.user).select_related(
        "strong", "weak", "strong_confirmed_by", "weak_confirmed_by", "run__campaign"), pk=pk)


@login_required
def county_pairing(request, pk, activity_form=None, status=200):
    pairing = _pairing(request, pk)
    return render(request, "rural/county_pairing.html", {
        "p": pairing, "activities": pairing.activities.select_related("side", "logged_by"),
        "activity_form": activity_form or forms.PairingActivityForm(initial={"happened_on": timezone.localdate()})},
        status=status)


@login_required
@require_POST
def county_pairing_confirm(request, pk):
    pairing = _pairing(request, pk)
    try:
        services.confirm_county_pairing(actor=request.user, pairing=pairing)
        messages.success(request, "已确认 / confirmed")
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect("rural:county-pairing", pk)


@login_required
@require_POST
def county_pairing_end(request, pk):
    pairing = _pairing(request, pk)
    try:
        services.end_county_pairing(actor=request.user, pairing=pairing)
        messages.success(request, "结对已结束 / pairing ended")
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect("rural:county-pairing", pk)


@login_required
@require_POST
def county_pairing_log(request, pk):
    pairing = _pairing(request, pk)
    form = forms.PairingActivityForm(request.POST)
    if form.is_valid():
        try:
            services.log_pairing_activity(actor=request.user, pairing=pairing, **form.cleaned_data)
            messages.success(request, "已记录 / recorded")
            return redirect("rural:county-pairing", pk)
        except ValidationError as exc:
            form.apply(exc)
        except PermissionDenied as exc:
            flash_errors(request, exc)
            return redirect("rural:county-pairing", pk)
    return county_pairing(request, pk, activity_form=form, status=400)


@login_required
def county(request, code):
    """A county's rural services: questions, training, outreach and its pairings (both sides)."""
    region = get_object_or_404(Region, code=code, level=Region.Level.COUNTY)
    today = timezone.localdate()
    questions = FarmerQuestion.objects.restrict(request.user).filter(region=region)
    pairings = (CountyPairing.objects.filter(Q(strong=region) | Q(weak=region)).select_related("strong", "weak")
                .prefetch_related("activities"))
    monitoring_url = None
    run, results, _ = services.latest_index_results()
    if run is not None and any(r.region_id == region.pk for r in results):
        from countyinno.monitoring.models import IndexResult

        if IndexResult.objects.restrict(request.user).filter(run=run, region=region).exists():
            monitoring_url = reverse("monitoring:county", args=[run.pk, region.code])
    return render(request, "rural/county.html", {
        "region": region, "pairings": pairings, "monitoring_url": monitoring_url,
        "questions": {"total": questions.count(), "open": questions.filter(perms.OPEN_QUESTION).count(),
                      "overdue": questions.filter(perms.OPEN_QUESTION, due_at__lt=timezone.now()).count()},
        "courses": Course.objects.filter(region=region).order_by("-session_date")[:10],
        "events": OutreachEvent.objects.filter(region=region).order_by("-starts_at")[:10],
        "today": today})


@login_required
def dashboard(request):
    return render(request, "rural/targets.html", {
        "targets": targets.dashboard(), "not_computable": targets.NOT_COMPUTABLE,
        "activity": targets.training_and_outreach(),
        "policy_map": [(c, t, reverse(u)) for c, t, u in targets.POLICY_MAP]})

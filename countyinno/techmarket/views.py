import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from countyinno.accounts.models import User
from countyinno.core import audit
from countyinno.core.errors import bilingual
from countyinno.core.views import flash_errors, paginate
from countyinno.regions.models import Region

from . import bulletins, search, services
from . import events as event_actions  # `events` is the list page below
from .models import ConfidentialAccess, EventPairing, Listing, MatchEvent, Subscription
from .permissions import can_create_listing, can_grant_access, can_view_confidential


def _node(code):
    return get_object_or_404(Region, code=code) if code else Region.objects.get(code="370000")


def _pk(value) -> int:
    """A posted id; anything that is not one finds nothing (404)."""
    return int(value) if str(value or "").isdigit() else 0


def _may_publish(user) -> bool:
    return user.organisation is not None and can_create_listing(user, user.organisation)


@login_required
def market(request, code=""):
    """A sub-market page: the node's own listings and, for a city or the province, everything below."""
    node = _node(code)
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    field = request.GET.get("field", "")
    if q:
        results = [(l, s) for l, s in search.search(q, kind=kind or None, k=50)
                   if node.level == "province" or l.market_node_id == node.pk or l.market_node.city_id == node.pk]
        page = None
    else:
        listings = services.in_node(Listing.objects.restrict(request.user).filter(status=Listing.Status.PUBLISHED), node) \
            .select_related("organisation", "market_node")
        if kind:
            listings = listings.filter(kind=kind)
        if field:
            listings = listings.filter(field=field)
        results, page = None, paginate(request, listings, 30)
    children = node.children.order_by("code") if node.level != Region.Level.COUNTY else []
    return render(request, "techmarket/market.html", {
        "node": node, "q": q, "kind": kind, "field": field, "results": results, "page": page, "children": children,
        "fields": services.rules()["fields"], "kinds": Listing.Kind.choices,
        "may_publish": _may_publish(request.user),
        "subscription": Subscription.objects.restrict(request.user).filter(
            market_node=node, field="", kind="").first(),
        "pending": Listing.objects.restrict(request.user, "review").count()})


def _listing(request, pk, action="view"):
    return get_object_or_404(Listing.objects.restrict(request.user, action)
                             .select_related("organisation", "market_node", "market_node__city"), pk=pk)


@login_required
def listing_detail(request, pk):
    listing = _listing(request, pk)
    return render(request, "techmarket/listing_detail.html", {
        "listing": listing, "matches": search.matches(listing) if listing.status == "published" else [],
        "confidential": can_view_confidential(request.user, listing),
        "requests": ConfidentialAccess.objects.filter(listing=listing, approved=False).select_related("organisation")
        if can_grant_access(request.user, listing) else []})


FORM_FIELDS = ["title", "summary", "public_description", "confidential_detail", "field", "industry"]


def _form_data(post, kind):
    def number(name):
        value = (post.get(name) or "").strip()
        return float(value) if value else None

    data = {f: post.get(f, "").strip() for f in FORM_FIELDS}
    data["keywords"] = [w.strip() for w in post.get("keywords", "").replace("，", ",").split(",") if w.strip()]
    if kind == Listing.Kind.ACHIEVEMENT:
        data["trl"] = int(post.get("trl") or 0) or None
        data["price"] = number("price")
        data["transfer_modes"] = post.getlist("transfer_modes")
    else:
        data["budget_min"], data["budget_max"] = number("budget_min"), number("budget_max")
        data["tender"] = post.get("tender") == "on"
        data["hide_company"] = post.get("hide_company") == "on"
        names, targets, units = post.getlist("indicator_name"), post.getlist("indicator_target"), post.getlist("indicator_unit")
        data["indicators"] = [{"name": n, "target": t, "unit": u} for n, t, u in zip(names, targets, units) if n or t]
    return data


@login_required
def listing_create(request, kind):
    if kind not in Listing.Kind.values:
        raise Http404
    if not _may_publish(request.user):
        raise PermissionDenied(bilingual("须以机构身份发布", "listings are filed on behalf of an organisation"))
    errors, values = {}, {}
    if request.method == "POST":
        values = request.POST
        try:
            listing = services.create_listing(actor=request.user, organisation=request.user.organisation, kind=kind,
                                              **_form_data(request.POST, kind))
            if request.POST.get("submit_now"):
                services.submit_listing(actor=request.user, listing=listing)
            messages.success(request, "已保存 / saved")
            return redirect("techmarket:listing", listing.pk)
        except ValueError:
            errors = {"__all__": ["数值格式无效 / invalid number"]}
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        except PermissionDenied as exc:
            errors = {"__all__": [str(exc)]}
    p = services.rules()
    return render(request, "techmarket/listing_form.html", {
        "kind": kind, "errors": errors, "values": values, "fields": p["fields"],
        "sections": p["industry_sections"], "modes": p["transfer_modes"]})


@login_required
@require_POST
def listing_action(request, pk, action):
    """One POST per workflow step; a refusal (the action audits it) comes back as the bilingual message."""
    listing = _listing(request, pk, "view")
    reason = request.POST.get("reason", "")

    def grant():
        asked = get_object_or_404(ConfidentialAccess, pk=_pk(request.POST.get("access")), listing=listing)
        return services.grant_access(actor=request.user, listing=listing, organisation=asked.organisation)

    steps = {
        "submit": lambda: services.submit_listing(actor=request.user, listing=listing),
        "approve": lambda: services.approve_listing(actor=request.user, listing=listing, reason=reason),
        "reject": lambda: services.reject_listing(actor=request.user, listing=listing, reason=reason),
        "withdraw": lambda: services.withdraw_listing(actor=request.user, listing=listing, reason=reason),
        "reconfirm": lambda: services.reconfirm_listing(actor=request.user, listing=listing),
        "request-access": lambda: services.request_access(actor=request.user, listing=listing),
        "grant-access": grant,
    }
    if action not in steps:
        raise Http404
    try:
        steps[action]()
        messages.success(request, "操作成功 / done")
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect("techmarket:listing", listing.pk)


@login_required
def review_queue(request):
    """Listings waiting for this user's review, and the user's own organisation's listings."""
    listings = Listing.objects.restrict(request.user, "review").select_related("organisation", "market_node")
    mine = Listing.objects.filter(organisation_id=request.user.organisation_id).order_by("-updated_at") \
        if request.user.organisation_id else []
    return render(request, "techmarket/review_queue.html", {"listings": listings, "mine": mine})


def _period(request):
    today = datetime.date.today()
    try:
        return int(request.GET.get("year") or today.year), int(request.GET.get("month") or today.month)
    except ValueError:
        raise Http404


def _record_bulletin_export(request, context, fmt):
    node, year, month = context["node"], context["year"], context["month"]
    audit.record_export(request.user, Listing, what=f"月度发布 / bulletin {node.code} {year}-{month:02d}",
                        filters={"node": node.code, "year": year, "month": month, "field": context["field"],
                                 "kind": context["kind"]}, rows=context["listings"].count(), fmt=fmt)


@login_required
def bulletin(request, code=""):
    node = _node(code)
    year, month = _period(request)
    field, kind = request.GET.get("field", ""), request.GET.get("kind", "")
    listings = bulletins.bulletin_listings(node, year, month, field, kind)
    context = {"node": node, "year": year, "month": month, "field": field, "kind": kind, "listings": listings,
               "fields": services.rules()["fields"]}
    fmt = request.GET.get("format")
    if fmt == "atom":
        feed = bulletins.atom(node, listings, request.build_absolute_uri("/market/"))
        _record_bulletin_export(request, context, "atom")
        return HttpResponse(feed, content_type="application/atom+xml; charset=utf-8")
    if fmt == "pdf":
        from weasyprint import HTML

        pdf = HTML(string=render_to_string("techmarket/bulletin_print.html", context)).write_pdf()
        _record_bulletin_export(request, context, "pdf")
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="bulletin-{node.code}-{year}-{month:02d}.pdf"'
        return response
    return render(request, "techmarket/bulletin.html", context)


@login_required
def events(request):
    return render(request, "techmarket/events.html", {
        "events": MatchEvent.objects.restrict(request.user).prefetch_related("pairings")[:30]})


@login_required
def event_detail(request, pk):
    event = get_object_or_404(MatchEvent.objects.restrict(request.user), pk=pk)
    return render(request, "techmarket/event_detail.html", {
        "event": event, "outcomes": EventPairing.Outcome.choices,
        "pairings": event.pairings.select_related("demand", "achievement", "demand__organisation",
                                                  "achievement__organisation")})


@login_required
@require_POST
def pairing_outcome(request, pk, pairing_pk):
    """The organisers record what came of a pairing on site."""
    event = get_object_or_404(MatchEvent.objects.restrict(request.user), pk=pk)
    pairing = get_object_or_404(EventPairing.objects.restrict(request.user), pk=pairing_pk, event=event)
    try:
        event_actions.record_outcome(actor=request.user, pairing=pairing, outcome=request.POST.get("outcome", ""))
        messages.success(request, "已记录 / recorded")
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect("techmarket:event", event.pk)


@login_required
@require_POST
def subscription(request, code):
    """Subscribe oneself to a node's new listings, or cancel that subscription."""
    node = _node(code)
    try:
        if request.POST.get("cancel"):
            existing = get_object_or_404(Subscription.objects.restrict(request.user), pk=_pk(request.POST["cancel"]))
            services.unsubscribe(actor=request.user, subscription=existing)
        else:
            me = User.objects.get(pk=request.user.pk)  # a model instance, not the request's lazy wrapper
            services.subscribe(actor=request.user, subscriber=me, market_node=node)
        messages.success(request, "操作成功 / done")
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect("techmarket:node", node.code)

"""The market's pages. Published listings and bulletins are public (no account needed; never the
confidential part); filing, bookmarking, interest and negotiation need a signed-in member."""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from countyinno.accounts.models import User
from countyinno.core import audit
from countyinno.core.errors import bilingual
from countyinno.core.permissions import signed_in
from countyinno.core.tables import configure
from countyinno.core.views import flash_errors
from countyinno.regions.models import Region
from countyinno.regions.services import home_province_code

from . import bulletins, search, services
from . import events as event_actions  # `events` is the list page below
from .forms import (BulletinForm, CloseForm, InterestForm, ListingFilter, ListingForm, MessageForm, ReconfirmForm,
                    SubscriptionForm)
from .models import (Bookmark, ConfidentialAccess, EventPairing, Listing, MatchEvent, Negotiation, Subscription)
from .permissions import (acting_organisation_id, can_create_listing, can_express_interest, can_grant_access,
                          can_record_match_view, can_view_confidential, can_view_market_figures)
from .tables import BookmarkTable, ListingTable, NegotiationTable, OwnListingTable, ReviewTable, SearchTable



def _node(code):
    if not code:
        return get_object_or_404(Region, code=home_province_code())
    return get_object_or_404(Region, code=str(code)[:6])


def _pk(value) -> int:
    """A posted or linked id; anything that is not one finds nothing."""
    value = str(value or "")
    return int(value) if value.isdigit() and len(value) < 12 else 0


def _may_publish(user) -> bool:
    return signed_in(user) and user.organisation_id is not None and can_create_listing(user, user.organisation)


def _visible(user):
    """Listings a visitor may read: published ones for everybody; drafts for the owner and the node's admins."""
    if signed_in(user):
        return Listing.objects.restrict(user)
    return Listing.objects.filter(status=Listing.Status.PUBLISHED)


def _in_node(listing: Listing, node: Region) -> bool:
    if node.level == Region.Level.COUNTY:
        return listing.market_node_id == node.pk
    if node.level == Region.Level.CITY:
        return listing.market_node.city_id == node.pk or listing.market_node_id == node.pk
    return True


# ------------------------------------------------------------------ the market and its listings
def market(request, code=""):
    """A sub-market page: the node's own listings and, for a city or the province, everything below."""
    node = _node(code)
    user = request.user
    published = services.in_node(_visible(user).filter(status=Listing.Status.PUBLISHED), node) \
        .select_related("organisation", "market_node")
    filterset = ListingFilter(request.GET or None, queryset=published)
    q = filterset.value("q").strip()
    if q:
        kind, field, industry = filterset.value("kind"), filterset.value("field"), filterset.value("industry")
        hits = [h for h in search.search_results(q, kind=kind or None, k=60) if _in_node(h["listing"], node)
                and (not field or h["listing"].field == field) and (not industry or h["listing"].industry == industry)]
        table = SearchTable(hits)
    else:
        table = ListingTable(filterset.qs)
    configure(request, table, per_page=30)
    context = {"node": node, "filterset": filterset, "q": q, "table": table, "searching": bool(q),
               "children": node.children.order_by("code") if node.level != Region.Level.COUNTY else [],
               "parent": node.parent, "may_publish": _may_publish(user), "relevance_help": search.STAR_EDGES}
    if signed_in(user):
        context.update(
            subscriptions=Subscription.objects.restrict(user).filter(market_node=node),
            subscription_form=SubscriptionForm(),
            pending=Listing.objects.restrict(user, "review").count(),
            negotiation_count=Negotiation.objects.restrict(user).exclude(status=Negotiation.Status.CLOSED).count(),
            bookmark_count=Bookmark.objects.restrict(user).count())
        if can_view_market_figures(user, node):
            context["figures"] = services.market_figures(services.in_node(Listing.objects.all(), node))
        elif getattr(user, "region_id", None) and can_view_market_figures(user, user.region):
            context["own_node"] = user.region
    return render(request, "techmarket/market.html", context)


def _listing(request, pk, action="view"):
    base = _visible(request.user) if action == "view" else Listing.objects.restrict(request.user, action)
    return get_object_or_404(base.select_related("organisation", "market_node", "market_node__city"), pk=pk)


def _note_match_view(request, listing):
    """Opening a match of one's own listing (`?from=<own listing>`) is the first step of the market's chain."""
    source_pk = _pk(request.GET.get("from"))
    user = request.user
    if not source_pk or not signed_in(user) or not can_record_match_view(user, listing):
        return None
    source = Listing.objects.filter(pk=source_pk, organisation_id=acting_organisation_id(user)) \
        .exclude(kind=listing.kind).first()
    if source is None:
        return None
    try:
        services.record_match_view(actor=user, listing=listing, source=source)
    except (ValidationError, PermissionDenied):
        return None
    return source


def _detail_context(request, listing, *, interest_form=None, reconfirm_form=None):
    user = request.user
    p = services.rules()
    own_org = acting_organisation_id(user)
    context = {
        "listing": listing, "confidential": can_view_confidential(user, listing),
        "industry_name": p["industry_sections"].get(listing.industry, ""),
        "transfer_modes": [p["transfer_modes"].get(m, m) for m in listing.transfer_modes or []],
        "matches": search.matches(listing, grouped=True) if listing.status == Listing.Status.PUBLISHED else [],
        "match_from": listing.pk if own_org and own_org == listing.organisation_id else None,
        "expires_on": listing.expires_on(p["reconfirm_days"]) if listing.status == Listing.Status.PUBLISHED else None,
        "requests": [], "negotiation": None, "negotiations": [], "bookmark": None,
    }
    if signed_in(user):
        if can_grant_access(user, listing):
            context["requests"] = ConfidentialAccess.objects.filter(listing=listing, approved=False) \
                .select_related("organisation")
        context["bookmark"] = Bookmark.objects.restrict(user).filter(listing=listing).first()
        if own_org:
            context["negotiation"] = Negotiation.objects.filter(listing=listing, party_id=own_org).first()
        context["negotiations"] = Negotiation.objects.restrict(user).filter(listing=listing) \
            .exclude(party_id=own_org or 0).select_related("party")
        if can_express_interest(user, listing) and context["negotiation"] is None:
            source = _pk(request.GET.get("from")) or None
            context["interest_form"] = interest_form or InterestForm(initial={"source": source})
        context["reconfirm_form"] = reconfirm_form or ReconfirmForm()
    return context


def listing_detail(request, pk):
    listing = _listing(request, pk)
    _note_match_view(request, listing)
    return render(request, "techmarket/listing_detail.html", _detail_context(request, listing))


def _render_form(request, form, kind, listing=None, status=200):
    return render(request, "techmarket/listing_form.html", {"form": form, "kind": kind, "listing": listing},
                  status=status)


@login_required
def listing_create(request, kind):
    if kind not in Listing.Kind.values:
        raise Http404
    if not _may_publish(request.user):
        raise PermissionDenied(bilingual("须以机构身份发布", "listings are filed on behalf of an organisation"))
    form = ListingForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            listing = services.create_listing(actor=request.user, organisation=request.user.organisation, kind=kind,
                                              **form.payload())
            if form.cleaned_data.get("submit_now"):
                services.submit_listing(actor=request.user, listing=listing)
        except ValidationError as exc:
            form.add_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已保存 / saved")
            return redirect("techmarket:listing", listing.pk)
    return _render_form(request, form, kind)


@login_required
def listing_edit(request, pk):
    """The owner edits a draft or a listing sent back by the reviewer, and (re)submits it."""
    listing = _listing(request, pk, "edit")
    form = ListingForm(request.POST or None, kind=listing.kind, listing=listing)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_listing(actor=request.user, listing=listing, **form.payload())
            if form.cleaned_data.get("submit_now"):
                services.submit_listing(actor=request.user, listing=listing)
        except ValidationError as exc:
            form.add_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已保存并提交审核 / saved and submitted" if form.cleaned_data.get("submit_now")
                             else "已保存 / saved")
            return redirect("techmarket:listing", listing.pk)
    return _render_form(request, form, listing.kind, listing)


@login_required
@require_POST
def listing_action(request, pk, action):
    """One POST per workflow step; a refusal (the action audits it) comes back as the bilingual message."""
    listing = _listing(request, pk, "view")
    reason = request.POST.get("reason", "")

    def grant():
        asked = get_object_or_404(ConfidentialAccess, pk=_pk(request.POST.get("access")), listing=listing)
        return services.grant_access(actor=request.user, listing=listing, organisation=asked.organisation)

    reconfirm_form = ReconfirmForm(request.POST) if action == "reconfirm" else None
    if reconfirm_form is not None and not reconfirm_form.is_valid():
        # Keep what was typed: the listing page again, the message beside the date.
        return render(request, "techmarket/listing_detail.html",
                      _detail_context(request, listing, reconfirm_form=reconfirm_form), status=400)

    def reconfirm():
        try:
            return services.reconfirm_listing(actor=request.user, listing=listing,
                                              valid_until=reconfirm_form.cleaned_data.get("valid_until"))
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                raise ValidationError([f"{reconfirm_form.fields['valid_until'].label}：{m}"
                                       for errs in exc.message_dict.values() for m in errs])
            raise

    steps = {
        "submit": lambda: services.submit_listing(actor=request.user, listing=listing),
        "approve": lambda: services.approve_listing(actor=request.user, listing=listing, reason=reason),
        "reject": lambda: services.reject_listing(actor=request.user, listing=listing, reason=reason),
        "withdraw": lambda: services.withdraw_listing(actor=request.user, listing=listing, reason=reason),
        "reconfirm": reconfirm,
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


# ------------------------------------------------------------------ bookmarks
@login_required
@require_POST
def bookmark(request, pk):
    """收藏 / 取消收藏 from the listing page or the bookmark list."""
    listing = _listing(request, pk)
    existing = Bookmark.objects.restrict(request.user).filter(listing=listing).first()
    try:
        if existing is not None:
            services.remove_bookmark(actor=request.user, bookmark=existing)
            messages.success(request, "已取消收藏 / bookmark removed")
        elif not request.POST.get("remove"):
            services.bookmark_listing(actor=request.user, listing=listing)
            messages.success(request, "已收藏 / bookmarked")
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    if request.POST.get("remove"):
        return redirect("techmarket:bookmarks")
    return redirect("techmarket:listing", listing.pk)


@login_required
def bookmarks(request):
    table = BookmarkTable(Bookmark.objects.restrict(request.user).select_related("listing"))
    configure(request, table, per_page=30)
    return render(request, "techmarket/bookmarks.html", {"table": table})


# ------------------------------------------------------------------ interest and negotiation
@login_required
@require_POST
def express_interest(request, pk):
    listing = _listing(request, pk)
    form = InterestForm(request.POST)
    if form.is_valid():
        source = Listing.objects.filter(pk=form.cleaned_data.get("source") or 0).first()
        try:
            negotiation = services.express_interest(actor=request.user, listing=listing,
                                                    body=form.cleaned_data["body"], source=source)
        except ValidationError as exc:
            for field, errors in (exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]):
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as exc:
            flash_errors(request, exc)
            return redirect("techmarket:listing", listing.pk)
        else:
            messages.success(request, "已向发布方表达意向 / interest sent to the owner")
            return redirect("techmarket:negotiation", negotiation.pk)
    # Keep what was typed: the listing page again, with the form and its messages.
    return render(request, "techmarket/listing_detail.html", _detail_context(request, listing, interest_form=form),
                  status=400)


@login_required
def negotiations(request):
    """The negotiations of one's organisation (either side) and, for admins, those in their area."""
    rows = Negotiation.objects.restrict(request.user).select_related("listing", "listing__organisation", "party")
    status = request.GET.get("status", "")
    if status in Negotiation.Status.values:
        rows = rows.filter(status=status)
    else:
        status = ""
    table = NegotiationTable(rows)
    configure(request, table, per_page=30)
    return render(request, "techmarket/negotiations.html", {"table": table, "status": status,
                                                             "statuses": Negotiation.Status.choices})


CATEGORY_OF_MODE = {"transfer": "transfer", "license_exclusive": "licensing", "license_sole": "licensing",
                    "license_ordinary": "licensing", "equity": "transfer", "joint_development": "development"}


def contract_application_url(negotiation: Negotiation) -> str | None:
    """The contracts app's application page, pre-filled with both parties and the subject: the GET
    parameters of its PrefillForm (seller, buyer_name, buyer_credit_code, buyer_area_code, project_name,
    category, technical_field, listing) and total_amount (the asking price, when there is one)."""
    try:
        base = reverse("contracts:apply")
    except NoReverseMatch:
        return None
    listing, buyer, seller = negotiation.listing, negotiation.buyer, negotiation.seller
    modes = listing.transfer_modes or []
    category = CATEGORY_OF_MODE.get(modes[0], "development") if listing.kind == Listing.Kind.ACHIEVEMENT and modes \
        else "development"
    params = {"project_name": listing.title, "category": category, "technical_field": listing.field,
              "buyer_name": buyer.name, "buyer_credit_code": buyer.credit_code or "",
              "buyer_area_code": buyer.region.code if buyer.region_id else "",
              "seller": seller.pk, "listing": listing.pk}
    if listing.kind == Listing.Kind.ACHIEVEMENT and listing.price is not None:
        params["total_amount"] = services.wan(listing.price)
    return f"{base}?{urlencode({k: v for k, v in params.items() if v not in ('', None)})}"


def _negotiation_context(request, negotiation, *, message_form=None, close_form=None):
    own = acting_organisation_id(request.user)
    side = negotiation.side_of(own)
    context = {"negotiation": negotiation, "listing": negotiation.listing, "side": side,
               "thread": negotiation.messages.select_related("organisation", "author"),
               "message_form": message_form or MessageForm(), "close_form": close_form or CloseForm(),
               "owner_name": negotiation.listing.organisation.name if negotiation.replied_at or side == "owner"
               else negotiation.listing.display_owner()}
    if negotiation.status == Negotiation.Status.AGREED and side is not None:
        context["seller_side"] = negotiation.seller.pk == own
        context["contract_url"] = contract_application_url(negotiation) if context["seller_side"] else None
    return context


def _negotiation(request, pk):
    return get_object_or_404(Negotiation.objects.restrict(request.user).select_related(
        "listing", "listing__organisation", "listing__market_node", "party", "party__region"), pk=pk)


@login_required
def negotiation_detail(request, pk):
    """The thread between the two organisations; a message posted here keeps its text on error."""
    negotiation = _negotiation(request, pk)
    form = None
    if request.method == "POST":
        form = MessageForm(request.POST)
        if form.is_valid():
            try:
                services.post_message(actor=request.user, negotiation=negotiation, body=form.cleaned_data["body"])
            except ValidationError as exc:
                form.add_error("body", exc.messages)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "已发送 / sent")
                return redirect("techmarket:negotiation", negotiation.pk)
    return render(request, "techmarket/negotiation.html",
                  _negotiation_context(request, negotiation, message_form=form),
                  status=400 if form is not None and form.errors else 200)


@login_required
@require_POST
def negotiation_action(request, pk, action):
    negotiation = _negotiation(request, pk)
    if action == "agree":
        try:
            services.agree_deal(actor=request.user, negotiation=negotiation)
            messages.success(request, "已确认同意 / agreed")
        except (ValidationError, PermissionDenied) as exc:
            flash_errors(request, exc)
        return redirect("techmarket:negotiation", negotiation.pk)
    if action == "close":
        form = CloseForm(request.POST)
        if form.is_valid():
            try:
                services.close_negotiation(actor=request.user, negotiation=negotiation,
                                           reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                form.add_error("reason", exc.messages)
            except PermissionDenied as exc:
                flash_errors(request, exc)
                return redirect("techmarket:negotiation", negotiation.pk)
            else:
                messages.success(request, "洽谈已结束 / negotiation closed")
                return redirect("techmarket:negotiation", negotiation.pk)
        return render(request, "techmarket/negotiation.html",
                      _negotiation_context(request, negotiation, close_form=form), status=400)
    raise Http404


# ------------------------------------------------------------------ review
@login_required
def review_queue(request):
    """Listings waiting for this user's review, and the user's own organisation's listings."""
    waiting = ReviewTable(Listing.objects.restrict(request.user, "review").select_related("organisation", "market_node"),
                          prefix="review-")
    configure(request, waiting, per_page=30)
    own = acting_organisation_id(request.user)
    mine = None
    if own:
        mine = OwnListingTable(Listing.objects.filter(organisation_id=own).order_by("-updated_at"), prefix="mine-")
        configure(request, mine, per_page=30)
    return render(request, "techmarket/review_queue.html", {"waiting": waiting, "mine": mine})


# ------------------------------------------------------------------ bulletins
def _record_bulletin_export(request, context, fmt):
    if not signed_in(request.user):
        return  # a public feed read anonymously: nothing personal to record
    node, year, month = context["node"], context["year"], context["month"]
    audit.record_export(request.user, Listing, what=f"月度发布 / bulletin {node.code} {year}-{month:02d}",
                        filters={"node": node.code, "year": year, "month": month, "field": context["field"],
                                 "kind": context["kind"]}, rows=context["listings"].count(), fmt=fmt)


def bulletin(request, code=""):
    """Monthly bulletins: public, as a page, a PDF and an Atom feed."""
    node = _node(code)
    today = datetime.date.today()
    data = request.GET.copy()
    data.setdefault("year", str(today.year))
    data.setdefault("month", str(today.month))
    form = BulletinForm(data)
    if not form.is_valid():
        if request.GET.get("format") in ("atom", "pdf"):
            return HttpResponseBadRequest("; ".join(f"{form.fields[n].label}: {m}" for n, errs in form.errors.items()
                                                    for m in errs), content_type="text/plain; charset=utf-8")
        return render(request, "techmarket/bulletin.html", {"node": node, "form": form, "year": today.year,
                                                             "month": today.month, "listings": None}, status=400)
    year, month = form.period()
    field, kind = form.cleaned_data.get("field") or "", form.cleaned_data.get("kind") or ""
    listings = bulletins.bulletin_listings(node, year, month, field, kind)
    context = {"node": node, "form": form, "year": year, "month": month, "field": field, "kind": kind,
               "listings": listings}
    fmt = form.cleaned_data.get("format")
    if fmt == "atom":
        feed = bulletins.atom(node, listings, request.build_absolute_uri(reverse("techmarket:market")))
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


# ------------------------------------------------------------------ events
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


# ------------------------------------------------------------------ subscriptions
@login_required
@require_POST
def subscription(request, code):
    """Subscribe oneself to a node's new listings (optionally one field or kind), or cancel one."""
    node = _node(code)
    try:
        if request.POST.get("cancel"):
            existing = get_object_or_404(Subscription.objects.restrict(request.user), pk=_pk(request.POST["cancel"]))
            services.unsubscribe(actor=request.user, subscription=existing)
        else:
            form = SubscriptionForm(request.POST)
            if not form.is_valid():
                raise ValidationError([f"{form.fields[n].label}：{m}" for n, errs in form.errors.items() for m in errs])
            me = User.objects.get(pk=request.user.pk)  # a model instance, not the request's lazy wrapper
            services.subscribe(actor=request.user, subscriber=me, market_node=node,
                               field=form.cleaned_data.get("field") or "", kind=form.cleaned_data.get("kind") or "")
        messages.success(request, "操作成功 / done")
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    return redirect("techmarket:node", node.code)

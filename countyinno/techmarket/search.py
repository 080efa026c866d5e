"""The market's search and matching: the hybrid index over published listings, kept up to date, and a
transparent re-rank whose every adjustment is a stated reason."""

from __future__ import annotations

import threading

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from countyinno.engines.matching.dense import Encoder
from countyinno.engines.matching.index import HybridIndex

from .models import Listing
from .services import rules

_lock = threading.Lock()
_state: dict = {"version": None, "index": None, "listings": {}}


def listing_text(listing: Listing) -> str:
    """What the index sees: public fields only — confidential detail never enters search."""
    return " ".join([listing.title, listing.summary, listing.public_description, " ".join(listing.keywords),
                     listing.field])


def _version():
    agg = Listing.objects.filter(status=Listing.Status.PUBLISHED).aggregate(n=Count("id"), last=Max("updated_at"))
    return (agg["n"], agg["last"])


def _encoder():
    if not getattr(settings, "MARKET_DENSE", False):
        return None
    try:
        return Encoder(cache_dir=settings.EMBEDDING_CACHE_DIR)
    except ImportError:
        return None


def _embed_in_background(texts: list[str]) -> None:
    """Encode passages missing from the cache in a background thread, then let the index rebuild with
    dense vectors; until then search runs on BM25 alone (never blocked on the encoder)."""
    if _state.get("embedding"):
        return
    _state["embedding"] = True

    def work():
        try:
            encoder = _encoder()
            if encoder is not None:
                encoder.passages(texts)
        finally:
            _state["embedding"] = False
            _state["version"] = None  # rebuild with the now complete cache

    threading.Thread(target=work, daemon=True).start()


def index() -> tuple[HybridIndex, dict[str, Listing]]:
    """The in-process index of published listings, rebuilt when listings change."""
    version = _version()
    with _lock:
        if _state["version"] != version:
            listings = {str(x.pk): x for x in Listing.objects.filter(status=Listing.Status.PUBLISHED)
                        .select_related("organisation", "market_node", "market_node__city")}
            documents = [(k, listing_text(v)) for k, v in listings.items()]
            encoder = _encoder()
            if encoder is not None and not encoder.all_cached([text for _, text in documents]):
                _embed_in_background([text for _, text in documents])
                encoder = None
            _state.update(version=version, listings=listings, index=HybridIndex(encoder).build(documents))
        return _state["index"], _state["listings"]


def search(query: str, *, kind: str | None = None, k: int = 20) -> list[tuple[Listing, float]]:
    idx, listings = index()
    if not listings:
        return []
    out = []
    for doc_id, score, _ in idx.search(query, k=k * 5, method="hybrid" if idx.embeddings is not None else "bm25"):
        listing = listings[doc_id]
        if kind is None or listing.kind == kind:
            out.append((listing, score))
    return out[:k]


def explain(source: Listing, candidate: Listing, weights: dict) -> tuple[float, list[str]]:
    """Re-rank features between a demand and an achievement (either way round), each with its reason."""
    demand, offer = (source, candidate) if source.kind == Listing.Kind.DEMAND else (candidate, source)
    bonus, reasons = 0.0, []
    if demand.field == offer.field:
        bonus += weights["field"]
        reasons.append(f"技术领域一致：{offer.field}")
    if demand.industry == offer.industry:
        bonus += weights["industry"]
        reasons.append(f"行业门类一致：{offer.industry}")
    if offer.trl and offer.trl >= 6:
        bonus += weights["trl"] * (offer.trl - 5) / 4
        reasons.append(f"成果成熟度 TRL {offer.trl}，可直接转化" if offer.trl >= 7 else f"成果成熟度 TRL {offer.trl}")
    modes = set(offer.transfer_modes or [])
    if "joint_development" in modes and demand.tender:
        bonus += weights["cooperation"]
        reasons.append("揭榜挂帅需求，成果方接受合作开发")
    elif modes:
        bonus += weights["cooperation"] / 2
    if offer.price is not None and demand.budget_max is not None:
        if (demand.budget_min or 0) <= offer.price <= demand.budget_max:
            bonus += weights["budget"]
            reasons.append(f"价格 {offer.price:g} 万元在预算 {demand.budget_min or 0:g}–{demand.budget_max:g} 万元内")
        elif offer.price > demand.budget_max:
            bonus -= weights["budget"]
            reasons.append(f"价格 {offer.price:g} 万元高于预算上限 {demand.budget_max:g} 万元")
    elif offer.price is None:
        reasons.append("价格面议")
    a, b = demand.market_node, offer.market_node
    if a.pk == b.pk:
        bonus += weights["region_same_county"]
        reasons.append(f"同在{a.name}")
    elif a.city_id and a.city_id == b.city_id:
        bonus += weights["region_same_city"]
        reasons.append(f"同在{a.city.name if a.city else ''}")
    if candidate.published_at and (timezone.now() - candidate.published_at).days <= rules()["freshness_days"]:
        bonus += weights["fresh"]
        reasons.append("近期发布")
    return bonus, reasons


def matches(listing: Listing, k: int = 10) -> list[dict]:
    """Demand → achievements, or achievement → demands, each with its score and reasons."""
    weights = rules()["rerank_weights"]
    other = Listing.Kind.ACHIEVEMENT if listing.kind == Listing.Kind.DEMAND else Listing.Kind.DEMAND
    candidates = search(listing_text(listing), kind=other, k=50)
    if not candidates:
        return []
    top = candidates[0][1] or 1.0
    out = []
    for candidate, score in candidates:
        if candidate.pk == listing.pk:
            continue
        bonus, reasons = explain(listing, candidate, weights)
        relevance = score / top
        reasons.insert(0, f"文本相关度 {relevance:.0%}")
        out.append({"listing": candidate, "score": round(relevance + bonus, 4), "reasons": reasons})
    return sorted(out, key=lambda m: -m["score"])[:k]

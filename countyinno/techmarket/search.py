"""The market's search and matching: the hybrid index over published listings, kept up to date, and a
transparent re-rank whose every adjustment is a stated reason.

Scores people see are absolute, not relative to the best hit: the text relevance of a listing to a query
is how much of the query it covers — its BM25 score divided by the score of a document holding every
query term once at average length (Σ idf of the query's terms; terms the market has never seen count at
the highest idf), capped at 100 %. A match adds how well the conditions fit (field, industry, TRL,
cooperation, budget, region, freshness: the rule set's weights over their maximum). Both read as 1–5
stars and a band (高 / 中 / 低) with fixed edges (`STAR_EDGES`)."""

from __future__ import annotations

import math
import threading
from collections import Counter

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from countyinno.engines.matching.dense import Encoder
from countyinno.engines.matching.index import HybridIndex
from countyinno.engines.matching.tokenize import tokens

from .models import Listing
from .services import _similarity, rules, wan

# Fixed edges: a relevance of at least 0.8 is 5 stars, 0.6 four, 0.4 three, 0.2 two, anything else one.
STAR_EDGES = ((0.8, 5), (0.6, 4), (0.4, 3), (0.2, 2))

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
            built = HybridIndex(encoder).build(documents)
            _state.update(version=version, listings=listings, index=built, idf=_idf(built),
                          rows={doc_id: row for row, doc_id in enumerate(built.ids)})
        return _state["index"], _state["listings"]


def _idf(idx: HybridIndex):
    bm = idx.bm25
    n = bm.n_docs
    if not n or bm.matrix is None:
        return {"terms": {}, "unseen": 0.0}
    df = bm.matrix.getnnz(axis=0)
    return {"terms": {term: math.log(1 + (n - df[col] + 0.5) / (df[col] + 0.5)) for term, col in bm.vocab.items()},
            "unseen": math.log(1 + (n + 0.5) / 0.5)}


def coverage(query: str, doc_ids: list[str]) -> dict[str, float]:
    """Absolute text relevance (0–1) of each listing id to `query`: its BM25 score over the score of a
    document holding every query term once at average length."""
    idx, _ = index()
    terms = tokens(query)
    idf, rows = _state.get("idf") or {"terms": {}, "unseen": 0.0}, _state.get("rows") or {}
    ideal = sum(count * idf["terms"].get(term, idf["unseen"]) for term, count in Counter(terms).items())
    if not terms or ideal <= 0 or not rows:
        return {doc_id: 0.0 for doc_id in doc_ids}
    scores = idx.bm25.scores(terms)
    return {doc_id: min(1.0, float(scores[rows[doc_id]]) / ideal) if doc_id in rows else 0.0 for doc_id in doc_ids}


def stars(value: float) -> int:
    return next((n for edge, n in STAR_EDGES if value >= edge), 1)


def band(n_stars: int) -> str:
    return "高" if n_stars >= 4 else "中" if n_stars == 3 else "低"


def rated(value: float) -> dict:
    n = stars(value)
    return {"relevance": round(value, 4), "stars": n, "stars_text": "★" * n + "☆" * (5 - n), "band": band(n)}


def group_similar(items: list[dict]) -> list[dict]:
    """Near-identical listings of one organisation (titles sharing ≥ the duplicate threshold of their terms)
    are shown once: the best-ranked one, with the others under `similar`."""
    threshold = rules()["duplicate_similarity"]
    heads: list[dict] = []
    for item in items:
        listing = item["listing"]
        head = next((h for h in heads if h["listing"].organisation_id == listing.organisation_id
                     and _similarity(h["listing"].title, listing.title) >= threshold), None)
        if head is None:
            heads.append({**item, "similar": []})
        else:
            head["similar"].append(item)
    return heads


def search_results(query: str, *, kind: str | None = None, k: int = 50) -> list[dict]:
    """Search hits with their absolute relevance, near-identical listings grouped."""
    hits = search(query, kind=kind, k=k)
    relevance = coverage(query, [str(listing.pk) for listing, _ in hits])
    items = [{"listing": listing, **rated(relevance[str(listing.pk)])} for listing, _ in hits]
    return group_similar(items)


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
        reasons.append(f"行业门类一致：{rules()['industry_sections'].get(offer.industry, offer.industry)}")
    if offer.trl and offer.trl >= 6:
        bonus += weights["trl"] * (offer.trl - 5) / 4
        reasons.append(f"成果成熟度 TRL {offer.trl}，可直接转化" if offer.trl >= 7 else f"成果成熟度 TRL {offer.trl}")
    modes = set(offer.transfer_modes or [])
    if "joint_development" in modes and demand.tender:
        bonus += weights["cooperation"]
        reasons.append("揭榜挂帅需求，成果方接受合作开发")
    elif modes:
        bonus += weights["cooperation"] / 2
        names = rules()["transfer_modes"]
        reasons.append("成果可" + "、".join(names.get(m, m) for m in offer.transfer_modes))
    if offer.price is not None and demand.budget_max is not None:
        if (demand.budget_min or 0) <= offer.price <= demand.budget_max:
            bonus += weights["budget"]
            reasons.append(f"价格 {wan(offer.price)} 万元在预算 {wan(demand.budget_min or 0)}–{wan(demand.budget_max)} 万元内")
        elif offer.price > demand.budget_max:
            bonus -= weights["budget"]
            reasons.append(f"价格 {wan(offer.price)} 万元高于预算上限 {wan(demand.budget_max)} 万元")
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


def focus_text(listing: Listing) -> str:
    """What a listing is about, for measuring how much of it a match covers: its title and keywords."""
    return " ".join([listing.title, " ".join(listing.keywords or [])])


def max_bonus(weights: dict) -> float:
    """The most the conditions can add (the same county and the same city are one reason, not two)."""
    return sum(v for key, v in weights.items() if key != "region_same_city" and v > 0) or 1.0


def matches(listing: Listing, k: int = 10, *, grouped: bool = False) -> list[dict]:
    """Demand → achievements, or achievement → demands, each with an absolute score (0–1: half text
    coverage, half conditions met), its stars and band, and its reasons."""
    weights = rules()["rerank_weights"]
    other = Listing.Kind.ACHIEVEMENT if listing.kind == Listing.Kind.DEMAND else Listing.Kind.DEMAND
    candidates = [c for c, _ in search(listing_text(listing), kind=other, k=50) if c.pk != listing.pk]
    if not candidates:
        return []
    text = coverage(focus_text(listing), [str(c.pk) for c in candidates])
    top_bonus = max_bonus(weights)
    out = []
    for candidate in candidates:
        bonus, reasons = explain(listing, candidate, weights)
        relevance = text[str(candidate.pk)]
        fit = min(max(bonus / top_bonus, 0.0), 1.0)
        reasons.insert(0, f"文本相关：覆盖本条标题与关键词 {relevance:.0%}")
        score = (relevance + fit) / 2
        out.append({"listing": candidate, "score": round(score, 4), "text": round(relevance, 4),
                    "fit": round(fit, 4), "reasons": reasons, **rated(score)})
    out.sort(key=lambda m: -m["score"])
    return group_similar(out)[:k] if grouped else out[:k]

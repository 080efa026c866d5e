"""BM25 over a sparse term matrix (CSC columns per term), vectorised scoring and top-k selection."""

from __future__ import annotations

from collections import Counter

import numpy as np
from scipy import sparse


class BM25:
    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.vocab: dict[str, int] = {}
        self.matrix = None  # docs × terms, BM25 weights, CSC
        self.n_docs = 0

    def fit(self, documents: list[list[str]]) -> "BM25":
        rows, cols, counts = [], [], []
        for d, terms in enumerate(documents):
            for term, count in Counter(terms).items():
                t = self.vocab.setdefault(term, len(self.vocab))
                rows.append(d)
                cols.append(t)
                counts.append(count)
        self.n_docs = len(documents)
        tf = sparse.csr_matrix((np.array(counts, dtype=np.float32), (rows, cols)),
                               shape=(self.n_docs, len(self.vocab)))
        lengths = np.asarray(tf.sum(axis=1)).ravel()
        avg = lengths.mean() if self.n_docs else 1.0
        df = np.bincount(tf.indices, minlength=len(self.vocab))
        idf = np.log(1 + (self.n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        norm = self.k1 * (1 - self.b + self.b * lengths / avg)
        tf = tf.tocoo()
        weights = tf.data * (self.k1 + 1) / (tf.data + norm[tf.row]) * idf[tf.col]
        self.matrix = sparse.csc_matrix((weights.astype(np.float32), (tf.row, tf.col)),
                                        shape=(self.n_docs, len(self.vocab)))
        return self

    def scores(self, query_terms: list[str]) -> np.ndarray:
        ids = [self.vocab[t] for t in query_terms if t in self.vocab]
        if not ids:
            return np.zeros(self.n_docs, dtype=np.float32)
        counts = Counter(ids)
        columns = self.matrix[:, list(counts)]
        return np.asarray(columns @ np.array(list(counts.values()), dtype=np.float32)).ravel()

    def search(self, query_terms: list[str], k: int = 100) -> list[tuple[int, float]]:
        return top_k(self.scores(query_terms), k)


def top_k(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    if scores.size == 0:
        return []
    k = min(k, scores.size)
    candidates = np.argpartition(-scores, k - 1)[:k]
    order = candidates[np.argsort(-scores[candidates], kind="stable")]
    return [(int(i), float(scores[i])) for i in order if scores[i] > 0]

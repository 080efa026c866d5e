"""Demo data registry: each app's demo.py registers a generator; `countyinno demo` runs them in order.

Generators must be deterministic (seeded) and idempotent (a second run reuses what exists).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

_generators: list[tuple[int, str, Callable]] = []


@dataclass
class DemoContext:
    seed: int
    scale: float = 1.0
    log: Callable[[str], None] = print
    province: str = ""  # two-digit code; empty: the PROVINCE_CODE setting

    def __post_init__(self):
        if not self.province:
            from django.conf import settings

            self.province = settings.PROVINCE_CODE

    def rng(self, name: str) -> random.Random:
        """An independent, reproducible stream per generator."""
        return random.Random(f"{self.seed}:{name}")


def demo_generator(order: int, name: str):
    def decorator(func):
        if name not in {n for _, n, _ in _generators}:
            _generators.append((order, name, func))
            _generators.sort(key=lambda item: item[0])
        return func

    return decorator


def generators() -> list[tuple[int, str, Callable]]:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("demo")
    return list(_generators)


def build_demo(seed: int = 2026, scale: float = 1.0, log=print, province: str = "") -> dict:
    context = DemoContext(seed=seed, scale=scale, log=log, province=province)
    summary = {}
    from . import audit

    for _, name, func in generators():
        # Demo data is the platform's own work: no acting user, bulk loads recorded per object.
        with audit.system(f"demo:{name}"), audit.bulk(f"demo:{name}"):
            summary[name] = func(context)
        log(f"  {name}: {summary[name]}")
    return summary

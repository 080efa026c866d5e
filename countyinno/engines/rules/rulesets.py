"""Versioned, dated rule sets: every threshold, rate and category lives in data/*.yaml with
effective_from / effective_to, so a firm can be assessed under the regime in force on any date."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from countyinno.engines.inputs import DateOutOfRange

DATA_DIR = Path(__file__).resolve().parent / "data"


class RuleSetError(DateOutOfRange):
    """No rule set applies, or a rule set file is malformed."""


@dataclass(frozen=True)
class RuleSet:
    name: str  # e.g. "hightech"
    version: str  # e.g. "2016"
    title: str
    source: str
    effective_from: datetime.date
    effective_to: datetime.date | None
    params: dict = field(default_factory=dict, hash=False, compare=False)

    def applies_on(self, day: datetime.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def describe(self) -> dict:
        return {"name": self.name, "version": self.version, "title": self.title, "source": self.source,
                "effective_from": self.effective_from.isoformat(),
                "effective_to": self.effective_to.isoformat() if self.effective_to else None}


def _date(value, where: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as exc:
        raise RuleSetError(f"{where}: invalid date {value!r}") from exc


@lru_cache(maxsize=None)
def load_all(directory: str = str(DATA_DIR)) -> tuple[RuleSet, ...]:
    sets = []
    for path in sorted(Path(directory).glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key in ("name", "version", "effective_from", "params"):
            if key not in doc:
                raise RuleSetError(f"{path.name}: missing {key}")
        sets.append(RuleSet(name=doc["name"], version=str(doc["version"]), title=doc.get("title", ""),
                            source=doc.get("source", ""), effective_from=_date(doc["effective_from"], path.name),
                            effective_to=_date(doc.get("effective_to"), path.name), params=doc["params"]))
    by_name: dict[str, list[RuleSet]] = {}
    for rs in sets:
        by_name.setdefault(rs.name, []).append(rs)
    for name, items in by_name.items():  # periods of one rule may not overlap
        items.sort(key=lambda r: r.effective_from)
        for a, b in zip(items, items[1:]):
            if a.effective_to is None or a.effective_to >= b.effective_from:
                raise RuleSetError(f"rule sets {name} {a.version} and {b.version} overlap")
    return tuple(sets)


def ruleset_for(name: str, day: datetime.date | str, version: str | None = None) -> RuleSet:
    """The rule set `name` in force on `day` (or the named version)."""
    day = _date(day, "date") if not isinstance(day, datetime.date) else day
    candidates = [r for r in load_all() if r.name == name]
    if not candidates:
        raise RuleSetError(f"未知规则 / unknown rule set: {name}")
    if version is not None:
        for r in candidates:
            if r.version == str(version):
                return r
        raise RuleSetError(f"规则 {name} 没有版本 {version} / rule set {name} has no version {version}")
    for r in candidates:
        if r.applies_on(day):
            return r
    spans = ", ".join(f"{r.version}: {r.effective_from}–{r.effective_to or '…'}" for r in candidates)
    raise RuleSetError(f"{day} 不在规则 {name} 的任何有效期内（{spans}） / {day} is outside every {name} rule set ({spans})")

"""Shared pieces of the rule engines: input errors that name the field, number reading, bands."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


@dataclass
class FieldProblem:
    field: str
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message_zh} / {self.message_en}"


@dataclass
class RuleInputError(Exception):
    problems: list[FieldProblem] = field(default_factory=list)

    def __str__(self) -> str:
        return "输入有误 / invalid input:\n" + "\n".join(f"  - {p}" for p in self.problems)

    def as_dict(self) -> dict:
        return {"error": "invalid input", "problems": [{"field": p.field, "message": f"{p.message_zh} / {p.message_en}"}
                                                       for p in self.problems]}


class Reader:
    """Reads fields from an input dict, collecting every problem before failing."""

    def __init__(self, data: dict):
        if not isinstance(data, dict):
            raise RuleInputError([FieldProblem("$", "输入应为 JSON 对象", "the input must be a JSON object")])
        self.data = data
        self.problems: list[FieldProblem] = []

    def _get(self, path: str):
        node = self.data
        for part in path.split("."):
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                return None
        return node

    def number(self, path: str, *, required: bool = True, minimum: float | None = 0.0, default=None) -> float | None:
        value = self._get(path)
        if value is None:
            if required:
                self.problems.append(FieldProblem(path, "必填", "required"))
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            try:
                value = float(str(value).replace(",", ""))
            except ValueError:
                self.problems.append(FieldProblem(path, f"应为数字，收到 {value!r}", f"expected a number, got {value!r}"))
                return default
        if value != value or value in (float("inf"), float("-inf")):
            self.problems.append(FieldProblem(path, "数值无效", "invalid number"))
            return default
        if minimum is not None and value < minimum:
            self.problems.append(FieldProblem(path, f"不能小于 {minimum:g}", f"must not be below {minimum:g}"))
            return default
        return float(value)

    def boolean(self, path: str, default: bool = False) -> bool:
        value = self._get(path)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problems.append(FieldProblem(path, "应为 true 或 false", "expected true or false"))
            return default
        return value

    def date(self, path: str, *, required: bool = True) -> datetime.date | None:
        value = self._get(path)
        if value is None:
            if required:
                self.problems.append(FieldProblem(path, "必填（YYYY-MM-DD）", "required (YYYY-MM-DD)"))
            return None
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            self.problems.append(FieldProblem(path, f"日期格式应为 YYYY-MM-DD，收到 {value!r}",
                                              f"dates are YYYY-MM-DD, got {value!r}"))
            return None

    def text(self, path: str, *, required: bool = False, choices=None) -> str | None:
        value = self._get(path)
        if value is None or value == "":
            if required:
                self.problems.append(FieldProblem(path, "必填", "required"))
            return None
        value = str(value)
        if choices is not None and value not in choices:
            self.problems.append(FieldProblem(path, f"应为 {list(choices)} 之一", f"must be one of {list(choices)}"))
        return value

    def raw(self, path: str):
        return self._get(path)

    def problem(self, path: str, zh: str, en: str) -> None:
        self.problems.append(FieldProblem(path, zh, en))

    def done(self) -> None:
        if self.problems:
            raise RuleInputError(self.problems)


def points_range(value: float, bands: list[dict], key: str = "at_least") -> tuple[list[int], str | None]:
    """Points [min, max] of the first band whose lower bound (inclusive) the value reaches."""
    for band in bands:
        if key in band and value >= band[key]:
            return list(band["points"]), band.get("band")
        if "above" in band and value > band["above"]:
            return list(band["points"]), band.get("band")
    return [0, 0], None

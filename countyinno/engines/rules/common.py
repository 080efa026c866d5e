"""Shared pieces of the rule engines: input errors that name the field, number reading, bands."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

from countyinno.engines.inputs import EngineInputError, Problem, check_document, number_problem, plain, schema_problems, to_decimal  # noqa: F401


FieldProblem = Problem  # one "problem with a location" class for every engine (inputs.Problem)


class RuleInputError(EngineInputError):
    """Input a rule engine refuses; `problems` name their fields (`p.field`, `p.message_zh`, `p.message_en`)."""

    def __init__(self, problems=None, kind: str = "invalid"):
        super().__init__(list(problems or []), kind)

    def as_dict(self) -> dict:
        return {"error": "invalid input", "message": self.head(),
                "problems": [{"field": p.where, "message": p.message} for p in self.problems]}


SCHEMAS = Path(__file__).resolve().parent / "schemas"


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))


def without_nulls(node):
    """A key whose value is null counts as not given (callers pass optional fields as None)."""
    if isinstance(node, dict):
        return {k: without_nulls(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [without_nulls(v) for v in node]
    return node


class Reader:
    """Reads fields from an input dict, collecting every problem before failing."""

    def __init__(self, data: dict, schema: str | None = None):
        if not isinstance(data, dict):
            raise RuleInputError([FieldProblem("$", "输入应为 JSON 对象", "the input must be a JSON object")])
        try:
            check_document(data)
        except EngineInputError as exc:
            raise RuleInputError(exc.problems) from None
        self.data = data
        self.problems: list[FieldProblem] = []
        if schema is not None:  # unknown keys, wrong types … at every level, before anything else
            self.problems.extend(schema_problems(load_schema(schema), without_nulls(data)))
            if self.problems:
                raise RuleInputError(self.problems)

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

    def number(self, path: str, *, required: bool = True, minimum=0, maximum=None, default=None) -> Decimal | None:
        """An exact decimal (floats are read by their shortest repr: 0.1 → Decimal("0.1"))."""
        value = self._get(path)
        if value is None:
            if required:
                self.problems.append(FieldProblem(path, "必填", "required"))
            return default
        if isinstance(value, bool) or isinstance(value, (dict, list)):
            self.problems.append(FieldProblem(path, f"应为数字，收到 {value!r}", f"expected a number, got {value!r}"))
            return default
        try:
            number = to_decimal(value)
        except (ValueError, TypeError, ArithmeticError):
            self.problems.append(FieldProblem(path, f"应为数字，收到 {value!r}", f"expected a number, got {value!r}"))
            return default
        problem = number_problem(number)
        if problem:
            self.problems.append(FieldProblem(path, *problem))
            return default
        if minimum is not None and number < to_decimal(minimum):
            self.problems.append(FieldProblem(path, f"不能小于 {minimum}", f"must not be below {minimum}"))
            return default
        if maximum is not None and number > to_decimal(maximum):
            self.problems.append(FieldProblem(path, f"不能大于 {maximum}", f"must not be above {maximum}"))
            return default
        return number

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


def exact(value) -> Fraction:
    """An exact rational for comparisons with band edges (floats by their shortest repr: 0.15 → 3/20)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    if isinstance(value, str) and "/" in value:  # rule-set ratios such as "2/3"
        return Fraction(value.replace(" ", ""))
    return Fraction(to_decimal(value))


def points_range(value, bands: list[dict], key: str = "at_least") -> tuple[list[int], str | None]:
    """Points [min, max] of the first band whose lower bound (inclusive) the value reaches; compared exactly."""
    value = exact(value)
    for band in bands:
        if key in band and value >= exact(band[key]):
            return list(band["points"]), band.get("band")
        if "above" in band and value > exact(band["above"]):
            return list(band["points"]), band.get("band")
    return [0, 0], None


def ratio(numerator, denominator) -> Fraction | None:
    """numerator ÷ denominator exactly (None when the denominator is 0)."""
    den = exact(denominator)
    return None if den == 0 else exact(numerator) / den


def shown(value, places: int = 4):
    """A value rounded for people (JSON-native number): exact → nearest float after rounding."""
    if value is None:
        return None
    d = to_decimal(value) if not isinstance(value, Fraction) else Decimal(value.numerator) / Decimal(value.denominator)
    q = round(d, places)
    return int(q) if q == q.to_integral_value() else float(q)


def fmt(value) -> str:
    """A number for a message: exact decimals without trailing zeros (0.3, 5000.01, 12)."""
    d = to_decimal(value) if not isinstance(value, Fraction) else round(Decimal(value.numerator) / Decimal(value.denominator), 6)
    text = format(d.normalize(), "f") if d == d else str(d)
    return text

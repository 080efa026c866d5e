"""Shared input handling for every engine and engine CLI (pure Python, no Django).

* `Problem` — one problem with a location (a dotted path such as ``years.2.sales``), bilingual.
* `EngineInputError` — the one exception that carries problems; the engines' own error classes
  (`RuleInputError`, `DispatchError`, `CompositeError`) are thin subclasses kept for their callers.
* `read_text` / `read_json` / `read_yaml` — decode UTF-8 (with or without BOM), UTF-16 / UTF-32
  (with BOM) and GBK / GB18030, or refuse clearly; JSON/YAML documents are checked for nesting
  depth, NaN / Infinity, numbers that overflow and duplicate keys. JSON numbers with a fraction or
  exponent are read as exact `Decimal`.
* `schema_problems` — JSON Schema validation with bilingual messages naming the path.
* `to_json` / `dumps` — strict JSON output (no NaN / Infinity; Decimal / Fraction / dates / numpy).
* `run_cli` — exit code 2 and a message on standard error for any input problem, never a traceback.
"""

from __future__ import annotations

import codecs
import datetime
import json
import math
import os
import sys
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

MAX_DEPTH = 32  # nesting levels accepted in an input document
MAX_ABS = Decimal("1e15")  # |number| accepted in an input document ("overflow" beyond)
MAX_BYTES = 256 * 1024 * 1024


def bilingual(zh: str, en: str) -> str:
    return f"{zh} / {en}"


@dataclass
class Problem:
    """One problem with the input, located by a path (``$`` for the whole document)."""

    where: str
    message_zh: str
    message_en: str

    @property
    def field(self) -> str:  # the rule engines' historical name for the location
        return self.where

    @property
    def message(self) -> str:
        return bilingual(self.message_zh, self.message_en)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"

    def as_dict(self) -> dict:
        return {"where": self.where, "field": self.where, "message": self.message}


@dataclass
class EngineInputError(Exception):
    """Input an engine refuses; every problem names its location. `kind` is "invalid" (bad input)
    or a more specific kind chosen by an engine (e.g. "infeasible", "solver")."""

    problems: list = field(default_factory=list)
    kind: str = "invalid"

    HEADS = {"invalid": ("输入有误", "invalid input"), "infeasible": ("无可行方案", "no feasible plan"),
             "solver": ("求解器失败", "the solver failed"), "encoding": ("无法读取输入", "cannot read the input")}

    def __post_init__(self):
        Exception.__init__(self, self.problems)

    def head(self) -> str:
        zh, en = self.HEADS.get(self.kind, self.HEADS["invalid"])
        return bilingual(zh, en)

    def __str__(self) -> str:
        return self.head() + ":\n" + "\n".join(f"  - {p}" for p in self.problems)

    def as_dict(self) -> dict:
        return {"error": self.kind if self.kind != "invalid" else "invalid input", "kind": self.kind,
                "message": self.head(),
                "problems": [p.as_dict() if hasattr(p, "as_dict") else {"message": str(p)} for p in self.problems]}

    @classmethod
    def one(cls, where: str, zh: str, en: str, **kw) -> "EngineInputError":
        return cls([Problem(where, zh, en)], **kw)


class DateOutOfRange(ValueError):
    """No dated rule set applies (rules.rulesets.RuleSetError derives from it): an input problem."""


# ------------------------------------------------------------------ decoding
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode(raw: bytes, where: str = "$") -> str:
    """UTF-8 (BOM optional), UTF-16/32 with a BOM or recognisable by its zero bytes, else GB18030 (⊃ GBK)."""
    if not raw.strip():
        raise EngineInputError.one(where, "输入为空", "the input is empty")
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(codec)
            except UnicodeDecodeError as exc:
                raise EngineInputError.one(where, f"文件以 {codec} 字节序标记开头，但内容不是有效的 {codec}",
                                           f"the file starts with a {codec} byte-order mark but is not valid {codec}: "
                                           f"{exc.reason} at byte {exc.start}") from None
    if b"\x00" in raw[:4096]:  # UTF-16 without a BOM: every ASCII character has a zero byte
        even, odd = raw[0:4096:2].count(0), raw[1:4096:2].count(0)
        for codec in (("utf-16-le", "utf-16-be") if odd > even else ("utf-16-be", "utf-16-le")):
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                continue
            if "\x00" not in text:
                return text
        raise EngineInputError.one(where, "文件含有空字节，且不是有效的 UTF-16 文本",
                                   "the file contains zero bytes and is not valid UTF-16 text", kind="encoding")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise EngineInputError.one(where, "无法识别文件编码（支持 UTF-8、UTF-8 BOM、UTF-16、GBK/GB18030）",
                                   f"unrecognised text encoding (UTF-8, UTF-8 with BOM, UTF-16 and GBK/GB18030 are "
                                   f"read): {exc.reason} at byte {exc.start}", kind="encoding") from None


def read_bytes(source: str | os.PathLike, where: str | None = None) -> bytes:
    where = where or str(source)
    if str(source) == "-":
        return sys.stdin.buffer.read(MAX_BYTES + 1)
    path = Path(source)
    try:
        if path.is_dir():
            raise EngineInputError.one(where, "应为文件，收到文件夹", "expected a file, got a folder")
        if path.stat().st_size > MAX_BYTES:
            raise EngineInputError.one(where, "文件过大", f"the file is larger than {MAX_BYTES // 2**20} MiB")
        return path.read_bytes()
    except EngineInputError:
        raise
    except FileNotFoundError:
        raise EngineInputError.one(where, "文件不存在", "no such file") from None
    except OSError as exc:
        raise EngineInputError.one(where, f"无法读取文件（{exc.strerror}）", f"cannot read the file ({exc.strerror})") from None


def read_text(source: str | os.PathLike, where: str | None = None) -> str:
    where = where or str(source)
    return decode(read_bytes(source, where), where)


# ------------------------------------------------------------------ JSON / YAML documents
class _Duplicate(ValueError):
    pass


def _pairs(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def _bad_constant(name):
    raise ValueError(f"constant {name}")


def loads_json(text: str, where: str = "$"):
    """Parse JSON strictly: no NaN / Infinity, no duplicate keys, exact decimals, bounded nesting."""
    if not text.strip():
        raise EngineInputError.one(where, "输入为空", "the input is empty")
    depth = max_depth_hint(text)
    if depth > MAX_DEPTH:
        raise EngineInputError.one(where, f"嵌套层数过深（{depth} 层，至多 {MAX_DEPTH} 层）",
                                   f"nesting is too deep ({depth} levels, at most {MAX_DEPTH})")
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_bad_constant, object_pairs_hook=_pairs)
    except _Duplicate as exc:
        raise EngineInputError.one(where, f"重复的键 {exc.args[0]!r}", f"duplicate key {exc.args[0]!r}") from None
    except json.JSONDecodeError as exc:
        raise EngineInputError.one(f"{where} (line {exc.lineno}, column {exc.colno})",
                                   f"不是有效的 JSON：{exc.msg}", f"not valid JSON: {exc.msg}") from None
    except ValueError as exc:  # NaN / Infinity, or an integer with too many digits
        text_ = str(exc)
        if text_.startswith("constant "):
            name = text_.split(" ", 1)[1]
            raise EngineInputError.one(where, f"不接受 {name}（JSON 不允许非数值）",
                                       f"{name} is not accepted (not a JSON number)") from None
        raise EngineInputError.one(where, "数值过大", "a number is too large") from None
    except RecursionError:
        raise EngineInputError.one(where, "嵌套层数过深", "nesting is too deep") from None
    check_document(data, where)
    return data


def max_depth_hint(text: str) -> int:
    """Nesting depth of brackets outside strings (a cheap scan before parsing; stops past MAX_DEPTH)."""
    depth = best = 0
    in_string = escape = False
    for ch in text:
        if in_string:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > best:
                best = depth
                if best > MAX_DEPTH:
                    return best
        elif ch in "]}":
            depth -= 1
    return best


def check_document(data, where: str = "$") -> None:
    """Refuse NaN / Infinity, numbers beyond ±1e15, non-string keys and nesting deeper than MAX_DEPTH."""
    problems: list[Problem] = []
    stack = [(data, where if where != "$" else "", 0)]
    while stack:
        node, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            problems.append(Problem(path or "$", f"嵌套层数过深（至多 {MAX_DEPTH} 层）",
                                    f"nesting is too deep (at most {MAX_DEPTH} levels)"))
            break
        if isinstance(node, dict):
            for key, value in node.items():
                if not isinstance(key, str):
                    problems.append(Problem(f"{path}.{key}" if path else str(key), "键应为字符串",
                                            "keys must be strings"))
                    continue
                if any("\ud800" <= ch <= "\udfff" for ch in key):
                    problems.append(Problem(path or "$", "键含有无效的 Unicode 代理字符", "a key contains invalid Unicode surrogates"))
                    continue
                stack.append((value, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(node, (list, tuple)):
            for i, value in enumerate(node):
                stack.append((value, f"{path}.{i}" if path else str(i), depth + 1))
        elif isinstance(node, str):
            if any("\ud800" <= ch <= "\udfff" for ch in node):
                problems.append(Problem(path or "$", "文本含有无效的 Unicode 代理字符", "the text contains invalid Unicode surrogates"))
        else:
            problem = number_problem(node)
            if problem:
                problems.append(Problem(path or "$", *problem))
        if len(problems) >= 50:
            break
    if problems:
        raise EngineInputError(sorted(problems, key=lambda p: p.where))


def number_problem(value) -> tuple[str, str] | None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return "不接受 NaN", "NaN is not accepted"
        if math.isinf(value):
            return "不接受无穷大", "Infinity is not accepted"
        value = Decimal(float.__repr__(float(value)))
    if isinstance(value, Decimal):
        if value.is_nan():
            return "不接受 NaN", "NaN is not accepted"
        if value.is_infinite():
            return "不接受无穷大", "Infinity is not accepted"
    if isinstance(value, (int, Decimal)) and abs(value) >= MAX_ABS:
        return f"数值超出范围（绝对值须小于 {MAX_ABS:.0E}）", f"number out of range (|x| must be below {MAX_ABS:.0E})"
    return None


def read_json(source: str | os.PathLike, where: str | None = None, expect: type | None = dict):
    where = where or str(source)
    data = loads_json(read_text(source, where), where)
    if expect is not None and not isinstance(data, expect):
        kind = {dict: ("JSON 对象", "a JSON object"), list: ("JSON 数组", "a JSON array")}.get(expect, ("?", "?"))
        raise EngineInputError.one(where, f"输入应为{kind[0]}", f"the input must be {kind[1]}")
    return data


def loads_yaml(text: str, where: str = "$"):
    import yaml

    if max_depth_hint(text) > MAX_DEPTH:
        raise EngineInputError.one(where, f"嵌套层数过深（至多 {MAX_DEPTH} 层）",
                                   f"nesting is too deep (at most {MAX_DEPTH} levels)")
    try:
        data = yaml.safe_load(text)
    except RecursionError:
        raise EngineInputError.one(where, "嵌套层数过深", "nesting is too deep") from None
    except (ValueError, OverflowError):  # e.g. an integer of thousands of digits
        raise EngineInputError.one(where, "数值过大", "a number is too large") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"{where} (line {mark.line + 1}, column {mark.column + 1})" if mark else where
        raise EngineInputError.one(at, f"不是有效的 YAML：{getattr(exc, 'problem', exc)}",
                                   f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    check_document(data, where)
    return data


def read_yaml(source: str | os.PathLike, where: str | None = None, expect: type | None = dict):
    where = where or str(source)
    data = loads_yaml(read_text(source, where), where)
    if data is None and expect is dict:
        return {}
    if expect is not None and not isinstance(data, expect):
        raise EngineInputError.one(where, "YAML 顶层应为映射（键: 值）", "the YAML document must be a mapping (key: value)")
    return data


# ------------------------------------------------------------------ numbers
def to_decimal(value) -> Decimal:
    """An exact decimal from JSON / Python input: floats by their shortest repr (0.1 → Decimal('0.1'))."""
    if isinstance(value, bool):
        raise ValueError("boolean")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(float.__repr__(float(value)))  # numpy floats are floats; their repr is not a number
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        return to_decimal(value.item())
    try:
        return Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(value) from None


def plain(value):
    """A JSON-native number for output: ints stay ints, exact values become the nearest float
    (shown rounded for people; comparisons were made exactly before this)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (Decimal, Fraction)):
        if isinstance(value, Decimal) and not value.is_finite():
            return None
        if value == int(value):
            return int(value)
        return float(value)
    return value


# ------------------------------------------------------------------ schema
_SCHEMA_MESSAGES = {
    "type": ("类型错误，应为 {expected}", "wrong type, expected {expected}"),
    "required": ("缺少必填项 {missing}", "missing required key {missing}"),
    "additionalProperties": ("未知的键 {unknown}", "unknown key {unknown}"),
    "minimum": ("不能小于 {limit}", "must not be below {limit}"),
    "maximum": ("不能大于 {limit}", "must not be above {limit}"),
    "exclusiveMinimum": ("应大于 {limit}", "must be above {limit}"),
    "exclusiveMaximum": ("应小于 {limit}", "must be below {limit}"),
    "enum": ("应为 {options} 之一", "must be one of {options}"),
    "const": ("应为 {options}", "must be {options}"),
    "minItems": ("至少 {limit} 项", "at least {limit} item(s) needed"),
    "maxItems": ("至多 {limit} 项", "at most {limit} item(s)"),
    "minLength": ("至少 {limit} 个字符", "at least {limit} character(s)"),
    "maxLength": ("至多 {limit} 个字符", "at most {limit} character(s)"),
    "pattern": ("格式不符（{limit}）", "does not match the pattern {limit}"),
    "oneOf": ("不符合任何允许的形式", "matches none of the allowed forms"),
    "anyOf": ("不符合任何允许的形式", "matches none of the allowed forms"),
    "format": ("格式应为 {limit}", "the format must be {limit}"),
    "uniqueItems": ("各项不应重复", "items must be unique"),
    "propertyNames": ("键名无效", "invalid key name"),
    "minProperties": ("至少 {limit} 个键", "at least {limit} key(s)"),
}
_TYPE_ZH = {"object": "对象", "array": "数组", "string": "字符串", "number": "数值", "integer": "整数",
            "boolean": "布尔值 true/false", "null": "null"}


def _type_names(expected) -> tuple[str, str]:
    names = expected if isinstance(expected, list) else [expected]
    return " 或 ".join(_TYPE_ZH.get(n, n) for n in names), " or ".join(names)


def schema_problems(schema: dict, data) -> list[Problem]:
    """Validate `data` against a JSON Schema; each problem names its path, bilingual."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    problems: list[Problem] = []
    for e in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        problems.extend(_format(e))
    seen, unique = set(), []
    for p in problems:
        if (p.where, p.message_zh) not in seen:
            seen.add((p.where, p.message_zh))
            unique.append(p)
    return unique


def _format(e) -> list[Problem]:
    import re

    path = ".".join(str(p) for p in e.absolute_path)
    where = path or "$"
    kw = e.validator
    zh, en = _SCHEMA_MESSAGES.get(kw, ("不符合要求", "invalid"))
    if kw == "type":
        tzh, ten = _type_names(e.validator_value)
        return [Problem(where, f"{zh.format(expected=tzh)}，收到 {_short(e.instance)}",
                        f"{en.format(expected=ten)}, got {_short(e.instance)}")]
    if kw == "required":
        return [Problem(f"{path}.{key}" if path else key, "必填项缺失", "required")
                for key in e.validator_value if isinstance(e.instance, dict) and key not in e.instance]
    if kw == "additionalProperties":
        allowed = set(e.schema.get("properties") or {})
        patterns = e.schema.get("patternProperties") or {}
        known = ", ".join(sorted(allowed)) or "—"
        return [Problem(f"{path}.{key}" if path else key, f"未知的键 {key!r}（允许：{known}）",
                        f"unknown key {key!r} (allowed: {known})")
                for key in e.instance if key not in allowed and not any(re.search(p, key) for p in patterns)]
    if kw in ("enum", "const"):
        options = e.validator_value if kw == "enum" else [e.validator_value]
        shown = ", ".join(json.dumps(o, ensure_ascii=False, default=str) for o in options)
        return [Problem(where, zh.format(options=shown) + f"，收到 {_short(e.instance)}",
                        en.format(options=shown) + f", got {_short(e.instance)}")]
    if kw in ("oneOf", "anyOf") and e.context:
        # the alternative the value resembles (same type) explains the problem best
        relevant = [c for c in e.context if c.validator != "type"]
        if relevant:
            out = []
            for c in relevant:
                out.extend(_format(c))
            return out
    return [Problem(where, zh.format(limit=e.validator_value), en.format(limit=e.validator_value))]


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:37] + "…"


# ------------------------------------------------------------------ output
def to_json(value):
    """Convert a result to JSON-native types: Decimal / Fraction → number, dates → ISO, numpy → Python,
    NaN / Infinity → null (strict JSON)."""
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_json(v) for v in value]
    if isinstance(value, (Decimal, Fraction)):
        return plain(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            return to_json(value.item())
        except (TypeError, ValueError):
            pass
    if hasattr(value, "tolist"):
        return to_json(value.tolist())
    if isinstance(value, Path):
        return str(value)
    return value


def dumps(value, **kw) -> str:
    kw.setdefault("ensure_ascii", False)
    return json.dumps(to_json(value), allow_nan=False, **kw)


# ------------------------------------------------------------------ CLI
def report(exc: BaseException, stream=None) -> None:
    stream = stream or sys.stderr
    print(str(exc), file=stream)


def run_cli(func, *args, **kwargs) -> int:
    """Call an engine CLI body; any input problem → message on stderr and exit code 2, never a traceback."""
    try:
        return int(func(*args, **kwargs) or 0)
    except EngineInputError as exc:
        report(exc)
        return 2
    except DateOutOfRange as exc:
        report(EngineInputError.one("date", *_split(str(exc))))
        return 2
    except KeyboardInterrupt:
        print("已中断 / interrupted", file=sys.stderr)
        return 130
    except RecursionError:
        report(EngineInputError.one("$", "嵌套层数过深", "nesting is too deep"))
        return 2
    except MemoryError:
        report(EngineInputError.one("$", "输入过大，内存不足", "the input is too large for the available memory"))
        return 2
    except Exception as exc:  # noqa: BLE001  an engine bug: still no traceback for the user
        if os.environ.get("COUNTYINNO_DEBUG"):
            raise
        print(bilingual("内部错误（请报告此问题）", "internal error (please report it)") + f": {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return 1


def _split(text: str) -> tuple[str, str]:
    if " / " in text:
        zh, en = text.split(" / ", 1)
        return zh, en
    return text, text

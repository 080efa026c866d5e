"""JSON bodies that cannot crash the API: nesting deeper than MAX_DEPTH, NaN and Infinity are 400s."""

import json

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from ..errors import bilingual

MAX_DEPTH = 32


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def _depth_exceeds(text: str, limit: int) -> bool:
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ParseError(bilingual("请求体不是 UTF-8 编码的 JSON", "the body is not UTF-8 JSON"))
        if _depth_exceeds(text, MAX_DEPTH):
            raise ParseError(bilingual(f"JSON 嵌套超过 {MAX_DEPTH} 层", f"JSON nested deeper than {MAX_DEPTH} levels"))
        try:
            return json.loads(text, parse_constant=_reject_constant) if text.strip() else {}
        except (ValueError, RecursionError) as exc:
            raise ParseError(bilingual("请求体不是有效的 JSON", "the body is not valid JSON") + f" ({exc})"[:200])

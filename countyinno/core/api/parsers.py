"""JSON bodies that cannot crash the API: nesting deeper than MAX_DEPTH, NaN and Infinity are 400s."""

import json

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from countyinno.engines.inputs import MAX_DEPTH, max_depth_hint

from ..errors import bilingual



def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ParseError(bilingual("请求体不是 UTF-8 编码的 JSON", "the body is not UTF-8 JSON"))
        if max_depth_hint(text) > MAX_DEPTH:
            raise ParseError(bilingual(f"JSON 嵌套超过 {MAX_DEPTH} 层", f"JSON nested deeper than {MAX_DEPTH} levels"))
        try:
            return json.loads(text, parse_constant=_reject_constant) if text.strip() else {}
        except (ValueError, RecursionError) as exc:
            raise ParseError(bilingual("请求体不是有效的 JSON", "the body is not valid JSON") + f" ({exc})"[:200])

"""countyinno dispatch solve --input instance.json --out plan.json"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .model import DispatchError
from .solve import solve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="countyinno dispatch", description="科技特派员选派优化 / dispatch optimiser")
    parser.add_argument("command", choices=["solve"])
    parser.add_argument("--input", required=True, help="instance JSON (docs/dispatch.md)")
    parser.add_argument("--out", help="plan JSON (default: standard output)")
    args = parser.parse_args(argv)
    try:
        data = json.loads(Path(args.input).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        print(json.dumps({"error": f"无法读取输入 / cannot read the input: {exc}"}, ensure_ascii=False))
        return 2
    try:
        plan = solve(data)
    except DispatchError as exc:
        print(json.dumps(exc.as_dict(), ensure_ascii=False, indent=2))
        return 2
    text = json.dumps(plan, ensure_ascii=False, indent=2)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(json.dumps({"status": plan["status"], "objective": plan["objective"], "seconds": plan["seconds"],
                          "out": args.out}, ensure_ascii=False))
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

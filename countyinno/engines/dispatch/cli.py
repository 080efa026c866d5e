"""countyinno dispatch solve --input instance.json --out plan.json

Input problems, infeasible instances and solver failures → exit code 2 and a bilingual message on
standard error (never a traceback)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from countyinno.engines.inputs import EngineInputError, dumps, read_json, run_cli

from .solve import solve


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"命令行参数有误 / invalid arguments: {message}", file=sys.stderr)
        raise SystemExit(2)


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="countyinno dispatch", description="科技特派员选派优化 / dispatch optimiser")
    parser.add_argument("command", choices=["solve"])
    parser.add_argument("--input", required=True, help="instance JSON (docs/dispatch.md); - for standard input")
    parser.add_argument("--out", help="plan JSON (default: standard output)")
    args = parser.parse_args(argv)
    return run_cli(_solve, args)


def _solve(args) -> int:
    data = read_json(args.input, where="input" if args.input == "-" else args.input)
    plan = solve(data)
    text = dumps(plan, indent=2)
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise EngineInputError.one(args.out, f"无法写入（{exc.strerror}）", f"cannot write ({exc.strerror})") from None
        print(dumps({"status": plan["status"], "objective": plan["objective"], "seconds": plan["seconds"],
                     "out": args.out}))
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

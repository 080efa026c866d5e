"""countyinno market eval --beir DIR [--method bm25|dense|hybrid] [--run-out run.tsv]"""

from __future__ import annotations

import argparse
import sys

from countyinno.engines.inputs import dumps, run_cli


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors: exit 2 with a bilingual message
        self.print_usage(sys.stderr)
        print(f"命令行参数有误 / invalid arguments: {message}", file=sys.stderr)
        raise SystemExit(2)


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="countyinno market", description="技术市场检索与匹配 / market search")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    ev = sub.add_parser("eval", help="evaluate retrieval on a BEIR-format folder")
    ev.add_argument("--beir", required=True)
    ev.add_argument("--method", choices=["bm25", "dense", "hybrid"], default="hybrid")
    ev.add_argument("--run-out", help="write the ranked run (query-id, corpus-id, rank; top 100)")
    args = parser.parse_args(argv)
    return run_cli(_evaluate, args)


def _evaluate(args) -> int:
    from .evaluate import evaluate

    print(dumps(evaluate(args.beir, args.method, args.run_out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

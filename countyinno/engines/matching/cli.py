"""countyinno market eval --beir DIR [--method bm25|dense|hybrid] [--run-out run.tsv]"""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="countyinno market", description="技术市场检索与匹配 / market search")
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("eval", help="evaluate retrieval on a BEIR-format folder")
    ev.add_argument("--beir", required=True)
    ev.add_argument("--method", choices=["bm25", "dense", "hybrid"], default="hybrid")
    ev.add_argument("--run-out", help="write the ranked run (query-id, corpus-id, rank; top 100)")
    args = parser.parse_args(argv)
    from .evaluate import evaluate

    print(json.dumps(evaluate(args.beir, args.method, args.run_out), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

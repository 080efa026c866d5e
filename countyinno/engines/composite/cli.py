"""countyinno index run | uncertainty — the composite index engine from the command line."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

from countyinno.engines.inputs import dumps, run_cli

from .audit import audit
from .errors import CompositeError, InputProblem
from .framework import Framework
from .pipeline import Pipeline
from .weights import effective_weights


class Progress:
    """A one-line progress display on stderr, for runs longer than a moment."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.started = time.monotonic()

    def __call__(self, fraction: float, message: str) -> None:
        if self.quiet:
            return
        bar = "#" * int(fraction * 30)
        sys.stderr.write(f"\r[{bar:<30}] {fraction:6.1%} {message[:40]:<40} {time.monotonic() - self.started:6.1f}s")
        if fraction >= 1:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _load(args) -> tuple[Framework, Pipeline]:
    framework = Framework.from_csv(args.meta, args.data)
    pipeline = Pipeline.from_yaml(args.config) if args.config else Pipeline()
    return framework, pipeline


def _write(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, float_format="%.10g")


def cmd_run(args) -> int:
    framework, pipeline = _load(args)
    progress = Progress(args.quiet)
    result = pipeline.run(framework, progress=progress)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table = result.results_table()
    root = result.root
    first = ["uCode", "uName", "Time"] + list(result.scores) + [f"{root}_rank"]
    _write(table[first + [c for c in table.columns if c not in first]], out / "results.csv")
    for name in result.datasets:
        _write(result.dataset(name), out / f"{name}.csv")
    if not result.treatment.empty:
        _write(result.treatment, out / "treatment.csv")
    effective = effective_weights(framework, result.weights)
    _write(pd.DataFrame([{"iCode": c, "weight": w, "effective_weight": effective.get(c)}
                         for c, w in result.weights.items()]), out / "weights.csv")
    if result.scores:
        report = audit(result)
        report["correlations"].to_csv(out / "audit_correlations.csv", float_format="%.6g")
        _write(report["nodes"], out / "audit_nodes.csv")
        _write(report["groups"], out / "audit_groups.csv")
    summary = {"units": int(result.present.sum()), "years": [str(y) for y in result.years],
               "indicators": len(result.indicators), "screened_out": result.screened_out,
               "out": str(out), "index": root}
    (out / "run.json").write_text(dumps({"config": result.config, **summary}, indent=2))
    print(dumps(summary))
    return 0


def cmd_uncertainty(args) -> int:
    from .uncertainty import monte_carlo, sobol

    framework, pipeline = _load(args)
    spec = pipeline.config["uncertainty"]
    if args.inputs:
        from countyinno.engines.inputs import EngineInputError, read_yaml

        try:
            extra = read_yaml(args.inputs) or {}
        except EngineInputError as exc:
            raise CompositeError([InputProblem("uncertainty inputs", None, p.where, p.message_zh, p.message_en)
                                  for p in exc.problems]) from None
        unknown = sorted(set(extra) - set(pipeline.config["uncertainty"]))
        if unknown:
            raise CompositeError([InputProblem("uncertainty inputs", None, k, f"未知配置项 {k!r}",
                                               f"unknown key {k!r}") for k in unknown])
        spec = {**spec, **extra}
    inputs = spec.get("inputs") or []
    if not inputs:
        raise CompositeError.single("config", None, "uncertainty.inputs", "没有定义不确定输入",
                                    "no uncertain inputs defined (uncertainty.inputs)")
    base = {k: v for k, v in pipeline.config.items() if k != "uncertainty"}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    replications = args.replications or spec.get("replications", 1000)
    mc = monte_carlo(framework, base, inputs, replications=replications, seed=spec.get("seed", 1),
                     progress=Progress(args.quiet))
    _write(mc["rank_bands"], out / "rank_bands.csv")
    summary = {"replications": replications, "failed_replications": mc["failed"], "inputs": mc["inputs"],
               "mean_rank_shift": float(mc["mean_rank_shift"].mean())}
    if mc["failures"]:
        (out / "failed_replications.json").write_text(dumps(mc["failures"], indent=2))
    samples = args.sobol if args.sobol is not None else spec.get("sobol_samples", 0)
    if samples:
        si = sobol(framework, base, inputs, base_samples=samples, seed=spec.get("seed", 1),
                   progress=Progress(args.quiet))
        _write(si["indices"], out / "sensitivity.csv")
        summary["sobol_runs"] = si["runs"]
        summary["sobol_failed"] = si["failed"]
        summary["sensitivity"] = si["indices"].to_dict(orient="records")
    print(dumps(summary))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="countyinno index", description="综合指数引擎 / composite index engine")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, help_text in (("run", "build the index"), ("uncertainty", "Monte Carlo rank bands and Sobol indices")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--meta", required=True, help="iMeta CSV")
        p.add_argument("--data", required=True, help="iData CSV")
        p.add_argument("--config", help="pipeline YAML (see docs/composite-index.md)")
        p.add_argument("--out", required=True, help="output folder")
        p.add_argument("--quiet", action="store_true", help="no progress display")
        if name == "uncertainty":
            p.add_argument("--inputs", help="YAML with the uncertainty section (else taken from --config)")
            p.add_argument("--replications", type=int, help="Monte Carlo replications (default 1000)")
            p.add_argument("--sobol", type=int, help="Sobol base samples N (runs = N·(k+2)); 0 to skip")
    return parser


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors: exit 2 with a bilingual message
        self.print_usage(sys.stderr)
        print(f"命令行参数有误 / invalid arguments: {message}", file=sys.stderr)
        raise SystemExit(2)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_cli(_dispatch, args)


def _dispatch(args) -> int:
    if args.out and Path(args.out).exists() and not Path(args.out).is_dir():
        raise CompositeError.single("--out", None, None, "输出位置已存在且不是文件夹", "the output path exists and is not a folder")
    return {"run": cmd_run, "uncertainty": cmd_uncertainty}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())

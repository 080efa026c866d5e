"""countyinno rules hightech | tsme | superdeduction --input FILE.json  → a JSON verdict on stdout.

Input problems (encoding, JSON, schema, values) → exit code 2 and a bilingual message on standard
error, never a traceback (countyinno.engines.inputs)."""

from __future__ import annotations

import argparse
import datetime
import sys

from countyinno.engines.inputs import EngineInputError, dumps, read_json, run_cli, schema_problems

from . import contracts, hightech, superdeduction, tsme
from .common import RuleInputError, load_schema, without_nulls

ENGINES = {"hightech": hightech.assess, "tsme": tsme.assess, "superdeduction": superdeduction.assess,
           "contracts": contracts.check}


def validate_schema(name: str, data) -> list[str]:
    """Schema problems as bilingual strings "path: 中文 / English" (unknown keys refused at every level)."""
    return [str(p) for p in schema_problems(load_schema(name), without_nulls(data))]


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors: exit 2 with a bilingual message, like every input problem
        self.print_usage(sys.stderr)
        print(f"命令行参数有误 / invalid arguments: {message}", file=sys.stderr)
        raise SystemExit(2)


def _date(value: str | None, where: str = "--date") -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise EngineInputError.one(where, f"日期格式应为 YYYY-MM-DD，收到 {value!r}", f"dates are YYYY-MM-DD, got {value!r}") from None


def main(argv: list[str] | None = None, allow_contracts: bool = False) -> int:
    parser = _Parser(prog="countyinno rules", description="政策规则引擎 / policy rule engines")
    parser.add_argument("engine", choices=sorted(ENGINES if allow_contracts else set(ENGINES) - {"contracts"}))
    parser.add_argument("--input", required=True, help="JSON file (UTF-8, UTF-16 or GBK/GB18030), or - for standard input")
    parser.add_argument("--date", help="hightech/tsme: assess under the rule set in force on this date; "
                                       "contracts: the application date (picks the rule set)")
    args = parser.parse_args(argv)
    return run_cli(_run_engine, args)


def _run_engine(args) -> int:
    data = read_json(args.input, where="input" if args.input == "-" else args.input)
    problems = schema_problems(load_schema(args.engine), without_nulls(data))
    if problems:
        raise RuleInputError(problems)
    on = _date(args.date)
    if args.engine == "superdeduction":
        result = superdeduction.assess(data)
    elif args.engine == "contracts":
        result = contracts.check(data, on)
    else:
        result = ENGINES[args.engine](data, on)
    print(dumps(result, indent=2))
    return 0


def contracts_main(argv: list[str] | None = None) -> int:
    """countyinno contracts check --input contract.json [--date YYYY-MM-DD (application date)]"""
    parser = _Parser(prog="countyinno contracts", description="技术合同认定登记规则 / contract rules")
    parser.add_argument("command", choices=["check"])
    parser.add_argument("--input", required=True)
    parser.add_argument("--date", help="the application date (default: the input's application_date, else today); "
                                       "it picks the rule set, as for every caller")
    args = parser.parse_args(argv)
    forward = ["contracts", "--input", args.input] + (["--date", args.date] if args.date else [])
    return _run(forward)


def _run(argv):
    return main(argv, allow_contracts=True)

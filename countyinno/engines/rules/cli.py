"""countyinno rules hightech | tsme | superdeduction --input FILE.json  → a JSON verdict on stdout."""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

from . import contracts, hightech, superdeduction, tsme
from .common import RuleInputError
from .rulesets import RuleSetError

ENGINES = {"hightech": hightech.assess, "tsme": tsme.assess, "superdeduction": superdeduction.assess,
           "contracts": contracts.check}
SCHEMAS = Path(__file__).resolve().parent / "schemas"


def validate_schema(name: str, data) -> list[str]:
    import jsonschema

    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'.'.join(str(p) for p in e.absolute_path) or '$'}: {e.message}"
            for e in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))]


def main(argv: list[str] | None = None, allow_contracts: bool = False) -> int:
    parser = argparse.ArgumentParser(prog="countyinno rules", description="政策规则引擎 / policy rule engines")
    parser.add_argument("engine", choices=sorted(ENGINES if allow_contracts else set(ENGINES) - {"contracts"}))
    parser.add_argument("--input", required=True, help="JSON file, or - for standard input")
    parser.add_argument("--date", help="assess under the rule set in force on this date (YYYY-MM-DD)")
    args = parser.parse_args(argv)
    try:
        text = sys.stdin.read() if args.input == "-" else Path(args.input).read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, json.JSONDecodeError) as exc:
        print(json.dumps({"error": f"无法读取输入 / cannot read the input: {exc}"}, ensure_ascii=False))
        return 2
    problems = validate_schema(args.engine, data)
    if problems:
        print(json.dumps({"error": "输入不符合 JSON Schema / input does not match the JSON Schema",
                          "problems": problems}, ensure_ascii=False, indent=2))
        return 2
    try:
        if args.engine == "superdeduction":
            result = ENGINES[args.engine](data)
        elif args.engine == "contracts":
            today = datetime.date.fromisoformat(args.date) if args.date else None
            result = contracts.check(data, today)
        else:
            on = datetime.date.fromisoformat(args.date) if args.date else None
            result = ENGINES[args.engine](data, on)
    except RuleInputError as exc:
        print(json.dumps(exc.as_dict(), ensure_ascii=False, indent=2))
        return 2
    except RuleSetError as exc:
        print(json.dumps({"error": str(exc)}, ensure_ascii=False))
        return 2
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return 0


def contracts_main(argv: list[str] | None = None) -> int:
    """countyinno contracts check --input contract.json [--date YYYY-MM-DD]"""
    parser = argparse.ArgumentParser(prog="countyinno contracts", description="技术合同认定登记规则 / contract rules")
    parser.add_argument("command", choices=["check"])
    parser.add_argument("--input", required=True)
    parser.add_argument("--date", help="today's date for the checks (default: today)")
    args = parser.parse_args(argv)
    forward = ["contracts", "--input", args.input] + (["--date", args.date] if args.date else [])
    return _run(forward)


def _run(argv):
    return main(argv, allow_contracts=True)

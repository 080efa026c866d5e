"""Inputs that never crash: every engine CLI (`countyinno index | rules | contracts | dispatch | market`)
refuses each malformed input with exit code 2 and a bilingual message on standard error — never a
traceback — and reads GBK / GB18030, UTF-16 and UTF-8-with-BOM files correctly."""

from __future__ import annotations

import codecs
import copy
import json
import re
import shutil
from pathlib import Path

import pytest

from countyinno.engines.composite.cli import main as index_main
from countyinno.engines.dispatch.cli import main as dispatch_main
from countyinno.engines.matching.cli import main as market_main
from countyinno.engines.rules.cli import contracts_main, main as rules_main
from countyinno.engines.rules.tests.test_contracts import GOOD
from countyinno.engines.rules.tests.test_worked_examples import HIGHTECH

ASEM = Path(__file__).resolve().parents[1] / "composite" / "tests" / "data" / "coinr_asem"
NUM = "__NUMBER__"
# `countyinno <name> …` dispatches to these (countyinno/cli.py ENGINE_COMMANDS; importing it here would
# pull Django into the engines' import graph)
COMMANDS = {"index": index_main, "rules": rules_main, "contracts": contracts_main, "dispatch": dispatch_main,
            "market": market_main}


def countyinno(argv):
    return COMMANDS[argv[0]](argv[1:])


def set_path(data, path, value):
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


def generic_cases(base: dict, number: list, nested: list, text: list) -> list[tuple[str, bytes]]:
    """Byte-level and structural mutations of a valid JSON document."""
    valid = json.dumps(base, ensure_ascii=False)

    def with_number(literal: str) -> bytes:
        doc = set_path(copy.deepcopy(base), number, NUM)
        return json.dumps(doc, ensure_ascii=False).replace(f'"{NUM}"', literal).encode("utf-8")

    def mutate(path, value) -> bytes:
        return json.dumps(set_path(copy.deepcopy(base), path, value), ensure_ascii=False).encode("utf-8")

    unknown_nested = copy.deepcopy(base)
    node = unknown_nested
    for part in nested:
        node = node[part]
    node["unexpected_key"] = 1
    surrogate = json.dumps(set_path(copy.deepcopy(base), text, "X")).replace('"X"', '"\\ud800"').encode()
    return [
        ("empty file", b""),
        ("only whitespace", b" \n\t \r\n"),
        ("neither UTF-8 nor GB18030", valid.encode("utf-8")[:-1] + b'\xff\xff"}'),
        ("UTF-16 BOM, broken UTF-16", codecs.BOM_UTF16_LE + valid.encode("utf-16-le")[:40] + b"\x00\xd8\x41\x00"),
        ("UTF-8 BOM, broken UTF-8", codecs.BOM_UTF8 + b'{"a": "\xc3\x28"}'),
        ("zero bytes, not UTF-16", b'{"a"\x00\x00\x00: 1\xff\xfe\xff\xd8}'),
        ("truncated", valid.encode("utf-8")[: len(valid) // 2]),
        ("trailing garbage", valid.encode("utf-8") + b" }extra"),
        ("deeply nested arrays", b"[" * 200_000 + b"]" * 200_000),
        ("deeply nested objects", ('{"a":' * 60 + "1" + "}" * 60).encode()),
        ("NaN", with_number("NaN")),
        ("Infinity", with_number("Infinity")),
        ("-Infinity", with_number("-Infinity")),
        ("float overflow 1e400", with_number("1e400")),
        ("huge integer", with_number("1" + "0" * 30)),
        ("integer of 5000 digits", with_number("9" * 5000)),
        ("top-level array", b"[1, 2, 3]"),
        ("top-level number", b"42"),
        ("duplicate keys", valid.encode("utf-8")[:-1] + b', ' + json.dumps(next(iter(base))).encode() + b": 1}"),
        ("lone surrogate", surrogate),
        ("binary garbage", bytes(range(256)) * 4),
        ("unknown top-level key", mutate(["unexpected_top"], 1)),
        ("unknown nested key", json.dumps(unknown_nested, ensure_ascii=False).encode("utf-8")),
        ("wrong type", mutate(number, {"value": [1, 2]})),
        ("string for a number", mutate(number, "many")),
    ]


def assert_refused(code, out, err, label):
    assert code == 2, f"{label}: exit {code}\nstdout: {out[:500]}\nstderr: {err[:500]}"
    assert "Traceback" not in err and "Traceback" not in out, label
    assert err.strip(), f"{label}: no message on standard error"
    assert re.search(r"[\u4e00-\u9fff]", err) and re.search(r"[A-Za-z]{3,}", err) and " / " in err, \
        f"{label}: the message is not bilingual: {err[:300]}"


def run(argv, capsys):
    capsys.readouterr()
    code = countyinno(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def file_cases(tmp_path, cases):
    for label, payload in cases:
        path = tmp_path / f"in-{abs(hash(label))}.json"
        path.write_bytes(payload)
        yield label, path


# ---------------------------------------------------------------- rules
RULES_CASES = generic_cases(HIGHTECH, ["staff_total"], ["years", 0], ["domain"]) + [
    ("negative staff", json.dumps(dict(HIGHTECH, staff_total=-3)).encode()),
    ("registration after application", json.dumps(dict(HIGHTECH, registration_date="2030-01-01")).encode()),
    ("score above its cap", json.dumps(dict(HIGHTECH, scores={"management": 25})).encode()),
    ("bad date", json.dumps(dict(HIGHTECH, application_date="2024-13-45")).encode()),
]


@pytest.mark.parametrize("label, payload", RULES_CASES, ids=[c[0] for c in RULES_CASES])
def test_rules_cli_refuses(label, payload, tmp_path, capsys):
    path = tmp_path / "in.json"
    path.write_bytes(payload)
    assert_refused(*run(["rules", "hightech", "--input", str(path)], capsys), label)


def test_rules_cli_usage_errors_and_missing_files(tmp_path, capsys):
    assert_refused(*run(["rules", "hightech", "--input", str(tmp_path / "nope.json")], capsys), "missing file")
    assert_refused(*run(["rules", "hightech", "--input", str(tmp_path)], capsys), "a folder")
    path = tmp_path / "in.json"
    path.write_text(json.dumps(HIGHTECH), encoding="utf-8")
    assert_refused(*run(["rules", "hightech", "--input", str(path), "--date", "yesterday"], capsys), "bad --date")
    with pytest.raises(SystemExit) as info:
        countyinno(["rules", "nonsense", "--input", str(path)])
    assert info.value.code == 2


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16", "utf-8-sig", "utf-16-be"])
def test_rules_cli_reads_chinese_encodings(encoding, tmp_path, capsys):
    path = tmp_path / "in.json"
    path.write_bytes(json.dumps(HIGHTECH, ensure_ascii=False).encode(encoding))
    code, out, err = run(["rules", "hightech", "--input", str(path)], capsys)
    assert code == 0, err
    result = json.loads(out)
    assert result["verdict"] == "PASS" and {c["id"]: c for c in result["conditions"]}[3]["value"] == "电子信息"


# ---------------------------------------------------------------- contracts
CONTRACT_CASES = generic_cases(GOOD, ["total_amount"], ["seller"], ["project_name"]) + [
    ("amount with 7 decimals", json.dumps(dict(GOOD, total_amount="800.0000001")).encode()),
    ("bad point code", json.dumps(dict(GOOD, registration_point_area_code="3701")).encode()),
    ("cost item not a number", json.dumps(dict(GOOD, non_technical_costs={"equipment": "lots"})).encode()),
]


@pytest.mark.parametrize("label, payload", CONTRACT_CASES, ids=[c[0] for c in CONTRACT_CASES])
def test_contracts_cli_refuses(label, payload, tmp_path, capsys):
    path = tmp_path / "contract.json"
    path.write_bytes(payload)
    assert_refused(*run(["contracts", "check", "--input", str(path), "--date", "2026-06-01"], capsys), label)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16", "utf-8-sig"])
def test_contracts_cli_reads_chinese_encodings(encoding, tmp_path, capsys):
    path = tmp_path / "contract.json"
    path.write_bytes(json.dumps(GOOD, ensure_ascii=False).encode(encoding))
    code, out, err = run(["contracts", "check", "--input", str(path), "--date", "2026-06-01"], capsys)
    assert code == 0, err
    assert json.loads(out)["registrable"] is True


# ---------------------------------------------------------------- dispatch
INSTANCE = {"talents": [{"id": "T1", "capacity": 2, "home_unit": "山东农业大学"}, {"id": "T2", "capacity": 1}],
            "demands": [{"id": "D1", "county": "历城区"}, {"id": "D2", "county": "章丘区"}],
            "edges": [{"talent": "T1", "demand": "D1", "cost": 12.5}, {"talent": "T2", "demand": "D2", "cost": 3},
                      {"talent": "T1", "demand": "D2", "cost": 7}]}
DISPATCH_CASES = generic_cases(INSTANCE, ["edges", 0, "cost"], ["talents", 0], ["demands", 0, "county"]) + [
    ("duplicate edge", json.dumps(dict(INSTANCE, edges=INSTANCE["edges"] + [INSTANCE["edges"][0]])).encode()),
    ("pin on a non-edge", json.dumps(dict(INSTANCE, constraints={"pinned": [["T2", "D1"]]})).encode()),
    ("negative capacity", json.dumps(set_path(copy.deepcopy(INSTANCE), ["talents", 0, "capacity"], -1)).encode()),
    ("cost with 9 decimals", json.dumps(set_path(copy.deepcopy(INSTANCE), ["edges", 0, "cost"], 1.123456789)).encode()),
]


@pytest.mark.parametrize("label, payload", DISPATCH_CASES, ids=[c[0] for c in DISPATCH_CASES])
def test_dispatch_cli_refuses(label, payload, tmp_path, capsys):
    path = tmp_path / "instance.json"
    path.write_bytes(payload)
    assert_refused(*run(["dispatch", "solve", "--input", str(path)], capsys), label)


@pytest.mark.parametrize("encoding", ["gbk", "utf-16", "utf-8-sig"])
def test_dispatch_cli_reads_chinese_encodings(encoding, tmp_path, capsys):
    path = tmp_path / "instance.json"
    path.write_bytes(json.dumps(INSTANCE, ensure_ascii=False).encode(encoding))
    code, out, err = run(["dispatch", "solve", "--input", str(path)], capsys)
    assert code == 0, err
    assert json.loads(out)["county_counts"] == {"历城区": 1, "章丘区": 1}


# ---------------------------------------------------------------- market (BEIR folder)
DOC = {"_id": "d1", "title": "小麦条锈病防治技术", "text": "一种小麦条锈病绿色防控方法"}


def beir(folder: Path, corpus: bytes | None = None, queries: bytes | None = None, qrels: bytes | None = None) -> Path:
    (folder / "qrels").mkdir(parents=True, exist_ok=True)
    docs = [DOC, {"_id": "d2", "title": "玉米", "text": "玉米密植高产"}]
    (folder / "corpus.jsonl").write_bytes(corpus if corpus is not None else
                                          "\n".join(json.dumps(d, ensure_ascii=False) for d in docs).encode())
    (folder / "queries.jsonl").write_bytes(queries if queries is not None else
                                           json.dumps({"_id": "q1", "text": "小麦病害"}, ensure_ascii=False).encode())
    (folder / "qrels" / "test.tsv").write_bytes(qrels if qrels is not None else
                                                b"query-id\tcorpus-id\tscore\nq1\td1\t1\n")
    return folder


MARKET_CASES = [(label, {"corpus": payload}) for label, payload in
                generic_cases(DOC, ["title"], [], ["text"]) if label not in ("top-level array", "string for a number")] + [
    ("corpus: a line that is an array", {"corpus": b"[1, 2]"}),
    ("queries: missing text", {"queries": b'{"_id": "q1"}'}),
    ("queries: UTF-16 BOM, broken", {"queries": codecs.BOM_UTF16_LE + b"{\x00\x00\xd8"}),
    ("qrels: score not an integer", {"qrels": b"query-id\tcorpus-id\tscore\nq1\td1\thigh\n"}),
    ("qrels: two columns", {"qrels": b"query-id\tcorpus-id\tscore\nq1\td1\n"}),
    ("qrels: no judged query", {"qrels": b"query-id\tcorpus-id\tscore\nq9\td1\t1\n"}),
]


@pytest.mark.parametrize("label, files", MARKET_CASES, ids=[c[0] for c in MARKET_CASES])
def test_market_cli_refuses(label, files, tmp_path, capsys):
    folder = beir(tmp_path / "beir", **files)
    assert_refused(*run(["market", "eval", "--beir", str(folder), "--method", "bm25"], capsys), label)


def test_market_cli_missing_folder_and_encodings(tmp_path, capsys):
    assert_refused(*run(["market", "eval", "--beir", str(tmp_path / "none"), "--method", "bm25"], capsys), "no folder")
    corpus = "\n".join(json.dumps(d, ensure_ascii=False) for d in [DOC]).encode("gbk")
    folder = beir(tmp_path / "gbk", corpus=corpus, queries=json.dumps({"_id": "q1", "text": "小麦"},
                                                                       ensure_ascii=False).encode("utf-16"))
    code, out, err = run(["market", "eval", "--beir", str(folder), "--method", "bm25"], capsys)
    assert code == 0, err
    assert json.loads(out)["mrr@10"] == 1.0


# ---------------------------------------------------------------- index (CSV + YAML)
def index_args(tmp_path, config: bytes | None = None, meta: bytes | None = None, data: bytes | None = None):
    meta_path, data_path = tmp_path / "meta.csv", tmp_path / "data.csv"
    meta_path.write_bytes(meta if meta is not None else (ASEM / "ASEM_iMeta.csv").read_bytes())
    data_path.write_bytes(data if data is not None else (ASEM / "ASEM_iData.csv").read_bytes())
    args = ["index", "run", "--meta", str(meta_path), "--data", str(data_path), "--out", str(tmp_path / "out"),
            "--quiet"]
    if config is not None:
        (tmp_path / "pipeline.yaml").write_bytes(config)
        args += ["--config", str(tmp_path / "pipeline.yaml")]
    return args


def _with_value(literal: str) -> bytes:
    """The ASEM data with one indicator value (LPI of the first unit) replaced by `literal`."""
    lines = (ASEM / "ASEM_iData.csv").read_text(encoding="utf-8").splitlines()
    column = lines[0].split(",").index("LPI")
    cells = lines[1].split(",")
    cells[column] = literal
    lines[1] = ",".join(cells)
    return ("\n".join(lines) + "\n").encode("utf-8")


CONFIG = {"treat": {"winsorise_max": 5, "skew_threshold": 2.0}, "normalise": {"method": "minmax"}}
INDEX_CASES = [(label, {"config": payload}) for label, payload in
               generic_cases(CONFIG, ["treat", "winsorise_max"], ["treat"], ["normalise", "method"])
               if label not in ("top-level number",)] + [
    ("config: misspelt nested key (YAML)", {"config": b"treat:\n  winsorize_max: 3\n"}),
    ("config: misspelt method key (YAML)", {"config": b"aggregate:\n  methd: geometric\n"}),
    ("config: YAML syntax error", {"config": b"treat: [1, 2\n  x: }"}),
    ("config: .nan", {"config": b"treat:\n  skew_threshold: .nan\n"}),
    ("config: .inf", {"config": b"treat:\n  kurtosis_threshold: .inf\n"}),
    ("config: a list", {"config": b"- 1\n- 2\n"}),
    ("meta: empty", {"meta": b""}),
    ("meta: neither UTF-8 nor GB18030", {"meta": b"Level,iCode\n\xff\xff,\x81\n"}),
    ("data: broken UTF-16", {"data": codecs.BOM_UTF16_LE + b"u\x00C\x00\x00\xd8"}),
    ("data: infinite value", {"data": _with_value("1e999")}),
    ("data: Infinity", {"data": _with_value("-inf")}),
]


@pytest.mark.parametrize("label, files", INDEX_CASES, ids=[c[0] for c in INDEX_CASES])
def test_index_cli_refuses(label, files, tmp_path, capsys):
    assert_refused(*run(index_args(tmp_path, **files), capsys), label)


def test_index_cli_reads_utf16_and_gbk(tmp_path, capsys):
    config = "# 配置：中文注释\ntreat:\n  winsorise_max: 5\n".encode("utf-16")
    meta = (ASEM / "ASEM_iMeta.csv").read_text(encoding="utf-8").encode("gb18030")
    code, out, err = run(index_args(tmp_path, config=config, meta=meta), capsys)
    assert code == 0, err
    assert json.loads(out)["units"] > 0
    shutil.rmtree(tmp_path / "out")

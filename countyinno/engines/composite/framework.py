"""The index framework (iMeta) and unit data (iData), COINr-compatible, validated up front."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import CompositeError, InputProblem

META_TYPES = {"Indicator", "Aggregate", "Group", "Denominator", "Other"}
META_REQUIRED = ["iCode", "Type"]


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or (isinstance(value, str) and not value.strip())


def read_table(path, table: str) -> pd.DataFrame:
    """A CSV table as text columns: UTF-8 (BOM optional), UTF-16 or GBK/GB18030 (countyinno.engines.inputs)."""
    import csv
    import io

    from countyinno.engines.inputs import EngineInputError, read_text

    try:
        text = read_text(path, where=f"{table} ({path})")
    except EngineInputError as exc:
        raise CompositeError([InputProblem(table, None, None, p.message_zh, p.message_en) for p in exc.problems]) from None
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, ValueError) as exc:
        raise CompositeError.single(table, None, None, f"不是有效的 CSV：{exc}", f"not a valid CSV table: {exc}") from None
    if frame.columns.duplicated().any():
        dup = sorted(set(frame.columns[frame.columns.duplicated()]))
        raise CompositeError.single(table, 1, ", ".join(dup), "列名重复", "duplicate column names")
    return frame


@dataclass
class Framework:
    """A tree of indicators and aggregates of any depth, plus the unit data for one or more years."""

    meta: pd.DataFrame  # one row per iCode, index iCode
    data: pd.DataFrame  # one row per (Time, uCode), sorted
    indicators: list[str]  # level-1 codes, in iMeta order
    aggregates: list[str]  # aggregate codes ordered bottom-up (children before parents)
    children: dict[str, list[str]]
    parent: dict[str, str | None]
    level: dict[str, int]
    groups: list[str]
    denominators: list[str]
    years: list = field(default_factory=list)

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_csv(cls, meta_path: str | Path, data_path: str | Path) -> "Framework":
        return cls.from_frames(read_table(meta_path, "iMeta"), read_table(data_path, "iData"))

    @classmethod
    def from_frames(cls, meta: pd.DataFrame, data: pd.DataFrame) -> "Framework":
        problems: list[InputProblem] = []
        meta = meta.copy()
        for column in META_REQUIRED:
            if column not in meta.columns:
                problems.append(InputProblem("iMeta", None, column, "缺少列", "missing column"))
        if problems:
            raise CompositeError(problems)
        for optional, default in (("Level", ""), ("iName", ""), ("Direction", ""), ("Weight", ""), ("Parent", ""),
                                  ("Unit", ""), ("Target", ""), ("Denominator", "")):
            if optional not in meta.columns:
                meta[optional] = default
        meta = meta.astype(object).where(meta.notna(), "")
        meta["iCode"] = meta["iCode"].astype(str).str.strip()
        meta["Type"] = meta["Type"].astype(str).str.strip()
        meta["Parent"] = meta["Parent"].astype(str).str.strip()

        seen: dict[str, int] = {}
        for i, row in meta.iterrows():
            line = i + 2  # header is line 1
            code = row["iCode"]
            if not code:
                problems.append(InputProblem("iMeta", line, "iCode", "代码为空", "empty code"))
            elif code in seen:
                problems.append(InputProblem("iMeta", line, "iCode", f"代码 {code} 重复（首次在第 {seen[code]} 行）",
                                             f"duplicate code {code} (first at row {seen[code]})"))
            else:
                seen[code] = line
            if row["Type"] not in META_TYPES:
                problems.append(InputProblem("iMeta", line, "Type", f"未知类型 {row['Type']!r}",
                                             f"unknown type {row['Type']!r}; expected one of {sorted(META_TYPES)}"))
        if problems:
            raise CompositeError(problems)

        meta = meta.set_index("iCode", drop=False)
        tree = meta[meta["Type"].isin(["Indicator", "Aggregate"])]
        numeric = {}
        for column, required_for in (("Level", ("Indicator", "Aggregate")), ("Weight", ("Indicator", "Aggregate")),
                                     ("Direction", ("Indicator",)), ("Target", ())):
            values = {}
            for code, row in tree.iterrows():
                raw = row[column]
                if _is_blank(raw):
                    if row["Type"] in required_for:
                        problems.append(InputProblem("iMeta", seen[code], column, f"{code} 缺少 {column}",
                                                     f"{code} has no {column}"))
                    values[code] = np.nan
                    continue
                try:
                    values[code] = float(raw)
                except (TypeError, ValueError):
                    problems.append(InputProblem("iMeta", seen[code], column, f"{code} 的 {column} 不是数字：{raw!r}",
                                                 f"{column} of {code} is not a number: {raw!r}"))
                    values[code] = np.nan
            numeric[column] = values
        for code, value in numeric["Direction"].items():
            if meta.at[code, "Type"] == "Indicator" and not np.isnan(value) and value not in (1.0, -1.0):
                problems.append(InputProblem("iMeta", seen[code], "Direction", "方向应为 1 或 -1",
                                             "direction must be 1 or -1"))
        for code, value in numeric["Weight"].items():
            if not np.isnan(value) and value < 0:
                problems.append(InputProblem("iMeta", seen[code], "Weight", "权重不能为负", "weight must not be negative"))
        if problems:
            raise CompositeError(problems)
        meta["Level"] = pd.Series(numeric["Level"], dtype=float)
        meta["Weight"] = pd.Series(numeric["Weight"], dtype=float)
        meta["Direction"] = pd.Series(numeric["Direction"], dtype=float)
        meta["Target"] = pd.Series(numeric["Target"], dtype=float)

        codes = set(tree.index)
        parent: dict[str, str | None] = {}
        children: dict[str, list[str]] = {code: [] for code in tree.index}
        for code, row in tree.iterrows():
            p = row["Parent"] or None
            if p is not None and p not in codes:
                problems.append(InputProblem("iMeta", seen[code], "Parent", f"上级 {p} 不存在",
                                             f"parent {p} is not an indicator or aggregate code"))
                p = None
            parent[code] = p
            if p is not None:
                children[p].append(code)
        # Cycles: walking up from any node must end at a root.
        for code in tree.index:
            path, node = [], code
            while node is not None:
                if node in path:
                    cycle = " → ".join(path[path.index(node):] + [node])
                    problems.append(InputProblem("iMeta", seen[code], "Parent", f"层级结构存在循环：{cycle}",
                                                 f"the tree has a cycle: {cycle}"))
                    break
                path.append(node)
                node = parent.get(node)
        if problems:
            raise CompositeError(problems)
        level = {code: int(meta.at[code, "Level"]) for code in tree.index}
        for code in tree.index:
            kind = meta.at[code, "Type"]
            if kind == "Indicator" and children[code]:
                problems.append(InputProblem("iMeta", seen[code], "Type", f"指标 {code} 不能有下级",
                                             f"indicator {code} cannot have children"))
            if kind == "Aggregate" and not children[code]:
                problems.append(InputProblem("iMeta", seen[code], "Parent", f"汇总项 {code} 没有下级",
                                             f"aggregate {code} has no children"))
            if kind == "Indicator" and level[code] != 1:
                problems.append(InputProblem("iMeta", seen[code], "Level", "指标层级应为 1", "indicators are level 1"))
            p = parent[code]
            if p is not None and level[p] <= level[code]:
                problems.append(InputProblem("iMeta", seen[code], "Level",
                                             f"上级 {p} 的层级应高于 {code}", f"parent {p} must sit above {code}"))
        for code, kids in children.items():
            if kids and not np.nansum([meta.at[k, "Weight"] for k in kids]) > 0:
                problems.append(InputProblem("iMeta", seen[code], "Weight", f"{code} 的下级权重之和须为正",
                                             f"the weights of {code}'s children must sum to a positive number"))
        if problems:
            raise CompositeError(problems)

        indicators = [c for c in tree.index if meta.at[c, "Type"] == "Indicator"]
        aggregates = sorted((c for c in tree.index if meta.at[c, "Type"] == "Aggregate"),
                            key=lambda c: (level[c], list(tree.index).index(c)))
        groups = [c for c in meta.index if meta.at[c, "Type"] == "Group"]
        denominators = [c for c in meta.index if meta.at[c, "Type"] == "Denominator"]
        for code in indicators:
            d = str(meta.at[code, "Denominator"]).strip()
            if d and d not in denominators:
                problems.append(InputProblem("iMeta", seen[code], "Denominator", f"分母 {d} 未定义",
                                             f"denominator {d} is not defined as a Denominator row"))
        if problems:
            raise CompositeError(problems)

        data = cls._check_data(data, indicators, denominators, groups)
        years = sorted(data["Time"].unique().tolist()) if "Time" in data.columns else [None]
        return cls(meta=meta, data=data, indicators=indicators, aggregates=aggregates, children=children,
                   parent=parent, level=level, groups=groups, denominators=denominators, years=years)

    @staticmethod
    def _check_data(data: pd.DataFrame, indicators, denominators, groups) -> pd.DataFrame:
        problems: list[InputProblem] = []
        data = data.copy()
        if "uCode" not in data.columns:
            raise CompositeError.single("iData", None, "uCode", "缺少单位代码列", "missing unit code column")
        for column in indicators + denominators + groups:
            if column not in data.columns:
                problems.append(InputProblem("iData", None, column, "缺少列", "missing column"))
        if problems:
            raise CompositeError(problems)
        data["uCode"] = data["uCode"].astype(str).str.strip()
        if "uName" not in data.columns:
            data["uName"] = data["uCode"]
        if "Time" in data.columns:
            time = pd.to_numeric(data["Time"].replace("", np.nan), errors="coerce")
            for i in np.flatnonzero(time.isna().to_numpy()):
                problems.append(InputProblem("iData", int(i) + 2, "Time", f"年份无效：{data['Time'].iloc[i]!r}",
                                             f"invalid year: {data['Time'].iloc[i]!r}"))
            whole = time.dropna()
            data["Time"] = time.astype("Int64").astype(object) if (whole == whole.round()).all() else time
        else:
            data["Time"] = 0
        for column in indicators + denominators:
            raw = data[column]
            if not pd.api.types.is_numeric_dtype(raw):
                text = raw.astype(str).str.strip()
                blank = text.isin(["", "NA", "NaN", "nan", "None", "null", "-", "—"])
                values = pd.to_numeric(text.where(~blank, np.nan).str.replace(",", "", regex=False), errors="coerce")
                bad = values.isna() & ~blank
                for i in np.flatnonzero(bad.to_numpy()):
                    problems.append(InputProblem("iData", int(i) + 2, column,
                                                 f"单位 {data['uCode'].iloc[i]} 的值不是数字：{raw.iloc[i]!r}",
                                                 f"value for unit {data['uCode'].iloc[i]} is not a number: {raw.iloc[i]!r}"))
                data[column] = values.astype(float)
            else:
                data[column] = raw.astype(float)
            infinite = np.isinf(data[column].to_numpy())
            for i in np.flatnonzero(infinite):
                problems.append(InputProblem("iData", int(i) + 2, column, "值为无穷大", "value is infinite"))
        duplicated = data.duplicated(["Time", "uCode"], keep="first")
        for i in np.flatnonzero(duplicated.to_numpy()):
            problems.append(InputProblem("iData", int(i) + 2, "uCode", f"单位 {data['uCode'].iloc[i]} 在同一年重复",
                                         f"unit {data['uCode'].iloc[i]} appears twice in the same year"))
        if problems:
            raise CompositeError(problems[:200])
        return data.sort_values(["Time", "uCode"], kind="stable").reset_index(drop=True)

    # ------------------------------------------------------------------ helpers
    def weights(self) -> dict[str, float]:
        return {code: float(self.meta.at[code, "Weight"]) for code in self.indicators + self.aggregates}

    def directions(self) -> np.ndarray:
        return self.meta.loc[self.indicators, "Direction"].to_numpy(dtype=float)

    def name(self, code: str) -> str:
        return str(self.meta.at[code, "iName"]) or code if code in self.meta.index else code

    @property
    def root(self) -> str:
        roots = [c for c in self.aggregates if self.parent[c] is None]
        return roots[-1] if roots else self.indicators[0]

    def descendants(self, code: str) -> list[str]:
        """Indicators under `code` (itself if an indicator)."""
        if not self.children.get(code):
            return [code]
        out: list[str] = []
        for child in self.children[code]:
            out.extend(self.descendants(child))
        return out

"""The composite engine's input problems: the shared `inputs.Problem` located by table, row and column."""

from __future__ import annotations

from countyinno.engines.inputs import EngineInputError, Problem


class InputProblem(Problem):
    """One problem with the inputs, located by table, row and column (its `where` joins them)."""

    def __init__(self, table: str, row: int | str | None, column: str | None, message_zh: str, message_en: str):
        self.table, self.row, self.column = table, row, column
        where = [str(table)]
        if row is not None:
            where.append(f"row {row}")
        if column:
            where.append(f"column {column}")
        super().__init__(", ".join(where), message_zh, message_en)

    def __repr__(self) -> str:
        return f"InputProblem({self.table!r}, {self.row!r}, {self.column!r}, {self.message_zh!r}, {self.message_en!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, InputProblem) and (self.table, self.row, self.column, self.message_zh,
                                                    self.message_en) == (other.table, other.row, other.column,
                                                                         other.message_zh, other.message_en)

    __hash__ = None

    def as_dict(self) -> dict:
        return {"table": self.table, "row": self.row, "column": self.column, "where": self.where,
                "message": self.message}


class CompositeError(EngineInputError):
    """Inputs or configuration the engine refuses; every problem is listed, nothing is guessed."""

    def __init__(self, problems=None, kind: str = "invalid"):
        super().__init__(list(problems or []), kind)

    def __str__(self) -> str:
        head = f"{len(self.problems)} 处输入错误 / {len(self.problems)} input problem(s)"
        return head + ":\n" + "\n".join(f"  - {p}" for p in self.problems)

    @classmethod
    def single(cls, table, row, column, zh, en) -> "CompositeError":
        return cls([InputProblem(table, row, column, zh, en)])

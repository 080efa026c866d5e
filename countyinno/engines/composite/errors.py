from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class InputProblem:
    """One problem with the inputs, located by table, row and column."""

    table: str
    row: int | str | None
    column: str | None
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        where = [self.table]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message_zh} / {self.message_en}"

    def as_dict(self) -> dict:
        return {"table": self.table, "row": self.row, "column": self.column,
                "message": f"{self.message_zh} / {self.message_en}"}


@dataclass
class CompositeError(Exception):
    """Inputs or configuration the engine refuses; every problem is listed, nothing is guessed."""

    problems: list[InputProblem] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"{len(self.problems)} 处输入错误 / {len(self.problems)} input problem(s)"
        return head + ":\n" + "\n".join(f"  - {p}" for p in self.problems)

    @classmethod
    def single(cls, table, row, column, zh, en) -> "CompositeError":
        return cls([InputProblem(table, row, column, zh, en)])

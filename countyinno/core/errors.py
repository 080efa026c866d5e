"""Bilingual errors: every message a user sees names the problem in Chinese and English."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError


def bilingual(zh: str, en: str) -> str:
    return f"{zh} / {en}"


def bilingual_error(zh: str, en: str, *, field_name: str | None = None, code: str = "invalid") -> ValidationError:
    message = bilingual(zh, en)
    if field_name:
        return ValidationError({field_name: ValidationError(message, code=code)})
    return ValidationError(message, code=code)


@dataclass
class RowError:
    """One problem in an imported file: where it is and what is wrong."""

    row: int | None
    field: str | None
    message: str
    sheet: str | None = None

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "field": self.field, "message": self.message}

    def __str__(self) -> str:
        where = []
        if self.sheet:
            where.append(f"工作表 sheet {self.sheet}")
        if self.row is not None:
            where.append(f"第 {self.row} 行 row {self.row}")
        if self.field:
            where.append(f"字段 field {self.field}")
        return (", ".join(where) + ": " if where else "") + self.message


@dataclass
class ImportFailed(Exception):
    """An import was refused as a whole; nothing was saved."""

    errors: list[RowError] = field(default_factory=list)

    def __str__(self) -> str:
        head = bilingual(f"导入失败，共 {len(self.errors)} 处错误，未保存任何数据",
                         f"import refused with {len(self.errors)} error(s); nothing was saved")
        return head + "\n" + "\n".join(str(e) for e in self.errors)

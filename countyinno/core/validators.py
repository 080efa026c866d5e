"""Identifier validators used across apps (the pure checks live in engines.identifiers)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from countyinno.engines.identifiers import (  # noqa: F401  re-exported for the apps
    CREDIT_CODE_CHARSET,
    credit_code_check_char,
    credit_code_problem,
    make_credit_code,
)


def validate_credit_code(value: str) -> None:
    problem = credit_code_problem(value)
    if problem:
        raise ValidationError(problem, code="credit_code")

"""Identifier checks shared by the engines and the platform (pure Python)."""

from __future__ import annotations


def bilingual(zh: str, en: str) -> str:
    return f"{zh} / {en}"


# GB 32100-2015 统一社会信用代码: 31 characters (no I, O, S, V, Z).
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_CHAR_VALUE = {c: i for i, c in enumerate(CREDIT_CODE_CHARSET)}


def credit_code_check_char(first17: str) -> str:
    total = sum(_CHAR_VALUE[c] * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Return why `code` is not a valid unified social credit code, or None when it is."""
    if not isinstance(code, str) or len(code) != 18:
        return bilingual("统一社会信用代码应为 18 位", "a unified social credit code has 18 characters")
    code = code.upper()
    bad = [c for c in code if c not in _CHAR_VALUE]
    if bad:
        return bilingual(f"统一社会信用代码含非法字符 {''.join(bad)}",
                         f"the credit code contains characters not allowed: {''.join(bad)}")
    if not code[2:8].isdigit():
        return bilingual("统一社会信用代码第 3–8 位应为行政区划代码", "characters 3–8 must be an area code")
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        return bilingual(f"统一社会信用代码校验位错误（应为 {expected}）",
                         f"wrong check character in the credit code (expected {expected})")
    return None


def make_credit_code(registration_authority: str, org_type: str, area_code: str, body9: str) -> str:
    """Build a valid code from its parts (used by demo data and tests)."""
    first17 = f"{registration_authority}{org_type}{area_code}{body9}".upper()
    bad = sorted({c for c in first17 if c not in _CHAR_VALUE})
    if len(first17) != 17 or bad:
        raise ValueError(f"cannot build a credit code from {first17!r}: 17 characters of {CREDIT_CODE_CHARSET} needed"
                         + (f", not {''.join(bad)}" if bad else ""))
    return first17 + credit_code_check_char(first17)

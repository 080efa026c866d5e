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


# GB 11714-1997 组织机构代码 (before unified credit codes): 8 characters + check character.
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organisation_code_problem(code: str) -> str | None:
    """Why `code` is not a valid 组织机构代码 ("XXXXXXXX-X" or 9 characters), or None."""
    if not isinstance(code, str):
        return bilingual("组织机构代码应为文本", "an organisation code is text")
    text = code.strip().upper().replace("-", "")
    if len(text) != 9 or not all(c.isdigit() or "A" <= c <= "Z" for c in text[:8]) or text[8] not in "0123456789X":
        return bilingual("组织机构代码应为 8 位本体代码加 1 位校验码（如 12345678-9）",
                         "an organisation code has 8 characters and a check character (e.g. 12345678-9)")
    total = sum(int(c, 36) * w for c, w in zip(text[:8], ORG_CODE_WEIGHTS))
    expected = 11 - total % 11
    expected = "X" if expected == 10 else "0" if expected == 11 else str(expected)
    if text[8] != expected:
        return bilingual(f"组织机构代码校验码错误（应为 {expected}）",
                         f"wrong check character in the organisation code (expected {expected})")
    return None


# GB 11643-1999 公民身份号码: 17 digits + ISO 7064 MOD 11-2 check character.
ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]


def id_number_problem(number: str) -> str | None:
    """Why `number` is not a valid 18-digit citizen ID number, or None."""
    if not isinstance(number, str):
        return bilingual("身份证号码应为文本", "an ID number is text")
    text = number.strip().upper()
    if len(text) != 18 or not text[:17].isdigit() or text[17] not in "0123456789X":
        return bilingual("公民身份号码应为 18 位（17 位数字加校验码）", "a citizen ID number has 18 characters")
    total = sum(int(c) * w for c, w in zip(text[:17], ID_WEIGHTS))
    expected = "10X98765432"[total % 11]
    if text[17] != expected:
        return bilingual(f"公民身份号码校验码错误（应为 {expected}）", f"wrong check character in the ID number (expected {expected})")
    return None


def make_id_number(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS))
    return first17 + "10X98765432"[total % 11]


def make_organisation_code(body8: str) -> str:
    total = sum(int(c, 36) * w for c, w in zip(body8.upper(), ORG_CODE_WEIGHTS))
    expected = 11 - total % 11
    return f"{body8.upper()}-{'X' if expected == 10 else '0' if expected == 11 else expected}"

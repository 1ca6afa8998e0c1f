"""``NHS_NUMBER``: ten digits (3-3-4 spaced, dashed or unspaced) whose last is a Modulus 11 check digit.

A ten-digit number is only treated as an NHS number when its check digit is right, so order
numbers, references and mistyped numbers that merely look like one are left alone.
"""

from __future__ import annotations

import re

from insightkit.errors import ParameterError
from insightkit.redact.recognizers.base import PatternRecognizer

__all__ = ["NhsNumberRecognizer", "nhs_check_digit", "is_valid_nhs_number", "normalise_nhs_number"]

_NON_DIGIT = re.compile(r"[\s-]")


def nhs_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when the number cannot be valid (remainder 10).

    Weights 10..2 multiply digits 1..9; the check digit is 11 minus the sum modulo 11, with 11
    written as 0 and 10 meaning no valid NHS number starts with these nine digits.
    """
    if len(first_nine) != 9 or not first_nine.isdigit():
        raise ParameterError(f"expected nine digits, got {first_nine!r}")
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise_nhs_number(value: str) -> str | None:
    """The ten digits of ``value`` with spaces and hyphens removed, or None if not ten digits."""
    digits = _NON_DIGIT.sub("", str(value))
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return None
    return digits


def is_valid_nhs_number(value: str) -> bool:
    """True when ``value`` is ten digits (spaces/hyphens allowed) with a correct check digit."""
    digits = normalise_nhs_number(value)
    if digits is None:
        return False
    check = nhs_check_digit(digits[:9])
    return check is not None and check == int(digits[9])


class NhsNumberRecognizer(PatternRecognizer):
    type = "NHS_NUMBER"
    method = "regex_mod11"
    pattern = re.compile(r"(?<![\w+/.-])(?<!\+44 )(?:\d{3}[ -]?\d{3}[ -]?\d{4}|\d{3}[ -]\d{7}|\d{6}[ -]\d{4})"
                         r"(?![\w/-]|\.\d)")

    def validate(self, value: str) -> bool:
        return is_valid_nhs_number(value)

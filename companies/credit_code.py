"""The unified social credit code (统一社会信用代码, GB 32100-2015).

Eighteen characters from ``0-9`` and the capital letters without I, O, Z, S and V; the last one is a
check character. ``python-stdnum`` computes the check character; the messages here tell a window
clerk exactly what is wrong with a code someone read out or typed.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LENGTH = 18


def normalize_credit_code(value: str) -> str:
    """Upper-case and drop spaces and dashes, as people write codes in groups."""
    return uscc.compact(value or "")


def validate_credit_code(value: str) -> None:
    code = normalize_credit_code(value)
    if len(code) != LENGTH:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(count)d."),
            code="length",
            params={"count": len(code)},
        )
    forbidden = sorted({char for char in code if char not in ALPHABET})
    if forbidden:
        raise ValidationError(
            _(
                "A unified social credit code never contains %(chars)s "
                "(the letters I, O, Z, S and V are not used)."
            ),
            code="alphabet",
            params={"chars": ", ".join(forbidden)},
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("Characters 3 to 8 of a unified social credit code are the region code and must be digits."),
            code="region",
        )
    expected = uscc.calc_check_digit(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _(
                "The check character does not match: at least one of the 18 characters is mistyped — any of "
                "them, not only the last. Compare the code with the business licence character by character."
            ),
            code="checksum",
        )


def with_check_character(first17: str) -> str:
    """Complete 17 characters into a valid code (used for test and demo data)."""
    return first17 + uscc.calc_check_digit(first17)


def region_code(code: str) -> str:
    """The six-digit administrative region code inside a valid credit code."""
    return normalize_credit_code(code)[2:8]

"""Chinese vehicle plates: 浙B12345, trailers 浙B1234挂, training cars 浙B1234学, new-energy 浙BD12345."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, no O
_BODY = f"[{_LETTERS}0-9]"
_ORDINARY = re.compile(rf"^[{PROVINCES}][{_LETTERS}]{_BODY}{{5}}$")
_TRAILER = re.compile(rf"^[{PROVINCES}][{_LETTERS}]{_BODY}{{4}}[挂学]$")  # trailers and training cars
_NEW_ENERGY = re.compile(rf"^[{PROVINCES}][{_LETTERS}]([DF]{_BODY}{{5}}|{_BODY}{{5}}[DF])$")


def normalize_plate(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "").replace("·", "").replace("-", "")


def validate_plate(value: str) -> None:
    plate = normalize_plate(value)
    if not (_ORDINARY.match(plate) or _TRAILER.match(plate) or _NEW_ENERGY.match(plate)):
        raise ValidationError(
            _(
                "Enter a plate such as 浙B12345, a trailer plate such as 浙B1234挂 or a new-energy plate "
                "such as 浙BD12345; the letters I and O are not used."
            ),
            code="plate",
        )

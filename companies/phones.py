"""Chinese telephone numbers: mobiles of contacts and butlers, landlines of the window."""

import functools

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
_ANY_TYPES = _MOBILE_TYPES | {phonenumbers.PhoneNumberType.FIXED_LINE}


def _parse(value: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(value or "", "CN")
    except phonenumbers.NumberParseException:
        return None


def normalize_mobile(value: str) -> str:
    """``+86 138-0574-1234`` becomes ``13805741234``; what does not parse comes back unchanged."""
    number = _parse(value)
    if number is None or number.country_code != 86:
        return (value or "").strip()
    return str(number.national_number)


def validate_mobile(value: str) -> None:
    number = _parse(value)
    national = str(number.national_number) if number else ""
    if (
        number is None
        or number.country_code != 86
        or len(national) != 11
        or not national.startswith("1")
        or national[1] not in "3456789"
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in _MOBILE_TYPES
    ):
        raise ValidationError(
            _("Enter a mainland China mobile number of 11 digits starting with 1, e.g. 13805741234."),
            code="mobile",
        )


def normalize_phone(value: str) -> str:
    """Landlines keep their area code with a dash (``0574-86881234``); mobiles become 11 digits."""
    number = _parse(value)
    if number is None or number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return (value or "").strip()
    if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.FIXED_LINE:
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        area, _space, rest = national.partition(" ")
        return f"{area}-{rest.replace(' ', '')}"
    return str(number.national_number)


def validate_phone(value: str) -> None:
    number = _parse(value)
    if (
        number is None
        or number.country_code != 86
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in _ANY_TYPES
    ):
        raise ValidationError(
            _("Enter a landline with its area code (e.g. 0574-86881234) or an 11-digit mobile number."),
            code="phone",
        )


@functools.lru_cache(maxsize=4096)
def tel_uri(value: str) -> str:
    """A ``tel:`` link for one-tap calls from a phone (a portfolio of 300 rows asks for the same few window
    numbers again and again: parsing is kept)."""
    number = _parse(value)
    if number is None or not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.RFC3966)

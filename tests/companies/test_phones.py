import pytest
from django.core.exceptions import ValidationError

from companies.phones import normalize_mobile, normalize_phone, tel_uri, validate_mobile, validate_phone


@pytest.mark.parametrize("value", ["13805741234", "19912345678", "+86 138 0574 1234", "15068851234"])
def test_valid_mobiles_pass(value):
    validate_mobile(value)


@pytest.mark.parametrize(
    "value", ["12345678901", "1380574123", "138057412345", "0574-86881234", "abc", "", "+1 415 555 0100"]
)
def test_invalid_mobiles_fail_with_an_example(value):
    with pytest.raises(ValidationError) as caught:
        validate_mobile(value)
    assert "11" in caught.value.messages[0]


def test_mobile_is_stored_as_eleven_digits():
    assert normalize_mobile("+86 138-0574-1234") == "13805741234"


def test_landline_keeps_its_area_code():
    validate_phone("0574-86881234")
    assert normalize_phone("057486881234") == "0574-86881234"


def test_invalid_phone_fails():
    with pytest.raises(ValidationError):
        validate_phone("12345")


def test_tel_uri_for_one_tap_calls():
    assert tel_uri("0574-86881234") == "tel:+86-574-8688-1234"
    assert tel_uri("nonsense") == ""

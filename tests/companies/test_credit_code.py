import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import uscc

from companies.credit_code import normalize_credit_code, validate_credit_code
from tests.factories import credit_code


@pytest.mark.parametrize("code", ["91110000600037341L", "91330206MA2H7K3P2Y", "9133 0206 MA2H 7K3P 2Y"])
def test_valid_codes_pass(code):
    validate_credit_code(code)


def _message(code: str) -> str:
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(code)
    return caught.value.messages[0]


def test_a_wrong_check_character_sends_the_reader_over_every_character_not_only_the_last():
    """A mistyped middle character changes the check character too: the message must not suggest changing
    the last one (…2X → …2Y would "fix" a code whose real error is elsewhere)."""
    message = _message("91330206MA2H7K3P2X")
    assert message == "校验位不符：18 位中至少有一位输错，不一定是末位。请对照营业执照逐位核对。"
    assert "Y" not in message


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_forbidden_letter_is_named(letter):
    message = _message(f"91330206MA2H7K3{letter}2Y")
    assert letter in message
    assert "18" not in message  # not mistaken for a length problem


@pytest.mark.parametrize("code", ["91330206MA2H7K3P2", "91330206MA2H7K3P2YY", ""])
def test_wrong_length_says_how_long(code):
    message = _message(code)
    assert "18" in message and str(len(code)) in message


def test_region_code_must_be_digits():
    assert "3" in _message("91A30206MA2H7K3P2Y")


def test_lower_case_and_spaces_are_normalised():
    assert normalize_credit_code(" 91330206ma2h7k3p2y ") == "91330206MA2H7K3P2Y"


def test_messages_come_in_chinese_by_default():
    from django.utils import translation

    with translation.override("zh-hans"):
        message = _message("91330206MA2H7K3P2X")
    assert "校验" in message


@pytest.mark.parametrize("n", [0, 1, 30, 31, 999, 123_456, 27_512_614])
def test_generated_codes_agree_with_python_stdnum(n):
    code = credit_code(n)
    validate_credit_code(code)
    assert uscc.is_valid(code)

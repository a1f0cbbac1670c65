"""Properties of the validators, checked on many generated inputs rather than a few chosen ones.

Credit codes, mobile numbers, plates, working days and the date bounds of lists and reports: what is valid is
accepted however people type it, what is wrong is refused with a ValidationError (never another exception),
normalising twice changes nothing, and working-day arithmetic agrees with itself and with the calendar.
The examples are derived from a fixed seed, so a run in CI tries exactly what a run here tried.
"""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from butler.fields import RangeDateField
from companies.credit_code import (
    ALPHABET,
    LENGTH,
    normalize_credit_code,
    validate_credit_code,
    with_check_character,
)
from companies.models import CalendarDay
from companies.phones import normalize_mobile, normalize_phone, validate_mobile, validate_phone
from companies.plates import PROVINCES, normalize_plate, validate_plate
from companies.workdays import Calendar, add_working_days, is_working_day, working_days_between

PROPERTIES = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,  # the same examples on every run and every machine
    database=None,  # nothing to replay: a failure prints its example
    suppress_health_check=[HealthCheck.too_slow],
)


def refused_cleanly(check, value) -> bool:
    """Whether ``check(value)`` refuses; any exception other than a ValidationError fails the test."""
    try:
        check(value)
    except ValidationError:
        return True
    return False


# --- unified social credit codes ------------------------------------------------------------------------

allowed = st.sampled_from(ALPHABET)
digits = st.sampled_from("0123456789")


@st.composite
def credit_codes(draw) -> str:
    """Valid codes: two characters, a six-digit region, nine characters, and the computed check character."""
    head = draw(st.text(allowed, min_size=2, max_size=2))
    region = draw(st.text(digits, min_size=6, max_size=6))
    body = draw(st.text(allowed, min_size=9, max_size=9))
    return with_check_character(head + region + body)


@PROPERTIES
@given(credit_codes())
def test_every_code_with_its_check_character_is_valid(code):
    assert len(code) == LENGTH
    validate_credit_code(code)


@PROPERTIES
@given(credit_codes(), st.integers(0, LENGTH - 1), allowed)
def test_changing_any_one_character_of_a_valid_code_is_refused(code, position, replacement):
    assume(code[position] != replacement)
    changed = code[:position] + replacement + code[position + 1 :]
    assert refused_cleanly(validate_credit_code, changed)


@PROPERTIES
@given(credit_codes(), st.lists(st.sampled_from([" ", "-", "  "]), min_size=0, max_size=4))
def test_lowercase_spaced_and_dashed_codes_are_the_same_code(code, separators):
    """People read codes out in groups and type them in lowercase: the code is still valid and normalises
    to its upper-case 18 characters."""
    typed = code.lower()
    for index, separator in enumerate(separators):
        cut = (index + 1) * 4
        typed = typed[:cut] + separator + typed[cut:]
    typed = f"  {typed}  "
    validate_credit_code(typed)
    assert normalize_credit_code(typed) == code


@PROPERTIES
@given(st.text(max_size=40))
@example("\x00" * 18)
@example("٣" * 18)  # digits of another script: not the code's digits
@example("ﬀ" * 9)  # a ligature that upper-cases to two letters
def test_arbitrary_text_is_refused_with_a_message_or_accepted_never_an_error(text):
    if not refused_cleanly(validate_credit_code, text):
        code = normalize_credit_code(text)
        assert len(code) == LENGTH and set(code) <= set(ALPHABET)
        assert with_check_character(code[:17]) == code


@PROPERTIES
@given(st.text(max_size=40))
def test_normalising_a_code_twice_changes_nothing(text):
    once = normalize_credit_code(text)
    assert normalize_credit_code(once) == once


# --- mobile numbers ---------------------------------------------------------------------------------------

# The number segments allocated to mobile voice service in mainland China (data-only and satellite segments
# such as 140–144, 146, 148, 149 and 174, and unallocated ones such as 154 and 160, are not among them).
VOICE_SEGMENTS = [
    *range(130, 140),
    145,
    147,
    *range(150, 154),
    *range(155, 160),
    162,
    165,
    166,
    167,
    *range(170, 174),
    *range(175, 179),
    *range(180, 190),
    190,
    191,
    192,
    193,
    *range(195, 200),
]


@st.composite
def mobiles(draw) -> str:
    segment = draw(st.sampled_from(VOICE_SEGMENTS))
    return f"{segment}{draw(st.integers(0, 99_999_999)):08d}"


@st.composite
def as_typed(draw, number: str) -> str:
    """A mobile as people write it: with or without +86 / 0086, grouped by spaces or dashes."""
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "0086 ", "86 "]))
    separator = draw(st.sampled_from(["", " ", "-"]))
    grouped = separator.join([number[:3], number[3:7], number[7:]])
    return f"{draw(st.sampled_from(['', ' ']))}{prefix}{grouped}"


@PROPERTIES
@given(st.data())
def test_mainland_mobiles_are_accepted_however_typed(data):
    number = data.draw(mobiles())
    typed = data.draw(as_typed(number))
    validate_mobile(typed)
    assert normalize_mobile(typed) == number


@PROPERTIES
@given(st.text(max_size=40))
@example("\x00")
@example("+86")
@example("+86 " + "1" * 200)
@example("１３８０５７４１２３４")  # full-width digits, as a Chinese input method types them
def test_arbitrary_text_never_crashes_the_phone_checks(text):
    refused_cleanly(validate_mobile, text)
    refused_cleanly(validate_phone, text)
    assert normalize_mobile(normalize_mobile(text)) == normalize_mobile(text)
    assert normalize_phone(normalize_phone(text)) == normalize_phone(text)


@PROPERTIES
@given(st.text(max_size=40))
def test_an_accepted_mobile_normalises_to_eleven_digits_that_are_accepted_again(text):
    if not refused_cleanly(validate_mobile, text):
        number = normalize_mobile(text)
        assert len(number) == 11 and number.isdigit() and number[:2] in {f"1{d}" for d in "3456789"}
        validate_mobile(number)


# --- vehicle plates ---------------------------------------------------------------------------------------

PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
plate_body = st.sampled_from(PLATE_LETTERS + "0123456789")


@st.composite
def plates(draw) -> str:
    start = draw(st.sampled_from(PROVINCES)) + draw(st.sampled_from(PLATE_LETTERS))
    kind = draw(st.sampled_from(["ordinary", "trailer", "new_energy_front", "new_energy_back"]))
    body = draw(st.text(plate_body, min_size=4, max_size=4))
    if kind == "ordinary":
        return start + body + draw(plate_body)
    if kind == "trailer":
        return start + body + draw(st.sampled_from("挂学"))
    energy = draw(st.sampled_from("DF"))
    fifth = draw(plate_body)
    return start + energy + body + fifth if kind == "new_energy_front" else start + body + fifth + energy


@PROPERTIES
@given(plates(), st.sampled_from(["", " ", "·", "-"]), st.booleans())
def test_plates_are_accepted_with_a_dot_space_or_dash_and_in_lowercase(plate, separator, lower):
    typed = plate[:2] + separator + plate[2:]
    typed = typed.lower() if lower else typed
    validate_plate(typed)
    assert normalize_plate(typed) == plate


@PROPERTIES
@given(plates(), st.sampled_from("IO"), st.integers(2, 6))
def test_the_letters_i_and_o_are_never_in_a_plate(plate, letter, position):
    assert refused_cleanly(validate_plate, plate[:position] + letter + plate[position + 1 :])


@PROPERTIES
@given(st.text(max_size=20))
@example("浙B12345\n")
@example("浙B1234\x00")
def test_arbitrary_text_is_a_plate_or_refused_never_an_error(text):
    normalised = normalize_plate(text)
    assert normalize_plate(normalised) == normalised
    if not refused_cleanly(validate_plate, text):
        assert normalised[0] in PROVINCES and len(normalised) in (7, 8)


# --- working days -----------------------------------------------------------------------------------------

starts = st.dates(min_value=date(2001, 1, 1), max_value=date(2045, 12, 31))
limits = st.integers(min_value=0, max_value=400)


@pytest.mark.django_db
@PROPERTIES
@given(starts, limits)
def test_adding_working_days_then_counting_them_gives_the_same_number(start, days):
    due = add_working_days(start, days)
    assert is_working_day(due), "a deadline never falls on a weekend or a holiday"
    assert due >= start
    if days > 0 or is_working_day(start):
        assert working_days_between(start, due) == days
    else:
        assert working_days_between(start, due) == 1  # day 0 from a day off is the next working day


@pytest.mark.django_db
@PROPERTIES
@given(
    starts,
    limits,
    st.lists(
        st.tuples(st.integers(0, 500), st.sampled_from(CalendarDay.Kind.values)),
        max_size=12,
        unique_by=lambda o: o[0],
    ),
)
def test_corrections_of_the_calendar_are_honoured_by_every_count(start, days, corrections):
    """With the administrator's corrections on top of the package, the result is a working day by the
    corrected calendar, and counting back still gives the number of days."""
    with transaction.atomic():
        for offset, kind in corrections:
            CalendarDay.objects.create(date=start + timedelta(days=offset), kind=kind, note="hypothesis")
        calendar = Calendar.for_dates(start, start + timedelta(days=days * 2 + 60))
        due = calendar.add(start, days)
        assert calendar.is_working_day(due)
        assert add_working_days(start, days) == due
        if days > 0:
            assert calendar.count(start, due) == days
            assert calendar.count(start, due - timedelta(days=1)) == days - 1, "the first day that reaches it"
        transaction.set_rollback(True)


# --- the date bounds of lists and reports -----------------------------------------------------------------


@PROPERTIES
@given(st.dates())
def test_a_range_date_is_accepted_exactly_between_2000_and_2099(day):
    field = RangeDateField(required=False)
    inside = RangeDateField.FIRST <= day <= RangeDateField.LAST
    for value in (day, day.isoformat()):
        if inside:
            assert field.clean(value) == day
            assert field.clean(value) + timedelta(days=1) > day  # the end of a range plus a day is a date
        else:
            with pytest.raises(ValidationError) as refused:
                field.clean(value)
            assert refused.value.code == "out_of_range"


@PROPERTIES
@given(st.text(max_size=30))
@example("2026-02-30")
@example("9999-99-99")
@example("0000-01-01")
@example("99999-01-01")
@example("2026-01-01\x00")
@example("1" * 10_000)
def test_arbitrary_text_in_a_range_date_is_a_date_in_range_or_refused(text):
    field = RangeDateField(required=False)
    try:
        value = field.clean(text)
    except ValidationError:
        return
    assert value is None or RangeDateField.FIRST <= value <= RangeDateField.LAST

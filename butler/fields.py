"""Form fields and widgets shared by the rooms: credit codes, mobiles, dates, id choices, quick selects."""

import logging
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from companies.credit_code import normalize_credit_code, validate_credit_code
from companies.phones import normalize_mobile, validate_mobile

security_log = logging.getLogger("butler.security")


# The largest key a row can have (64 bits): a larger id names nothing, and SQLite cannot even bind it.
MAX_ID = 2**63 - 1


def ids_from(values) -> list[int]:
    """The ids in ``values`` (``?cases=1,2`` or ``?cases=1&cases=2``); text, other scripts' digits and
    numbers no row can have are left out."""
    parts = (part.strip() for value in values for part in value.split(","))
    return [int(part) for part in parts if part.isascii() and part.isdigit() and int(part) <= MAX_ID]


class IdChoicesField(forms.ModelMultipleChoiceField):
    """Choices by id that refuses an id no row can have as an invalid choice, before asking the database."""

    def _check_values(self, value):
        for pk in value:
            text = str(pk).strip()
            if text.isascii() and text.isdigit() and int(text) > MAX_ID:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super()._check_values(value)


class CreditCodeField(forms.CharField):
    default_validators = [validate_credit_code]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("label", _("Unified social credit code"))
        super().__init__(**kwargs)

    def to_python(self, value):
        return normalize_credit_code(super().to_python(value))


class MobileField(forms.CharField):
    default_validators = [validate_mobile]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("label", _("Mobile"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def to_python(self, value):
        return normalize_mobile(super().to_python(value))


class RangeDateField(forms.DateField):
    """A date that bounds a list or a report: within 2000–2099, so that a range's end plus a day is a date."""

    FIRST, LAST = date(2000, 1, 1), date(2099, 12, 31)

    def validate(self, value):
        super().validate(value)
        if value is not None and not self.FIRST <= value <= self.LAST:
            raise forms.ValidationError(_("Choose a date between 2000 and 2099."), code="out_of_range")


SELECTED = mark_safe(" selected")  # noqa: S308 - a constant attribute, no user text


class QuickSelect(forms.Select):
    """A select whose options are written in Python instead of one included template each: a list of
    hundreds of butlers renders in about a millisecond instead of a fifth of a second."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (
                    "" if option["value"] is None else option["value"],
                    SELECTED if option["selected"] else "",
                    option["label"],
                )
                for _group, group_options, _index in widget["optgroups"]
                for option in group_options
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), options
        )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal on the form: on the field it names when the form has it, else above."""
    if hasattr(error, "error_dict"):
        for field_name, errors in error.error_dict.items():
            form.add_error(field_name if field_name in form.fields else None, errors)
    else:
        form.add_error(None, error)

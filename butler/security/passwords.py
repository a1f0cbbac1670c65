"""Password rules with their messages in the product's catalogue.

Django 5.2 reworded the minimum-length message and its Simplified Chinese catalogue has not caught up, so a
company contact setting a password was told "This password is too short" in English. The rule is Django's;
only the message is the product's own, so that it is translated with the rest.
"""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """At least ``min_length`` characters (8 by default), said in the user's language."""

    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short: use at least %(count)d character.",
            "This password is too short: use at least %(count)d characters.",
            self.min_length,
        ) % {"count": self.min_length}

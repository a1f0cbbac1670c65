"""The sign-in form."""

from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    """Django's sign-in form; company contacts may type their mobile number instead of a username."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username or mobile number")
        self.fields["username"].widget.attrs["autofocus"] = True
        # Django sets the field's length after building it, so only the browser held to it: what is longer
        # than any username is refused here, before the sign-in (and the lockout's record of it) is tried.
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))

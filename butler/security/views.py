"""Account pages of our own around Django's: the password reset, held to the abuse limits."""

from django.contrib.auth import views as auth_views

from butler.security import limits


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, limited per e-mail address typed and per client address.

    Over a limit the form comes back with the address still in it, the reason on top and status 429,
    and no e-mail is sent.
    """

    def form_valid(self, form):
        refusal = limits.password_reset_attempt(self.request, email=form.cleaned_data["email"])
        if refusal is None:
            return super().form_valid(form)
        form.add_error(None, refusal.message)
        return limits.refused(self.form_invalid(form), refusal)

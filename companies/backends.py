"""Sign-in with a mobile number: a company contact may type the mobile the window has on record."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from companies.phones import normalize_mobile


class ContactMobileBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        mobile = normalize_mobile(username or "")
        if len(mobile) != 11 or not mobile.isdigit() or password is None:
            return None
        users = get_user_model().objects.filter(contact__mobile=mobile, is_active=True)
        for user in users[:5]:
            if user.check_password(password) and self.user_can_authenticate(user):
                return user
        return None

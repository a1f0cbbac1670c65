from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ButlerConfig(AppConfig):
    name = "butler"
    verbose_name = _("Butler service")

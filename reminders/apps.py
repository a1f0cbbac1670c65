from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("Reminders")

    def ready(self):
        checks.register(public_address_check, checks.Tags.compatibility, deploy=True)


def public_address_check(app_configs=None, **kwargs):
    """In production the e-mails and texts carry a link to the product: its public address must be known."""
    if getattr(settings, "BUTLER_PUBLIC_URL", ""):
        return []
    return [
        checks.Warning(
            "BUTLER_PUBLIC_URL is not set: e-mails and text messages go out without a link.",
            hint="Set it to the address people reach the product at, e.g. https://butler.example.gov.cn.",
            id="reminders.W001",
        )
    ]

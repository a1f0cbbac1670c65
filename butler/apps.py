from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ButlerConfig(AppConfig):
    name = "butler"
    verbose_name = _("Butler service")

    def ready(self) -> None:
        from butler.feedback.reminding import CaseHandler, RatingInvitationHandler
        from butler.messaging import MessageHandler
        from butler.reminding import ContactHandler, LicenceHandler, PeriodHandler
        from reminders.registry import register

        register("licence", LicenceHandler())
        register("period", PeriodHandler())
        register("message", MessageHandler())
        register("contact", ContactHandler())
        register("rate-licence", RatingInvitationHandler())
        register("rate-period", RatingInvitationHandler())
        register("case", CaseHandler())

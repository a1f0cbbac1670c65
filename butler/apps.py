from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ButlerConfig(AppConfig):
    name = "butler"
    verbose_name = _("Butler service")

    def ready(self) -> None:
        from butler.feedback.reminding import CaseHandler, RatingInvitationHandler
        from butler.messaging.services import MessageHandler
        from butler.service.reminding import ContactHandler, LicenceHandler, PeriodHandler
        from reminders.registry import register

        register("licence", LicenceHandler())
        register("period", PeriodHandler())
        register("message", MessageHandler())
        register("contact", ContactHandler())
        register("rate-licence", RatingInvitationHandler())
        register("rate-period", RatingInvitationHandler())
        register("case", CaseHandler())

        # Sign-in protection: request ids in every log record, the access trail, Celery tasks' ids.
        from celery.signals import task_postrun, task_prerun

        from butler.security import audit, request_context

        request_context.install_record_factory()
        audit.connect()
        task_prerun.connect(request_context.task_started, dispatch_uid="butler.security.task_started")
        task_postrun.connect(request_context.task_finished, dispatch_uid="butler.security.task_finished")

from celery.signals import task_postrun, task_prerun
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from butler.security import request_context
from reminders.registry import register


class ButlerConfig(AppConfig):
    name = "butler"
    verbose_name = _("Butler service")

    def ready(self) -> None:
        # Imported here, not at the top: they import models, which Django loads only after this module.
        from butler.contactlog import reminding as contactlog
        from butler.contactlog.reminding import ContactHandler, PeriodHandler
        from butler.feedback import reminding as feedback
        from butler.feedback.reminding import CaseHandler, RatingInvitationHandler
        from butler.fleet import reminding as fleet
        from butler.fleet.reminding import ObligationHandler
        from butler.licences import reminding as licences
        from butler.licences.reminding import LicenceHandler
        from butler.messaging.services import MessageHandler
        from butler.service.planning import planner_register

        register("licence", LicenceHandler())
        register("period", PeriodHandler())
        register("message", MessageHandler())
        register("contact", ContactHandler())
        register("rate-licence", RatingInvitationHandler())
        register("rate-period", RatingInvitationHandler())
        register("case", CaseHandler())
        register("obligation", ObligationHandler())
        # What each room plans for a company when its whole plan is made again (butler/service/planning.py).
        for room in (licences, fleet, contactlog, feedback):
            planner_register(room.planner)

        # Sign-in protection: request ids in every log record, the access trail, Celery tasks' ids.
        # Imported here, not at the top: the access trail imports django-axes' models (its signals).
        from butler.security import audit

        request_context.install_record_factory()
        audit.connect()
        task_prerun.connect(request_context.task_started, dispatch_uid="butler.security.task_started")
        task_postrun.connect(request_context.task_finished, dispatch_uid="butler.security.task_finished")

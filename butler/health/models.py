"""When a Celery worker last completed a task: one row, written by the worker's heartbeat task and read by
``/healthz``.

It lives in the database, not the cache: the cache is per process without Redis (the worker's would not be the
web server's), and the row survives every restart of the web processes, the workers and Redis. It has no
history: it changes every minute and records nobody's action.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TaskHeartbeat(models.Model):
    """The one row (``id`` 1) with the time the heartbeat task last completed on a worker."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    completed_at = models.DateTimeField(_("completed at"))

    class Meta:
        verbose_name = _("task heartbeat")
        verbose_name_plural = _("task heartbeats")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="task_heartbeat_one_row")]

    def __str__(self) -> str:
        return self.completed_at.isoformat()

"""The dashboard's daily figures: counts over the largest tables (licences and reminders) for each past day,
for the whole window, so that the dashboard adds a few hundred rows instead of aggregating millions.

A row is derived data: recomputed from the licences and reminders by ``butler.oversight.days`` (hourly, the
last weeks again each time; the whole history on demand). It records nobody's action, so it keeps no history
of its own; the records it counts do.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The counted figures, each a column of its own.
FIGURES = (
    "licences_obtained",
    "licences_on_time",
    "licences_late",
    "licences_lapsed",
    "matters",
    "trips",
    "zero_trip",
    "by_proxy",
    "refused",
    "reminders_sent",
    "reminders_late",
    "reminders_failed",
)


class DashboardDay(models.Model):
    """One local (Beijing) day's licence and reminder counts, as the dashboard defines them: for the whole
    window (no business type), and for the companies of each business type (the dashboard's filter)."""

    day = models.DateField(_("day"))
    business_type = models.ForeignKey(
        "companies.BusinessType",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("business type"),
    )
    licences_obtained = models.PositiveIntegerField(_("licences obtained"), default=0)
    licences_on_time = models.PositiveIntegerField(_("obtained on time"), default=0)
    licences_late = models.PositiveIntegerField(_("obtained late"), default=0)
    licences_lapsed = models.PositiveIntegerField(_("licences lapsed"), default=0)
    matters = models.PositiveIntegerField(_("matters"), default=0)
    trips = models.PositiveIntegerField(_("trips"), default=0)
    zero_trip = models.PositiveIntegerField(_("zero-trip matters"), default=0)
    by_proxy = models.PositiveIntegerField(_("matters filed by the butler"), default=0)
    refused = models.PositiveIntegerField(_("applications refused"), default=0)
    reminders_sent = models.PositiveIntegerField(_("reminders sent"), default=0)
    reminders_late = models.PositiveIntegerField(_("reminders sent late"), default=0)
    reminders_failed = models.PositiveIntegerField(_("reminders failed"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("dashboard day")
        verbose_name_plural = _("dashboard days")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(
                fields=["day"],
                condition=models.Q(business_type__isnull=True),
                name="dashboard_day_whole_window",
            ),
            models.UniqueConstraint(fields=["day", "business_type"], name="dashboard_day_per_business_type"),
        ]

    def __str__(self) -> str:
        return self.day.isoformat()

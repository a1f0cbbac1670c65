"""A contact with a company, as the butler records it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from butler.service.models import ServicePeriod
from companies.models import Company


class ContactRecord(models.Model):
    """One consultation or contact with a company (件件有记录), and the return visit it may call for."""

    class Channel(models.TextChoices):
        VISIT = "visit", _("Visit to the window")
        PHONE = "phone", _("Phone")
        WECHAT = "wechat", _("WeChat")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")
        PORTAL = "portal", _("Portal message")
        ON_SITE = "on_site", _("Visit to the company")

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="contact_records", verbose_name=_("company")
    )
    period = models.ForeignKey(
        ServicePeriod,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_records",
        verbose_name=_("service period"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    participants = models.CharField(
        _("who took part"), max_length=200, blank=True, help_text=_("E.g. the manager 郑宇航 and a driver.")
    )
    summary = models.TextField(_("summary"), max_length=4000)
    licence = models.ForeignKey(
        "companies.CompanyLicence",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact_records",
        verbose_name=_("licence it concerns"),
    )
    important = models.BooleanField(_("important"), default=False)
    return_visit_due = models.DateField(_("return visit due"), null=True, blank=True)
    return_visit_done_at = models.DateTimeField(_("return visit made"), null=True, blank=True)
    return_visit_outcome = models.TextField(_("outcome of the return visit"), blank=True, max_length=4000)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("contact record")
        verbose_name_plural = _("contact records")
        indexes = [
            models.Index(fields=["company", "occurred_at"], name="contact_company_when"),
            models.Index(
                fields=["return_visit_due"],
                condition=Q(return_visit_due__isnull=False, return_visit_done_at__isnull=True),
                name="contact_return_visit_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} {self.get_channel_display()} {self.occurred_at:%Y-%m-%d}"

    @property
    def return_visit_open(self) -> bool:
        return self.return_visit_due is not None and self.return_visit_done_at is None

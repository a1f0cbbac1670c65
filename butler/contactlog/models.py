"""A contact with a company, or a consultation from someone whose company is not registered yet, as the
window records it; a 12345 hotline work order is one too, its reply deadline the return visit's."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from butler.service.models import ServicePeriod
from companies.credit_code import validate_credit_code
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

    class Source(models.TextChoices):
        WINDOW = "window", _("Recorded by the window")
        HOTLINE = "hotline", _("12345 hotline work order")

    company = models.ForeignKey(
        Company,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_records",
        verbose_name=_("company"),
        help_text=_("Empty for someone whose company is not registered yet; linked when it registers."),
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.WINDOW)
    work_order = models.CharField(_("work order number"), max_length=40, blank=True)
    enquirer_name = models.CharField(_("enquirer"), max_length=60, blank=True)
    enquirer_phone = models.CharField(_("enquirer's phone"), max_length=20, blank=True)
    enquirer_company = models.CharField(_("company named by the enquirer"), max_length=120, blank=True)
    enquirer_credit_code = models.CharField(
        _("credit code named by the enquirer"), max_length=18, blank=True, validators=[validate_credit_code]
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
    channel = models.CharField(pgettext_lazy("contact", "channel"), max_length=10, choices=Channel.choices)
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
        constraints = [
            models.UniqueConstraint(
                fields=["work_order"], condition=~Q(work_order=""), name="contact_work_order_unique"
            ),
            models.CheckConstraint(
                condition=Q(company__isnull=False) | ~Q(enquirer_name="") | ~Q(enquirer_phone=""),
                name="contact_has_someone",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "occurred_at"], name="contact_company_when"),
            models.Index(fields=["occurred_at"], name="contact_when"),
            models.Index(
                fields=["enquirer_credit_code"],
                condition=Q(company__isnull=True),
                name="contact_enquiry_unlinked",
            ),
            models.Index(
                fields=["return_visit_due"],
                condition=Q(return_visit_due__isnull=False, return_visit_done_at__isnull=True),
                name="contact_return_visit_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.who} {self.get_channel_display()} {self.occurred_at:%Y-%m-%d}"

    @property
    def who(self) -> str:
        """The company, or for a consultation without one the enquirer and the company they named."""
        if self.company_id:
            return str(self.company)
        return " · ".join(filter(None, [self.enquirer_name, self.enquirer_company])) or self.enquirer_phone

    @property
    def return_visit_open(self) -> bool:
        return self.return_visit_due is not None and self.return_visit_done_at is None

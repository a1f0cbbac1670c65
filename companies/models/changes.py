"""Changes of a licence held (变更): the company's name, address or legal representative changed at the
market regulator, or its business scope is to change, and the certificate must follow."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from companies.models.catalogue import BusinessScope
from companies.models.licences import Application, CompanyLicence


class ChangeItem(models.TextChoices):
    NAME = "name", _("Company name")
    ADDRESS = "address", _("Address")
    LEGAL_REPRESENTATIVE = "legal_rep", _("Legal representative")
    SCOPE = "scope", _("Business scope")


class ChangeStatus(models.TextChoices):
    TO_FILE = "to_file", _("To be applied for")
    FILED = "filed", _("Applied for")
    DONE = "done", _("Certificate changed")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Not needed")


class LicenceChange(models.Model):
    """One item of a held licence to change, from the day it became known to the changed certificate."""

    licence = models.ForeignKey(
        CompanyLicence, on_delete=models.CASCADE, related_name="changes", verbose_name=_("licence")
    )
    application = models.ForeignKey(
        Application,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("application"),
    )
    item = models.CharField(_("what changes"), max_length=10, choices=ChangeItem.choices)
    before = models.CharField(_("before"), max_length=200, blank=True)
    after = models.CharField(_("after"), max_length=200, blank=True)
    scopes = models.ManyToManyField(
        BusinessScope, verbose_name=_("business scope after the change"), related_name="+", blank=True
    )
    noticed_on = models.DateField(_("changed on"), help_text=_("The day the change took effect."))
    file_by = models.DateField(_("apply by"))
    status = models.CharField(
        _("status"), max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.TO_FILE
    )
    filed_on = models.DateField(_("applied on"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    refusal_reasons = models.TextField(_("reasons for the refusal"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[scopes])

    class Meta:
        ordering = ["file_by", "id"]
        verbose_name = _("licence change")
        verbose_name_plural = _("licence changes")
        indexes = [models.Index(fields=["licence", "status"], name="change_licence_status")]

    def __str__(self) -> str:
        return f"{self.licence} · {self.get_item_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in (ChangeStatus.TO_FILE, ChangeStatus.FILED)

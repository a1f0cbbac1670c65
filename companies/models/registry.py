"""The registry: transport companies, their contacts and their business types."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from companies.credit_code import validate_credit_code
from companies.models.language import BilingualName
from companies.phones import validate_mobile


class District(models.TextChoices):
    """Ningbo's county-level divisions, by their administrative region code."""

    HAISHU = "330203", _("Haishu District")
    JIANGBEI = "330205", _("Jiangbei District")
    BEILUN = "330206", _("Beilun District")
    ZHENHAI = "330211", _("Zhenhai District")
    YINZHOU = "330212", _("Yinzhou District")
    FENGHUA = "330213", _("Fenghua District")
    XIANGSHAN = "330225", _("Xiangshan County")
    NINGHAI = "330226", _("Ninghai County")
    YUYAO = "330281", _("Yuyao City")
    CIXI = "330282", _("Cixi City")


class BusinessType(BilingualName, models.Model):
    """A kind of transport business (road freight, dangerous goods, …); the catalogue keys on it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=80)
    position = models.PositiveSmallIntegerField(_("sort order"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("business type")
        verbose_name_plural = _("business types")

    def __str__(self) -> str:
        return self.name


class CompanyQuerySet(models.QuerySet):
    def search(self, text: str) -> "CompanyQuerySet":
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(Q(name__icontains=text) | Q(credit_code__iexact=text.replace(" ", "")))


class Company(models.Model):
    class Status(models.TextChoices):
        PREPARING = "preparing", _("In preparation")
        OPERATING = "operating", _("Operating")
        SUSPENDED = "suspended", _("Suspended")
        CLOSED = "closed", _("Closed down")
        DEREGISTERED = "deregistered", _("Deregistered")

    name = models.CharField(_("company name"), max_length=120, db_index=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        help_text=_("18 characters, as printed on the business licence."),
    )
    registered_on = models.DateField(_("registration date"))
    district = models.CharField(
        _("district"), max_length=6, choices=District.choices, default=District.BEILUN
    )
    business_types = models.ManyToManyField(
        BusinessType, verbose_name=_("business types"), related_name="companies"
    )
    address = models.CharField(_("address"), max_length=200)
    legal_representative = models.CharField(_("legal representative"), max_length=60)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPERATING)
    status_since = models.DateField(_("in this status since"), null=True, blank=True)
    status_reason = models.CharField(_("why"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[business_types])
    objects = CompanyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.registered_on and self.registered_on > timezone.localdate():
            raise ValidationError({"registered_on": _("The registration date cannot be in the future.")})


class ReminderChoice(models.TextChoices):
    EMAIL = "email", _("By e-mail")
    SMS = "sms", _("By SMS")
    PORTAL = "in_app", _("Only in the portal")


class Contact(models.Model):
    """A person the window talks to at a company; the primary one receives the portal invitation."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("company")
    )
    name = models.CharField(_("name"), max_length=60)
    position = models.CharField(_("position"), max_length=60, blank=True)
    mobile = models.CharField(_("mobile"), max_length=11, validators=[validate_mobile], db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact",
        verbose_name=_("portal account"),
    )
    reminder_channel = models.CharField(
        _("reminders besides statutory deadlines"),
        max_length=8,
        choices=ReminderChoice.choices,
        default=ReminderChoice.SMS,
        help_text=_("Reminders of statutory deadlines always come; for the rest the contact chooses."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_primary", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["company"], condition=Q(is_primary=True), name="one_primary_contact_per_company"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.company})"

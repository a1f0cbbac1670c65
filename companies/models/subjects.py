"""What a per-vehicle, per-person or per-vessel licence is held for."""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from companies.models.registry import Company
from companies.phones import validate_mobile
from companies.plates import validate_plate


class VehicleType(models.TextChoices):
    TRUCK = "truck", _("Truck")
    TRACTOR = "tractor", _("Tractor unit")
    TRAILER = "trailer", _("Trailer")
    TANKER = "tanker", _("Tanker (dangerous goods)")
    VAN = "van", _("Van")
    BUS = "bus", _("Bus or coach")
    TRAINING = "training", _("Training car")


class PersonRole(models.TextChoices):
    DRIVER = "driver", _("Driver")
    ESCORT = "escort", _("Escort")
    LOADER = "loader", _("Loading manager")


class VehicleExit(models.TextChoices):
    TRANSFERRED = "transferred", _("Sold or transferred")
    SCRAPPED = "scrapped", _("Scrapped")


class VehicleQuerySet(models.QuerySet):
    def in_fleet(self):
        return self.filter(retired_on__isnull=True)


class Vehicle(models.Model):
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="vehicles", verbose_name=_("company")
    )
    plate = models.CharField(_("plate"), max_length=10, validators=[validate_plate])
    vehicle_type = models.CharField(_("vehicle type"), max_length=10, choices=VehicleType.choices)
    total_mass_kg = models.PositiveIntegerField(
        _("total mass (kg)"), validators=[MinValueValidator(500)], help_text=_("As on the vehicle licence.")
    )
    registered_on = models.DateField(
        _("first registered on"),
        null=True,
        blank=True,
        help_text=_("As on the vehicle licence (初次登记日期): the vehicle's age sets some cadences."),
    )
    retired_on = models.DateField(_("left the fleet on"), null=True, blank=True)
    retired_reason = models.CharField(
        _("why it left"), max_length=12, choices=VehicleExit.choices, blank=True
    )

    objects = VehicleQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["plate"]
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        constraints = [
            # A plate is in one fleet at a time; a vehicle sold on keeps its row (and history) in the old one.
            models.UniqueConstraint(
                fields=["plate"],
                condition=models.Q(retired_on__isnull=True),
                name="one_fleet_per_plate",
                violation_error_message=_("This plate is already in a fleet."),
            ),
        ]

    def __str__(self) -> str:
        return self.plate


class Person(models.Model):
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="people", verbose_name=_("company")
    )
    name = models.CharField(_("name"), max_length=60)
    role = models.CharField(_("role"), max_length=8, choices=PersonRole.choices)
    mobile = models.CharField(_("mobile"), max_length=11, blank=True, validators=[validate_mobile])

    history = HistoricalRecords()

    class Meta:
        ordering = ["role", "name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class Vessel(models.Model):
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="vessels", verbose_name=_("company")
    )
    name = models.CharField(_("ship name"), max_length=60)
    registration_number = models.CharField(_("registration number"), max_length=30, unique=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("vessel")
        verbose_name_plural = _("vessels")

    def __str__(self) -> str:
        return self.name

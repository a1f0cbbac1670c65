"""What the API reads out and takes in: each field named as in the OpenAPI schema."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from butler.api.models import ApprovalEvent
from butler.service.models import ServicePeriod
from companies.models import Company, CompanyLicence, Contact, LicenceChannel
from reminders.models import Reminder


class CompanySerializer(serializers.ModelSerializer):
    business_types = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    butler = serializers.SerializerMethodField(help_text=_("The butler serving it now, if any."))

    class Meta:
        model = Company
        fields = [
            "id",
            "name",
            "credit_code",
            "registered_on",
            "district",
            "address",
            "legal_representative",
            "status",
            "status_since",
            "business_types",
            "butler",
        ]

    def get_butler(self, company) -> str | None:
        periods = getattr(company, "active_periods", None)
        return periods[0].butler.display_name if periods else None


class PeriodSerializer(serializers.ModelSerializer):
    butler = serializers.CharField(source="butler.display_name", read_only=True)
    last_day = serializers.DateField(read_only=True, help_text=_("The last day of the service."))

    class Meta:
        model = ServicePeriod
        fields = ["id", "company", "butler", "card_number", "start_date", "last_day", "status", "ended_on"]


class LicenceSerializer(serializers.ModelSerializer):
    licence_type = serializers.SlugRelatedField(read_only=True, slug_field="code")
    licence_name = serializers.CharField(source="licence_type.name", read_only=True)
    subject = serializers.SerializerMethodField(
        help_text=_("The vehicle, person or vessel, if not the company.")
    )
    case_numbers = serializers.SerializerMethodField(help_text=_("The approval system's cases about it."))

    class Meta:
        model = CompanyLicence
        fields = [
            "id",
            "company",
            "licence_type",
            "licence_name",
            "subject",
            "status",
            "certificate_number",
            "submitted_on",
            "accepted_on",
            "statutory_due_on",
            "committed_due_on",
            "supply_by",
            "decided_on",
            "issued_on",
            "expires_on",
            "obtain_by",
            "renew_by",
            "case_numbers",
        ]

    def get_subject(self, licence) -> str | None:
        subject = licence.vehicle or licence.person or licence.vessel
        return str(subject) if subject else None

    def get_case_numbers(self, licence) -> list[str]:
        return [case.number for case in licence.approval_cases.all()]


class ContactSerializer(serializers.ModelSerializer):
    """A contact's public data: who to ask for, not how to reach them."""

    class Meta:
        model = Contact
        fields = ["id", "company", "name", "position", "is_primary"]


class ReminderSerializer(serializers.ModelSerializer):
    about = serializers.SerializerMethodField()

    class Meta:
        model = Reminder
        fields = ["id", "kind", "about", "due_on", "channel", "scheduled_at", "status", "sent_at"]

    def get_about(self, reminder) -> str:
        return str(reminder.about)


class FiguresQuerySerializer(serializers.Serializer):
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)

    def validate(self, data):
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise serializers.ValidationError({"until": _("The end cannot come before the start.")})
        return data


class FiguresSerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    in_service = serializers.IntegerField(help_text=_("Companies in service."))
    cards_issued = serializers.IntegerField()
    licences_obtained = serializers.IntegerField()
    licences_on_time = serializers.IntegerField()
    licences_lapsed = serializers.IntegerField()
    matters = serializers.IntegerField()
    trips = serializers.IntegerField()
    zero_trip = serializers.IntegerField()
    reminders_sent = serializers.IntegerField()
    reminders_late = serializers.IntegerField()
    reminders_failed = serializers.IntegerField()
    ratings = serializers.IntegerField()
    ratings_good = serializers.IntegerField()
    ratings_bad = serializers.IntegerField()
    cases_valid = serializers.IntegerField()
    cases_rectified = serializers.IntegerField()
    threads_answered = serializers.IntegerField()
    threads_within_day = serializers.IntegerField()


class MaterialSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=160, help_text=_("The material as the catalogue names it."))
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class EventSerializer(serializers.Serializer):
    """An application event of the approval system, keyed by its case number."""

    event_id = serializers.CharField(
        max_length=64, help_text=_("Unique per event: sent again, it changes nothing.")
    )
    case_number = serializers.CharField(max_length=64)
    kind = serializers.ChoiceField(choices=ApprovalEvent.Kind.choices)
    occurred_at = serializers.DateTimeField(help_text=_("When it happened in the approval system."))
    credit_code = serializers.CharField(
        max_length=18, required=False, help_text=_("The company; needed with a case number not seen before.")
    )
    licence_type = serializers.CharField(
        max_length=40, required=False, help_text=_("The catalogue's code; needed with a new case number.")
    )
    plate = serializers.CharField(max_length=12, required=False, help_text=_("For a vehicle's licence."))
    channel = serializers.ChoiceField(choices=LicenceChannel.choices, required=False)
    materials = MaterialSerializer(many=True, required=False)
    supply_by = serializers.DateField(required=False)
    certificate_number = serializers.CharField(max_length=40, required=False)
    issued_on = serializers.DateField(required=False)
    expires_on = serializers.DateField(required=False)
    reasons = serializers.CharField(max_length=2000, required=False, help_text=_("Why it was refused."))


class EventResultSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number")
    licence = serializers.IntegerField(source="case.licence_id")

    class Meta:
        model = ApprovalEvent
        fields = ["event_id", "case_number", "licence", "kind", "occurred_at", "outcome", "status_after"]


class RegistrationSerializer(serializers.Serializer):
    credit_code = serializers.CharField(max_length=30)
    name = serializers.CharField(max_length=120)
    registered_on = serializers.CharField(max_length=20, help_text=_("YYYY-MM-DD"))
    address = serializers.CharField(max_length=200)
    legal_representative = serializers.CharField(max_length=60)
    mobile = serializers.CharField(max_length=20)
    district = serializers.CharField(max_length=60, required=False, allow_blank=True)
    business_types = serializers.ListField(child=serializers.CharField(max_length=60), required=False)


class RegistrationsSerializer(serializers.Serializer):
    companies = RegistrationSerializer(many=True, allow_empty=False)


class RegistrationsResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text=_("Companies registered now."))
    already = serializers.IntegerField(help_text=_("Registered before: left as they were."))
    linked = serializers.IntegerField(help_text=_("Consultations that joined a new company's contact log."))

"""The API's endpoints: reads under the same object-level access as the pages, writes through the services."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from butler.api import serializers as s
from butler.api.access import Logged, field_errors
from butler.api.events import EventConflict, approval_event_receive
from butler.api.models import Scope
from butler.firstvisit.registrations import registrations_from_data
from butler.oversight.dashboard import dashboard_figures
from butler.oversight.dashboard_scope import default_range
from butler.security.roles import is_butler, is_manager
from butler.service.access import VIEW, restrict
from butler.service.models import Butler, ServicePeriod
from companies.models import Company, CompanyLicence, Contact
from reminders.models import Reminder


class ById(CursorPagination):
    """Pages read on from the last row seen (``next``), newest first; nothing counts the table."""

    ordering = "-id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request) -> int:
        asked = request.query_params.getlist(self.page_size_query_param)
        if not asked:
            return self.page_size
        if len(asked) > 1 or not asked[0].isdigit() or not 1 <= int(asked[0]) <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("Ask for 1 to %(most)d rows a page.") % {"most": self.max_page_size}
                    ]
                }
            )
        return int(asked[0])


class Refused(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The licence's state does not allow this event.")
    default_code = "conflict"


class ReadView(Logged, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    required_scope = Scope.READ
    pagination_class = ById
    lookup_value_regex = r"[0-9]+"
    query_parameters = frozenset({"cursor", "page_size"})

    def restricted(self, queryset):
        return restrict(self.request.user, VIEW, queryset)


COMPANY_PARAMETER = OpenApiParameter("company", int, description=_("Only this company's."))


class ByCompany(ReadView):
    """Rows of companies the caller may see, optionally one company's."""

    query_parameters = ReadView.query_parameters | {"company"}

    def filter_company(self, queryset):
        company = self.request.query_params.get("company")
        if company is None:
            return queryset
        if not company.isdigit():
            raise exceptions.ValidationError({"company": [_("A company's id is a number.")]})
        return queryset.filter(company_id=int(company))


class CompanyViewSet(ReadView):
    """Companies: a manager's all, a butler's portfolio (current and past), a company contact's own."""

    serializer_class = s.CompanySerializer

    def get_queryset(self):
        return self.restricted(Company.objects.all()).prefetch_related(
            "business_types",
            Prefetch(
                "service_periods",
                queryset=ServicePeriod.objects.active().select_related("butler"),
                to_attr="active_periods",
            ),
        )


@extend_schema_view(list=extend_schema(parameters=[COMPANY_PARAMETER]))
class PeriodViewSet(ByCompany):
    """Service periods, with their butler and last day."""

    serializer_class = s.PeriodSerializer

    def get_queryset(self):
        return self.filter_company(self.restricted(ServicePeriod.objects.select_related("butler")))


@extend_schema_view(list=extend_schema(parameters=[COMPANY_PARAMETER]))
class LicenceViewSet(ByCompany):
    """Licences with their status and every deadline: obtain by, due, supply materials by, renew, expiry."""

    serializer_class = s.LicenceSerializer

    def get_queryset(self):
        licences = CompanyLicence.objects.select_related("licence_type", "vehicle", "person", "vessel")
        return self.filter_company(self.restricted(licences)).prefetch_related("approval_cases")


@extend_schema_view(list=extend_schema(parameters=[COMPANY_PARAMETER]))
class ContactViewSet(ByCompany):
    """Companies' contacts: who to ask for (their numbers stay on the pages)."""

    serializer_class = s.ContactSerializer

    def get_queryset(self):
        return self.filter_company(self.restricted(Contact.objects.all()))


class ReminderViewSet(ReadView):
    """The caller's own reminders: what the system reminds them of, when, by which channel."""

    serializer_class = s.ReminderSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema is drawn without a caller
            return Reminder.objects.none()
        return Reminder.objects.filter(recipient=self.request.user)


class FiguresView(Logged, APIView):
    """The dashboard's figures over a range of days (the last 90 by default): a manager's for everyone, a
    butler's for their own companies."""

    required_scope = Scope.READ
    query_parameters = frozenset({"since", "until"})

    @extend_schema(parameters=[s.FiguresQuerySerializer], responses=s.FiguresSerializer)
    def get(self, request):
        asked = s.FiguresQuerySerializer(data=request.query_params.dict())
        asked.is_valid(raise_exception=True)
        today = timezone.localdate()
        since, until = default_range(today)
        since, until = asked.validated_data.get("since", since), asked.validated_data.get("until", until)
        if is_manager(request.user):
            butler_id = None
        elif is_butler(request.user):
            butler_id = Butler.objects.filter(user=request.user).values_list("pk", flat=True).first()
        else:
            raise exceptions.PermissionDenied(_("Figures are for the window's staff."))
        figures = dashboard_figures(since=since, until=until, butler_id=butler_id, today=today)
        return Response(s.FiguresSerializer({"since": since, "until": until, **_figures(figures)}).data)


def _figures(dashboard) -> dict:
    names = s.FiguresSerializer().fields.keys() - {"since", "until"}
    return {name: getattr(dashboard, name) for name in names}


class EventView(Logged, APIView):
    """An application event of the provincial approval system."""

    required_scope = Scope.EVENTS

    @extend_schema(
        request=s.EventSerializer,
        responses={
            201: OpenApiResponse(s.EventResultSerializer, description=_("Recorded now; see its outcome.")),
            200: OpenApiResponse(s.EventResultSerializer, description=_("The same event came before.")),
            400: OpenApiResponse(description=_("A field is wrong: named with its message.")),
            409: OpenApiResponse(description=_("The licence's life cycle does not allow it now.")),
        },
    )
    def post(self, request):
        sent = s.EventSerializer(data=request.data)
        sent.is_valid(raise_exception=True)
        try:
            received = approval_event_receive(
                token=request.auth, data=sent.validated_data, request_id=getattr(request, "request_id", "")
            )
        except DjangoValidationError as refused:
            raise field_errors(refused) from None
        except EventConflict as conflict:
            raise Refused(conflict.errors) from None
        answer = s.EventResultSerializer(received.event).data
        return Response(answer, status=status.HTTP_201_CREATED if received.new else status.HTTP_200_OK)


class RegistrationsView(Logged, APIView):
    """Newly registered companies from the market regulator: all registered, or none when any is wrong; one
    already registered (its credit code) is left as it is."""

    required_scope = Scope.REGISTRATIONS

    @extend_schema(
        request=s.RegistrationsSerializer,
        responses={
            200: s.RegistrationsResultSerializer,
            400: OpenApiResponse(
                description=_("Each problem under its company's place in the list and field.")
            ),
        },
    )
    def post(self, request):
        if not is_manager(request.user):
            raise exceptions.PermissionDenied(_("Registrations are imported by a manager's key."))
        sent = s.RegistrationsSerializer(data=request.data)
        sent.is_valid(raise_exception=True)
        try:
            result = registrations_from_data(actor=request.user, companies=sent.validated_data["companies"])
        except DjangoValidationError as refused:
            raise field_errors(refused) from None
        if result.errors:
            errors: dict = {}
            for error in result.errors:
                errors.setdefault(str(error.line), {}).setdefault(
                    error.field or "non_field_errors", []
                ).append(error.message)
            raise exceptions.ValidationError({"companies": errors})
        return Response(s.RegistrationsResultSerializer(result).data)


@extend_schema(exclude=True)
class NotFoundView(Logged, APIView):
    """Any other address under /api/v1/: a 404 in JSON, as the API answers everything."""

    permission_classes: list = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound

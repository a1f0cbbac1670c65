"""The app's models package: each room keeps its models in its own ``models.py``; importing them here gives
Django one app (label ``butler``) with one migration history, and the rest of the code one place to import
them from."""

from butler.api.models import ApiToken, ApprovalCase, ApprovalEvent
from butler.calendars.models import CalendarFeed
from butler.contactlog.models import ContactRecord
from butler.feedback.models import (
    BAD_STARS,
    AuditCase,
    CentrePush,
    FeedbackImmutable,
    ImprovementAction,
    Rating,
    Stars,
    Suggestion,
)
from butler.health.models import TaskHeartbeat
from butler.messaging.models import Attachment, Message, MessageThread, private_storage
from butler.oversight.models import DashboardDay
from butler.security.models import UserSession
from butler.service.models import (
    Butler,
    CardCounter,
    PortalInvitation,
    ReminderRule,
    ServicePeriod,
    ServicePeriodQuerySet,
    validate_offsets,
)

__all__ = [
    "ApiToken",
    "ApprovalCase",
    "ApprovalEvent",
    "BAD_STARS",
    "Attachment",
    "AuditCase",
    "Butler",
    "CalendarFeed",
    "CentrePush",
    "CardCounter",
    "ContactRecord",
    "DashboardDay",
    "FeedbackImmutable",
    "ImprovementAction",
    "Message",
    "MessageThread",
    "PortalInvitation",
    "Rating",
    "ReminderRule",
    "ServicePeriod",
    "ServicePeriodQuerySet",
    "Stars",
    "Suggestion",
    "TaskHeartbeat",
    "UserSession",
    "private_storage",
    "validate_offsets",
]

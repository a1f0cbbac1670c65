"""The butler service's records: staff and service periods (``service``), feedback and its audit
(``feedback``), the dashboard's daily figures (``figures``) and the workers' heartbeat (``health``)."""

from butler.models.feedback import (
    BAD_STARS,
    AuditCase,
    FeedbackImmutable,
    ImprovementAction,
    Rating,
    Stars,
    Suggestion,
)
from butler.models.figures import DashboardDay
from butler.models.health import TaskHeartbeat
from butler.models.service import (
    Attachment,
    Butler,
    CardCounter,
    ContactRecord,
    Message,
    MessageThread,
    PortalInvitation,
    ReminderRule,
    ServicePeriod,
    ServicePeriodQuerySet,
    private_storage,
    validate_offsets,
)
from butler.models.sessions import UserSession

__all__ = [
    "BAD_STARS",
    "Attachment",
    "AuditCase",
    "Butler",
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

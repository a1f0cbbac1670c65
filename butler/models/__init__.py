"""The butler service's records: staff and service periods (``service``), feedback and its audit
(``feedback``)."""

from butler.models.feedback import (
    BAD_STARS,
    AuditCase,
    FeedbackImmutable,
    ImprovementAction,
    Rating,
    Stars,
    Suggestion,
)
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

__all__ = [
    "BAD_STARS",
    "Attachment",
    "AuditCase",
    "Butler",
    "CardCounter",
    "ContactRecord",
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
    "private_storage",
    "validate_offsets",
]

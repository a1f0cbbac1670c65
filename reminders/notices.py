"""In-app notices: always delivered, shown to the recipient until read."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from reminders.models import Notice


@transaction.atomic
def notice_send(*, recipients: Iterable, title: str, body: str = "", url: str = "", key: str = "") -> int:
    """Create one in-app notice per recipient; with a key, sending again creates nothing new."""
    created = 0
    for recipient in recipients:
        if key and Notice.objects.filter(recipient=recipient, key=key).exists():
            continue
        Notice.objects.create(recipient=recipient, title=title[:200], body=body, url=url, key=key)
        created += 1
    return created


def notice_mark_read(*, recipient, notice_ids: Iterable[int] | None = None) -> int:
    notices = Notice.objects.filter(recipient=recipient, read_at__isnull=True)
    if notice_ids is not None:
        notices = notices.filter(pk__in=list(notice_ids))
    return notices.update(read_at=timezone.now())


def notice_open(*, recipient, notice_id: int) -> Notice:
    """The recipient opens one of their notices: it is read from now on. Another person's is not found."""
    notice = Notice.objects.get(pk=notice_id, recipient=recipient)
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return notice

"""In-app notices: always delivered, shown to the recipient until read."""

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone

from reminders.models import Notice
from reminders.texts import Spec, in_window_language


@transaction.atomic
def notice_send(
    *,
    recipients: Iterable,
    title: Spec,
    body: Spec = "",
    url: str = "",
    key: str = "",
    due_on: date | None = None,
    audience: str = "",
) -> int:
    """Create one in-app notice per recipient; with a key, sending again creates nothing new. Title and body
    are best :mod:`reminders.texts` texts: each reader reads them in their language. ``audience`` (e.g.
    ``company:7``) marks a notice given to everyone of a company: a contact who joins later receives it too
    (:func:`notices_share`)."""
    created = 0
    for recipient in recipients:
        if key and Notice.objects.filter(recipient=recipient, key=key).exists():
            continue
        Notice.objects.create(
            recipient=recipient,
            title=in_window_language(title)[:200],
            body=in_window_language(body),
            title_text=title if isinstance(title, dict) else None,
            body_text=body if isinstance(body, dict) else None,
            url=url,
            key=key,
            due_on=due_on,
            audience=audience,
        )
        created += 1
    return created


@transaction.atomic
def notices_share(*, recipient, audience: str, given_to: Iterable) -> int:
    """A person who joins an audience (a company's new portal account) receives what was given to it before
    — each notice once, unread, dated as it was given — from the notices of ``given_to`` (the audience's
    people). What they already have (by key) is not given twice."""
    theirs = set(Notice.objects.filter(recipient=recipient).exclude(key="").values_list("key", flat=True))
    earlier = (
        Notice.objects.filter(audience=audience, recipient__in=list(given_to))
        .exclude(recipient=recipient)
        .order_by("created_at", "pk")
    )
    shared = {}
    for notice in earlier:
        same = notice.key or f"{notice.title}|{notice.created_at:%Y%m%d%H%M}"
        if notice.key in theirs or same in shared:
            continue
        shared[same] = notice
    for notice in shared.values():
        copy = Notice.objects.create(
            recipient=recipient,
            **{field: getattr(notice, field) for field in SHARED_FIELDS},
        )
        Notice.objects.filter(pk=copy.pk).update(created_at=notice.created_at)
    return len(shared)


SHARED_FIELDS = ("title", "body", "title_text", "body_text", "url", "key", "due_on", "audience")


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

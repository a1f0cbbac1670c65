from reminders.models import Notice


def notices_for(recipient, *, limit: int = 20) -> list[Notice]:
    return list(Notice.objects.filter(recipient=recipient)[:limit])


def unread_count(recipient) -> int:
    return Notice.objects.filter(recipient=recipient, read_at__isnull=True).count()

from django.db import transaction

from reminders.models import Notice


class InAppChannel:
    def address(self, user, handler) -> str:
        return ""

    @transaction.atomic
    def send_many(self, messages, *, now) -> dict[int, str]:
        """Every message as a notice to its recipient under the message's key (a key already there is kept),
        its history dated ``now``: four statements, however many messages. The provider's id of each
        message: ``notice:<id>``."""
        keys = [message.key for message in messages]
        # By recipient and key, as the notices' unique index reads them.
        recipients = {message.recipient_id for message in messages}
        mine = Notice.objects.filter(recipient_id__in=recipients, key__in=keys)
        there = set(mine.values_list("key", flat=True))
        new = [
            Notice(
                recipient_id=message.recipient_id,
                title=message.title[:200],
                body=message.body,
                url=message.url,
                key=message.key,
            )
            for message in messages
            if message.key not in there
        ]
        Notice.objects.bulk_create(new, ignore_conflicts=True)
        notices = {notice.key: notice for notice in mine}
        created = [notices[notice.key] for notice in new if notices.get(notice.key) is not None]
        if created:
            Notice.history.bulk_history_create(created, default_date=now)
        return {message.pk: f"notice:{notices[message.key].pk}" for message in messages}

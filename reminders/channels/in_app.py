from datetime import date

from django.db import transaction

from reminders.models import Notice
from reminders.texts import in_window_language


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
        new = [_notice(message) for message in messages if message.key not in there]
        Notice.objects.bulk_create(new, ignore_conflicts=True)
        notices = {notice.key: notice for notice in mine}
        created = [notices[notice.key] for notice in new if notices.get(notice.key) is not None]
        if created:
            Notice.history.bulk_history_create(created, default_date=now)
        return {message.pk: f"notice:{notices[message.key].pk}" for message in messages}


def _notice(message) -> Notice:
    """The message as a notice: kept as written, so that each reader reads it in the language of their page;
    its plain columns as the window reads it."""
    texts = message.texts or {}
    title, body = texts.get("title") or message.title, texts.get("body") or message.body
    due_on = texts.get("due_on")
    return Notice(
        recipient_id=message.recipient_id,
        title=in_window_language(title)[:200],
        body=in_window_language(body),
        title_text=title if isinstance(title, dict) else None,
        body_text=body if isinstance(body, dict) else None,
        due_on=date.fromisoformat(due_on) if due_on else None,
        url=message.url,
        key=message.key,
    )

from reminders.models import Notice
from reminders.notices import notice_send


class InAppChannel:
    def send(self, reminder, message, key: str) -> str:
        notice_send(
            recipients=[reminder.recipient], title=message.title, body=message.body, url=message.url, key=key
        )
        notice = (
            Notice.objects.filter(recipient=reminder.recipient, key=key).values_list("pk", flat=True).first()
        )
        return f"notice:{notice}"

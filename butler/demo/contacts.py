"""The demo load after the companies: the butlers' contact log with its return visits, the messages a dozen
companies wrote to their butler in the last weeks, and the reminder engine's past — every reminder planned
from the data, and the sweeps of every morning before today replayed by the engine itself.

``ContactLoading`` is mixed into ``butler.demo.loader.Loader``, whose day count, clock and counters it uses.
"""

import random
from datetime import time, timedelta

from django.db import models

from butler.contactlog.services import contact_record, return_visit_complete
from butler.demo.clock import moment_at, quiet_loggers
from butler.demo.data import CONTACTS, OUTCOMES, QUESTIONS, SEED
from butler.messaging.services import message_send, thread_read, thread_start
from butler.service.models import ServicePeriod
from butler.service.planning import reminders_reconcile
from reminders.models import Notice, Reminder
from reminders.services import reminders_send_due


class ContactLoading:
    """The loader's steps for contacts, messages and reminders (mixed into ``Loader``)."""

    def load_contacts(self) -> None:
        """One to four contacts in each service period, some with a return visit; the return visits of the
        last days are still open (they show on the butler's Today page), the older ones made."""
        rng = random.Random(SEED + 5)
        periods = ServicePeriod.objects.select_related("company", "butler__user").order_by("pk")
        for period in periods:
            end = min(period.ended_on or self.today, self.today)
            span = (end - period.start_date).days
            for _n in range(rng.randint(1, 4) if span > 2 else 0):
                day = period.start_date + timedelta(days=rng.randint(1, span - 1))
                moment = moment_at(day, time(rng.randint(9, 16), rng.choice((5, 20, 35, 50))))
                channel, summary = rng.choice(CONTACTS)
                revisit = rng.random() < 0.3
                self.clock.moment = moment
                record = contact_record(
                    actor=period.butler.user,
                    company=period.company,
                    channel=channel,
                    summary=summary,
                    occurred_at=moment,
                    return_visit_in=rng.randint(2, 5) if revisit else None,
                )
                if record.return_visit_due and record.return_visit_due < self.today - timedelta(days=2):
                    done = moment_at(record.return_visit_due, time(15, rng.randint(0, 59)))
                    self.clock.moment = done
                    return_visit_complete(
                        actor=period.butler.user,
                        record=record,
                        outcome=rng.choice(OUTCOMES),
                        done_at=done,
                    )
                self.counts["contact_records"] += 1
        self.clock.moment = None
        self.load_messages(rng)

    def load_messages(self, rng: random.Random) -> None:
        """A dozen companies wrote to their butler in the last weeks; most have their answer, the newest
        wait for one (they show on the butler's Today page)."""
        periods = [
            period
            for period in ServicePeriod.objects.active()
            .select_related("company", "butler__user")
            .order_by("pk")
            if period.company.contacts.filter(user__isnull=False).exists()
        ]
        for n, period in enumerate(rng.sample(periods, min(12, len(periods)))):
            contact = period.company.contacts.filter(user__isnull=False).first()
            subject, question, answer = rng.choice(QUESTIONS)
            asked = moment_at(
                self.day(rng.randint(1, 20) if n >= 3 else 0), time(rng.randint(9, 15), rng.randint(0, 59))
            )
            asked = min(asked, self.latest() - timedelta(minutes=5))
            self.clock.moment = asked
            thread = thread_start(
                actor=contact.user, company=period.company, subject=subject, body=question, now=asked
            )
            if n >= 3:
                answered = asked + timedelta(minutes=rng.randint(20, 240))
                answered = min(answered, self.latest() - timedelta(minutes=1))
                self.clock.moment = answered
                thread_read(actor=period.butler.user, thread=thread, now=answered)
                message_send(actor=period.butler.user, thread=thread, body=answer, now=answered)
                thread_read(actor=contact.user, thread=thread, now=answered + timedelta(hours=1))
            for message in thread.messages.all():
                notices = Notice.objects.filter(key=f"message-{message.pk}")
                ids = list(notices.values_list("pk", flat=True))
                read = message.created_at + timedelta(hours=1) if n >= 3 else None
                notices.update(created_at=message.created_at, read_at=read)
                Notice.history.filter(id__in=ids).update(
                    history_date=message.created_at, created_at=message.created_at
                )
            self.counts["message_threads"] += 1
        self.clock.moment = None

    def load_reminders(self) -> None:
        """The reminder engine's past: every reminder planned from the data, then the sweeps of every
        morning before today replayed by the engine itself, so that what was due went out when it was due
        (in-app notices dated then, those older than three days read; contacts without an e-mail address
        show as failed). Today's reminders are left to the running product."""
        reminders_reconcile()
        start_of_today = moment_at(self.today, time(0))
        # An audit step taken in the afternoon plans the next step's reminder for nine that morning: the
        # running engine sends it at its next sweep, so the replay sends it when the step was taken.
        Reminder.objects.filter(
            subject__startswith="case:",
            status=Reminder.Status.PENDING,
            created_at__lt=start_of_today,
            created_at__gt=models.F("scheduled_at"),
        ).update(scheduled_at=models.F("created_at"))
        past = Reminder.objects.filter(status=Reminder.Status.PENDING, scheduled_at__lt=start_of_today)
        with quiet_loggers("reminders"):
            while (
                first := past.order_by("scheduled_at").values_list("scheduled_at", flat=True).first()
            ) is not None:
                moment = first + timedelta(minutes=1)
                self.clock.moment = moment
                reminders_send_due(now=moment)
        self.clock.moment = None
        sent = Reminder.objects.filter(status=Reminder.Status.SENT, sent_at__lt=start_of_today)
        read_before = start_of_today - timedelta(days=3)
        for key, recipient, sent_at in sent.filter(channel="in_app").values_list(
            "message__key", "recipient", "sent_at"
        ):
            Notice.objects.filter(recipient_id=recipient, key=key).update(
                created_at=sent_at, read_at=sent_at + timedelta(hours=2) if sent_at < read_before else None
            )
        self.counts["reminders_sent"] = sent.count()
        self.counts["reminders_failed"] = Reminder.objects.filter(status=Reminder.Status.FAILED).count()

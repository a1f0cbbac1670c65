"""Delivery channels, one small class each behind one interface: ``send(reminder, message, key) -> id``."""

from reminders.channels.base import Undeliverable
from reminders.channels.email import EmailChannel
from reminders.channels.in_app import InAppChannel
from reminders.channels.sms import SmsChannel

CHANNELS = {"in_app": InAppChannel(), "email": EmailChannel(), "sms": SmsChannel()}

__all__ = ["CHANNELS", "Undeliverable"]

"""Delivery channels, one small class each behind one interface.

A channel tells the address an outgoing message goes to (``address(user, handler)``, or ``Undeliverable``)
and opens a ``session()`` whose ``send(message)`` sends one message as it was written — its text, its address,
its key — and returns the provider's id for it; a session keeps its connection open for the messages of one
delivery. The in-app channel writes a delivery's notices at once (``send_many``). The staff chat posts to the
window's group robot, mentioning the recipient by their mobile.
"""

from reminders.channels.base import Undeliverable
from reminders.channels.chat import ChatChannel
from reminders.channels.email import EmailChannel
from reminders.channels.in_app import InAppChannel
from reminders.channels.sms import SmsChannel

CHANNELS = {"in_app": InAppChannel(), "email": EmailChannel(), "sms": SmsChannel(), "chat": ChatChannel()}

__all__ = ["CHANNELS", "Undeliverable"]

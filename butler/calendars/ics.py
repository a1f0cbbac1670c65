"""A calendar's dates written as iCalendar (RFC 5545), the way phone calendars subscribe to them.

Every date is an all-day event (``VALUE=DATE``: a deadline is a day, not a moment), marked free time, with a
stable UID, a link back to its page and an alarm at 9:00 the day before (the dates float: the phone's own
time zone, Beijing time for the window's users). The calendar asks to be read again every few hours.
"""

from datetime import datetime, timedelta
from urllib.parse import urlsplit

import icalendar

from butler.calendars.selectors import CalendarContent

REFRESH = timedelta(hours=4)
ALARM_BEFORE = timedelta(hours=15)  # from midnight of the day: 9:00 the day before
TIME_ZONE = "Asia/Shanghai"
PRODID = "-//Butler//Enterprise butler service//ZH"


def uid_domain(base_url: str) -> str:
    """The host part of the events' UIDs: the product's public host (UIDs stay the same whoever reads)."""
    return urlsplit(base_url).hostname or "butler.local"


def calendar_ics(content: CalendarContent, *, base_url: str, uid_host: str, now: datetime) -> bytes:
    """The calendar as bytes of ``text/calendar`` (UTF-8). ``base_url``: where the links point (no trailing
    slash); ``now``: the moment written as each event's DTSTAMP."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", content.name)
    calendar.add("x-wr-caldesc", content.description)
    calendar.add("x-wr-timezone", TIME_ZONE)
    calendar.add("refresh-interval", icalendar.vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH))
    for item in content.events:
        link = base_url + item.path
        event = icalendar.Event()
        event.add("uid", f"{item.uid}@{uid_host}")
        event.add("dtstamp", now)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + timedelta(days=1))
        event.add("summary", item.summary)
        event.add("description", "\n".join(filter(None, [item.description, link])))
        event.add("url", link)
        event.add("transp", "TRANSPARENT")
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", item.summary)
        alarm.add("trigger", -ALARM_BEFORE)
        event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()

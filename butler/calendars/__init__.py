"""Calendars a phone subscribes to: each person's dates as a secret iCalendar address (a feed).

- ``models`` — the feed: whose it is and the hash of its secret token, never the token.
- ``services`` — making a feed (which replaces the person's earlier one) and revoking it.
- ``selectors`` — whose feeds a user manages, the feed a token opens, and the dates each feed holds: a
  company contact's company (its licences, its fleet's obligations, the end of its butler service), a
  butler's tasks (return visits, audit steps, service periods ending), a manager's audit steps.
- ``ics`` — the dates written as iCalendar, all-day events with stable UIDs and an alarm the day before.
- ``views`` — the page where a person makes, replaces or revokes their feed, and the feed itself (no sign-in:
  calendar apps cannot sign in; the token is the key).
"""

"""Sign-in protection and the trail it leaves.

``request_context``: a request id for every request (and a Celery task's id for every task), carried into
every log record with the signed-in user. ``signin``: the lockout after repeated failed sign-ins
(django-axes). ``sessions``: how long a session lasts for staff and for company contacts, and ending every
session of a user at once. ``audit``: the ``butler.security`` log of sign-ins, failures, lockouts,
sign-outs and refused access.
"""

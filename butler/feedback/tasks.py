"""Celery entry points of the feedback room: each calls one service of ``butler.feedback.centre``.

No Celery retries here: a push that was not answered waits in the database for its next try
(``next_try_at``), which the per-minute sweep honours, so a retry survives a restart of every worker.
"""

from celery import shared_task

from butler.feedback import centre


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=150, time_limit=180)
def push_rating_to_centre(push_id: int) -> None:
    """Queued when a rating commits: send its push to the rating centre now."""
    centre.centre_push_deliver(push_id=push_id)


@shared_task(acks_late=True, soft_time_limit=240, time_limit=270)
def push_ratings_to_centre() -> int:
    """Every minute (beat): send the pushes whose time has come; the number sent or answered."""
    return centre.centre_pushes_send_due()

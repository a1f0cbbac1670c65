"""Celery tasks of the licence domain: each calls one service."""

from celery import shared_task

from companies import services


@shared_task(soft_time_limit=600, time_limit=660)
def refresh_licence_statuses() -> dict[str, int]:
    return services.licence_statuses_refresh()

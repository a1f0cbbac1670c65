"""Celery tasks of the licence domain: each calls one service."""

from celery import shared_task

from companies import services


@shared_task
def refresh_licence_statuses() -> dict[str, int]:
    return services.licence_statuses_refresh()

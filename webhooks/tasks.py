"""Celery tasks of webhooks: thin — they call the functions that do the work."""
from celery import shared_task

from . import delivery


@shared_task(acks_late=True)
def deliver(delivery_id: int) -> str:
    return delivery.deliver(delivery_id)


@shared_task
def webhooks_sweep() -> int:
    return delivery.sweep()

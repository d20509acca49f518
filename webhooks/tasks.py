"""Celery tasks of webhooks: thin — they call the functions that do the work."""
from celery import shared_task
from django.conf import settings

from . import delivery


# One attempt ends well before the sweep thinks it lost (WEBHOOK_TIMEOUT × 3 + 60 s): a receiver that
# dribbles its answer cannot hold a worker, nor be sent the delivery a second time meanwhile.
@shared_task(acks_late=True, soft_time_limit=int(settings.WEBHOOK_TIMEOUT * 2 + 20),
             time_limit=int(settings.WEBHOOK_TIMEOUT * 2 + 30))
def deliver(delivery_id: int) -> str:
    return delivery.deliver(delivery_id)


@shared_task
def webhooks_sweep() -> int:
    return delivery.sweep()

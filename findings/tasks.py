"""Celery tasks of findings: thin — they call the functions that do the work."""
from celery import shared_task

from . import notifications


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def finding_notify(finding_id: int, event: str) -> int:
    return notifications.finding_notify(finding_id=finding_id, event=event)


@shared_task
def findings_remind() -> int:
    return notifications.findings_remind()

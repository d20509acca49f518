"""Celery tasks of the catalog: thin — load by id, call the action."""
import datetime

from celery import shared_task
from django.utils import timezone

from . import catalog_io
from .models import CatalogImport, ImportStatus


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def catalog_import_run(import_id: int) -> bool:
    return catalog_io.catalog_import_process(import_id=import_id)


@shared_task
def catalog_imports_sweep() -> int:
    """Enqueue imports that have waited too long (their enqueue failed while the broker was down)."""
    stale = timezone.now() - datetime.timedelta(minutes=2)
    ids = list(CatalogImport.objects.filter(status=ImportStatus.PENDING, created_at__lt=stale).values_list("pk", flat=True))
    for pk in ids:
        catalog_import_run.delay(pk)
    return len(ids)

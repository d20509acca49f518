"""Celery tasks of findings: thin — they call the functions that do the work."""
import datetime

from celery import Task, shared_task
from celery.exceptions import TimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from webhooks.events import Event, emit

from . import notifications
from .models import OPEN_STATUSES, Finding, NotificationSent
from .reports import actions


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def finding_notify(finding_id: int, event: str) -> int:
    return notifications.finding_notify(finding_id=finding_id, event=event)


@shared_task
def findings_remind() -> int:
    sent = notifications.findings_remind()
    findings_overdue_webhooks()
    return sent


def findings_overdue_webhooks(*, today: datetime.date | None = None) -> int:
    """``finding.overdue`` for each open finding whose deadline has passed (in the last week: a day the
    run was missed is caught up the next day): once per finding and deadline, like the reminder (a
    ``NotificationSent`` row of its own kind, written with the event)."""
    today = today or timezone.localdate()
    emitted = 0
    overdue = Finding.objects.filter(status__in=OPEN_STATUSES, due_date__lt=today,
                                     due_date__gte=today - datetime.timedelta(days=7))
    for finding in overdue.only("id", "title", "status", "severity", "department_id", "due_date").iterator():
        try:
            with transaction.atomic():
                NotificationSent.objects.create(finding_id=finding.pk, kind="webhook_overdue", due_date=finding.due_date)
                emit(Event.FINDING_OVERDUE, department_id=finding.department_id, data={
                    "finding": finding.pk, "title": finding.title, "status": finding.status,
                    "severity": finding.severity, "department": finding.department_id,
                    "due_date": finding.due_date.isoformat(),
                    "url": settings.SITE_URL + reverse("v1:finding-detail", args=[finding.pk]),
                })
        except IntegrityError:
            continue  # told by an earlier run
        emitted += 1
    return emitted


class ReportTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # The hard time limit kills the run from outside: the task's ``except`` never runs, but Celery
        # calls this in the worker's main process. That attempt failed (counted on the row).
        if isinstance(exc, TimeLimitExceeded):
            report_id = args[0] if args else kwargs.get("report_id")
            if report_id is not None:
                actions.report_timed_out(report_id=report_id)
        super().on_failure(exc, task_id, args, kwargs, einfo)


@shared_task(base=ReportTask, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3)
def report_render_task(self, report_id: int) -> bool:
    """Thin: the action claims the row, renders, and marks it done once. Retries with backoff while
    the report has runs left (``REPORT_MAX_ATTEMPTS``); then it is marked failed with the reason."""
    try:
        return actions.report_render(report_id=report_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries or not actions.report_may_retry(report_id=report_id):
            actions.report_fail(report_id=report_id, error=f"{type(exc).__name__}: {exc}")
            raise
        raise self.retry(exc=exc, countdown=5 * 2**self.request.retries) from exc


@shared_task
def reports_sweep() -> int:
    return actions.reports_sweep()


@shared_task
def weekly_bulletin() -> int:
    return actions.weekly_bulletin().pk


class ReportPartTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        if isinstance(exc, TimeLimitExceeded):  # as ReportTask: the piece's attempt failed
            part_id = args[0] if args else kwargs.get("part_id")
            if part_id is not None:
                actions.part_timed_out(part_id=part_id)
        super().on_failure(exc, task_id, args, kwargs, einfo)


@shared_task(base=ReportPartTask, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3)
def report_part_render(self, part_id: int) -> bool:
    """Thin: one piece of a ledger (or its join). An error retries this piece alone, with backoff,
    while it has runs left (``REPORT_MAX_ATTEMPTS``); then the piece and its report are failed."""
    try:
        return actions.report_part_render(part_id=part_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries or not actions.part_may_retry(part_id=part_id):
            actions.part_fail(part_id=part_id, error=f"{type(exc).__name__}: {exc}")
            raise
        raise self.retry(exc=exc, countdown=5 * 2**self.request.retries) from exc

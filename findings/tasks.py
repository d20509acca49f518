"""Celery tasks of findings: thin — they call the functions that do the work."""
from celery import Task, shared_task
from celery.exceptions import TimeLimitExceeded

from . import notifications
from .reports import actions


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def finding_notify(finding_id: int, event: str) -> int:
    return notifications.finding_notify(finding_id=finding_id, event=event)


@shared_task
def findings_remind() -> int:
    return notifications.findings_remind()


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

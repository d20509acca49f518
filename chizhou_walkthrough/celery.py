import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chizhou_walkthrough.settings.base")

app = Celery("chizhou_walkthrough")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# --- the worker's log file (settings.WORKER_LOG_FILE) -------------------------------------------
# Celery sets up the worker's logging (stderr, at --loglevel) and then sends these signals; with
# WORKER_LOG_FILE set, the log goes to that file instead: appended, never overwritten, and rotated
# by size. The task logger, which Celery gives its own stderr handler, is sent to the same file.
# Everything the worker prints (stdout, stderr, tracebacks) already goes to the log through Celery.
_file_handler: RotatingFileHandler | None = None


def worker_log_handler() -> RotatingFileHandler | None:
    global _file_handler
    from django.conf import settings

    if not getattr(settings, "WORKER_LOG_FILE", ""):
        return None
    if _file_handler is None:
        path = Path(settings.WORKER_LOG_FILE)
        path.parent.mkdir(parents=True, exist_ok=True)
        _file_handler = RotatingFileHandler(
            path, mode="a", maxBytes=settings.WORKER_LOG_MAX_BYTES, backupCount=settings.WORKER_LOG_BACKUP_COUNT,
            encoding="utf-8",
        )
        _file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(processName)s %(name)s %(message)s"))
    return _file_handler


@signals.after_setup_logger.connect
def _root_logger_to_file(logger, **kwargs):
    handler = worker_log_handler()
    if handler is not None:
        logger.handlers = [handler]


@signals.after_setup_task_logger.connect
def _task_logger_to_file(logger, **kwargs):
    if worker_log_handler() is not None:
        logger.handlers = []
        logger.propagate = True  # to the root logger's file

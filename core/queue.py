"""Handing work to the worker, by the task's name.

An action names the task it enqueues instead of importing it: ``tasks.py`` imports the actions it
runs, so an action importing its task would close a circle. ``Task.delay`` itself goes through
``send_task`` with the task's name; only the import is saved.
"""
from __future__ import annotations

import logging

from celery import current_app
from django.db import transaction

log = logging.getLogger(__name__)


def enqueue(task: str, *args) -> bool:
    """Send ``task`` to the worker now. A broker that is down must not undo what the person just
    did: the failure is logged and False returned (what must not be lost is swept up again later)."""
    try:
        current_app.send_task(task, args=args)
    except Exception:  # kombu raises many kinds of connection errors
        log.warning("could not enqueue %s%s", task, args, exc_info=True)
        return False
    return True


def enqueue_on_commit(task: str, *args) -> None:
    """Send ``task`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(task, *args))

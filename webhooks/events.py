"""What other systems are told: ``emit`` records an event in the caller's transaction; the worker
delivers it to each registered endpoint after commit (docs/api.md, "Webhooks")."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    FINDING_FILED = "finding.filed", _("Finding filed")
    FINDING_MOVED = "finding.moved", _("Finding moved")
    FINDING_OVERDUE = "finding.overdue", _("Finding overdue")
    FINDING_APPEALED = "finding.appealed", _("Finding appealed")
    FINDING_DECIDED = "finding.decided", _("Appeal decided")
    WALKTHROUGH_COMPLETED = "walkthrough.completed", _("Walkthrough completed")
    REPORT_DONE = "report.done", _("Report ready")
    PUBLIC_REQUEST_RECEIVED = "public_request.received", _("Public request received")


def emit(event: str, *, department_id: int | None, data: dict) -> None:
    """Tell the endpoints that subscribe to ``event`` (and to ``department_id``, when they name
    departments) that it happened. Call it inside the transaction of the change: the event is kept
    with it, or not at all. ``data`` is JSON-ready (ids, codes, ISO times)."""
    # Filled in by the webhooks implementation (models, delivery task).
    return None

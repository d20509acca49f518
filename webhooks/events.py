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
    with it, or not at all. ``data`` is JSON-ready (ids, codes, ISO times).

    One query finds the active endpoints of the department (those naming no department included;
    an event of no department goes only to those); when none subscribes to ``event``, nothing is
    written. Otherwise the event and one delivery per endpoint are written, and each delivery is
    queued once the transaction commits (the sweep sends it if the broker is down then)."""
    from django.db import transaction
    from django.db.models import Q
    from django.utils import timezone

    from core.queue import enqueue_on_commit

    from .models import Delivery, Endpoint, WebhookEvent

    event = Event(event)
    endpoints = Endpoint.objects.filter(active=True)
    links = Endpoint.departments.through.objects
    every_department = ~Q(pk__in=links.values("endpoint_id"))
    if department_id is None:
        endpoints = endpoints.filter(every_department)
    else:
        endpoints = endpoints.filter(every_department | Q(pk__in=links.filter(department_id=department_id)
                                                          .values("endpoint_id")))
    targets = [pk for pk, events in endpoints.values_list("pk", "events") if event.value in (events or [])]
    if not targets:
        return None
    with transaction.atomic():
        row = WebhookEvent.objects.create(type=event.value, department_id=department_id, data=data)
        now = timezone.now()
        deliveries = Delivery.objects.bulk_create(
            [Delivery(event=row, endpoint_id=pk, next_attempt_at=now) for pk in targets])
        for delivery in deliveries:
            enqueue_on_commit("webhooks.tasks.deliver", delivery.pk)
    return None

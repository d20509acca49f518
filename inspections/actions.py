"""Writes about walkthroughs. Each function checks who may do it, is atomic, and keeps the history."""
from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ActionError, Conflict, TransitionNotAllowed
from core.uploads import evidence_store

from . import queries
from .checklists import BY_MODE
from .models import (
    Answer,
    ChecklistAnswer,
    Evidence,
    EventKind,
    Status,
    TimelineEvent,
    Walkthrough,
    WalkthroughTransition,
)

# The lifecycle: (from, to) → the timestamp field the move sets.
TRANSITIONS: dict[tuple[str, str], str] = {
    (Status.PLANNED, Status.IN_PROGRESS): "started_at",
    (Status.IN_PROGRESS, Status.COMPLETED): "completed_at",
    (Status.PLANNED, Status.CANCELLED): "cancelled_at",
    (Status.IN_PROGRESS, Status.CANCELLED): "cancelled_at",
}

OBSERVED_FIELDS = ("observed_materials", "observed_visits", "observed_steps", "elapsed_minutes", "elapsed_days", "queue_minutes",
                   "observed_online_depth")
EDITABLE_FIELDS = ("mode", "identity", "channel", "scheduled_for", "summary", *OBSERVED_FIELDS)


@transaction.atomic
def walkthrough_plan(*, actor, service_item, leader, mode: str, identity: str, channel: str,
                     scheduled_for: datetime.date, rewalk_of=None, bundle=None) -> Walkthrough:
    if queries.is_office(actor) and not (leader.role == "leader" and leader.is_active):
        raise ActionError(_("Choose an active department head as the leader."))
    if not queries.walkthrough_may_plan(actor, item=service_item, leader=leader):
        raise PermissionDenied(_("You may plan walkthroughs only for your own department's items."))
    if rewalk_of is not None and not queries.is_office(actor):
        raise PermissionDenied(_("Only the office schedules a re-walk of a finding."))
    walkthrough = Walkthrough(
        service_item=service_item, department_id=service_item.department_id, leader=leader, planned_by=actor,
        mode=mode, identity=identity, channel=channel, scheduled_for=scheduled_for, rewalk_of=rewalk_of, bundle=bundle,
    )
    if bundle is not None and not bundle.entries.filter(item=service_item).exists():
        raise ActionError(_("The service item is not part of this bundle."))
    walkthrough.full_clean()
    walkthrough.save()
    return walkthrough


def _lock(walkthrough: Walkthrough, version: int | None) -> Walkthrough:
    locked = Walkthrough.objects.select_for_update().get(pk=walkthrough.pk)
    if version is not None and locked.version != version:
        raise Conflict(_("Someone else changed this walkthrough meanwhile; reload it and try again."))
    return locked


@transaction.atomic
def walkthrough_transition(*, walkthrough: Walkthrough, to: str, actor, note: str = "",
                           version: int | None = None, expected_status: str | None = None) -> Walkthrough:
    """The only way a walkthrough changes status; writes one transition row.

    ``version`` (API clients) or ``expected_status`` (a page, which saw the walkthrough in that
    status) guard against acting on a stale view: another change meanwhile is a Conflict.
    """
    if not queries.walkthrough_may_walk(actor, walkthrough):
        raise PermissionDenied(_("Only the walkthrough's own leader or the office may do that."))
    locked = _lock(walkthrough, version)
    if expected_status and locked.status != expected_status:
        raise Conflict(_("Someone else changed this walkthrough meanwhile; reload it and try again."))
    field = TRANSITIONS.get((locked.status, to))
    if field is None:
        if walkthrough.status != locked.status:
            raise Conflict(_("Someone else changed this walkthrough meanwhile; reload it and try again."))
        raise TransitionNotAllowed(
            _("A walkthrough that is “%(from)s” cannot become “%(to)s”.")
            % {"from": Status(locked.status).label, "to": Status(to).label if to in Status.values else to}
        )
    now = timezone.now()
    from_status = locked.status
    locked.status = to
    setattr(locked, field, now)
    locked.version += 1
    if to == Status.COMPLETED and locked.elapsed_minutes is None and locked.started_at:
        locked.elapsed_minutes = max(0, int((now - locked.started_at).total_seconds() // 60))
    locked.save(update_fields=["status", field, "version", "elapsed_minutes", "updated_at"])
    WalkthroughTransition.objects.create(walkthrough=locked, from_status=from_status, to_status=to, actor=actor, note=note[:500])
    return locked


def _require_loggable(walkthrough: Walkthrough, actor) -> None:
    if not queries.walkthrough_may_walk(actor, walkthrough):
        raise PermissionDenied(_("Only the walkthrough's own leader or the office may do that."))
    if not walkthrough.is_open:
        raise TransitionNotAllowed(_("This walkthrough is %(status)s and can no longer be changed.")
                                   % {"status": Status(walkthrough.status).label})


@transaction.atomic
def walkthrough_update(*, walkthrough: Walkthrough, actor, data: dict, version: int | None = None) -> Walkthrough:
    """Change plan details or observed figures while the walkthrough is not finished."""
    _require_loggable(walkthrough, actor)
    locked = _lock(walkthrough, version)
    _require_loggable(locked, actor)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ActionError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if locked.status != Status.PLANNED and {"mode", "scheduled_for"} & set(data):
        raise TransitionNotAllowed(_("Mode and date can only be changed before the walkthrough starts."))
    for key, value in data.items():
        setattr(locked, key, value)
    locked.full_clean()
    locked.version += 1
    locked.save(update_fields=[*data.keys(), "version", "updated_at"])
    return locked


@transaction.atomic
def event_add(*, walkthrough: Walkthrough, actor, kind: str, note: str = "", at: datetime.datetime | None = None) -> TimelineEvent:
    walkthrough = _lock(walkthrough, None)  # an event racing "complete" must not land on a completed walk
    _require_loggable(walkthrough, actor)
    if walkthrough.status != Status.IN_PROGRESS:
        raise TransitionNotAllowed(_("Start the walkthrough before logging what happens."))
    if kind not in EventKind.values:
        raise ActionError(_("Unknown event kind."))
    now = timezone.now()
    at = at or now
    if at > now + datetime.timedelta(minutes=5) or (walkthrough.started_at and at < walkthrough.started_at - datetime.timedelta(days=1)):
        raise ActionError(_("The time of the event must lie between the start of the walkthrough and now."))
    event = TimelineEvent(walkthrough=walkthrough, kind=kind, at=at, note=note.strip(), created_by=actor)
    event.full_clean(exclude=["walkthrough", "created_by"])
    event.save()
    Walkthrough.objects.filter(pk=walkthrough.pk).update(updated_at=now)
    return event


@transaction.atomic
def evidence_add(*, walkthrough: Walkthrough, actor, upload: UploadedFile, event: TimelineEvent | None = None) -> Evidence:
    """Check the content, store under a generated name; nothing is stored when the check fails."""
    _require_loggable(walkthrough, actor)
    if event is not None and event.walkthrough_id != walkthrough.pk:
        raise ActionError(_("The event belongs to another walkthrough."))
    return evidence_store(Evidence(walkthrough=walkthrough, event=event, uploaded_by=actor), upload)


@transaction.atomic
def checklist_answer_set(*, walkthrough: Walkthrough, actor, question: str, answer: str, note: str = "") -> ChecklistAnswer:
    _require_loggable(walkthrough, actor)
    if question not in {q.code for q in BY_MODE[walkthrough.mode]}:
        raise ActionError(_("This question is not part of this mode's checklist."))
    if answer not in Answer.values:
        raise ActionError(_("Answer with OK, problem or not applicable."))
    if len(note) > 1000:
        raise ActionError(_("The note is longer than 1000 characters."))
    row, _created = ChecklistAnswer.objects.update_or_create(
        walkthrough=walkthrough, question=question,
        defaults={"answer": answer, "note": note.strip(), "answered_by": actor},
    )
    return row

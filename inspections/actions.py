"""Writes about walkthroughs. Each function checks who may do it, is atomic, and keeps the history."""
from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ActionError, Conflict, TransitionNotAllowed
from core.uploads import evidence_store, generated_name
from webhooks import events as webhook_events

from . import queries
from . import checklists
from .models import (
    Answer,
    ChecklistAnswer,
    Mode,
    EventCorrection,
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
    if mode in Mode.values:  # else full_clean() below refuses the mode
        walkthrough.checklist = checklists.current_template(mode)
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


SIGNATURE_MAX_BYTES = 512 * 1024
SIGNATURE_MAX_PIXELS = 2000 * 1000


def _signature_check(signature: bytes) -> bytes:
    """A signature drawn on the screen: a PNG of sensible size, stored as it came."""
    import io

    from PIL import Image, UnidentifiedImageError

    if len(signature) > SIGNATURE_MAX_BYTES:
        raise ActionError(_("The signature image is too large."))
    try:
        with Image.open(io.BytesIO(signature)) as image:
            if image.format != "PNG" or image.width * image.height > SIGNATURE_MAX_PIXELS:
                raise ActionError(_("The signature must be a PNG drawn on the screen."))
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ActionError(_("The signature must be a PNG drawn on the screen.")) from None
    return signature


@transaction.atomic
def walkthrough_transition(*, walkthrough: Walkthrough, to: str, actor, note: str = "",
                           version: int | None = None, expected_status: str | None = None,
                           signature: bytes | None = None) -> Walkthrough:
    """The only way a walkthrough changes status; writes one transition row.

    ``version`` (API clients) or ``expected_status`` (a page, which saw the walkthrough in that
    status) guard against acting on a stale view: another change meanwhile is a Conflict.
    Cancelling needs a reason (``note``); completing may carry the head's drawn ``signature`` (PNG).
    """
    if not queries.walkthrough_may_walk(actor, walkthrough):
        raise PermissionDenied(_("Only the walkthrough's own leader or the office may do that."))
    if to == Status.CANCELLED and not note.strip():
        raise ActionError(_("Say why the walkthrough is cancelled."))
    if signature is not None and to != Status.COMPLETED:
        raise ActionError(_("A signature is given on completing the walkthrough."))
    if signature is not None:
        signature = _signature_check(signature)
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
    update_fields = ["status", field, "version", "elapsed_minutes", "updated_at"]
    answered = list(locked.answers.values_list("question", flat=True)) if to in (Status.IN_PROGRESS, Status.COMPLETED) else []
    if to == Status.IN_PROGRESS and not answered:
        # Nothing answered yet: walked with the questions in force today (inspections/checklists.py).
        locked.checklist = checklists.current_template(locked.mode)
        update_fields.append("checklist")
    if to == Status.COMPLETED and (missing := checklists.unanswered_required(locked, answered)):
        raise ActionError(_("Answer the required questions before completing: %(questions)s")
                          % {"questions": "；".join(str(q.text) for q in missing)})
    now = timezone.now()
    from_status = locked.status
    locked.status = to
    setattr(locked, field, now)
    locked.version += 1
    if to == Status.COMPLETED and locked.elapsed_minutes is None and locked.started_at:
        locked.elapsed_minutes = max(0, int((now - locked.started_at).total_seconds() // 60))
    if signature is not None:
        locked.signature.save(generated_name("png"), ContentFile(signature), save=False)
        locked.signed_at = now
        update_fields += ["signature", "signed_at"]
    locked.save(update_fields=update_fields)
    WalkthroughTransition.objects.create(walkthrough=locked, from_status=from_status, to_status=to, actor=actor, note=note.strip()[:500])
    if to == Status.COMPLETED:
        webhook_events.emit(webhook_events.Event.WALKTHROUGH_COMPLETED, department_id=locked.department_id,
                            data={"walkthrough": _webhook_data(locked)})
    return locked


def _webhook_data(walkthrough: Walkthrough) -> dict:
    completed_at = walkthrough.completed_at
    return {
        "id": walkthrough.pk, "status": walkthrough.status, "version": walkthrough.version,
        "department": walkthrough.department_id, "service_item": walkthrough.service_item_id,
        "leader": walkthrough.leader_id, "mode": walkthrough.mode,
        "completed_at": timezone.localtime(completed_at).isoformat() if completed_at else None,
    }


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
    mode_before = locked.mode
    for key, value in data.items():
        setattr(locked, key, value)
    update_fields = [*data.keys(), "version", "updated_at"]
    if locked.mode != mode_before and locked.mode in Mode.values:
        locked.checklist = checklists.current_template(locked.mode)  # the new mode's questions in force
        update_fields.append("checklist")
    locked.full_clean()
    locked.version += 1
    locked.save(update_fields=update_fields)
    return locked


# How far a phone's clock may be ahead of the server's before its time of a tap is not believed.
DEVICE_CLOCK_SKEW = datetime.timedelta(minutes=5)


# A phone's clock may be wrong, but not by years: further off than this, its time is not kept at all.
DEVICE_CLOCK_LIMIT = datetime.timedelta(days=366)


def device_time_possible(device_at: datetime.datetime, *, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    if timezone.is_naive(device_at):
        return False
    return abs(device_at - now) <= DEVICE_CLOCK_LIMIT


def _device_time(device_at: datetime.datetime | None, *, since: datetime.datetime | None, now: datetime.datetime):
    """The phone's time of a tap when it is believable (after the walk started, not in the future),
    else None: a tap logged offline keeps its own time, a phone with a wrong clock gets the server's."""
    if device_at is None:
        return None
    if timezone.is_naive(device_at):
        device_at = timezone.make_aware(device_at)
    if device_at > now + DEVICE_CLOCK_SKEW or (since is not None and device_at < since - DEVICE_CLOCK_SKEW):
        return None
    return min(device_at, now)


@transaction.atomic
def event_add(*, walkthrough: Walkthrough, actor, kind: str, note: str = "", at: datetime.datetime | None = None,
              device_at: datetime.datetime | None = None) -> TimelineEvent:
    """Log a tap. ``at`` (API clients) is checked and refused when impossible; ``device_at`` (the
    phone's time of the tap, sent by the walk page) is kept as sent and used as the event's time
    when it is believable."""
    walkthrough = _lock(walkthrough, None)  # an event racing "complete" must not land on a completed walk
    _require_loggable(walkthrough, actor)
    if walkthrough.status != Status.IN_PROGRESS:
        raise TransitionNotAllowed(_("Start the walkthrough before logging what happens."))
    if kind not in EventKind.values:
        raise ActionError(_("Unknown event kind."))
    now = timezone.now()
    if device_at is not None and not device_time_possible(device_at, now=now):
        raise ActionError(_("The device's time of the tap is impossible; check the phone's clock."))
    at = at or _device_time(device_at, since=walkthrough.started_at, now=now) or now
    if at > now + datetime.timedelta(minutes=5) or (walkthrough.started_at and at < walkthrough.started_at - datetime.timedelta(days=1)):
        raise ActionError(_("The time of the event must lie between the start of the walkthrough and now."))
    event = TimelineEvent(walkthrough=walkthrough, kind=kind, at=at, note=note.strip(), created_by=actor,
                          device_at=device_at, received_at=now)
    event.full_clean(exclude=["walkthrough", "created_by"])
    event.save()
    Walkthrough.objects.filter(pk=walkthrough.pk).update(updated_at=now)
    return event


@transaction.atomic
def event_correct(*, event: TimelineEvent, actor, at: datetime.datetime | None = None, note: str | None = None,
                  withdraw: bool = False, reason: str = "") -> EventCorrection:
    """Correct a logged event's time or note, or withdraw it, before the walkthrough is completed.
    The old values stay in an EventCorrection row and on the page."""
    walkthrough = _lock(event.walkthrough, None)
    _require_loggable(walkthrough, actor)
    event = TimelineEvent.objects.select_for_update().get(pk=event.pk)
    if event.withdrawn_at is not None:
        raise TransitionNotAllowed(_("This event was withdrawn."))
    now = timezone.now()
    new_at = at or event.at
    new_note = event.note if note is None else note.strip()
    if len(new_note) > 1000:
        raise ActionError(_("The note is longer than 1000 characters."))
    if timezone.is_naive(new_at):
        new_at = timezone.make_aware(new_at)
    if new_at > now + DEVICE_CLOCK_SKEW or (walkthrough.started_at and new_at < walkthrough.started_at - DEVICE_CLOCK_SKEW):
        raise ActionError(_("The time of the event must lie between the start of the walkthrough and now."))
    if not withdraw and new_at == event.at and new_note == event.note:
        raise ActionError(_("Nothing was changed."))
    correction = EventCorrection.objects.create(
        event=event, actor=actor, old_at=event.at, new_at=event.at if withdraw else new_at, old_note=event.note,
        new_note=event.note if withdraw else new_note, withdrawn=withdraw, reason=reason.strip()[:500])
    if withdraw:
        event.withdrawn_at = now
        event.save(update_fields=["withdrawn_at"])
    else:
        event.at, event.note = new_at, new_note
        event.save(update_fields=["at", "note"])
    Walkthrough.objects.filter(pk=walkthrough.pk).update(updated_at=now)
    return correction


@transaction.atomic
def evidence_add(*, walkthrough: Walkthrough, actor, upload: UploadedFile, event: TimelineEvent | None = None,
                 answer: ChecklistAnswer | None = None, device_at: datetime.datetime | None = None) -> Evidence:
    """Check the content, store under a generated name; nothing is stored when the check fails.
    A photo belongs to the walkthrough, or to one of its events or checklist answers."""
    _require_loggable(walkthrough, actor)
    if event is not None and event.walkthrough_id != walkthrough.pk:
        raise ActionError(_("The event belongs to another walkthrough."))
    if answer is not None and answer.walkthrough_id != walkthrough.pk:
        raise ActionError(_("The checklist answer belongs to another walkthrough."))
    evidence = Evidence(walkthrough=walkthrough, event=event, answer=answer, uploaded_by=actor, device_at=device_at)
    evidence_store(evidence, upload)
    # The walk record made before this photo is out of date (findings/reports/queries.py:data_stamp).
    Walkthrough.objects.filter(pk=walkthrough.pk).update(updated_at=timezone.now())
    return evidence


@transaction.atomic
def checklist_answer_set(*, walkthrough: Walkthrough, actor, question: str, answer: str, note: str = "",
                         device_at: datetime.datetime | None = None) -> ChecklistAnswer:
    _require_loggable(walkthrough, actor)
    if checklists.question_for(walkthrough, question) is None:
        raise ActionError(_("This question is not part of this mode's checklist."))
    if answer not in Answer.values:
        raise ActionError(_("Answer with OK, problem or not applicable."))
    if len(note) > 1000:
        raise ActionError(_("The note is longer than 1000 characters."))
    row, _created = ChecklistAnswer.objects.update_or_create(
        walkthrough=walkthrough, question=question,
        defaults={"answer": answer, "note": note.strip(), "answered_by": actor, "device_at": device_at},
    )
    pin = {} if walkthrough.checklist_id else {"checklist": checklists.current_template(walkthrough.mode)}
    Walkthrough.objects.filter(pk=walkthrough.pk).update(updated_at=timezone.now(), **pin)
    return row

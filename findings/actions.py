"""Writes about findings: file, move through the lifecycle, rectify, comment, attach.

Every move goes through :func:`finding_transition`: one table of allowed moves (``queries.MOVES``),
a row lock, the version the caller saw, and one history row in the same transaction.
"""
from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ActionError, Conflict, TransitionNotAllowed
from core.queue import enqueue_on_commit
from core.uploads import evidence_store
from inspections import queries as walkthrough_queries
from inspections.checklists import question_for
from inspections.models import Status as WalkStatus
from inspections.models import Walkthrough
from webhooks.events import Event, emit

from . import queries
from .models import (
    Comment,
    Finding,
    FindingEvidence,
    FindingStatus,
    FindingTransition,
    MeasuresRevision,
    Severity,
    SeverityDeadline,
)
from .workdays import add_working_days

NOTIFY_TASK = "findings.tasks.finding_notify"
DEFAULT_WORKING_DAYS = {Severity.MINOR: 15, Severity.MAJOR: 10, Severity.CRITICAL: 5}


def default_due_date(severity: str, start: datetime.date | None = None) -> datetime.date:
    row = SeverityDeadline.objects.filter(severity=severity).first()
    days = row.working_days if row else DEFAULT_WORKING_DAYS[severity]
    return add_working_days(start or timezone.localdate(), days)


def _notify(finding_id: int, event: str) -> None:
    # Once committed; a lost e-mail is logged, a lost move is not possible (findings.tasks).
    enqueue_on_commit(NOTIFY_TASK, finding_id, event)


def finding_event_data(finding: Finding) -> dict:
    """A finding as webhook events carry it: what a receiver needs to decide whether to fetch it
    (``GET /api/v1/findings/{id}/``), in the API's codes and formats."""
    return {
        "id": finding.pk, "status": finding.status, "version": finding.version, "department": finding.department_id,
        "service_item": finding.service_item_id, "walkthrough": finding.walkthrough_id, "category": finding.category,
        "severity": finding.severity, "title": finding.title,
        "due_date": finding.due_date.isoformat() if finding.due_date else None,
    }


def _emit_move(finding: Finding, transition: FindingTransition) -> None:
    """Every move is ``finding.moved``; an appeal is also ``finding.appealed`` and its decision
    ``finding.decided``, for receivers that follow appeals alone."""
    move = {"from": transition.from_status, "to": transition.to_status, "note": transition.note,
            "by": transition.actor.get_username(), "at": transition.at.isoformat()}
    data = {"finding": finding_event_data(finding), "move": move}
    emit(Event.FINDING_MOVED, department_id=finding.department_id, data=data)
    if transition.to_status == FindingStatus.APPEALED:
        emit(Event.FINDING_APPEALED, department_id=finding.department_id, data=data)
    elif transition.from_status == FindingStatus.APPEALED:
        outcome = "upheld" if transition.to_status == FindingStatus.RECTIFYING else "accepted"
        emit(Event.FINDING_DECIDED, department_id=finding.department_id, data={**data, "outcome": outcome})


@transaction.atomic
def finding_file(*, actor, category: str, title: str, severity: str = Severity.MINOR, description: str = "",
                 walkthrough=None, checklist_question: str = "", proposal_key: str = "", department=None,
                 service_item=None) -> Finding:
    """File a finding from a walkthrough (the head or the office) or directly (the office)."""
    if walkthrough is not None:
        if walkthrough.status == WalkStatus.CANCELLED:
            raise ActionError(_("A cancelled walkthrough has no findings."))
        if not walkthrough_queries.walkthrough_may_file(actor, walkthrough):
            raise PermissionDenied(_("Only the walkthrough's own leader or the office may file findings from it."))
        department = walkthrough.department
        service_item = walkthrough.service_item
    elif not queries.is_office(actor):
        raise PermissionDenied(_("Only the office files findings that do not come from a walkthrough."))
    if department is None and service_item is not None:
        department = service_item.department
    if department is None:
        raise ActionError(_("Choose the department responsible."))
    if checklist_question and walkthrough is None:
        raise ActionError(_("A checklist question belongs to a walkthrough."))
    if checklist_question:
        if question_for(walkthrough, checklist_question) is None:
            raise ActionError(_("This question is not part of this mode's checklist."))
    if proposal_key:
        if walkthrough is None:
            raise ActionError(_("A proposal belongs to a walkthrough."))
        # A proposal is filed once, ever: a second "confirm" answers the finding already filed.
        if (filed := _proposal_filed(walkthrough, proposal_key)) is not None:
            return filed
    finding = Finding(
        walkthrough=walkthrough, checklist_question=checklist_question, proposal_key=proposal_key,
        service_item=service_item, department=department, category=category, severity=severity,
        title=title.strip(), description=description.strip(), created_by=actor,
    )
    try:
        finding.full_clean()
        with transaction.atomic():  # a savepoint: a twin "confirm" may win at the unique constraint
            finding.save()
    except (ValidationError, IntegrityError):
        if proposal_key and (filed := _proposal_filed(walkthrough, proposal_key)) is not None:
            return filed
        raise
    emit(Event.FINDING_FILED, department_id=finding.department_id,
         data={"finding": finding_event_data(finding), "by": actor.get_username()})
    return finding


def _proposal_filed(walkthrough, proposal_key: str) -> Finding | None:
    """The finding filed for this proposal of this walkthrough (the constraint finding_proposal_once)."""
    return Finding.objects.filter(walkthrough=walkthrough, proposal_key=proposal_key).first()


def _lock(finding: Finding, version: int | None) -> Finding:
    locked = Finding.objects.select_for_update().get(pk=finding.pk)
    if version is not None and locked.version != version:
        raise Conflict(_("Someone else changed this finding meanwhile; reload it and try again."))
    return locked


@transaction.atomic
def finding_transition(*, finding: Finding, to: str, actor, note: str = "", version: int | None = None,
                       due_date: datetime.date | None = None, ledger: dict | None = None) -> Finding:
    """Move a finding; exactly one history row per successful move."""
    locked = _lock(finding, version)
    move = (locked.status, to)
    if move not in queries.MOVES:
        if version is None and finding.status != locked.status:
            raise Conflict(_("Someone else changed this finding meanwhile; reload it and try again."))
        labels = {"from": FindingStatus(locked.status).label, "to": FindingStatus(to).label if to in FindingStatus.values else to}
        raise TransitionNotAllowed(_("A finding that is “%(from)s” cannot become “%(to)s”.") % labels)
    if not queries.finding_may_move(actor, locked, to):
        raise PermissionDenied(_("You may not make this move."))
    note = (note or "").strip()
    if move in queries.NOTE_REQUIRED and not note:
        raise ActionError(_("Give the reason in the note."))
    if to == FindingStatus.APPEALED and (refusal := queries.appeal_refusal(locked)):
        raise ActionError(refusal)
    if len(note) > 2000:
        raise ActionError(_("The note is longer than 2000 characters."))
    now = timezone.now()
    fields = ["status", "version", "updated_at"]
    if due_date is not None and due_date < timezone.localdate():
        raise ActionError(_("The deadline cannot be in the past."))
    if to == FindingStatus.RECTIFYING and locked.status == FindingStatus.OPEN:
        locked.due_date = due_date or default_due_date(locked.severity)
        locked.assigned_at = now
        fields += ["due_date", "assigned_at"]
    elif to == FindingStatus.RECTIFYING and locked.status == FindingStatus.APPEALED:
        # The appeal is turned down: a new deadline, by default the working days the old one still
        # had when the appeal stopped its clock, counted from today.
        if due_date is None:
            appealed = (locked.transitions.filter(from_status=FindingStatus.RECTIFYING, to_status=FindingStatus.APPEALED)
                        .order_by("-at", "-id").first())
            appealed_on = timezone.localtime(appealed.at).date() if appealed else timezone.localdate()
            due_date = add_working_days(timezone.localdate(), queries.appeal_remaining_days(locked, appealed_on))
        locked.due_date = due_date
        fields.append("due_date")
    elif to == FindingStatus.RECTIFYING and due_date is not None:  # rejected with a new deadline
        locked.due_date = due_date
        fields.append("due_date")
    if to == FindingStatus.SUBMITTED:
        if not locked.measures.strip():
            raise ActionError(_("Record the rectification measures before submitting."))
        locked.submitted_at = now
        fields.append("submitted_at")
    if to in (FindingStatus.CLOSED, FindingStatus.DISMISSED):
        locked.closed_at = now
        fields.append("closed_at")
    if to == FindingStatus.CLOSED and ledger:
        for key in ("materials_cut", "days_cut", "visits_cut"):
            if ledger.get(key) is not None:
                value = ledger[key]
                if not isinstance(value, int) or value < 0:
                    raise ActionError(_("The simplification figures must be whole numbers of 0 or more."))
                try:
                    Finding._meta.get_field(key).run_validators(value)  # the model's own limits
                except ValidationError as exc:
                    raise ActionError(f"{Finding._meta.get_field(key).verbose_name}：{'；'.join(exc.messages)}") from exc
                setattr(locked, key, value)
                fields.append(key)
    from_status = locked.status
    locked.status = to
    locked.version += 1
    locked.save(update_fields=fields)
    transition = FindingTransition.objects.create(finding=locked, from_status=from_status, to_status=to, actor=actor,
                                                  note=note)
    if from_status == FindingStatus.APPEALED:
        event = "upheld" if to == FindingStatus.RECTIFYING else "accepted"
    else:
        event = {FindingStatus.RECTIFYING: "assigned" if from_status == FindingStatus.OPEN else "rejected",
                 FindingStatus.SUBMITTED: "submitted", FindingStatus.APPEALED: "appealed"}.get(to)
    if event:
        _notify(locked.pk, event)
    _emit_move(locked, transition)
    return locked


@transaction.atomic
def finding_appeal(*, finding: Finding, actor, note: str, version: int | None = None, uploads=()) -> Finding:
    """申诉: the department's liaison or head disputes the finding with reasons and evidence, in
    one step: the move to "under appeal" and the files, together or not at all."""
    appealed = finding_transition(finding=finding, to=FindingStatus.APPEALED, actor=actor, note=note, version=version)
    for upload in uploads:
        finding_evidence_add(finding=appealed, actor=actor, upload=upload)
    return appealed


@transaction.atomic
def finding_reassign(*, finding: Finding, actor, department, due_date: datetime.date | None = None, note: str = "",
                     version: int | None = None) -> Finding:
    """The office hands a finding to another department (a history row, status unchanged)."""
    if not queries.is_office(actor):
        raise PermissionDenied(_("Only the office assigns findings."))
    locked = _lock(finding, version)
    if locked.status in (FindingStatus.CLOSED, FindingStatus.DISMISSED):
        raise TransitionNotAllowed(_("A finding that is struck off cannot be reassigned."))
    previous = locked.department
    locked.department = department
    if due_date is not None:
        locked.due_date = due_date
    locked.version += 1
    locked.save(update_fields=["department", "due_date", "version", "updated_at"])
    text = _("Reassigned from %(old)s to %(new)s.") % {"old": previous.name, "new": department.name}
    FindingTransition.objects.create(finding=locked, from_status=locked.status, to_status=locked.status, actor=actor,
                                     note=f"{text} {note}".strip())
    if locked.status == FindingStatus.RECTIFYING:
        _notify(locked.pk, "assigned")
    return locked


@transaction.atomic
def finding_bulk_assign(*, findings, actor, due_date: datetime.date | None = None, note: str = "") -> int:
    """Assign every open finding of the selection; the others are left as they are."""
    moved = 0
    for finding in findings:
        if finding.status == FindingStatus.OPEN:
            finding_transition(finding=finding, to=FindingStatus.RECTIFYING, actor=actor, note=note, due_date=due_date)
            moved += 1
    return moved


@transaction.atomic
def finding_record_measures(*, finding: Finding, actor, measures: str, version: int | None = None) -> Finding:
    if not queries.finding_may_rectify(actor, finding):
        raise PermissionDenied(_("Only the department's liaison records rectification, while it is under way."))
    locked = _lock(finding, version)
    if not queries.finding_may_rectify(actor, locked):
        raise Conflict(_("Someone else changed this finding meanwhile; reload it and try again."))
    if len(measures) > 4000:
        raise ActionError(_("The measures are longer than 4000 characters."))
    text = measures.strip()
    if text != locked.measures:  # each text that differs is kept, with who wrote it (the timeline)
        MeasuresRevision.objects.create(finding=locked, actor=actor, measures=text)
    locked.measures = text
    locked.version += 1
    locked.save(update_fields=["measures", "version", "updated_at"])
    return locked


@transaction.atomic
def finding_submit(*, finding: Finding, actor, measures: str, version: int | None = None, note: str = "") -> Finding:
    """The liaison's one step: record the measures as typed and submit them for verification,
    together or not at all (a refusal leaves the finding as it was)."""
    recorded = finding_record_measures(finding=finding, actor=actor, measures=measures, version=version)
    return finding_transition(finding=recorded, to=FindingStatus.SUBMITTED, actor=actor, note=note, version=recorded.version)


@transaction.atomic
def finding_evidence_add(*, finding: Finding, actor, upload: UploadedFile,
                         device_at: datetime.datetime | None = None) -> FindingEvidence:
    if not queries.finding_may_attach(actor, finding):
        raise PermissionDenied(_("Photos are added by whoever filed the finding while it is open, and by the "
                                 "department's liaison while it is being rectified."))
    evidence = evidence_store(FindingEvidence(finding=finding, uploaded_by=actor, device_at=device_at), upload)
    Finding.objects.filter(pk=finding.pk).update(updated_at=timezone.now())
    return evidence


@transaction.atomic
def comment_add(*, finding: Finding, actor, body: str) -> Comment:
    if not queries.finding_may_comment(actor, finding):
        raise PermissionDenied(_("API clients have read-only access."))
    body = body.strip()
    if not body:
        raise ActionError(_("Write a comment first."))
    if len(body) > 4000:
        raise ActionError(_("The comment is longer than 4000 characters."))
    comment = Comment.objects.create(finding=finding, author=actor, body=body)
    Finding.objects.filter(pk=finding.pk).update(updated_at=timezone.now())
    return comment


@transaction.atomic
def proposal_discard(*, walkthrough, actor, key: str) -> None:
    if not walkthrough_queries.walkthrough_may_file(actor, walkthrough):
        raise PermissionDenied(_("Only the walkthrough's own leader or the office may file findings from it."))
    locked = Walkthrough.objects.select_for_update().get(pk=walkthrough.pk)
    if key not in locked.discarded_proposals:
        locked.discarded_proposals = [*locked.discarded_proposals, key]
        locked.save(update_fields=["discarded_proposals", "updated_at"])

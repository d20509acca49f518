"""What a report is made from: querysets already limited to what its requester may see."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet


@dataclass
class ReportInput:
    kind: str  # walkthrough | department | bulletin | ledger
    findings: QuerySet  # findings.Finding, scoped to the requester
    walkthroughs: QuerySet  # inspections.Walkthrough, scoped to the requester
    walkthrough: object | None  # inspections.Walkthrough, for kind "walkthrough"
    department: object | None  # services.Department, for kind "department" (and optionally "ledger")
    period_start: datetime.date | None  # bulletin and ledger: the period (inclusive), may be None
    period_end: datetime.date | None
    number: str  # the 发文字号, e.g. 池营商办〔2026〕3号 ("" for the kinds that are not numbered)
    issued_on: datetime.date  # the date printed on the document (成文日期)
    # The departments the scope covers, idle ones included (the bulletin's ranking lists them as 未开展);
    # None: only those with walkthroughs or findings in the scope.
    departments: QuerySet | None = None
    # The issuing body (版头 and 署名); "" means settings.REPORT_ISSUER.
    issuer: str = ""


# --- the walk record's photos ----------------------------------------------------------------------

@dataclass
class Photo:
    """One photo of a walkthrough and what it belongs to: the walkthrough itself, an event, or an answer."""

    evidence: object  # inspections.Evidence, an image
    event: object | None  # inspections.TimelineEvent
    question: object | None  # inspections.checklists.Question of the answer
    answer: object | None  # inspections.ChecklistAnswer

    @property
    def taken_at(self) -> datetime.datetime:
        """When the photo was taken as the phone said, else when the server got it."""
        return self.evidence.device_at or self.evidence.uploaded_at


def walkthrough_photos(walkthrough, questions: list) -> list[Photo]:
    """The walkthrough's photos in the order the record prints them, which is the record's own order:
    each event's in the timeline's order, then each checklist answer's in the checklist's order
    (``questions``, the mode's checklist), then the walkthrough's own; each group by the time taken.
    When the record prints only the first few, the photos with the least context are the ones left
    out. PDFs are not photos and are not among them. One query."""
    order = {q.code: (n, q) for n, q in enumerate(questions)}
    photos = []
    for e in (walkthrough.evidence.filter(content_type__startswith="image/")
              .select_related("event", "answer").order_by("uploaded_at", "id")):
        question = order.get(e.answer.question, (None, None))[1] if e.answer_id else None
        photos.append(Photo(evidence=e, event=e.event if e.event_id else None, question=question,
                            answer=e.answer if e.answer_id else None))

    def key(p: Photo):
        if p.event is not None:
            group = (0, p.event.at, p.event.pk)
        elif p.answer is not None:
            group = (1, order.get(p.answer.question, (len(order), None))[0], p.answer.pk)
        else:
            group = (2,)
        return (*group, p.taken_at, p.evidence.pk)

    return sorted(photos, key=key)

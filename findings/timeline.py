"""One timeline per finding: filing, every move (appeals and their decisions included), reassignments,
measures as recorded, evidence and comments — in order, each with who did it.

The rows come from the tables that already record each step (the finding itself for its filing,
``FindingTransition``, ``MeasuresRevision``, ``FindingEvidence``, ``Comment``); nothing is written twice.
The page, the API's ``history/`` and the ledger all read :func:`finding_timeline`, so they cannot
disagree. With :func:`timeline_prefetch` on the queryset, a page of findings costs five queries in all.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from .models import Comment, Finding, FindingEvidence, FindingStatus, FindingTransition, MeasuresRevision

FILED, MOVE, REASSIGN, MEASURES, EVIDENCE, COMMENT = "filed", "move", "reassign", "measures", "evidence", "comment"
KINDS = (FILED, MOVE, REASSIGN, MEASURES, EVIDENCE, COMMENT)
# The kinds as choices (the API's schema names them TimelineKindEnum).
KIND_CHOICES = [(kind, kind) for kind in KINDS]
# At the same instant (a photo attached with the filing, measures saved with the submission), the
# order a person did them in.
_SAME_MOMENT = {FILED: 0, MEASURES: 1, EVIDENCE: 2, MOVE: 3, REASSIGN: 3, COMMENT: 4}


@dataclass(frozen=True)
class Entry:
    kind: str
    at: datetime.datetime
    actor: object  # the user
    from_status: str  # the status before (for moves) or at the time (everything else)
    to_status: str
    note: str = ""  # a move's or reassignment's note, the measures' text, the comment's body
    evidence: FindingEvidence | None = field(default=None, compare=False)
    sequence: int = 0  # the row's id, for a stable order within its kind

    @property
    def from_label(self) -> str:
        return FindingStatus(self.from_status).label

    @property
    def to_label(self) -> str:
        return FindingStatus(self.to_status).label


def timeline_prefetch(findings: QuerySet[Finding]) -> QuerySet[Finding]:
    """The finding queryset with everything :func:`finding_timeline` reads, in one query per table."""
    return findings.select_related("created_by").prefetch_related(
        Prefetch("transitions", queryset=FindingTransition.objects.select_related("actor").order_by("at", "id")),
        Prefetch("measures_revisions", queryset=MeasuresRevision.objects.select_related("actor").order_by("at", "id")),
        Prefetch("evidence", queryset=FindingEvidence.objects.select_related("uploaded_by").order_by("uploaded_at", "id")),
        Prefetch("comments", queryset=Comment.objects.select_related("author").order_by("created_at", "id")),
    )


def finding_timeline(finding: Finding) -> list[Entry]:
    """Every step of ``finding``, oldest first; each non-move entry carries the status at its time."""
    steps: list[tuple] = [(finding.created_at, _SAME_MOMENT[FILED], 0, FILED, finding.created_by, "", None)]
    for t in finding.transitions.all():
        kind = REASSIGN if t.from_status == t.to_status else MOVE
        steps.append((t.at, _SAME_MOMENT[kind], t.pk, kind, t.actor, t.note, (t.from_status, t.to_status)))
    for m in finding.measures_revisions.all():
        steps.append((m.at, _SAME_MOMENT[MEASURES], m.pk, MEASURES, m.actor, m.measures, None))
    for e in finding.evidence.all():
        steps.append((e.uploaded_at, _SAME_MOMENT[EVIDENCE], e.pk, EVIDENCE, e.uploaded_by, e.original_name, e))
    for c in finding.comments.all():
        steps.append((c.created_at, _SAME_MOMENT[COMMENT], c.pk, COMMENT, c.author, c.body, None))
    steps.sort(key=lambda s: (s[0], s[1], s[2]))
    status = FindingStatus.OPEN
    entries = []
    for at, _order, pk, kind, actor, note, extra in steps:
        if kind == MOVE:
            frm, to = extra
            entries.append(Entry(kind, at, actor, frm, to, note, sequence=pk))
            status = to
        else:
            evidence = extra if kind == EVIDENCE else None
            entries.append(Entry(kind, at, actor, status, status, note, evidence=evidence, sequence=pk))
    return entries

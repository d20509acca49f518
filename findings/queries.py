"""Who may see and do what with findings, and the reads that go with them."""
from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import BooleanField, Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Role
from accounts.queries import department_scope, is_office, may_write

from .models import OPEN_STATUSES, Finding, FindingEvidence, FindingStatus, FindingTransition
from .workdays import add_working_days, working_days_between

# The table of moves: (from, to) → who may make it.
#   "office": the business-environment office;  "department": the liaison of the finding's department;
#   "appellant": the liaison or the head of the finding's department (申诉, see ``appeal_refusal``).
MOVES: dict[tuple[str, str], str] = {
    (FindingStatus.OPEN, FindingStatus.RECTIFYING): "office",  # 交办: assign with a deadline
    (FindingStatus.RECTIFYING, FindingStatus.SUBMITTED): "department",  # 整改: the department says it is fixed
    (FindingStatus.SUBMITTED, FindingStatus.CLOSED): "office",  # 核实问效, 销号
    (FindingStatus.SUBMITTED, FindingStatus.RECTIFYING): "office",  # rejected, with a reason
    (FindingStatus.OPEN, FindingStatus.DISMISSED): "office",
    (FindingStatus.RECTIFYING, FindingStatus.DISMISSED): "office",
    (FindingStatus.SUBMITTED, FindingStatus.DISMISSED): "office",
    (FindingStatus.RECTIFYING, FindingStatus.APPEALED): "appellant",  # 申诉: the department disputes it
    (FindingStatus.APPEALED, FindingStatus.RECTIFYING): "office",  # 复核: the finding is upheld, a new deadline
    (FindingStatus.APPEALED, FindingStatus.DISMISSED): "office",  # 复核: the appeal is accepted
}
# Moves that need a reason in the note.
NOTE_REQUIRED = {(FindingStatus.SUBMITTED, FindingStatus.RECTIFYING), (FindingStatus.OPEN, FindingStatus.DISMISSED),
                 (FindingStatus.RECTIFYING, FindingStatus.DISMISSED), (FindingStatus.SUBMITTED, FindingStatus.DISMISSED),
                 (FindingStatus.RECTIFYING, FindingStatus.APPEALED), (FindingStatus.APPEALED, FindingStatus.RECTIFYING),
                 (FindingStatus.APPEALED, FindingStatus.DISMISSED)}


def findings_visible(user) -> QuerySet[Finding]:
    """The office sees all; a department's people see its findings; an API client its scope.

    A head also sees the findings they filed themselves from a walkthrough of another department's
    item (they reported them; nothing else of that department becomes visible).
    """
    if not (user and user.is_authenticated and user.is_active):
        return Finding.objects.none()
    scope = department_scope(user)
    if user.role == Role.LEADER and not is_office(user):  # (Q() | x is x: never widen "everything")
        scope |= Q(created_by=user)
    return Finding.objects.filter(scope)


def evidence_visible(user) -> QuerySet[FindingEvidence]:
    """Rectification evidence goes with its finding: whoever may see the finding."""
    return FindingEvidence.objects.filter(finding__in=findings_visible(user))


def with_overdue(queryset: QuerySet[Finding], today: datetime.date | None = None) -> QuerySet[Finding]:
    """Overdue = past the deadline and not struck off, computed by the database."""
    today = today or timezone.localdate()
    return queryset.annotate(
        is_overdue=Case(When(Q(due_date__lt=today, status__in=OPEN_STATUSES), then=Value(True)),
                        default=Value(False), output_field=BooleanField())
    )


def mine_q(user) -> Q:
    """A head's own: the findings filed from the walkthroughs they led, or filed by them."""
    return Q(walkthrough__leader=user) | Q(created_by=user)


def with_sent_back(queryset: QuerySet[Finding]) -> QuerySet[Finding]:
    """Annotate ``sent_back``: being rectified again because the office rejected the submission
    (the last move was submitted → rectifying), and ``last_note``, the office's reason."""
    last_move = FindingTransition.objects.filter(finding=OuterRef("pk")).order_by("-at", "-id")
    return (queryset.annotate(last_from=Subquery(last_move.values("from_status")[:1]),
                              last_note=Subquery(last_move.values("note")[:1]))
            .annotate(sent_back=Case(When(Q(status=FindingStatus.RECTIFYING, last_from=FindingStatus.SUBMITTED), then=Value(1)),
                                     default=Value(0), output_field=IntegerField())))


def appeal_counts(findings: QuerySet[Finding]) -> dict[int, dict[str, int]]:
    """Appeals on these findings per department: made, upheld (the finding stands), accepted (it
    was dismissed) and waiting for the office. One grouped query over the appeal rows of the history
    (the partial index ``transition_appeal``), whatever the number of findings."""
    rows = (FindingTransition.objects.filter(Q(to_status=FindingStatus.APPEALED) | Q(from_status=FindingStatus.APPEALED),
                                             finding__in=findings.order_by().values("pk"))
            .exclude(from_status=F("to_status"))  # a reassignment while under appeal is no step of the appeal
            .order_by().values_list("finding__department_id", "from_status", "to_status").annotate(n=Count("id")))
    counts: dict[int, dict[str, int]] = {}
    for department_id, from_status, to_status, n in rows:
        row = counts.setdefault(department_id, {"made": 0, "upheld": 0, "accepted": 0, "pending": 0})
        if to_status == FindingStatus.APPEALED:
            row["made"] += n
        elif to_status == FindingStatus.RECTIFYING:
            row["upheld"] += n
        else:
            row["accepted"] += n
    for row in counts.values():
        row["pending"] = row["made"] - row["upheld"] - row["accepted"]
    return counts


def overdue_q(today: datetime.date | None = None) -> Q:
    return Q(due_date__lt=today or timezone.localdate(), status__in=OPEN_STATUSES)


def finding_may_move(user, finding: Finding, to: str) -> bool:
    who = MOVES.get((finding.status, to))
    if who is None or not may_write(user):
        return False
    if who == "office":
        return is_office(user)
    if who == "appellant":
        return user.role in (Role.LIAISON, Role.LEADER) and user.department_id == finding.department_id
    return user.role == Role.LIAISON and user.department_id == finding.department_id


def appeal_deadline(finding: Finding) -> datetime.date | None:
    """The last day the department may appeal: ``APPEAL_WORKING_DAYS`` working days after assignment,
    and never after the rectification deadline."""
    if finding.assigned_at is None:
        return None
    assigned = timezone.localtime(finding.assigned_at).date()
    last = add_working_days(assigned, settings.APPEAL_WORKING_DAYS)
    return min(last, finding.due_date) if finding.due_date else last


def appeal_refusal(finding: Finding, today: datetime.date | None = None) -> str:
    """Why this finding can no longer be appealed ("" when it can): a finding is appealed once, and
    only within the appeal period after its assignment."""
    if finding.status != FindingStatus.RECTIFYING:
        return gettext("Only a finding being rectified can be appealed.")
    if FindingTransition.objects.filter(finding=finding, from_status=FindingStatus.RECTIFYING,
                                        to_status=FindingStatus.APPEALED).exists():
        return gettext("This finding has already been appealed once; the office's decision stands.")
    today = today or timezone.localdate()
    if finding.due_date is not None and today > finding.due_date:
        # An appeal stops the clock: one made after the deadline would wipe out "overdue".
        return gettext("The rectification deadline (%(date)s) has passed; the finding can no longer be appealed.") % {
            "date": finding.due_date.isoformat()}
    last_day = appeal_deadline(finding)
    if last_day is None or today > last_day:
        return gettext("The appeal period ended on %(date)s (%(n)d working days after assignment).") % {
            "date": last_day.isoformat() if last_day else "—", "n": settings.APPEAL_WORKING_DAYS}
    return ""


def appeal_remaining_days(finding: Finding, appealed_on: datetime.date) -> int:
    """The working days the deadline still had when the appeal stopped its clock (at least one)."""
    if finding.due_date is None:
        return 1
    return max(1, working_days_between(appealed_on, finding.due_date))


def finding_moves_for(user, finding: Finding) -> list[str]:
    return [to for (frm, to) in MOVES if frm == finding.status and finding_may_move(user, finding, to)]


def finding_may_rectify(user, finding: Finding) -> bool:
    """Record measures and evidence: the department's liaison, while rectifying."""
    return (may_write(user) and finding.status == FindingStatus.RECTIFYING
            and user.role == Role.LIAISON and user.department_id == finding.department_id)


def finding_may_attach(user, finding: Finding) -> bool:
    """Photos and documents on a finding: the department's liaison while rectifying (what was fixed);
    the department's liaison or head while it is under appeal (why it is disputed); whoever filed
    it, or the office, while it is still open (what was seen)."""
    if finding_may_rectify(user, finding):
        return True
    if (may_write(user) and finding.status == FindingStatus.APPEALED and user.department_id == finding.department_id
            and user.role in (Role.LIAISON, Role.LEADER)):
        return True  # the department's evidence for its appeal
    return (may_write(user) and finding.status == FindingStatus.OPEN
            and (is_office(user) or finding.created_by_id == user.pk))


def finding_may_comment(user, finding: Finding) -> bool:
    return may_write(user)  # anyone who can see it, except read-only API clients

"""Who may see and do what with walkthroughs — the one place that decides it."""
from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.queries import department_scope, is_office, may_use_pages, may_write  # noqa: F401 (is_office re-exported)
from core.categories import Category
from core.workdays import add_working_days, calendar_days_between
from services.models import LimitUnit

from .models import Evidence, Status, Walkthrough


def walkthroughs_visible(user) -> QuerySet[Walkthrough]:
    """The office sees all; a department's people see its items' walkthroughs; a head also sees
    those they walk for another department; an API client sees its scope."""
    if not (user and user.is_authenticated and user.is_active):
        return Walkthrough.objects.none()
    scope = department_scope(user)
    if user.role == Role.LEADER and not is_office(user):  # (Q() | x is x: never widen "everything")
        scope |= Q(leader=user)
    return Walkthrough.objects.filter(scope)


def evidence_visible(user) -> QuerySet[Evidence]:
    """A walkthrough's photos and documents go with the walkthrough: whoever may see it."""
    return Evidence.objects.filter(walkthrough__in=walkthroughs_visible(user))


def walkthrough_may_plan(user, *, item, leader) -> bool:
    """A head plans for their own department's items; the office plans (assigns) for anyone."""
    if is_office(user):
        return leader.role == Role.LEADER and leader.is_active
    return (
        may_write(user) and user.role == Role.LEADER and leader.pk == user.pk
        and item.department_id == user.department_id
    )


def walkthrough_may_walk(user, walkthrough: Walkthrough) -> bool:
    """Start, log, attach, answer, complete or cancel: the walkthrough's own head, or the office."""
    return may_write(user) and (is_office(user) or walkthrough.leader_id == user.pk)


def walkthrough_may_log(user, walkthrough: Walkthrough) -> bool:
    """Logging is for a walkthrough that is under way (or planned: figures and notes ahead of time)."""
    return walkthrough.status in (Status.PLANNED, Status.IN_PROGRESS) and walkthrough_may_walk(user, walkthrough)


def leaders_plannable(user) -> QuerySet[User]:
    if is_office(user):
        return User.objects.filter(role=Role.LEADER, is_active=True).select_related("department").order_by("department__code", "username")
    if may_use_pages(user) and user.role == Role.LEADER:
        return User.objects.filter(pk=user.pk)
    return User.objects.none()


def leaders_without_walk(*, month_start: datetime.date, month_end: datetime.date) -> QuerySet[User]:
    """Heads who have completed no walkthrough in the month (the office's chase list)."""
    walked = Walkthrough.objects.filter(
        leader=OuterRef("pk"), status=Status.COMPLETED, scheduled_for__gte=month_start, scheduled_for__lte=month_end
    )
    planned = Count("walkthroughs", filter=Q(walkthroughs__scheduled_for__gte=month_start,
                                                walkthroughs__scheduled_for__lte=month_end,
                                                walkthroughs__status__in=[Status.PLANNED, Status.IN_PROGRESS]))
    return (
        User.objects.filter(role=Role.LEADER, is_active=True)
        .exclude(Exists(walked))
        .annotate(planned_count=planned)
        .select_related("department")
        .order_by("department__code", "username")
    )


def walkthrough_may_file(user, walkthrough: Walkthrough) -> bool:
    """A head files findings from their own walkthrough (even completed); the office from any."""
    if not may_write(user) or walkthrough.status == Status.CANCELLED:
        return False
    return is_office(user) or walkthrough.leader_id == user.pk


def elapsed_in_limit_unit(walkthrough: Walkthrough) -> int | None:
    """The walkthrough's elapsed time in the unit of its item's time limit, to compare with it.

    The head records the working days the application took (``elapsed_days``). A limit in working
    days is compared with that; a limit in calendar days with the calendar days those working days
    span, counted from the day the walkthrough started (``started_at``, else the day it was
    planned for) by the holiday calendar (core/workdays.py): five working days from the Tuesday
    before 国庆 are thirteen calendar days.
    """
    elapsed = walkthrough.elapsed_days
    if elapsed is None or walkthrough.service_item.limit_unit != LimitUnit.CALENDAR_DAYS:
        return elapsed
    start = timezone.localtime(walkthrough.started_at).date() if walkthrough.started_at else walkthrough.scheduled_for
    return calendar_days_between(start, add_working_days(start, elapsed))


def walkthrough_proposals(walkthrough: Walkthrough) -> list[dict]:
    """Where what the head met exceeds what the catalog declares: findings proposed, not filed
    (``walkthrough.findings`` is the reverse side of the finding's walkthrough, read without
    importing the findings app)."""
    item = walkthrough.service_item
    declared_materials = len(item.materials.all())
    declared_steps = len(item.steps.all())
    checks = [
        ("materials", walkthrough.observed_materials, declared_materials, Category.EXCESS_MATERIALS,
         _("%(observed)d materials demanded where the catalog declares %(declared)d")),
        ("visits", walkthrough.observed_visits, item.max_visits, Category.EXCESS_VISITS,
         _("%(observed)d visits needed where the catalog declares %(declared)d")),
        ("steps", walkthrough.observed_steps, declared_steps, Category.EXCESS_STEPS,
         _("%(observed)d steps passed where the catalog declares %(declared)d")),
        ("time", elapsed_in_limit_unit(walkthrough), item.promised_limit_days, Category.TIME_LIMIT,
         _("%(observed)d calendar days taken where %(declared)d are promised")
         if item.limit_unit == LimitUnit.CALENDAR_DAYS else
         _("%(observed)d working days taken where %(declared)d are promised")),
    ]
    proposals = []
    for key, observed, declared, category, text in checks:
        if observed is not None and observed > declared:
            proposals.append({"key": key, "category": category, "title": f"{item.name}：{text % {'observed': observed, 'declared': declared}}"})
    depth = walkthrough.observed_online_depth
    if depth is not None and depth < item.online_depth:
        proposals.append({"key": "online", "category": Category.ONLINE_NOT_COVERED,
                          "title": f"{item.name}：" + _("online depth met was %(observed)s where the catalog declares %(declared)s")
                          % {"observed": "ⅠⅡⅢⅣ"[depth - 1], "declared": "ⅠⅡⅢⅣ"[item.online_depth - 1]}})
    filed = set(walkthrough.findings.exclude(proposal_key="").values_list("proposal_key", flat=True)) if walkthrough.pk else set()
    discarded = set(walkthrough.discarded_proposals or [])
    return [p for p in proposals if p["key"] not in filed and p["key"] not in discarded]

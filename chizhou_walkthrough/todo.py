"""The home page as a to-do list: for each role, what to do now.

Every line is a count and a link to exactly the rows it counts, in the findings list
(``/findings/``), the walkthrough list (``/walkthroughs/``), the calendar or the public requests,
using only the filters those pages have (``tests/test_home.py`` follows each link and compares).
Everything is read through the apps' ``*_visible(user)`` querysets, in a fixed number of queries
whatever the amount of data: one aggregate per table, one query per short list.
"""
from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.queries import is_office
from core import workdays
from findings import queries as finding_queries
from findings.models import FindingStatus
from inspections import queries as walk_queries
from inspections.models import Status
from public.models import PublicRequest, PublicRequestStatus

# How many of the liaison's findings are listed on the home page (the line links to all of them).
LIAISON_ROWS = 10
# How many names of heads who have not walked this month are spelled out (the line links to all).
NOT_WALKED_NAMES = 12


@dataclass(frozen=True)
class Group:
    key: str
    title: object
    lines: list


@dataclass(frozen=True)
class Line:
    key: str  # stable: the element's id on the page, and what the tests look for
    label: object
    count: int
    url: str
    urgent: bool = False  # something is late or sent back: drawn in red while the count is not 0
    sub: bool = False  # a part of the line above it ("of which …")


def _url(name: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{reverse(name)}?{query}" if query else reverse(name)


def _month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = today.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _week(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    monday = today - datetime.timedelta(days=today.weekday())
    return monday, monday + datetime.timedelta(days=6)


def working_days_after(start: datetime.date, end: datetime.date, days_calendar=None) -> int:
    """Working days by the holiday calendar (core/workdays.py) after ``start`` up to and including
    ``end``; 0 when ``end`` is not after ``start``. ``days_calendar``: a ``core.workdays.Calendar`` read
    once for a list."""
    return (days_calendar or workdays).working_days_between(start, end)


def deadline_state(due: datetime.date | None, today: datetime.date, days_calendar=None) -> dict:
    """How a deadline stands today, in working days: ``{"kind": "left"|"today"|"late"|"none", "days": n}``."""
    if due is None:
        return {"kind": "none", "days": 0}
    if due == today:
        return {"kind": "today", "days": 0}
    if due > today:
        return {"kind": "left", "days": working_days_after(today, due, days_calendar)}
    return {"kind": "late", "days": working_days_after(due, today, days_calendar)}


def _finding_counts(user, today: datetime.date, *statuses: str, overdue: bool = False, within: Q | None = None) -> dict[str, int]:
    """The user's visible findings (``within`` a further condition) counted by status (and overdue), in one query."""
    counts = {status: Count("pk", filter=Q(status=status)) for status in statuses}
    if overdue:
        counts["overdue"] = Count("pk", filter=finding_queries.overdue_q(today))
    visible = finding_queries.findings_visible(user)
    return (visible.filter(within) if within is not None else visible).aggregate(**counts)


def office_todo(user, today: datetime.date) -> dict:
    findings = _finding_counts(user, today, FindingStatus.OPEN, FindingStatus.SUBMITTED, FindingStatus.APPEALED, overdue=True)
    monday, sunday = _week(today)
    month_start, month_end = _month(today)
    walks_week = (walk_queries.walkthroughs_visible(user).filter(scheduled_for__gte=monday, scheduled_for__lte=sunday)
                  .exclude(status=Status.CANCELLED).count())
    not_walked = list(walk_queries.leaders_without_walk(month_start=month_start, month_end=month_end))
    waiting = PublicRequest.objects.filter(status=PublicRequestStatus.RECEIVED).count()
    finding_lines = [
        Line("to-assign", _("Findings to assign"), findings[FindingStatus.OPEN],
             _url("finding-list", status=FindingStatus.OPEN)),
        Line("to-verify", _("Rectifications to verify"), findings[FindingStatus.SUBMITTED],
             _url("finding-list", status=FindingStatus.SUBMITTED)),
        Line("to-decide", _("Appeals to decide"), findings[FindingStatus.APPEALED],
             _url("finding-list", status=FindingStatus.APPEALED)),
        Line("overdue", _("Overdue findings"), findings["overdue"], _url("finding-list", overdue="on"), urgent=True),
    ]
    walk_lines = [
        Line("walks-week", _("Walkthroughs this week"), walks_week,
             _url("walkthrough-list", since=monday.isoformat(), until=sunday.isoformat(), active=1)),
        Line("not-walked", _("Heads who have not walked this month"), len(not_walked),
             _url("walkthrough-calendar", month=today.strftime("%Y-%m")) + "#not-walked", urgent=True),
    ]
    public_lines = [
        Line("public-waiting", _("Public requests waiting"), waiting,
             _url("public-request-list", status=PublicRequestStatus.RECEIVED)),
    ]
    groups = [Group("findings", _("Findings"), finding_lines), Group("walks", _("Walkthroughs"), walk_lines),
              Group("public", _("Public requests"), public_lines)]
    return {"groups": groups, "not_walked": not_walked[:NOT_WALKED_NAMES], "not_walked_more": max(0, len(not_walked) - NOT_WALKED_NAMES),
            "week": (monday, sunday)}


def leader_todo(user, today: datetime.date) -> dict:
    month_start, month_end = _month(today)
    mine = walk_queries.walkthroughs_visible(user).filter(leader=user)
    in_month = Q(scheduled_for__gte=month_start, scheduled_for__lte=month_end)
    walks = mine.aggregate(
        in_progress=Count("pk", filter=Q(status=Status.IN_PROGRESS)),
        planned=Count("pk", filter=Q(status=Status.PLANNED)),
        month=Count("pk", filter=in_month & ~Q(status=Status.CANCELLED)),
        month_done=Count("pk", filter=in_month & Q(status=Status.COMPLETED)),
    )
    # What to walk now: one under way first, else the earliest planned (a missed date included).
    next_walk = (mine.filter(status__in=[Status.IN_PROGRESS, Status.PLANNED])
                 .select_related("service_item", "department")
                 .order_by(Case(When(status=Status.IN_PROGRESS, then=Value(0)), default=Value(1), output_field=IntegerField()),
                           "scheduled_for", "id")
                 .first())
    # The findings from the head's own walks (filed from them, or by the head): what awaits action on them.
    findings = _finding_counts(user, today, FindingStatus.OPEN, FindingStatus.RECTIFYING, FindingStatus.SUBMITTED, overdue=True,
                               within=finding_queries.mine_q(user))
    month = {"since": month_start.isoformat(), "until": month_end.isoformat()}
    walk_lines = [
        Line("walks-in-progress", _("My walkthroughs under way"), walks["in_progress"],
             _url("walkthrough-list", status=Status.IN_PROGRESS, mine=1)),
        Line("walks-planned", _("My planned walkthroughs"), walks["planned"],
             _url("walkthrough-list", status=Status.PLANNED, mine=1)),
        Line("walks-month", _("My walkthroughs this month"), walks["month"],
             _url("walkthrough-list", mine=1, active=1, **month)),
        Line("walks-month-done", _("of which completed"), walks["month_done"],
             _url("walkthrough-list", status=Status.COMPLETED, mine=1, **month), sub=True),
    ]
    finding_lines = [
        Line("findings-open", _("Waiting to be assigned by the office"), findings[FindingStatus.OPEN],
             _url("finding-list", status=FindingStatus.OPEN, mine="on")),
        Line("findings-rectifying", _("Being rectified"), findings[FindingStatus.RECTIFYING],
             _url("finding-list", status=FindingStatus.RECTIFYING, mine="on")),
        Line("findings-submitted", _("Waiting for the office to verify"), findings[FindingStatus.SUBMITTED],
             _url("finding-list", status=FindingStatus.SUBMITTED, mine="on")),
        Line("findings-overdue", _("Overdue"), findings["overdue"], _url("finding-list", overdue="on", mine="on"), urgent=True),
    ]
    groups = [Group("walks", _("My walkthroughs"), walk_lines),
              Group("findings", _("Findings from my walkthroughs, not yet closed"), finding_lines)]
    return {"next_walk": next_walk, "groups": groups}


def liaison_todo(user, today: datetime.date) -> dict:
    visible = finding_queries.findings_visible(user)
    findings = _finding_counts(user, today, FindingStatus.RECTIFYING, FindingStatus.SUBMITTED, FindingStatus.APPEALED,
                               overdue=True)
    rows = list(
        # Sent back (the office rejected the submission) first, then by deadline.
        finding_queries.with_sent_back(visible.filter(status=FindingStatus.RECTIFYING))
        .select_related("service_item")
        .order_by("-sent_back", F("due_date").asc(nulls_last=True), "id")[:LIAISON_ROWS]
    )
    dues = [f.due_date for f in rows if f.due_date] + [today]
    days_calendar = workdays.Calendar(min(dues), max(dues))  # one query for the rows' deadlines
    for finding in rows:
        finding.deadline = deadline_state(finding.due_date, today, days_calendar)
    lines = [
        Line("rectifying", _("Findings to rectify"), findings[FindingStatus.RECTIFYING],
             _url("finding-list", status=FindingStatus.RECTIFYING)),
        Line("overdue", _("Overdue"), findings["overdue"], _url("finding-list", overdue="on"), urgent=True),
        Line("submitted", _("Submitted, waiting for the office to verify"), findings[FindingStatus.SUBMITTED],
             _url("finding-list", status=FindingStatus.SUBMITTED)),
        Line("appealed", _("Appealed, waiting for the office to decide"), findings[FindingStatus.APPEALED],
             _url("finding-list", status=FindingStatus.APPEALED)),
    ]
    return {"groups": [Group("findings", _("My department's findings"), lines)], "rows": rows,
            "rows_more": max(0, findings[FindingStatus.RECTIFYING] - len(rows)), "all_rectifying": lines[0].url}


def todo_for(user, today: datetime.date) -> tuple[str, dict]:
    """The role whose to-do list ``user`` sees, and its contents."""
    if is_office(user):
        return "office", office_todo(user, today)
    if user.role == Role.LEADER:
        return "leader", leader_todo(user, today)
    if user.role == Role.LIAISON:
        return "liaison", liaison_todo(user, today)
    return "", {}

"""Reports: who may ask for which, what each shows, and who may see the result."""
from __future__ import annotations

import hashlib

from django.db.models import Count, Max, Q, QuerySet

from accounts.models import Role, User
from accounts.queries import is_office, may_write
from inspections.models import Walkthrough
from inspections.queries import walkthroughs_visible
from services.models import Department

from ..models import Finding, Report, ReportKind
from ..queries import findings_visible

ALL = "all"


def scope_findings(scope: str) -> QuerySet[Finding]:
    """The findings a report of ``scope`` shows: decided by the scope alone, so that two people with
    the same scope get the same report."""
    if scope == ALL:
        return Finding.objects.all()
    kind, _, ident = scope.partition(":")
    if kind == "dept":
        return Finding.objects.filter(department_id=int(ident))
    if kind == "user":
        return findings_visible(User.objects.get(pk=int(ident)))
    return Finding.objects.none()


def scope_departments(scope: str):
    """The departments a scope covers, idle or not: all active ones for the city, else its own."""
    if scope == ALL:
        return Department.objects.filter(is_active=True)
    kind, _, ident = scope.partition(":")
    if kind == "dept":
        return Department.objects.filter(pk=int(ident))
    return None


def scope_walkthroughs(scope: str) -> QuerySet[Walkthrough]:
    if scope == ALL:
        return Walkthrough.objects.all()
    kind, _, ident = scope.partition(":")
    if kind == "dept":
        return Walkthrough.objects.filter(department_id=int(ident))
    if kind == "user":
        return walkthroughs_visible(User.objects.get(pk=int(ident)))
    return Walkthrough.objects.none()


def user_scope(user) -> str | None:
    if is_office(user):
        return ALL
    if user.role in (Role.LEADER, Role.LIAISON) and user.department_id:
        return f"dept:{user.department_id}"
    return None


def report_scope_for(user, *, kind: str, walkthrough=None, department=None) -> str | None:
    """The scope a request by ``user`` gets, or None when they may not ask for it."""
    if not may_write(user):
        return None
    base = user_scope(user)
    if base is None:
        return None
    if kind == ReportKind.WALKTHROUGH:
        if walkthrough is None or not walkthroughs_visible(user).filter(pk=walkthrough.pk).exists():
            return None
        if base == ALL:
            return ALL
        # A head who walked another department's item sees it through their own eyes.
        return base if walkthrough.department_id == user.department_id else f"user:{user.pk}"
    if kind == ReportKind.BULLETIN:
        return ALL if base == ALL else None
    if kind == ReportKind.DEPARTMENT:
        if department is None:
            return None
        return base if base == ALL or department.pk == user.department_id else None
    if kind == ReportKind.LEDGER:
        if base == ALL or department is None or department.pk == user.department_id:
            return base
        return None
    return None


def reports_visible(user) -> QuerySet[Report]:
    if not (user and user.is_authenticated and user.is_active):
        return Report.objects.none()
    if is_office(user):
        return Report.objects.all()
    scopes = [f"user:{user.pk}"]
    if user.department_id and user.role in (Role.LEADER, Role.LIAISON, Role.API):
        scopes.append(f"dept:{user.department_id}")
    return Report.objects.filter(scope__in=scopes)


def request_key(*, kind, scope, walkthrough_id, department_id, period_start, period_end) -> str:
    raw = "|".join(str(x) for x in (kind, scope, walkthrough_id, department_id, period_start, period_end))
    return hashlib.sha256(raw.encode()).hexdigest()


def data_stamp(report: Report) -> str:
    """A fingerprint of what the report shows: when it changes, a new report is made."""
    findings = scope_findings(report.scope)
    walkthroughs = scope_walkthroughs(report.scope)
    if report.kind == ReportKind.WALKTHROUGH:
        findings = findings.filter(walkthrough_id=report.walkthrough_id)
        walkthroughs = walkthroughs.filter(pk=report.walkthrough_id)
    elif report.department_id:
        findings = findings.filter(department_id=report.department_id)
        walkthroughs = walkthroughs.filter(department_id=report.department_id)
    f = findings.aggregate(n=Count("id"), last=Max("updated_at"))
    w = walkthroughs.aggregate(n=Count("id"), last=Max("updated_at"))
    raw = f"{f['n']}|{f['last']}|{w['n']}|{w['last']}"
    return hashlib.sha256(raw.encode()).hexdigest()


def report_reusable(*, key: str, stamp: str) -> Report | None:
    """A report for the same request that is still on its way, or done on the same data."""
    return (
        Report.objects.filter(request_key=key)
        .filter(Q(status__in=["pending", "running"]) | Q(status="done", data_stamp=stamp))
        .order_by("-created_at")
        .first()
    )

"""The campaign at a glance: every figure aggregated by the database, a fixed number of queries.

``dashboard_figures(scope=…, filters=…)`` answers for one scope — the whole city for the office, one
department for its own people — so a department's page can never contain another's numbers. The
city's averages shown beside a department's figures are totals divided by the number of departments:
no other department's own figures are ever read for it.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case, CharField, Count, DurationField, ExpressionWrapper, F, Q, Sum, Value, When
from django.utils import timezone

from inspections.models import Mode, Status, Walkthrough
from services.models import Department

from .categories import GROUP_OF, CategoryGroup
from .models import OPEN_STATUSES, Finding, FindingStatus


@dataclass(frozen=True)
class Filters:
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    region_id: int | None = None
    level: str | None = None
    department_id: int | None = None

    def query(self) -> dict:
        """The same filters as list parameters, for the links behind each figure."""
        out = {}
        if self.period_start:
            out["since"] = self.period_start.isoformat()
        if self.period_end:
            out["until"] = self.period_end.isoformat()
        if self.region_id:
            out["region"] = self.region_id
        if self.level:
            out["level"] = self.level
        if self.department_id:
            out["department"] = self.department_id
        return out


def _scoped(queryset, scope_department_id: int | None, f: Filters, *, period_field: str):
    """The scope and the filters, the same for findings and walkthroughs; only the date differs."""
    if scope_department_id is not None:
        queryset = queryset.filter(department_id=scope_department_id)
    if f.department_id:
        queryset = queryset.filter(department_id=f.department_id)
    if f.region_id:
        queryset = queryset.filter(department__region_id=f.region_id)
    if f.level:
        queryset = queryset.filter(department__level=f.level)
    if f.period_start:
        queryset = queryset.filter(**{f"{period_field}__gte": f.period_start})
    if f.period_end:
        queryset = queryset.filter(**{f"{period_field}__lte": f.period_end})
    return queryset


def _findings(scope_department_id: int | None, f: Filters):
    return _scoped(Finding.objects.all(), scope_department_id, f, period_field="created_at__date")


def _walkthroughs(scope_department_id: int | None, f: Filters):
    return _scoped(Walkthrough.objects.exclude(status=Status.CANCELLED), scope_department_id, f, period_field="scheduled_for")


_GROUP = Case(*[When(category=code, then=Value(group)) for code, group in GROUP_OF.items()],
              default=Value(CategoryGroup.OTHER), output_field=CharField())


def dashboard_figures(*, scope_department_id: int | None, filters: Filters, today: datetime.date | None = None) -> dict:
    """Every figure of the dashboard. Queries: 9 for the city, 10 for a department (its averages)."""
    today = today or timezone.localdate()
    findings = _findings(scope_department_id, filters)
    walkthroughs = _walkthroughs(scope_department_id, filters)
    overdue = Q(due_date__lt=today, status__in=OPEN_STATUSES)

    # 1. headline counts and the simplification ledger, in one query
    totals = findings.aggregate(
        total=Count("id"),
        dismissed=Count("id", filter=Q(status=FindingStatus.DISMISSED)),
        closed=Count("id", filter=Q(status=FindingStatus.CLOSED)),
        overdue=Count("id", filter=overdue),
        closed_on_time=Count("id", filter=Q(status=FindingStatus.CLOSED, closed_at__date__lte=F("due_date"))),
        materials_cut=Sum("materials_cut", filter=Q(status=FindingStatus.CLOSED)),
        days_cut=Sum("days_cut", filter=Q(status=FindingStatus.CLOSED)),
        visits_cut=Sum("visits_cut", filter=Q(status=FindingStatus.CLOSED)),
    )
    counted = totals["total"] - totals["dismissed"]
    totals["rate"] = round(100 * totals["closed"] / counted, 1) if counted else None
    for key in ("materials_cut", "days_cut", "visits_cut"):
        totals[key] = totals[key] or 0

    # 2. median days to close: the middle row by duration (one query, portable)
    duration = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    median = None
    if totals["closed"]:
        middle = (findings.filter(status=FindingStatus.CLOSED, closed_at__isnull=False).annotate(d=duration)
                  .order_by("d").values_list("d", flat=True)[totals["closed"] // 2: totals["closed"] // 2 + 1])
        row = list(middle)
        if row:
            median = round(row[0].total_seconds() / 86400, 1)
    totals["median_days"] = median

    # 3-6. breakdowns of findings
    by_status = dict(findings.order_by().values_list("status").annotate(n=Count("id")))
    by_severity = dict(findings.order_by().values_list("severity").annotate(n=Count("id")))
    by_category = dict(findings.order_by().values_list("category").annotate(n=Count("id")))
    by_group = dict(findings.order_by().annotate(g=_GROUP).values_list("g").annotate(n=Count("id")))

    # 7. walkthroughs done vs planned, by mode
    by_mode = {m: {"planned": 0, "done": 0} for m in Mode.values}
    for mode, planned, done in (walkthroughs.order_by().values_list("mode")
                                .annotate(planned=Count("id"), done=Count("id", filter=Q(status=Status.COMPLETED)))):
        by_mode[mode] = {"planned": planned, "done": done}

    # 8-9. by department: walkthroughs, and findings (closed on time, overdue) — the ranking
    departments: dict[int, dict] = {}
    for dept_id, name, planned, done in (walkthroughs.order_by().values_list("department_id", "department__name")
                                         .annotate(planned=Count("id"), done=Count("id", filter=Q(status=Status.COMPLETED)))):
        departments.setdefault(dept_id, {"id": dept_id, "name": name})
        departments[dept_id].update(walk_planned=planned, walk_done=done)
    for dept_id, name, total, closed, on_time, late in (
        findings.order_by().values_list("department_id", "department__name").annotate(
            total=Count("id"), closed=Count("id", filter=Q(status=FindingStatus.CLOSED)),
            on_time=Count("id", filter=Q(status=FindingStatus.CLOSED, closed_at__date__lte=F("due_date"))),
            late=Count("id", filter=overdue))
    ):
        departments.setdefault(dept_id, {"id": dept_id, "name": name})
        departments[dept_id].update(findings=total, closed=closed, on_time=on_time, overdue=late)
    ranking = sorted(
        ({"walk_planned": 0, "walk_done": 0, "findings": 0, "closed": 0, "on_time": 0, "overdue": 0, **d} for d in departments.values()),
        key=lambda d: (-d["walk_done"], -d["on_time"], d["overdue"], d["name"]),
    )
    figures = {
        "totals": totals, "by_status": by_status, "by_severity": by_severity, "by_category": by_category,
        "by_group": by_group, "by_mode": by_mode, "ranking": ranking,
        "walk_planned": sum(m["planned"] for m in by_mode.values()), "walk_done": sum(m["done"] for m in by_mode.values()),
    }
    if scope_department_id is not None:
        figures["city"] = city_averages(filters=Filters(period_start=filters.period_start, period_end=filters.period_end), today=today)
    return figures


def city_averages(*, filters: Filters, today: datetime.date) -> dict:
    """Per-department averages over the whole city: totals divided by the number of departments."""
    departments = Department.objects.filter(is_active=True).count() or 1
    findings = _findings(None, filters)
    walkthroughs = _walkthroughs(None, filters)
    f = findings.aggregate(total=Count("id"), closed=Count("id", filter=Q(status=FindingStatus.CLOSED)),
                           dismissed=Count("id", filter=Q(status=FindingStatus.DISMISSED)),
                           overdue=Count("id", filter=Q(due_date__lt=today, status__in=OPEN_STATUSES)))
    w = walkthroughs.aggregate(done=Count("id", filter=Q(status=Status.COMPLETED)))
    counted = f["total"] - f["dismissed"]
    return {
        "findings": round(f["total"] / departments, 1),
        "overdue": round(f["overdue"] / departments, 1),
        "walk_done": round(w["done"] / departments, 1),
        "rate": round(100 * f["closed"] / counted, 1) if counted else None,
    }

"""The campaign at a glance: every figure aggregated by the database, a fixed number of queries.

The counts come from the tally (``tally.py``), which the database keeps per department and month, so
a view costs the same on a million findings as on ten thousand; the days of a period outside whole
months are counted from the findings and walkthroughs themselves.

``dashboard_figures(scope=…, filters=…)`` answers for one scope — the whole city for the office, one
department for its own people — so a department's page can never contain another's numbers. The
city's averages shown beside a department's figures are totals divided by the number of departments:
no other department's own figures are ever read for it.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from inspections.models import Mode, Status, Walkthrough
from services.models import Department

from core.categories import GROUP_OF, CategoryGroup
from core.workdays import working_days_expression
from .models import OPEN_STATUSES, Finding, FindingStatus, Tally
from .queries import appeal_counts


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


def _scoped(queryset, scope_department_id: int | None, f: Filters):
    """The scope and the department filters, the same for findings, their tally and walkthroughs."""
    if scope_department_id is not None:
        queryset = queryset.filter(department_id=scope_department_id)
    if f.department_id:
        queryset = queryset.filter(department_id=f.department_id)
    if f.region_id:
        queryset = queryset.filter(department__region_id=f.region_id)
    if f.level:
        queryset = queryset.filter(department__level=f.level)
    return queryset


def _filed_between(start: datetime.date | None, end: datetime.date | None) -> Q:
    """Filed on a local date from ``start`` to ``end`` (inclusive), as a range the index serves."""
    q = Q()
    if start:
        q &= Q(created_at__gte=_midnight(start))
    if end:
        q &= Q(created_at__lt=_midnight(end + datetime.timedelta(days=1)))
    return q


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def _split_period(start: datetime.date | None, end: datetime.date | None):
    """The whole months of a period, read from the tally, and the days left at either end, counted
    from the findings. Returns ``(months, days)``: ``months`` a ``(first, last)`` pair of month
    starts (either ``None`` when the period is open on that side), or ``None`` when the period holds
    no whole month; ``days`` a list of ``(start, end)`` date ranges."""
    # Whole months are those from ``first`` up to (not including) ``after``.
    first = start if start is None or start.day == 1 else _next_month(start)
    if end is None:
        after = None
    elif end == _next_month(end) - datetime.timedelta(days=1):  # the last day of its month
        after = end + datetime.timedelta(days=1)
    else:
        after = end.replace(day=1)
    if first is not None and after is not None and first >= after:
        return None, [(start, end)]
    days = []
    if start is not None and start < first:
        days.append((start, first - datetime.timedelta(days=1)))
    if end is not None and after <= end:
        days.append((after, end))
    last = None if after is None else (after - datetime.timedelta(days=1)).replace(day=1)
    return (first, last), days


class _Counts:
    """The tally's counts, summed over months (and departments) as the dashboard needs them."""

    def __init__(self):
        self.by_dept_status: dict[tuple[int, str], dict] = {}
        self.by: dict[str, dict[str, int]] = {"severity": {}, "category": {}, "closedays": {}}
        self.overdue: dict[int, int] = {}
        self.walks: dict[tuple[int, str], dict] = {}  # (department, mode) → planned, done

    def add_status(self, dept_id, status, n, on_time, materials_cut, days_cut, visits_cut):
        row = self.by_dept_status.setdefault((dept_id, status), dict.fromkeys(("n", *SUMS), 0))
        row["n"] += n
        for key, value in zip(SUMS, (on_time, materials_cut, days_cut, visits_cut)):
            row[key] += value or 0

    def add_overdue(self, dept_id, n):
        if n:
            self.overdue[dept_id] = self.overdue.get(dept_id, 0) + n

    def add(self, dimension, value, n):
        if n:
            self.by[dimension][str(value)] = self.by[dimension].get(str(value), 0) + n

    def add_walks(self, dept_id, mode, status, n):
        if n and status != Status.CANCELLED:
            row = self.walks.setdefault((dept_id, mode), {"planned": 0, "done": 0})
            row["planned"] += n
            row["done"] += n if status == Status.COMPLETED else 0


SUMS = ("on_time", "materials_cut", "days_cut", "visits_cut")
_CLOSED = Q(status=FindingStatus.CLOSED)


def _count(scope_department_id: int | None, f: Filters, today: datetime.date, *, statuses_only: bool = False) -> _Counts:
    """Every count of the dashboard: findings by department and status (with on-time closes and the
    simplification sums), overdue by department, walkthroughs by department and mode, and findings by
    severity, category and days to close. Whole months come from the tally, the days at the ends of
    a period from the findings and walkthroughs themselves. Four queries (three for
    ``statuses_only``), and four more when the period cuts through a month."""
    counts = _Counts()
    months, days = _split_period(f.period_start, f.period_end)
    if months is not None:
        tally = Tally.objects.order_by()
        if months[0]:
            tally = tally.filter(month__gte=months[0])
        if months[1]:
            tally = tally.filter(month__lte=months[1])
        departments = _scoped(tally.filter(department__isnull=False), scope_department_id, f)
        for row in (departments.filter(dimension="status").values_list("department_id", "value")
                    .annotate(*(Sum(c) for c in ("n", *SUMS)))):
            counts.add_status(*row)
        for dept_id, n in (departments.filter(dimension="opendue", value__lt=today.isoformat())
                           .values_list("department_id").annotate(Sum("n"))):
            counts.add_overdue(dept_id, n)
        for dept_id, value, n in departments.filter(dimension="walk").values_list("department_id", "value").annotate(Sum("n")):
            counts.add_walks(dept_id, *value.split(":"), n)
        if not statuses_only:
            # The whole city unfiltered reads the city's own rows: a few hundred, not every department's.
            whole_city = scope_department_id is None and not (f.department_id or f.region_id or f.level)
            rows = tally.filter(department__isnull=True) if whole_city else departments
            for dimension, value, n in (rows.filter(dimension__in=["severity", "category", "closedays"])
                                        .values_list("dimension", "value").annotate(Sum("n"))):
                counts.add(dimension, value, n)
    if days:
        _count_days(counts, scope_department_id, f, today, days, statuses_only=statuses_only)
    return counts


def _count_days(counts: _Counts, scope_department_id, f: Filters, today, days, *, statuses_only: bool) -> None:
    """The days of a period outside its whole months, counted from the rows themselves."""
    filed, scheduled = Q(), Q()
    for start, end in days:
        filed |= _filed_between(start, end)
        scheduled |= Q(scheduled_for__range=(start, end))
    findings = _scoped(Finding.objects.all(), scope_department_id, f).filter(filed).order_by()
    for *row, overdue in findings.values_list("department_id", "status").annotate(
            total=Count("id"), on_time_=Count("id", filter=_CLOSED & Q(closed_at__date__lte=F("due_date"))),
            **{f"{c}_": Sum(c, filter=_CLOSED) for c in SUMS[1:]},
            overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, due_date__lt=today))):
        counts.add_status(*row)
        counts.add_overdue(row[0], overdue)
    walkthroughs = _scoped(Walkthrough.objects.all(), scope_department_id, f).filter(scheduled).order_by()
    for row in walkthroughs.values_list("department_id", "mode", "status").annotate(n=Count("id")):
        counts.add_walks(*row)
    if not statuses_only:
        for dimension in ("severity", "category"):
            for value, n in findings.values_list(dimension).annotate(n=Count("id")):
                counts.add(dimension, value, n)
        for value, n in (findings.filter(_CLOSED, closed_at__isnull=False).annotate(d=DaysToClose())
                         .values_list("d").annotate(n=Count("id"))):
            counts.add("closedays", value, n)


def DaysToClose():  # noqa: N802 (an expression, named as one)
    """Working days from filing to closing, by the calendar — as the tally's triggers count them."""
    return working_days_expression("created_at", "closed_at")


def _median_days(closedays: dict[str, int]) -> float | None:
    """The median of the working-days-to-close histogram: the middle finding's day, placed within that
    day's half-day either side by its rank among the findings of the same day."""
    buckets = sorted((int(days), n) for days, n in closedays.items() if n > 0)
    middle, seen = sum(n for _days, n in buckets) // 2, 0
    for days, n in buckets:
        if seen + n > middle:
            low, high = max(0, days - 0.5), days + 0.5
            return round(low + (middle - seen + 0.5) / n * (high - low), 1)
        seen += n
    return None


def dashboard_figures(*, scope_department_id: int | None, filters: Filters, today: datetime.date | None = None) -> dict:
    """Every figure of the dashboard, from the tally: 5 queries for the city, 9 for a department (the
    city's averages beside its own), a few more where the period cuts through a month."""
    today = today or timezone.localdate()
    counts = _count(scope_department_id, filters, today)
    overdue = counts.overdue

    departments: dict[int, dict] = {}

    def department(dept_id: int) -> dict:
        return departments.setdefault(dept_id, {"id": dept_id, "walk_planned": 0, "walk_done": 0, "findings": 0,
                                                "closed": 0, "on_time": 0, "overdue": 0})

    by_status: dict[str, int] = {}
    sums = {"materials_cut": 0, "days_cut": 0, "visits_cut": 0, "on_time": 0}
    for (dept_id, status), row in counts.by_dept_status.items():
        if not row["n"]:
            continue
        by_status[status] = by_status.get(status, 0) + row["n"]
        d = department(dept_id)
        d["findings"] += row["n"]
        if status == FindingStatus.CLOSED:
            d["closed"] += row["n"]
            d["on_time"] += row["on_time"]
            for key in sums:
                sums[key] += row[key]
    for dept_id, n in overdue.items():
        department(dept_id)["overdue"] = n

    total = sum(by_status.values())
    closed, dismissed = by_status.get(FindingStatus.CLOSED, 0), by_status.get(FindingStatus.DISMISSED, 0)
    counted = total - dismissed
    totals = {
        "total": total, "dismissed": dismissed, "closed": closed, "overdue": sum(overdue.values()),
        "closed_on_time": sums["on_time"], "materials_cut": sums["materials_cut"], "days_cut": sums["days_cut"],
        "visits_cut": sums["visits_cut"], "rate": round(100 * closed / counted, 1) if counted else None,
        "median_days": _median_days(counts.by["closedays"]),
    }
    by_group: dict[str, int] = {}
    for category, n in counts.by["category"].items():
        group = GROUP_OF.get(category, CategoryGroup.OTHER)
        by_group[group] = by_group.get(group, 0) + n

    by_mode = {m: {"planned": 0, "done": 0} for m in Mode.values}
    for (dept_id, mode), walks in counts.walks.items():
        by_mode[mode]["planned"] += walks["planned"]
        by_mode[mode]["done"] += walks["done"]
        d = department(dept_id)
        d["walk_planned"] += walks["planned"]
        d["walk_done"] += walks["done"]
    # Every active department the filters cover is ranked, an idle one too (marked 未开展: the one to
    # chase); and a department with figures is named even if no longer active. One query.
    covered = Department.objects.filter(is_active=True)
    for value, lookup in ((scope_department_id, "pk"), (filters.department_id, "pk"), (filters.region_id, "region_id"),
                          (filters.level, "level")):
        if value:
            covered = covered.filter(**{lookup: value})
    covered = covered.values("pk")
    for dept_id, name in Department.objects.filter(Q(pk__in=list(departments)) | Q(pk__in=covered)).values_list("id", "name"):
        department(dept_id)["name"] = name
    for d in departments.values():
        d["idle"] = not d["walk_planned"]
    ranking = sorted(departments.values(), key=lambda d: (-d["walk_done"], -d["on_time"], d["overdue"], d["name"]))
    # Appeals (申诉复核) on the findings filed in the period, per department: one query on the history.
    appealed = appeal_counts(_scoped(Finding.objects.all(), scope_department_id, filters)
                             .filter(_filed_between(filters.period_start, filters.period_end)))
    names = {d["id"]: d.get("name", "") for d in departments.values()}
    appeals = sorted(({"id": dept_id, "name": names.get(dept_id, ""), **row} for dept_id, row in appealed.items()),
                     key=lambda r: (-r["made"], r["name"]))
    figures = {
        "totals": totals, "by_status": by_status, "by_severity": counts.by["severity"],
        "by_category": counts.by["category"], "by_group": by_group, "by_mode": by_mode, "ranking": ranking,
        "walk_planned": sum(m["planned"] for m in by_mode.values()), "walk_done": sum(m["done"] for m in by_mode.values()),
        "appeals": appeals,
        "appeal_totals": {key: sum(r[key] for r in appeals) for key in ("made", "upheld", "accepted", "pending")},
    }
    if scope_department_id is not None:
        figures["city"] = city_averages(filters=Filters(period_start=filters.period_start, period_end=filters.period_end), today=today)
    return figures


def city_averages(*, filters: Filters, today: datetime.date) -> dict:
    """Per-department averages over the whole city: totals divided by the number of departments."""
    departments = Department.objects.filter(is_active=True).count() or 1
    statuses: dict[str, int] = {}
    counts = _count(None, filters, today, statuses_only=True)
    for (_dept_id, status), row in counts.by_dept_status.items():
        statuses[status] = statuses.get(status, 0) + row["n"]
    overdue = sum(counts.overdue.values())
    done = sum(walks["done"] for walks in counts.walks.values())
    total, closed = sum(statuses.values()), statuses.get(FindingStatus.CLOSED, 0)
    counted = total - statuses.get(FindingStatus.DISMISSED, 0)
    return {
        "findings": round(total / departments, 1),
        "overdue": round(overdue / departments, 1),
        "walk_done": round(done / departments, 1),
        "rate": round(100 * closed / counted, 1) if counted else None,
    }

"""The dashboard: figures equal independent counts, a fixed number of queries, department walls."""
import collections
import datetime
import io
import random

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.workdays import add_working_days
from findings.dashboard import Filters, dashboard_figures
from findings.models import Finding
from inspections.models import Walkthrough
from services.models import Department, Region
from tests.conftest import make_item
from tests.test_tally import working_days

STATUSES = ["open", "rectifying", "submitted", "closed", "dismissed"]


def seed(office, departments, items, n, *, seed_value=7):
    rng = random.Random(seed_value)
    today = timezone.localdate()
    rows = []
    for i in range(n):
        dept = rng.choice(departments)
        status = rng.choice(STATUSES)
        due = today + datetime.timedelta(days=rng.randint(-20, 20))
        # created_at is set to now on insert: closing lies ahead of it
        closed = timezone.now() + datetime.timedelta(days=rng.randint(1, 30)) if status in ("closed", "dismissed") else None
        rows.append(Finding(department=dept, service_item=items[dept.pk], category=rng.choice(["hotline", "excess_materials", "guidance", "circular_certificate"]),
                            severity=rng.choice(["minor", "major", "critical"]), title=f"问题{i}", status=status,
                            due_date=due, closed_at=closed, created_by=office,
                            materials_cut=rng.randint(0, 2) if status == "closed" else None))
    Finding.objects.bulk_create(rows, batch_size=2000)
    return rows


@pytest.fixture
def city(office, department_a, department_b):
    county = Region.objects.create(code="dongzhi", name="东至县", sort_order=2)
    department_c = Department.objects.create(code="dongzhi-amr", name="东至县市场监督管理局", level="county", region=county)
    departments = [department_a, department_b, department_c]
    items = {d.pk: make_item(d, f"D-{d.code}") for d in departments}
    return departments, items


def independent(findings, today):
    """The same figures, counted row by row in Python."""
    rows = list(findings)
    overdue = sum(1 for f in rows if f.due_date and f.due_date < today and f.status in ("open", "rectifying", "submitted"))
    closed = sum(1 for f in rows if f.status == "closed")
    dismissed = sum(1 for f in rows if f.status == "dismissed")
    return {"total": len(rows), "overdue": overdue, "closed": closed,
            "rate": round(100 * closed / (len(rows) - dismissed), 1) if len(rows) - dismissed else None,
            "materials_cut": sum(f.materials_cut or 0 for f in rows if f.status == "closed")}


def test_figures_equal_independent_counts(office, city):
    departments, items = city
    seed(office, departments, items, 300)
    today = timezone.localdate()
    figures = dashboard_figures(scope_department_id=None, filters=Filters(), today=today)
    expected = independent(Finding.objects.all(), today)
    for key, value in expected.items():
        assert figures["totals"][key] == value, key
    by_dept = {d["id"]: d for d in figures["ranking"]}
    for dept in departments:
        mine = independent(Finding.objects.filter(department=dept), today)
        assert by_dept[dept.pk]["findings"] == mine["total"] and by_dept[dept.pk]["overdue"] == mine["overdue"]
    assert sum(figures["by_status"].values()) == 300
    assert figures["by_group"].get("certificates") == Finding.objects.filter(category="circular_certificate").count()
    # region filter: only the county department
    county = dashboard_figures(scope_department_id=None, filters=Filters(region_id=departments[2].region_id), today=today)
    assert county["totals"]["total"] == Finding.objects.filter(department=departments[2]).count()


def test_median_days_to_close(office, department_a):
    """Working days by the calendar (core/workdays.py): closed 1, 3 and 10 working days after filing."""
    now = timezone.now()
    today = timezone.localdate()
    for days in (1, 3, 10):
        closed = add_working_days(today, days)
        Finding.objects.create(department=department_a, category="hotline", title="x", status="closed", created_by=office,
                               closed_at=now + datetime.timedelta(days=(closed - today).days))
    assert dashboard_figures(scope_department_id=None, filters=Filters())["totals"]["median_days"] == pytest.approx(3, abs=0.1)


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_is_the_same_for_100_and_10000_findings(client, office, leader_a, city):
    departments, items = city
    seed(office, departments, items, 100)
    today = timezone.localdate()
    # a period that cuts through months: whole months from the tally, the days at its ends counted
    period = f"{reverse('dashboard')}?since={(today - datetime.timedelta(days=75)).replace(day=15)}&until={today}"
    client.force_login(office)
    small = _count_queries(client, reverse("dashboard"))
    small_period = _count_queries(client, period)
    client.force_login(leader_a)
    small_leader = _count_queries(client, reverse("dashboard"))
    seed(office, departments, items, 9900, seed_value=8)
    assert Finding.objects.count() == 10000
    client.force_login(office)
    assert _count_queries(client, reverse("dashboard")) == small
    assert _count_queries(client, period) == small_period > small
    client.force_login(leader_a)
    assert _count_queries(client, reverse("dashboard")) == small_leader


def test_a_leader_never_sees_another_departments_numbers(client, office, leader_a, city, department_a, department_b):
    departments, items = city
    seed(office, departments, items, 200)
    client.force_login(office)
    office_page = client.get(reverse("dashboard"), {"department": department_b.pk})
    assert department_b.name in office_page.content.decode()
    client.force_login(leader_a)
    response = client.get(reverse("dashboard"), {"department": department_b.pk})  # the same filters
    html = response.content.decode()
    figures = response.context["f"]
    assert figures["totals"]["total"] == Finding.objects.filter(department=department_a).count()
    assert [d["id"] for d in figures["ranking"]] == [department_a.pk]
    assert department_b.name not in html and "东至县市场监督管理局" not in html
    assert "全市平均" in html  # beside the city's averages — aggregates only


def test_every_figure_links_to_the_rows_behind_it(client, office, city, department_a):
    departments, items = city
    seed(office, departments, items, 120)
    client.force_login(office)
    response = client.get(reverse("dashboard"), {"department": department_a.pk})
    context = response.context
    overdue_link = context["links"]["overdue"]
    listed = client.get(overdue_link).context["page"].paginator.count
    assert listed == context["f"]["totals"]["overdue"]
    for item in context["charts"]["statuses"]:
        assert client.get(item["link"]).context["page"].paginator.count == item["value"], item
    for item in context["charts"]["groups"]:
        assert client.get(item["link"]).context["page"].paginator.count == item["value"], item
    for c in context["categories"]:
        assert client.get(c["link"]).context["page"].paginator.count == c["n"], c


def test_walkthrough_links_match(client, office, leader_a, department_a, city):
    departments, items = city
    from inspections import actions as walk_actions

    for mode in ("simulate", "simulate", "inspect"):
        walk_actions.walkthrough_plan(actor=leader_a, service_item=items[department_a.pk], leader=leader_a, mode=mode,
                                      identity="applicant", channel="window", scheduled_for=timezone.localdate())
    client.force_login(office)
    charts = client.get(reverse("dashboard")).context["charts"]
    for label, planned, link in zip(charts["modes"]["labels"], charts["modes"]["planned"], charts["modes"]["links"]):
        assert client.get(link).context["total"] == planned, label
    assert Walkthrough.objects.count() == 3


def test_exports(client, office, city):
    departments, items = city
    seed(office, departments, items, 50)
    client.force_login(office)
    for table in ("ranking", "categories", "statuses", "modes"):
        response = client.get(reverse("dashboard-export", args=[table]))
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        assert len(rows) >= 2 and all(isinstance(h, str) for h in rows[0])
    assert client.get("/dashboard/export/secret.xlsx").status_code == 403


def _spread_over_months(rng, today):
    """Re-date every finding over the last ~150 days (the tally follows: triggers), closing after it."""
    for finding in Finding.objects.all():
        created = timezone.now() - datetime.timedelta(days=rng.randint(0, 150), hours=rng.randint(0, 23))
        closed = created + datetime.timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 23)) if finding.closed_at else None
        Finding.objects.filter(pk=finding.pk).update(created_at=created, closed_at=closed)


@pytest.mark.parametrize("period", ["all", "whole months", "mid to mid", "one month's middle", "since only",
                                    "until only", "a single day"])
def test_any_period_counts_what_a_recount_does(office, city, period):
    """Whole months come from the tally, the days at either end from the findings: the sum is exact."""
    departments, items = city
    rng = random.Random(11)
    seed(office, departments, items, 400)
    today = timezone.localdate()
    _spread_over_months(rng, today)
    month = today.replace(day=1)
    three_back = (month - datetime.timedelta(days=80)).replace(day=1)
    start, end = {
        "all": (None, None),
        "whole months": (three_back, month - datetime.timedelta(days=1)),
        "mid to mid": (three_back + datetime.timedelta(days=9), today - datetime.timedelta(days=5)),
        "one month's middle": (three_back + datetime.timedelta(days=3), three_back + datetime.timedelta(days=20)),
        "since only": (three_back + datetime.timedelta(days=12), None),
        "until only": (None, three_back + datetime.timedelta(days=40)),
        "a single day": (today - datetime.timedelta(days=33),) * 2,
    }[period]
    figures = dashboard_figures(scope_department_id=None, filters=Filters(period_start=start, period_end=end), today=today)
    rows = [f for f in Finding.objects.all()
            if (start is None or timezone.localtime(f.created_at).date() >= start)
            and (end is None or timezone.localtime(f.created_at).date() <= end)]
    expected = independent(rows, today)
    for key, value in expected.items():
        assert figures["totals"][key] == value, key
    on_time = [f for f in rows if f.status == "closed" and f.due_date and timezone.localtime(f.closed_at).date() <= f.due_date]
    assert figures["totals"]["closed_on_time"] == len(on_time)
    for field in ("severity", "category", "status"):
        assert figures[f"by_{field}"] == dict(collections.Counter(getattr(f, field) for f in rows)), field
    by_dept = {d["id"]: d for d in figures["ranking"]}
    for dept in departments:
        mine = [f for f in rows if f.department_id == dept.pk]
        got = by_dept.get(dept.pk, {"findings": 0, "closed": 0})
        assert (got["findings"], got["closed"]) == (len(mine), sum(f.status == "closed" for f in mine)), dept.name
    durations = sorted(working_days(timezone.localtime(f.created_at).date(), timezone.localtime(f.closed_at).date())
                       for f in rows if f.status == "closed")
    if durations:  # working days by the calendar: the median is the middle finding's, within a day
        assert figures["totals"]["median_days"] == pytest.approx(durations[len(durations) // 2], abs=1)
    else:
        assert figures["totals"]["median_days"] is None


@pytest.mark.parametrize("start, end, months, days", [
    (None, None, (None, None), []),
    ("2026-01-01", "2026-03-31", ("2026-01-01", "2026-03-01"), []),
    ("2026-01-15", "2026-03-10", ("2026-02-01", "2026-02-01"), [("2026-01-15", "2026-01-31"), ("2026-03-01", "2026-03-10")]),
    ("2026-01-15", "2026-01-20", None, [("2026-01-15", "2026-01-20")]),
    ("2026-01-31", "2026-02-01", None, [("2026-01-31", "2026-02-01")]),
    ("2026-02-01", "2026-02-28", ("2026-02-01", "2026-02-01"), []),
    ("2026-02-02", None, ("2026-03-01", None), [("2026-02-02", "2026-02-28")]),
    (None, "2026-12-30", (None, "2026-11-01"), [("2026-12-01", "2026-12-30")]),
])
def test_a_period_splits_into_whole_months_and_the_days_at_its_ends(start, end, months, days):
    from findings.dashboard import _split_period

    def d(text):
        return datetime.date.fromisoformat(text) if text else None

    expected_months = None if months is None else (d(months[0]), d(months[1]))
    assert _split_period(d(start), d(end)) == (expected_months, [(d(a), d(b)) for a, b in days])


def test_idle_departments_are_ranked_and_empty_charts_say_so(client, office, leader_a, department_a, city):
    departments, items = city
    client.force_login(office)
    response = client.get(reverse("dashboard"))
    ranking = response.context["f"]["ranking"]
    # nothing anywhere: every department is listed, each idle, and no chart draws an empty axis
    assert {d["name"] for d in ranking} == {d.name for d in departments} and all(d["idle"] for d in ranking)
    html = response.content.decode()
    assert html.count("未开展") == 3 and 'data-chart="modes"' not in html and "没有逾期问题" in html
    from inspections import actions as walk_actions

    walk_actions.walkthrough_plan(actor=leader_a, service_item=items[department_a.pk], leader=leader_a, mode="simulate",
                                  identity="applicant", channel="window", scheduled_for=timezone.localdate())
    response = client.get(reverse("dashboard"))
    idle = {d["name"] for d in response.context["f"]["ranking"] if d["idle"]}
    assert idle == {d.name for d in departments} - {department_a.name}
    assert 'data-chart="modes"' in response.content.decode()
    # the level filter narrows the departments listed
    response = client.get(reverse("dashboard"), {"level": "county"})
    assert [d["name"] for d in response.context["f"]["ranking"]] == ["东至县市场监督管理局"]

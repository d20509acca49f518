"""The tally equals a recount of the findings and walkthroughs after every kind of write, on both databases."""
import collections
import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from core.models import CalendarDay
from findings import actions, tally
from findings.models import OPEN_STATUSES, Finding, Tally
from inspections import actions as walk_actions
from inspections.models import Walkthrough
from tests.conftest import make_item


def working_days(start: datetime.date, end: datetime.date) -> int:
    """The working days after ``start`` up to ``end``, day by day: the calendar's row where the day
    has one, else Monday to Friday (counted here without core/workdays.py)."""
    calendar = dict(CalendarDay.objects.filter(day__gt=start, day__lte=end).values_list("day", "workday"))
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        count += calendar[day] if day in calendar else day.weekday() < 5
    return count


def recount() -> dict:
    """The tally as it must be, counted row by row in Python."""
    expected = collections.Counter()
    for f in Finding.objects.all():
        month = timezone.localtime(f.created_at).date().replace(day=1)
        closed = f.status == "closed"
        on_time = int(closed and f.closed_at is not None and f.due_date is not None
                      and timezone.localtime(f.closed_at).date() <= f.due_date)
        for department in (f.department_id, None):
            key = (department, month)
            if department is not None:
                expected[(*key, "status", f.status, "n")] += 1
                expected[(*key, "status", f.status, "on_time")] += on_time
                for field in ("materials_cut", "days_cut", "visits_cut"):
                    expected[(*key, "status", f.status, field)] += (getattr(f, field) or 0) if closed else 0
                if f.status in OPEN_STATUSES and f.due_date is not None:
                    expected[(*key, "opendue", f.due_date.isoformat(), "n")] += 1
            expected[(*key, "severity", f.severity, "n")] += 1
            expected[(*key, "category", f.category, "n")] += 1
            if closed and f.closed_at is not None:
                days = working_days(timezone.localtime(f.created_at).date(), timezone.localtime(f.closed_at).date())
                expected[(*key, "closedays", str(days), "n")] += 1
    for w in Walkthrough.objects.all():
        expected[(w.department_id, w.scheduled_for.replace(day=1), "walk", f"{w.mode}:{w.status}", "n")] += 1
    return {k: v for k, v in expected.items() if v}


def stored() -> dict:
    out = {}
    for t in Tally.objects.all():
        for field in ("n", "on_time", "materials_cut", "days_cut", "visits_cut"):
            value = getattr(t, field)
            if value:
                out[(t.department_id, t.month, t.dimension, t.value, field)] = value
    return out


def test_every_write_path_keeps_the_tally_exact(office, leader_a, liaison_a, department_a, department_b):
    now = timezone.now()
    # bulk_create (one statement, many rows)
    rows = [Finding(department=department_a if i % 3 else department_b, category=("hotline", "guidance")[i % 2],
                    severity=("minor", "major", "critical")[i % 3], title=f"问题{i}", created_by=office,
                    status=("open", "closed", "dismissed", "rectifying")[i % 4],
                    closed_at=now + datetime.timedelta(days=i % 5, hours=7) if i % 4 in (1, 2) else None,
                    due_date=timezone.localdate() + datetime.timedelta(days=(i % 7) - 3),
                    materials_cut=i % 3 if i % 4 == 1 else None, days_cut=2 if i % 4 == 1 else None)
            for i in range(40)]
    Finding.objects.bulk_create(rows)
    assert stored() == recount()
    # created_at rewritten in bulk (as a data load does), to 01:30 on 1 February in Chizhou: January in UTC
    first = list(Finding.objects.order_by("id")[:10])
    Finding.objects.filter(pk__in=[f.pk for f in first]).update(created_at=datetime.datetime(2026, 1, 31, 17, 30, tzinfo=datetime.UTC))
    assert stored() == recount()
    assert Tally.objects.filter(month=datetime.date(2026, 2, 1)).exists()
    # the lifecycle through the actions
    finding = actions.finding_file(actor=office, category="hotline", title="一次办成", department=department_a)
    finding = actions.finding_transition(finding=finding, to="rectifying", actor=office)
    finding = actions.finding_reassign(finding=finding, actor=office, department=department_b)
    assert stored() == recount()
    finding = actions.finding_reassign(finding=finding, actor=office, department=department_a)
    finding = actions.finding_record_measures(finding=finding, actor=liaison_a, measures="已整改")
    finding = actions.finding_transition(finding=finding, to="submitted", actor=liaison_a)
    actions.finding_transition(finding=finding, to="closed", actor=office, ledger={"materials_cut": 2, "visits_cut": 1})
    assert stored() == recount()
    # an appeal stops the clock (its deadline leaves the "opendue" rows), a decision starts it again
    disputed = actions.finding_file(actor=office, category="hotline", title="不属本单位", department=department_a)
    disputed = actions.finding_transition(finding=disputed, to="rectifying", actor=office)
    Finding.objects.filter(pk=disputed.pk).update(due_date=timezone.localdate() + datetime.timedelta(days=1))
    disputed = actions.finding_transition(finding=Finding.objects.get(pk=disputed.pk), to="appealed", actor=liaison_a, note="职责不符")
    assert stored() == recount()
    actions.finding_transition(finding=disputed, to="rectifying", actor=office, note="维持")
    assert stored() == recount()
    # an update that touches nothing the tally reads, a save() of a whole row, and deletes
    actions.comment_add(finding=finding, actor=office, body="好")
    one = Finding.objects.exclude(pk=finding.pk).first()
    one.severity, one.category = "critical", "circular_certificate"
    one.save()
    Finding.objects.filter(pk__in=[f.pk for f in first[:3]]).delete()
    assert stored() == recount()
    # walkthroughs: planned, moved to another day, cancelled, deleted
    item = make_item(department_a, "T-1")
    walks = [walk_actions.walkthrough_plan(actor=leader_a, service_item=item, leader=leader_a, mode=mode,
                                           identity="applicant", channel="window", scheduled_for=timezone.localdate())
             for mode in ("simulate", "inspect", "simulate")]
    Walkthrough.objects.filter(pk=walks[0].pk).update(scheduled_for=datetime.date(2026, 3, 31))
    Walkthrough.objects.filter(pk=walks[1].pk).update(status="cancelled")
    Walkthrough.objects.filter(pk=walks[2].pk).delete()
    assert stored() == recount()
    # a recount gives the same rows
    tally.rebuild()
    assert stored() == recount()


def test_a_ruined_tally_is_repaired_by_the_command(office, department_a):
    Finding.objects.bulk_create([Finding(department=department_a, category="hotline", title=str(i), created_by=office)
                                 for i in range(5)])
    Tally.objects.update(n=999)
    call_command("rebuild_tally", verbosity=0)
    assert stored() == recount()


def test_the_triggers_know_the_open_statuses():
    assert tally.OPEN == "(" + ", ".join(f"'{s}'" for s in OPEN_STATUSES) + ")"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
@pytest.mark.django_db(transaction=True)  # TRUNCATE waits for no deferred foreign-key checks
def test_truncate_empties_the_tally(office, department_a):
    Finding.objects.create(department=department_a, category="hotline", title="x", created_by=office)
    assert Tally.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE findings_finding CASCADE")
    assert not Tally.objects.exclude(dimension="walk").exists()


@pytest.mark.django_db(transaction=True)  # the loader commits per batch, and VACUUMs on PostgreSQL
def test_a_bulk_loaded_campaign_is_tallied_exactly():
    """load_campaign writes with COPY on PostgreSQL (bulk_create elsewhere), in batches: the
    statement triggers count every batch, and the loader refuses a second run on the same data."""
    import io

    from django.core.management.base import CommandError

    out = io.StringIO()
    call_command("load_campaign", findings=600, departments=6, items_per_department=3, batch=250, stdout=out)
    assert Finding.objects.count() == 600 and "TOTAL" in out.getvalue()
    assert stored() == recount()
    assert Tally.objects.filter(department__isnull=True, dimension="category").exists()
    with pytest.raises(CommandError):
        call_command("load_campaign", findings=10, stdout=out)


@pytest.mark.django_db(transaction=True)
def test_triggers_a_migration_lost_are_put_back_and_the_tally_recounted(office, leader_a, department_a):
    """SQLite rebuilds a table to alter it, and its triggers go with the old table: after every
    migrate the tally's triggers are checked and, if any is missing, reinstalled and recounted."""
    item = make_item(department_a, "TR-1")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER inspections_walkthrough_tally_insert ON inspections_walkthrough")
        else:
            cursor.execute("DROP TRIGGER inspections_walkthrough_tally_insert")
    walk_actions.walkthrough_plan(actor=leader_a, service_item=item, leader=leader_a, mode="simulate", identity="applicant",
                                  channel="window", scheduled_for=timezone.localdate())
    assert stored() != recount()  # unkept while the trigger is missing
    call_command("migrate", verbosity=0)  # nothing to apply: post_migrate still checks
    assert stored() == recount()
    assert tally.ensure_installed() is False  # all there now
    walk_actions.walkthrough_plan(actor=leader_a, service_item=item, leader=leader_a, mode="inspect", identity="applicant",
                                  channel="window", scheduled_for=timezone.localdate())
    assert stored() == recount()

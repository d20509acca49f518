"""The working calendar (core/workdays.py): holidays off, make-up days on, as the State Council
publishes them; deadlines, reminders, days to close and time limits counted by it."""
import datetime
import zoneinfo

import chinese_calendar
import pytest
from chinese_calendar.constants import holidays as PACKAGE_HOLIDAYS
from chinese_calendar.constants import workdays as PACKAGE_MAKEUP
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core import workdays
from core.models import CalendarDay, CalendarYear, DayKind, DaySource
from findings import actions, notifications, queries
from findings.dashboard import Filters, dashboard_figures
from findings.models import Finding, Notification, SeverityDeadline, Tally
from findings.reports.render import _median_days_to_close
from inspections.models import Mode, Status, Walkthrough
from inspections.queries import elapsed_in_limit_unit, walkthrough_proposals
from tests.conftest import make_item
from tests.test_tally import recount, stored

YEARS = workdays.package_years()
ZONE = zoneinfo.ZoneInfo(settings.TIME_ZONE)
D = datetime.date


@pytest.fixture
def calendar(db):
    """Every year the package knows, as the migration fills them (a transactional test's flush
    empties the table: refill then)."""
    if CalendarYear.objects.filter(year__in=YEARS).count() < len(YEARS):
        for year in YEARS:
            workdays.fill_year(year)
    return YEARS


def local(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=ZONE)


def sql_between(start: datetime.date, end: datetime.date) -> int:
    """The tally's SQL count, run on the database with the two dates as literals."""
    vendor = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    a, b = (f"DATE '{start}'", f"DATE '{end}'") if vendor == "postgresql" else (f"date('{start}')", f"date('{end}')")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {workdays.working_days_sql(vendor, a, b)}")
        return cursor.fetchone()[0]


# --- the check --------------------------------------------------------------------------

def test_five_working_days_from_29_september_2026(calendar):
    """国庆 and 中秋 2026 (the package's arrangement): 1–7 October off, Saturday 10 October a
    make-up working day. Five working days from Tuesday 29 September: 30 September, then 8, 9, 10
    (the Saturday) and 12 October."""
    assert [d for d in PACKAGE_HOLIDAYS if D(2026, 9, 28) <= d <= D(2026, 10, 12)] \
        == [D(2026, 10, n) for n in range(1, 8)]
    assert D(2026, 10, 10) in PACKAGE_MAKEUP and D(2026, 10, 10).weekday() == 5
    first_after = D(2026, 10, 8)
    assert workdays.add_working_days(D(2026, 9, 29), 1) == D(2026, 9, 30)
    assert workdays.add_working_days(D(2026, 9, 29), 2) == first_after
    # the first working day after the holiday, plus the remaining 3 (the make-up Saturday counts)
    assert workdays.add_working_days(D(2026, 9, 29), 5) == workdays.add_working_days(first_after, 3) == D(2026, 10, 12)
    assert workdays.is_working_day(D(2026, 10, 10)) and not workdays.is_working_day(D(2026, 10, 5))
    assert workdays.working_days_between(D(2026, 9, 29), D(2026, 10, 12)) == 5
    assert sql_between(D(2026, 9, 29), D(2026, 10, 12)) == 5

    # the deadline of an assignment, and the appeal period, count the same way
    SeverityDeadline.objects.update_or_create(severity="minor", defaults={"working_days": 5})
    assert actions.default_due_date("minor", D(2026, 9, 29)) == D(2026, 10, 12)
    finding = Finding(assigned_at=local(D(2026, 9, 29)), due_date=D(2026, 10, 12))
    assert queries.appeal_deadline(finding) == workdays.add_working_days(D(2026, 9, 29), settings.APPEAL_WORKING_DAYS)
    assert queries.appeal_remaining_days(finding, D(2026, 9, 30)) == 4  # 8, 9, 10, 12 October


@pytest.mark.parametrize("year", YEARS)
def test_every_year_the_package_knows(calendar, year):
    """For each year: the day before the Spring Festival holiday + 1 working day is the first working
    day after it; every make-up day is a working day and every holiday a rest day; the year's
    working days are the package's, counted by Python and by the tally's SQL alike."""
    spring = sorted(d for d, name in PACKAGE_HOLIDAYS.items() if d.year == year and name == "Spring Festival")
    assert spring, year
    before = spring[0] - datetime.timedelta(days=1)
    after = spring[-1] + datetime.timedelta(days=1)
    while not chinese_calendar.is_workday(after):
        after += datetime.timedelta(days=1)
    assert workdays.add_working_days(before, 1) == after

    for day in (d for d in PACKAGE_MAKEUP if d.year == year):
        assert day.weekday() >= 5 and workdays.is_working_day(day), day
    for day in (d for d in PACKAGE_HOLIDAYS if d.year == year):
        assert not workdays.is_working_day(day), day

    start, end = D(year - 1, 12, 31), D(year, 12, 31)
    expected = len(chinese_calendar.get_workdays(D(year, 1, 1), end))
    assert workdays.working_days_between(start, end) == expected == sql_between(start, end)
    assert CalendarDay.objects.filter(day__year=year).count() == (end - start).days
    assert CalendarDay.objects.filter(day__year=year, kind=DayKind.MAKEUP).count() == len([d for d in PACKAGE_MAKEUP if d.year == year])


def test_sql_and_python_agree_on_ranges_across_filled_and_unfilled_years(calendar):
    """Short and long ranges, into the year the package does not know (counted Monday to Friday)."""
    last = D(YEARS[-1], 12, 31)
    starts = [D(YEARS[-1], 9, 26), D(YEARS[-1], 12, 20), last, D(YEARS[0], 1, 1), D(YEARS[0] - 1, 12, 25)]
    for start in starts:
        for length in (0, 1, 2, 6, 9, 30, 400):
            end = start + datetime.timedelta(days=length)
            assert sql_between(start, end) == workdays.working_days_between(start, end), (start, end)
            n = workdays.working_days_between(start, end)
            if n:
                assert workdays.working_days_between(start, workdays.add_working_days(start, n)) == n
    assert sql_between(D(2026, 10, 12), D(2026, 9, 29)) == 0 == workdays.working_days_between(D(2026, 10, 12), D(2026, 9, 29))


def test_a_year_not_filled_counts_monday_to_friday(calendar):
    unknown = YEARS[-1] + 1
    assert not CalendarYear.objects.filter(year=unknown).exists()
    wednesday = next(D(unknown, 9, 29) + datetime.timedelta(days=i) for i in range(7)
                     if (D(unknown, 9, 29) + datetime.timedelta(days=i)).weekday() == 2)
    # Thursday, Friday, Monday, Tuesday, Wednesday: 国庆 is not known, so not skipped
    assert workdays.add_working_days(wednesday, 5) == wednesday + datetime.timedelta(days=7)
    with pytest.raises(Exception, match="does not know"):
        call_command("calendar_fill", year=[unknown])


# --- the office edits the calendar ------------------------------------------------------------

def test_an_office_edit_in_the_admin_changes_the_next_deadline(calendar, client, office, liaison_a):
    url = reverse("admin:core_calendarday_change", args=["2026-10-12"])
    client.force_login(liaison_a)
    assert client.get(url).status_code in (302, 403)
    assert client.post(url, {"kind": "holiday", "name": "x"}).status_code in (302, 403)
    assert CalendarDay.objects.get(day=D(2026, 10, 12)).kind == DayKind.WEEKDAY

    client.force_login(office)
    assert client.get(reverse("admin:core_calendarday_changelist") + "?year=2026&kind=makeup").status_code == 200
    response = client.post(url, {"kind": "holiday", "name": "市政府临时调整"})
    assert response.status_code == 302, response.content.decode()[:2000]
    day = CalendarDay.objects.get(day=D(2026, 10, 12))
    assert (day.kind, day.workday, day.source, day.name) == (DayKind.HOLIDAY, False, DaySource.OFFICE, "市政府临时调整")
    assert workdays.add_working_days(D(2026, 9, 29), 5) == D(2026, 10, 13)
    row = SeverityDeadline.objects.filter(severity="minor").first()  # (a transactional test's flush empties it)
    minor_days = row.working_days if row else actions.DEFAULT_WORKING_DAYS["minor"]
    assert actions.default_due_date("minor", D(2026, 9, 29)) == workdays.add_working_days(D(2026, 9, 29), minor_days)

    # a refill from the package keeps the office's day, and puts back any other
    CalendarDay.objects.filter(day=D(2026, 10, 10)).update(kind=DayKind.WEEKEND, workday=False, source=DaySource.PACKAGE)
    call_command("calendar_fill", year=[2026])
    assert CalendarDay.objects.get(day=D(2026, 10, 12)).kind == DayKind.HOLIDAY
    assert CalendarDay.objects.get(day=D(2026, 10, 10)).kind == DayKind.MAKEUP

    # the admin's action marks a make-up day
    changelist = reverse("admin:core_calendarday_changelist")
    response = client.post(changelist, {"action": "mark_makeup", "_selected_action": ["2026-10-11"]})
    assert response.status_code == 302
    assert workdays.is_working_day(D(2026, 10, 11))
    assert client.get(reverse("admin:core_calendaryear_changelist")).status_code == 200


def test_adding_a_year_the_package_does_not_know_fills_it_monday_to_friday(calendar, client, office):
    unknown = YEARS[-1] + 1
    client.force_login(office)
    response = client.post(reverse("admin:core_calendaryear_add"), {"year": unknown})
    assert response.status_code == 302
    year = CalendarYear.objects.get(year=unknown)
    assert year.filled_from == "office"
    days = CalendarDay.objects.filter(day__year=unknown)
    assert days.count() in (365, 366) and not days.filter(kind__in=[DayKind.HOLIDAY, DayKind.MAKEUP]).exists()
    assert set(days.values_list("source", flat=True)) == {DaySource.DEFAULT}


# --- the dashboard's warning --------------------------------------------------------------------

@pytest.mark.parametrize("today, filled, expected", [
    (D(2026, 3, 1), {2026}, None),                                           # next year not asked for yet
    (D(2026, 10, 1), {2026}, {"years": [2027], "urgent": False}),            # from October: asked for
    (D(2026, 12, 1), {2026}, {"years": [2027], "urgent": True}),             # December: urgent
    (D(2026, 12, 31), {2026, 2027}, None),
    (D(2027, 2, 1), {2026}, {"years": [2027], "urgent": True}),              # the current year: always urgent
    (D(2027, 11, 1), {2027}, {"years": [2028], "urgent": False}),
])
def test_calendar_warning(db, today, filled, expected):
    CalendarYear.objects.exclude(year__in=filled).delete()
    for year in filled - set(CalendarYear.objects.values_list("year", flat=True)):
        CalendarYear.objects.create(year=year, filled_from="office", filled_at=timezone.now())
    warning = workdays.calendar_warning(today)
    assert (warning and {k: warning[k] for k in ("years", "urgent")}) == expected


def test_the_dashboard_warns_the_office_until_the_years_are_filled(calendar, client, office, leader_a):
    today = timezone.localdate()
    for year in (today.year, today.year + 1):
        CalendarDay.objects.filter(day__year=year).delete()
        CalendarYear.objects.filter(year=year).delete()
    client.force_login(office)
    page = client.get(reverse("dashboard")).content.decode()
    assert 'id="calendar-warning"' in page and 'role="alert"' in page
    assert str(today.year) in page and "calendar_fill" in page
    assert reverse("admin:core_calendarday_changelist") in page
    # a department does not see it: only the office can fill the calendar
    client.force_login(leader_a)
    assert 'id="calendar-warning"' not in client.get(reverse("dashboard")).content.decode()

    for year in (today.year, today.year + 1):
        if year in YEARS:
            call_command("calendar_fill", year=[year])
        else:
            call_command("calendar_fill", year=[year], weekdays=True)
    client.force_login(office)
    assert 'id="calendar-warning"' not in client.get(reverse("dashboard")).content.decode()


# --- days to close ------------------------------------------------------------------------------

def _closed(office, department, filed: datetime.date, closed: datetime.date, **extra) -> Finding:
    finding = Finding.objects.create(department=department, category="hotline", title=f"{filed}→{closed}", created_by=office,
                                     status="closed", closed_at=local(closed, 16), **extra)
    Finding.objects.filter(pk=finding.pk).update(created_at=local(filed))
    return finding


def city_closedays() -> dict:
    """The city's days-to-close histogram, all months together."""
    out = {}
    for value, n in Tally.objects.filter(dimension="closedays", department__isnull=True, n__gt=0).values_list("value", "n"):
        out[value] = out.get(value, 0) + n
    return out


@pytest.mark.django_db(transaction=True)
def test_days_to_close_are_working_days_and_an_edit_keeps_the_tally_exact(calendar, client, office, department_a, department_b):
    """Filed on 29 September 2026, closed on 12 October: 5 working days (13 calendar days), in the
    tally, the dashboard's median and the bulletin's; an office edit of a day inside recounts."""
    _closed(office, department_a, D(2026, 9, 29), D(2026, 10, 12))
    _closed(office, department_a, D(2026, 9, 30), D(2026, 10, 8))  # 8 October: 1 working day
    _closed(office, department_a, D(2026, 10, 9), D(2026, 10, 12))  # 10 (make-up) and 12 October
    assert city_closedays() == {"5": 1, "1": 1, "2": 1}
    assert stored() == recount()
    filters = Filters(period_start=D(2026, 9, 1), period_end=D(2026, 10, 31))
    assert dashboard_figures(scope_department_id=None, filters=filters, today=D(2026, 11, 1))["totals"]["median_days"] \
        == pytest.approx(2, abs=0.5)
    closed = Finding.objects.filter(status="closed")
    assert _median_days_to_close(closed, 3) == "2.0"
    # a period cutting through the month counts from the findings themselves, the same way
    cut = dashboard_figures(scope_department_id=None, filters=Filters(period_start=D(2026, 9, 29), period_end=D(2026, 9, 29)),
                            today=D(2026, 11, 1))
    assert cut["totals"]["median_days"] == pytest.approx(5, abs=0.5)

    # the office marks 9 October a holiday in the admin: the tally is recounted in the same save
    client.force_login(office)
    response = client.post(reverse("admin:core_calendarday_change", args=["2026-10-09"]), {"kind": "holiday", "name": "调整"})
    assert response.status_code == 302
    assert city_closedays() == {"4": 1, "1": 1, "2": 1}
    assert stored() == recount()
    # the package's refill of another year leaves it exact too
    call_command("calendar_fill", year=[2025])
    assert stored() == recount()
    # and so does a bulk action
    client.post(reverse("admin:core_calendarday_changelist"), {"action": "mark_weekday", "_selected_action": ["2026-10-09", "2026-10-07"]})
    assert workdays.is_working_day(D(2026, 10, 7))
    assert city_closedays() == {"6": 1, "2": 2}  # 7–9 Oct working: 30 Sept → 8 Oct is 2, 9 → 12 Oct still 2
    assert stored() == recount()

    # a day deleted (the make-up Saturday falls back to a weekend), a day added in a year not filled,
    # findings of another department and across the year's end: each edit keeps the tally exact
    _closed(office, department_b, D(2026, 10, 9), D(2026, 10, 12))
    _closed(office, department_b, D(2026, 12, 30), D(2027, 1, 5))  # 31 Dec, 1 (元旦? not filled), 4, 5 Jan
    assert stored() == recount()
    response = client.post(reverse("admin:core_calendarday_delete", args=["2026-10-10"]), {"post": "yes"})
    assert response.status_code == 302 and not CalendarDay.objects.filter(day=D(2026, 10, 10)).exists()
    assert not workdays.is_working_day(D(2026, 10, 10))
    assert stored() == recount()
    response = client.post(reverse("admin:core_calendarday_add"), {"day": "2027-01-01", "kind": "holiday", "name": "元旦"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert workdays.working_days_between(D(2026, 12, 30), D(2027, 1, 5)) == 3
    assert stored() == recount()


@pytest.mark.django_db(transaction=True)
def test_the_tally_reinstalls_triggers_that_are_out_of_date(calendar):
    from findings import tally

    with connection.cursor() as cursor:
        assert not tally._outdated_triggers(cursor, connection.vendor)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER findings_finding_tally_insert")
            cursor.execute("CREATE TRIGGER findings_finding_tally_insert AFTER INSERT ON findings_finding BEGIN SELECT 1; END")
    else:
        with connection.cursor() as cursor:
            cursor.execute("CREATE OR REPLACE FUNCTION findings_finding_tally_insert() RETURNS trigger LANGUAGE plpgsql "
                           "AS $$ BEGIN RETURN NULL; END $$")
    assert tally.ensure_installed() is True
    assert tally.ensure_installed() is False


# --- reminders and time limits ---------------------------------------------------------------

def test_the_reminder_comes_three_working_days_ahead_before_the_holiday(calendar, office, department_a, liaison_a):
    finding = actions.finding_file(actor=office, department=department_a, category="hotline", title="节后到期")
    Finding.objects.filter(pk=finding.pk).update(status="rectifying", due_date=D(2026, 10, 9))
    # counted in calendar days the reminder would come on 6 October, inside the Golden Week
    assert notifications.findings_remind(today=D(2026, 9, 28)) == 0  # 29, 30 Sept and 8 Oct: not yet
    assert notifications.findings_remind(today=D(2026, 9, 29)) == 1  # 30 Sept, 8 and 9 Oct: within three
    assert notifications.findings_remind(today=D(2026, 9, 30)) == 0  # once
    assert notifications.findings_remind(today=D(2026, 10, 6)) == 0
    assert Notification.objects.filter(recipient=liaison_a, event="due_soon").count() == 1


@pytest.mark.parametrize("unit, promised, expected_observed, proposed", [
    ("calendar_days", 10, 13, True),   # 5 working days from 29 Sept 2026 span 13 calendar days
    ("calendar_days", 13, 13, False),
    ("working_days", 5, 5, False),     # the same five working days against a 5-working-day limit
    ("working_days", 4, 5, True),
])
def test_a_limit_is_compared_in_its_own_unit(calendar, department_a, leader_a, unit, promised, expected_observed, proposed):
    item = make_item(department_a, "CAL-1", promised_limit_days=promised, legal_limit_days=20, limit_unit=unit)
    walk = Walkthrough.objects.create(service_item=item, department=department_a, leader=leader_a, mode=Mode.ACCOMPANY,
                                      scheduled_for=D(2026, 9, 28), started_at=local(D(2026, 9, 29)),
                                      status=Status.COMPLETED, elapsed_days=5)
    assert elapsed_in_limit_unit(walk) == expected_observed
    time = [p for p in walkthrough_proposals(walk) if p["key"] == "time"]
    assert bool(time) == proposed
    if time:
        assert f"{expected_observed} " in time[0]["title"]
        assert ("calendar" in time[0]["title"] or "日历" in time[0]["title"] or "自然" in time[0]["title"]) == (unit == "calendar_days")


def test_a_list_reads_the_calendar_once(calendar, django_assert_num_queries):
    """``Calendar``: one query for a page's rows of deadlines, whatever their number."""
    with django_assert_num_queries(1):
        cal = workdays.Calendar(D(2026, 9, 1), D(2026, 10, 31))
        counts = [cal.working_days_between(D(2026, 9, 29), D(2026, 10, 12 + i % 3)) for i in range(50)]
        assert cal.is_working_day(D(2026, 10, 10)) and not cal.is_working_day(D(2026, 10, 3))
    assert counts[:3] == [5, 6, 7]  # to 12, 13 and 14 October
    assert cal.working_days_between(D(2026, 9, 29), D(2026, 12, 1)) == workdays.working_days_between(D(2026, 9, 29), D(2026, 12, 1))


@pytest.mark.parametrize("url", ["admin:core_calendarday_changelist", "admin:core_calendaryear_changelist",
                                 "admin:core_calendaryear_add"])
def test_the_calendar_is_the_office_s_even_for_a_staff_member_of_a_department(calendar, client, leader_a, office, url):
    leader_a.is_staff = True
    leader_a.save()
    client.force_login(leader_a)
    assert client.get(reverse(url)).status_code == 403
    client.force_login(office)
    assert client.get(reverse(url)).status_code == 200

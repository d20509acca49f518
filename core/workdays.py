"""Working days as the State Council publishes them: public holidays off, make-up days (调休) on.

The calendar is in the database (``core.models.CalendarDay``, one row for every day of a filled
year; ``CalendarYear`` says which years are filled and from where). It is filled from the pinned
package ``chinesecalendar`` (import name ``chinese_calendar``) by the migration and by
``manage.py calendar_fill``, and the office edits single days in the admin (those rows are marked
``source=office`` and a refill keeps them).

A date without a row — a year not filled yet — counts Monday to Friday, as before the calendar
existed; the dashboard warns the office (``calendar_warning``) while the current or the coming year
is missing.

Reading: every call reads the rows of the range it needs (one indexed range query; a deadline is
computed a few times per request at most), so an edit is seen at once by every process — no cache
to go stale. ``working_days_sql`` is the same count in SQL, for the tally's triggers and for
queries that sort or group by it.
"""
from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

# Sent inside the writing transaction, before and after days of the calendar change, with
# ``days``: the dates, or None for "many" (only after). The findings app keeps its days-to-close
# figures exact with them (findings/tally.py: calendar_changing, calendar_edited).
calendar_changing = Signal()
calendar_changed = Signal()

PACKAGE = "chinesecalendar"
# The package names its holidays in English; the calendar shows them as the State Council does.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
MAKEUP_NAME = "调休上班"
EPOCH = datetime.date(1900, 1, 1)  # a Monday: weekdays are counted from it in SQL


# --- reading ------------------------------------------------------------------------------------

def _rows(first: datetime.date, last: datetime.date) -> dict[datetime.date, bool]:
    from .models import CalendarDay

    return dict(CalendarDay.objects.filter(day__gte=first, day__lte=last).values_list("day", "workday"))


def _working(day: datetime.date, rows: dict[datetime.date, bool]) -> bool:
    known = rows.get(day)
    return known if known is not None else day.weekday() < 5


def is_working_day(day: datetime.date) -> bool:
    return _working(day, _rows(day, day))


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The day ``days`` working days after ``start`` (``start`` itself when ``days`` is 0)."""
    current, added = start, 0
    while added < days:
        # a window long enough for the usual case in one query (Golden Week and Spring Festival
        # take at most 9 calendar days off a fortnight); a longer span reads the next window
        window_end = current + datetime.timedelta(days=(days - added) * 2 + 14)
        rows = _rows(current + datetime.timedelta(days=1), window_end)
        while added < days and current < window_end:
            current += datetime.timedelta(days=1)
            if _working(current, rows):
                added += 1
    return current


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """The working days after ``start`` up to and including ``end`` (0 when ``end`` is not later):
    ``add_working_days(start, n)`` is the first day with ``working_days_between(start, day) == n``."""
    if end <= start:
        return 0
    rows = _rows(start + datetime.timedelta(days=1), end)
    return sum(_working(start + datetime.timedelta(days=i), rows) for i in range(1, (end - start).days + 1))


class Calendar:
    """The calendar's rows over ``[first, last]`` read once (one query), for a list that counts
    many deadlines (a page's rows); a day outside the range is read as the functions above do.
    Lives as long as the list it serves, so it cannot go stale."""

    def __init__(self, first: datetime.date, last: datetime.date):
        self.first, self.last = first, last
        self.rows = _rows(first, last)

    def _covers(self, first: datetime.date, last: datetime.date) -> bool:
        return self.first <= first and last <= self.last

    def is_working_day(self, day: datetime.date) -> bool:
        return _working(day, self.rows) if self._covers(day, day) else is_working_day(day)

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        if end <= start:
            return 0
        if not self._covers(start + datetime.timedelta(days=1), end):
            return working_days_between(start, end)
        return sum(_working(start + datetime.timedelta(days=i), self.rows) for i in range(1, (end - start).days + 1))


def calendar_days_between(start: datetime.date, end: datetime.date) -> int:
    return max(0, (end - start).days)


# --- the same count in SQL ------------------------------------------------------------------------

def local_date_sql(vendor: str, timestamp: str) -> str:
    """The local date (``TIME_ZONE``) of a timestamp column, in SQL."""
    if vendor == "postgresql":
        return f"({timestamp} AT TIME ZONE '{settings.TIME_ZONE.replace(chr(39), '')}')::date"
    return f"date({timestamp}, {sqlite_shift()})"


def sqlite_shift() -> str:
    """SQLite has no time zones: the local date is taken at a fixed offset, checked to be fixed."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    offsets = {datetime.datetime(year, month, 15, tzinfo=zone).utcoffset() for year in (2024, 2025) for month in (1, 7)}
    if len(offsets) != 1:
        raise RuntimeError(f"Local dates on SQLite need a time zone without daylight saving, not {settings.TIME_ZONE}.")
    return f"'{int(offsets.pop().total_seconds() // 60):+d} minutes'"


def working_days_sql(vendor: str, start: str, end: str) -> str:
    """SQL for ``working_days_between(start, end)`` over two date expressions.

    Monday to Friday counted arithmetically over the whole range (weeks since a Monday epoch), then
    corrected by the calendar's rows inside the range: each row adds its ``workday`` and takes off
    whether it is a weekday — so a filled day counts as the calendar says and a day without a row
    (a year not filled) as Monday to Friday, exactly as the Python functions above. One range scan
    of the primary key, no generated series (SQLite's triggers allow neither CTEs nor
    ``generate_series``).
    """
    if vendor == "postgresql":
        def weekdays_to(day):  # Monday to Friday from EPOCH up to and including ``day``
            k = f"(({day}) - DATE '{EPOCH.isoformat()}' + 1)"
            return f"(5 * ({k} / 7) + least({k} % 7, 5))"
        correction = (f"(SELECT sum(CASE WHEN c.workday THEN 1 ELSE 0 END - CASE WHEN extract(isodow FROM c.day) < 6 "
                      f"THEN 1 ELSE 0 END) FROM core_calendarday AS c WHERE c.day > ({start}) AND c.day <= ({end}))")
    else:
        def weekdays_to(day):
            k = f"(CAST(julianday({day}) - julianday('{EPOCH.isoformat()}') AS INTEGER) + 1)"
            return f"(5 * ({k} / 7) + min({k} % 7, 5))"
        correction = (f"(SELECT sum(c.workday - (strftime('%w', c.day) NOT IN ('0', '6'))) "
                      f"FROM core_calendarday AS c WHERE c.day > ({start}) AND c.day <= ({end}))")
    return (f"(CASE WHEN ({end}) > ({start}) THEN {weekdays_to(end)} - {weekdays_to(start)} "
            f"+ coalesce({correction}, 0) ELSE 0 END)")


def working_days_expression(start_field: str, end_field: str):
    """An ORM expression: working days from the local date of ``start_field`` to that of ``end_field``
    (two timestamp fields), as the tally counts days to close."""
    from django.db.models import Func, IntegerField

    class WorkingDaysBetween(Func):
        output_field = IntegerField()

        def as_sql(self, compiler, connection, **extra):
            start, start_params = compiler.compile(self.source_expressions[0])
            end, end_params = compiler.compile(self.source_expressions[1])
            vendor = connection.vendor
            sql = working_days_sql(vendor if vendor == "postgresql" else "sqlite",
                                   local_date_sql(vendor, start), local_date_sql(vendor, end))
            # each date appears three times in the SQL; the fields compile to plain columns
            if start_params or end_params:
                raise ValueError("working_days_expression takes plain fields")
            return sql.replace("%", "%%"), []

    from django.db.models import F

    return WorkingDaysBetween(F(start_field), F(end_field))


# --- filling ------------------------------------------------------------------------------------

def package_version() -> str:
    from importlib.metadata import version

    return version(PACKAGE)


def package_years() -> list[int]:
    """The years the installed package knows (it raises for any other)."""
    from chinese_calendar.constants import holidays

    return sorted({day.year for day in holidays})


def _package_day(day: datetime.date):
    from chinese_calendar.constants import holidays, workdays

    from .models import DayKind

    if day in workdays:
        return DayKind.MAKEUP, f"{MAKEUP_NAME}（{HOLIDAY_NAMES.get(workdays[day], workdays[day])}）"
    if day in holidays:
        return DayKind.HOLIDAY, HOLIDAY_NAMES.get(holidays[day], holidays[day])
    return (DayKind.WEEKDAY if day.weekday() < 5 else DayKind.WEEKEND), ""


def _plain_day(day: datetime.date):
    from .models import DayKind

    return (DayKind.WEEKDAY if day.weekday() < 5 else DayKind.WEEKEND), ""


@transaction.atomic
def fill_year(year: int, *, from_package: bool = True, models=None) -> int:
    """Write every day of ``year`` — from the package's arrangement, or Monday to Friday when the
    office starts a year the package does not know yet (``from_package=False``) — keeping the days
    the office edited. Returns the number of days written. ``models`` (CalendarDay, CalendarYear)
    lets a migration pass its historical models."""
    if models is None:
        from .models import CalendarDay, CalendarYear
    else:
        CalendarDay, CalendarYear = models
    from .models import WORKING_KINDS, DaySource

    if from_package and year not in package_years():
        raise ValueError(f"{PACKAGE} {package_version()} does not know {year}: it knows {package_years()[0]}–{package_years()[-1]}.")
    kept = set(CalendarDay.objects.filter(day__year=year, source=DaySource.OFFICE).values_list("day", flat=True))
    source = DaySource.PACKAGE if from_package else DaySource.DEFAULT
    rows, day = [], datetime.date(year, 1, 1)
    while day.year == year:
        if day not in kept:
            kind, name = (_package_day if from_package else _plain_day)(day)
            rows.append(CalendarDay(day=day, kind=kind, workday=kind in WORKING_KINDS, name=name, source=source))
        day += datetime.timedelta(days=1)
    CalendarDay.objects.filter(day__year=year).exclude(day__in=kept).delete()
    CalendarDay.objects.bulk_create(rows)
    CalendarYear.objects.update_or_create(year=year, defaults={
        "filled_from": f"{PACKAGE} {package_version()}" if from_package else "office", "filled_at": timezone.now()})
    if models is None:
        calendar_changed.send(sender=CalendarDay, days=None)
    return len(rows)


# --- the office's warning -------------------------------------------------------------------------

WARN_FROM_MONTH = 10  # the State Council usually publishes next year's arrangement in Oct–Dec
URGENT_FROM_MONTH = 12


def calendar_warning(today: datetime.date | None = None) -> dict | None:
    """The years the dashboard must tell the office to fill (one query), or None.

    The current year missing is always urgent (deadlines are being counted Monday to Friday right
    now); the coming year is asked for from October and urgent from December.
    """
    from .models import CalendarYear

    today = today or timezone.localdate()
    filled = set(CalendarYear.objects.filter(year__in=[today.year, today.year + 1]).values_list("year", flat=True))
    missing = [y for y in (today.year, today.year + 1) if y not in filled
               and (y == today.year or today.month >= WARN_FROM_MONTH)]
    if not missing:
        return None
    return {"years": missing, "urgent": today.year in missing or today.month >= URGENT_FROM_MONTH,
            "package_years": package_years(), "package": f"{PACKAGE} {package_version()}"}

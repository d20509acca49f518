"""Working days: Monday to Friday.

Public holidays and the make-up working weekends of China's holiday calendar are not modelled yet;
a deadline that falls in a holiday week is a day or two early. (Noted in README.)
"""
import datetime


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    current = start
    added = 0
    while added < days:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """The working days after ``start`` up to and including ``end`` (0 when ``end`` is not later):
    ``add_working_days(start, n)`` is the first day with ``working_days_between(start, day) == n``."""
    count = 0
    current = start
    while current < end:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5:
            count += 1
    return count

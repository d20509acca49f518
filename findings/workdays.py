"""Working days, as the State Council publishes them: the calendar of ``core/workdays.py``
(public holidays off, make-up working days on; Monday to Friday for a year not yet filled).
Re-exported here for the findings app's deadlines; and an edit of the calendar recounts the
tally's days to close (this module is imported by ``FindingsConfig.ready`` through queries)."""
from core.workdays import add_working_days, calendar_changed, calendar_changing, is_working_day, working_days_between

__all__ = ["add_working_days", "is_working_day", "working_days_between"]


def _uncount_days_to_close(sender, days=None, **kwargs):
    from . import tally

    tally.calendar_changing(days)


def _recount_days_to_close(sender, days=None, **kwargs):
    from . import tally

    tally.calendar_edited(days)


calendar_changing.connect(_uncount_days_to_close, dispatch_uid="findings-days-to-close-before")
calendar_changed.connect(_recount_days_to_close, dispatch_uid="findings-days-to-close")

"""Asking for a report, and making it in the worker — once, and never lost.

The request is a row in the database before anything is queued; the task only carries its id.
If the broker is down the row waits (``enqueued_at`` empty) and the periodic sweep queues it again.
Each run claims the row with a conditional UPDATE that bumps ``attempts``; only the run holding the
latest attempt may mark it done, so a run cut short by a dead worker and its retry never leave two
files or two results.

Identical requests sent at once (six API calls, a double click) make one row: the database refuses a
second report of the same request while one is pending or running (the constraint
``report_one_unfinished_per_request``), and the request that loses answers the one that won.
A report gets at most ``REPORT_MAX_ATTEMPTS`` runs, whatever ends them (an error, a killed process, the
hard time limit): then it is failed with the reason, never queued again.
"""
from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.errors import ActionError
from core.queue import enqueue
from webhooks.events import Event, emit

from ..models import Report, ReportKind, ReportPart, ReportStatus
from . import queries
from .data import ReportInput
from .numbers import document_number_take, numbered

log = logging.getLogger(__name__)

RENDER_TASK = "findings.tasks.report_render_task"
PART_TASK = "findings.tasks.report_part_render"

# A run that has not finished this long after it started has lost its worker.
STALE_AFTER = datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
# A request queued this long ago and never started was lost with its message.
REQUEUE_AFTER = datetime.timedelta(minutes=10)
# Runs a report may have, counted on the row (``attempts``) whatever ends them.
MAX_ATTEMPTS = getattr(settings, "REPORT_MAX_ATTEMPTS", 3)
UNFINISHED = [ReportStatus.PENDING, ReportStatus.RUNNING]


@transaction.atomic
def report_request(*, actor, kind: str, walkthrough=None, department=None, period_start=None, period_end=None) -> Report:
    """Record the request (or find the same one) and queue it once the transaction commits."""
    if kind not in ReportKind.values:
        raise ActionError(_("Unknown report kind."))
    if kind == ReportKind.WALKTHROUGH and walkthrough is None:
        raise ActionError(_("Choose the walkthrough."))
    if kind == ReportKind.DEPARTMENT and department is None:
        raise ActionError(_("Choose the department."))
    if period_start and period_end and period_start > period_end:
        raise ActionError(_("The period ends before it starts."))
    scope = queries.report_scope_for(actor, kind=kind, walkthrough=walkthrough, department=department)
    if scope is None:
        raise PermissionDenied(_("You may not ask for this report."))
    if kind == ReportKind.LEDGER and department is None and scope.startswith("dept:"):
        department_id = int(scope.split(":")[1])
    else:
        department_id = department.pk if department is not None and kind in (ReportKind.DEPARTMENT, ReportKind.LEDGER) else None
    params = {
        "walkthrough_id": walkthrough.pk if kind == ReportKind.WALKTHROUGH else None,
        "department_id": department_id,
        "period_start": period_start if kind in (ReportKind.BULLETIN, ReportKind.LEDGER) else None,
        "period_end": period_end if kind in (ReportKind.BULLETIN, ReportKind.LEDGER) else None,
    }
    key = queries.request_key(kind=kind, scope=scope, **params)
    return _report_once(Report(kind=kind, scope=scope, request_key=key, requested_by=actor, **params))


def _report_once(report: Report) -> Report:
    """Save the request and queue it after commit — or return the same request's report.

    Not a read-then-insert: the insert itself is refused by the database while the same request is
    pending or running, and the request that loses the race answers the row that won it.
    """
    stamp = queries.data_stamp(report)
    for _attempt in range(3):
        existing = queries.report_reusable(key=report.request_key, stamp=stamp)
        if existing is not None:
            return existing
        report.pk, report.data_stamp = None, stamp
        try:
            with transaction.atomic():  # a savepoint: the caller's transaction goes on after a refusal
                report.save()
        except IntegrityError:
            continue  # the twin committed first (we waited for it at the unique index): answer it
        transaction.on_commit(lambda: report_enqueue(report_id=report.pk))
        return report
    raise ActionError(_("The same report is being asked for right now; try again in a moment."))


def report_enqueue(*, report_id: int) -> bool:
    """Hand the report to the worker; with the broker down, leave it for the sweep."""
    if not enqueue(RENDER_TASK, report_id):
        return False
    Report.objects.filter(pk=report_id, status=ReportStatus.PENDING).update(enqueued_at=timezone.now())
    return True


def report_claim(*, report_id: int) -> int | None:
    """Claim the report for this run; returns the attempt number, or None if it is finished.

    A report that has had all its runs (each killed its process, say, and the message came back) is
    not claimed again: it is marked failed with the reason.
    """
    with transaction.atomic():
        claimed = Report.objects.filter(
            pk=report_id, status__in=UNFINISHED, attempts__lt=MAX_ATTEMPTS,
        ).update(status=ReportStatus.RUNNING, attempts=F("attempts") + 1, started_at=timezone.now(), progress=0)
        if not claimed:
            _fail_exhausted(Report.objects.filter(pk=report_id))
            return None
        return Report.objects.values_list("attempts", flat=True).get(pk=report_id)


def _reason(message: str, attempts: int) -> str:
    with translation.override(settings.LANGUAGE_CODE):  # the row keeps one text, in the site's language
        return _(message) % {"n": attempts}


INTERRUPTED = gettext_noop("The rendering process was interrupted %(n)d times; the report was not made.")
TIMED_OUT = gettext_noop("The rendering ran past its time limit (%(n)d attempts); the report was not made.")


def _fail_exhausted(reports, *, now: datetime.datetime | None = None, message: str = INTERRUPTED) -> int:
    """Mark failed the unfinished reports among ``reports`` that have had all their runs."""
    failed = 0
    for report_id, attempts in reports.filter(status__in=UNFINISHED, attempts__gte=MAX_ATTEMPTS).values_list("pk", "attempts"):
        failed += Report.objects.filter(pk=report_id, status__in=UNFINISHED, attempts=attempts).update(
            status=ReportStatus.FAILED, error=_reason(message, attempts)[:500], finished_at=now or timezone.now())
    if failed:
        log.warning("%d report(s) failed after %d attempts", failed, MAX_ATTEMPTS)
    return failed


def report_may_retry(*, report_id: int) -> bool:
    """Whether the report has a run left (the task asks before retrying after an error)."""
    return Report.objects.filter(pk=report_id, status__in=UNFINISHED, attempts__lt=MAX_ATTEMPTS).exists()


def report_timed_out(*, report_id: int) -> None:
    """The worker killed the run at the hard time limit (no ``except`` ran in the task): that attempt
    failed. With runs left, the row waits for the sweep to queue it again; else it is failed."""
    now = timezone.now()
    if not _fail_exhausted(Report.objects.filter(pk=report_id, status=ReportStatus.RUNNING), now=now, message=TIMED_OUT):
        Report.objects.filter(pk=report_id, status=ReportStatus.RUNNING).update(status=ReportStatus.PENDING, enqueued_at=None)


def _progress(report_id: int, attempt: int):
    def update(percent: int) -> None:
        Report.objects.filter(pk=report_id, attempts=attempt, status=ReportStatus.RUNNING).update(progress=min(99, percent))

    return update


def report_input(report: Report, *, number: str = "", issued_on: datetime.date | None = None) -> ReportInput:
    findings = queries.scope_findings(report.scope)
    walkthroughs = queries.scope_walkthroughs(report.scope)
    return ReportInput(
        kind=report.kind, findings=findings, walkthroughs=walkthroughs, walkthrough=report.walkthrough,
        department=report.department, period_start=report.period_start, period_end=report.period_end,
        number=number, issued_on=issued_on or timezone.localdate(), issuer=settings.REPORT_ISSUER,
        departments=queries.scope_departments(report.scope),
    )


class _Superseded(Exception):
    """A later attempt took the report over: this run's work (and its number) is rolled back."""


def report_render(*, report_id: int) -> bool:
    """Make the report's files and issue it. Returns True if this run finished it.

    A numbered kind (``REPORT_NUMBER_FORMATS``) is rendered inside the transaction that takes its
    发文字号 and marks it done (``numbers.document_number_take``): documents of one kind are issued
    one after the other, in order, and a render that fails, or a run that lost the report to a later
    attempt, rolls the number back — none is consumed or skipped. Its progress is therefore seen only
    when it is done; the walk record and the ledger, unnumbered, show theirs as they go.
    """
    attempt = report_claim(report_id=report_id)
    if attempt is None:
        return False
    report = Report.objects.select_related("walkthrough__service_item", "department").get(pk=report_id)
    Report.objects.filter(pk=report_id).update(data_stamp=queries.data_stamp(report))
    if report.kind == ReportKind.LEDGER and getattr(settings, "REPORT_LEDGER_CHUNK_ROWS", 0) > 0:
        ledger_plan(report)
        return False  # the pieces' tasks make it; the join marks it done
    saved: list[tuple[object, str]] = []  # (storage, name) of the files this run wrote
    try:
        if numbered(report.kind):
            with transaction.atomic():
                issued_on = timezone.localdate()
                serial, number = document_number_take(issuer=settings.REPORT_ISSUER, kind=report.kind, on=issued_on)
                pdf_name, xlsx_name = _render_files(report, attempt, saved, number=number, issued_on=issued_on)
                if not _mark_done(report, attempt, pdf_name, xlsx_name, number=number, serial=serial, issued_on=issued_on):
                    raise _Superseded
        else:
            issued_on = timezone.localdate()
            pdf_name, xlsx_name = _render_files(report, attempt, saved, number="", issued_on=issued_on)
            with transaction.atomic():
                if not _mark_done(report, attempt, pdf_name, xlsx_name, number="", serial=None, issued_on=issued_on):
                    raise _Superseded
    except _Superseded:
        # A later attempt took over (this run was thought lost): its files count, not ours.
        _delete(saved)
        return False
    except BaseException:
        _delete(saved)
        raise
    _remove_other_attempts(report, keep={pdf_name, xlsx_name})
    return True


def _render_files(report: Report, attempt: int, saved: list, *, number: str, issued_on: datetime.date) -> tuple[str, str]:
    """Render the PDF (and the ledger's spreadsheet) and store them; returns their names."""
    import io

    from .render import render_ledger_xlsx, render_pdf

    progress = _progress(report.pk, attempt)
    ledger = report.kind == ReportKind.LEDGER
    # The ledger makes two files: its PDF fills the bar to 70 %, the spreadsheet the rest.
    pdf_progress = (lambda p: progress(p * 70 // 100)) if ledger else progress
    with translation.override(settings.LANGUAGE_CODE):
        data = report_input(report, number=number, issued_on=issued_on)
        pdf_bytes = render_pdf(data, progress=pdf_progress)
        xlsx_name = ""
        stamp = timezone.localtime().strftime("%Y%m%d")
        pdf_name = report.pdf.field.generate_filename(report, f"{report.kind}-{stamp}-{report.pk}-{attempt}.pdf")
        pdf_name = report.pdf.storage.save(pdf_name, ContentFile(pdf_bytes))
        saved.append((report.pdf.storage, pdf_name))
        if ledger:
            buffer = io.BytesIO()
            render_ledger_xlsx(data, buffer, progress=lambda p: progress(70 + p * 30 // 100))
            xlsx_name = report.xlsx.field.generate_filename(report, f"ledger-{stamp}-{report.pk}-{attempt}.xlsx")
            xlsx_name = report.xlsx.storage.save(xlsx_name, ContentFile(buffer.getvalue()))
            saved.append((report.xlsx.storage, xlsx_name))
    return pdf_name, xlsx_name


def _mark_done(report: Report, attempt: int, pdf_name: str, xlsx_name: str, *, number: str, serial: int | None,
               issued_on: datetime.date) -> bool:
    """Mark the report done if this run still holds it (inside the issuing transaction)."""
    finished = Report.objects.filter(pk=report.pk, attempts=attempt, status=ReportStatus.RUNNING).update(
        status=ReportStatus.DONE, progress=100, pdf=pdf_name, xlsx=xlsx_name, finished_at=timezone.now(), error="",
        issuer=settings.REPORT_ISSUER, number=number, serial=serial, issued_on=issued_on,
    )
    if finished:
        _emit_done(report, has_xlsx=bool(xlsx_name))
    return bool(finished)


def _delete(saved: list) -> None:
    for storage, name in saved:
        try:
            storage.delete(name)
        except OSError:
            log.warning("report: could not remove %s", name)


def _emit_done(report: Report, *, has_xlsx: bool) -> None:
    """``report.done``, with the API addresses of its files (never their content)."""
    from django.urls import reverse

    department_id = report.department_id or (report.walkthrough.department_id if report.walkthrough_id else None)
    if department_id is None and report.scope.startswith("dept:"):
        department_id = int(report.scope.partition(":")[2])
    download = settings.SITE_URL + reverse("v1:report-download", args=[report.pk])
    files = {"pdf": download}
    if has_xlsx:
        files["xlsx"] = f"{download}?file=xlsx"
    emit(Event.REPORT_DONE, department_id=department_id, data={
        "report": report.pk, "kind": report.kind, "department": department_id,
        "walkthrough": report.walkthrough_id,
        "period_start": report.period_start.isoformat() if report.period_start else None,
        "period_end": report.period_end.isoformat() if report.period_end else None,
        "url": settings.SITE_URL + reverse("v1:report-detail", args=[report.pk]), "files": files,
    })


def _remove_other_attempts(report: Report, *, keep: set[str]) -> None:
    """A run killed after saving a file leaves it behind: once done, only the final files remain."""
    import posixpath
    import re

    ours = re.compile(rf"^[a-z]+-\d{{8}}-{report.pk}-\d+(_\w+)?\.(pdf|xlsx)$")
    storage = report.pdf.storage
    for name in keep - {""}:
        folder = posixpath.dirname(name)
        try:
            _dirs, files = storage.listdir(folder)
        except (FileNotFoundError, NotImplementedError):
            continue
        for file in files:
            path = posixpath.join(folder, file)
            if ours.match(file) and path not in keep:
                storage.delete(path)


def report_fail(*, report_id: int, error: str) -> None:
    Report.objects.filter(pk=report_id).exclude(status=ReportStatus.DONE).update(
        status=ReportStatus.FAILED, error=error[:500], finished_at=timezone.now()
    )


def reports_sweep(*, now: datetime.datetime | None = None) -> int:
    """Queue again what was never queued, or lost its worker. Run by beat every minute."""
    now = now or timezone.now()
    # A ledger made in pieces runs as long as its pieces take: its pieces are watched instead (below).
    stale = Report.objects.filter(status=ReportStatus.RUNNING, started_at__lt=now - STALE_AFTER).exclude(
        Exists(ReportPart.objects.filter(report=OuterRef("pk"))))
    # A lost run counts: a report whose every run was lost (its render kills the process) is failed.
    _fail_exhausted(stale, now=now)
    _fail_exhausted(Report.objects.filter(status=ReportStatus.PENDING), now=now)
    stale.filter(attempts__lt=MAX_ATTEMPTS).update(status=ReportStatus.PENDING, enqueued_at=None)
    waiting = Report.objects.filter(status=ReportStatus.PENDING).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REQUEUE_AFTER)
    ).values_list("pk", flat=True)
    queued = 0
    for report_id in list(waiting[:500]):
        queued += report_enqueue(report_id=report_id)
    return queued + parts_sweep(now=now)


def weekly_bulletin() -> Report:
    """The office's weekly bulletin for last Monday to Sunday (run by beat on Monday morning)."""
    today = timezone.localdate()
    start = today - datetime.timedelta(days=today.weekday() + 7)
    end = start + datetime.timedelta(days=6)
    report = Report(kind=ReportKind.BULLETIN, scope=queries.ALL, period_start=start, period_end=end,
                    request_key=queries.request_key(kind=ReportKind.BULLETIN, scope=queries.ALL, walkthrough_id=None,
                                                    department_id=None, period_start=start, period_end=end))
    with transaction.atomic():
        return _report_once(report)


# --- the ledger in pieces ------------------------------------------------------------------------
#
# ``report_render`` claims a ledger and cuts it (``ledger_plan``) into pieces of at most
# ``REPORT_LEDGER_CHUNK_ROWS`` rows (a ``ReportPart`` each, plus one "join" part) and queues them. Each
# piece is a task of its own (``findings.tasks.report_part_render``), run by whichever worker takes
# it, in parallel; a piece is claimed only while pending (a second message for it does nothing), has
# its own attempts (``REPORT_MAX_ATTEMPTS``) and is retried alone. The piece that finishes last queues
# the join (a conditional UPDATE: two finishing at once queue it once), which lays out the contents
# page, joins the pieces with pypdf, stamps the page numbers, writes the xlsx and marks the report done.

JOIN_PROGRESS = 90  # the pieces fill the bar from 5 to 90 %; the join the rest
PART_FAILED = gettext_noop("Part %(part)d of %(parts)d of the ledger could not be made (%(n)d attempts): %(error)s")


def ledger_plan(report: Report) -> int:
    """Cut the ledger into pieces and queue them; returns the number of pieces.

    Streams three columns of the rows; holds one piece's ids at a time. A department starts a new
    piece when the current one is at least half full (cheap: the contents page then points at a
    piece's first page more often). Run again (the report re-claimed), it queues what is unfinished.
    """
    from .render import ledger_plan_rows

    size = max(1, settings.REPORT_LEDGER_CHUNK_ROWS)
    with transaction.atomic():
        if not ReportPart.objects.filter(report=report).exists():
            issued_on = timezone.localdate()
            Report.objects.filter(pk=report.pk).update(issued_on=issued_on, progress=5)
            index, ids, starts, first_row, n, department = 0, [], [], 1, 0, None

            def cut():
                nonlocal index
                ReportPart.objects.create(report=report, index=index, first_row=first_row, finding_ids=ids, starts=starts)
                index += 1

            for finding_id, department_id, name in ledger_plan_rows(report_input(report, issued_on=issued_on)):
                n += 1
                new_department = department_id != department
                if ids and (len(ids) >= size or (new_department and len(ids) >= size // 2)):
                    cut()
                    ids, starts, first_row = [], [], n
                if new_department:
                    starts.append([name, n])
                    department = department_id
                ids.append(finding_id)
            cut()  # the last piece (the only one, empty, when nothing matches: it says so)
            ReportPart.objects.create(report=report, index=index, role=ReportPart.XLSX, first_row=n + 1)
            ReportPart.objects.create(report=report, index=index + 1, role=ReportPart.JOIN, first_row=n + 1)
        # The xlsx first: it is made beside the pieces, not after them, whatever the number of workers.
        waiting = list(ReportPart.objects.filter(report=report, status=ReportStatus.PENDING).exclude(role=ReportPart.JOIN)
                       .order_by(Case(When(role=ReportPart.XLSX, then=0), default=1), "index").values_list("pk", flat=True))
        transaction.on_commit(lambda: [part_enqueue(part_id=part_id) for part_id in waiting])
        if not waiting:
            transaction.on_commit(lambda: _join_when_ready(report.pk))
    return len(waiting)


def part_enqueue(*, part_id: int) -> bool:
    if not enqueue(PART_TASK, part_id):
        return False
    ReportPart.objects.filter(pk=part_id, status=ReportStatus.PENDING).update(enqueued_at=timezone.now())
    return True


def _chunks_unfinished(report_ref) -> Exists:
    """Some piece (or the xlsx) of the report is not done yet."""
    return Exists(ReportPart.objects.filter(report=report_ref).exclude(role=ReportPart.JOIN).exclude(status=ReportStatus.DONE))


def part_claim(*, part_id: int) -> int | None:
    """Claim a pending piece of a running report (the join only once every piece is done); returns
    the attempt, or None. A piece that has had all its runs fails its report with the reason."""
    claimable = (ReportPart.objects.filter(pk=part_id, status=ReportStatus.PENDING, attempts__lt=MAX_ATTEMPTS,
                                           report__status=ReportStatus.RUNNING)
                 .exclude(Q(role=ReportPart.JOIN) & _chunks_unfinished(OuterRef("report"))))
    # (SQLite and PostgreSQL both take a correlated EXISTS in an UPDATE's WHERE through pk__in.)
    claimed = ReportPart.objects.filter(pk__in=list(claimable.values_list("pk", flat=True)), status=ReportStatus.PENDING,
                                        attempts__lt=MAX_ATTEMPTS).update(
        status=ReportStatus.RUNNING, attempts=F("attempts") + 1, started_at=timezone.now(), error="")
    if not claimed:
        _fail_exhausted_parts(ReportPart.objects.filter(pk=part_id))
        return None
    return ReportPart.objects.values_list("attempts", flat=True).get(pk=part_id)


def _fail_exhausted_parts(parts, *, message: str = INTERRUPTED, now=None) -> int:
    failed = 0
    for part in parts.filter(status__in=UNFINISHED, attempts__gte=MAX_ATTEMPTS).select_related("report"):
        error = part.error or _reason(message, part.attempts)
        failed += _part_fails(part, error)
    return failed


def _part_fails(part: ReportPart, error: str) -> int:
    """The piece has had its runs: it and its report are failed, with the reason."""
    total = ReportPart.objects.filter(report_id=part.report_id).exclude(role=ReportPart.JOIN).count()
    with translation.override(settings.LANGUAGE_CODE):
        reason = _(PART_FAILED) % {"part": part.index + 1, "parts": total, "n": part.attempts, "error": error}
    with transaction.atomic():
        ReportPart.objects.filter(pk=part.pk).update(status=ReportStatus.FAILED, error=error[:500], finished_at=timezone.now())
        return Report.objects.filter(pk=part.report_id, status__in=UNFINISHED).update(
            status=ReportStatus.FAILED, error=reason[:500], finished_at=timezone.now())


def part_may_retry(*, part_id: int) -> bool:
    """After an error: with runs left the piece waits (pending) for its retry; else it fails its report."""
    part = ReportPart.objects.select_related("report").get(pk=part_id)
    if part.status == ReportStatus.RUNNING and part.attempts < MAX_ATTEMPTS and part.report.status == ReportStatus.RUNNING:
        ReportPart.objects.filter(pk=part_id, status=ReportStatus.RUNNING).update(
            status=ReportStatus.PENDING, enqueued_at=timezone.now())
        return True
    return False


def part_fail(*, part_id: int, error: str) -> None:
    part = ReportPart.objects.get(pk=part_id)
    if part.status != ReportStatus.DONE:
        _part_fails(part, error)


def part_timed_out(*, part_id: int) -> None:
    """The hard time limit killed the piece's run: with runs left it waits for the sweep, else it fails."""
    if not _fail_exhausted_parts(ReportPart.objects.filter(pk=part_id, status=ReportStatus.RUNNING), message=TIMED_OUT):
        ReportPart.objects.filter(pk=part_id, status=ReportStatus.RUNNING).update(status=ReportStatus.PENDING, enqueued_at=None)


def parts_sweep(*, now: datetime.datetime) -> int:
    """Pieces that lost their worker go back to pending (or fail their report after all their runs);
    pieces never queued, or queued long ago and not started, are queued again."""
    live = ReportPart.objects.filter(report__status=ReportStatus.RUNNING)
    stale = live.filter(status=ReportStatus.RUNNING, started_at__lt=now - STALE_AFTER)
    _fail_exhausted_parts(stale, now=now)
    stale.filter(attempts__lt=MAX_ATTEMPTS).update(status=ReportStatus.PENDING, enqueued_at=None)
    waiting = (live.filter(status=ReportStatus.PENDING)
               .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REQUEUE_AFTER))
               .exclude(Q(role=ReportPart.JOIN) & _chunks_unfinished(OuterRef("report"))))
    queued = 0
    for part_id in list(waiting.values_list("pk", flat=True)[:500]):
        queued += part_enqueue(part_id=part_id)
    return queued


def _join_when_ready(report_id: int) -> bool:
    """Queue the join if every piece is done and nobody queued it yet (one UPDATE decides)."""
    ready = ReportPart.objects.filter(report_id=report_id, role=ReportPart.JOIN, status=ReportStatus.PENDING,
                                      enqueued_at__isnull=True).exclude(_chunks_unfinished(OuterRef("report")))
    ids = list(ready.values_list("pk", flat=True))
    if ids and ReportPart.objects.filter(pk__in=ids, enqueued_at__isnull=True).update(enqueued_at=timezone.now()):
        if not enqueue(PART_TASK, ids[0]):
            ReportPart.objects.filter(pk=ids[0]).update(enqueued_at=None)  # the sweep queues it
        return True
    return False


def _parts_progress(report_id: int) -> None:
    counts = ReportPart.objects.filter(report_id=report_id).exclude(role=ReportPart.JOIN).aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(status=ReportStatus.DONE)))
    percent = 5 + (JOIN_PROGRESS - 5) * counts["done"] // max(counts["total"], 1)
    Report.objects.filter(pk=report_id, status=ReportStatus.RUNNING, progress__lt=percent).update(progress=percent)


def report_part_render(*, part_id: int) -> bool:
    """Render one piece (or, for the join part, join them); True if this run finished it."""
    attempt = part_claim(part_id=part_id)
    if attempt is None:
        return False
    part = ReportPart.objects.select_related("report__department").get(pk=part_id)
    if part.role == ReportPart.JOIN:
        return _ledger_join(part, attempt)
    if part.role == ReportPart.XLSX:
        return _ledger_xlsx(part, attempt)
    return _ledger_piece(part, attempt)


def ledger_make_here(*, report_id: int) -> bool:
    """Make every part of a planned ledger in this process, the pieces and the xlsx, then the join
    (the demo campaign's loader, where no worker runs yet); the tasks already queued for them find
    them done and do nothing. Returns whether the ledger is done."""
    parts = ReportPart.objects.filter(report_id=report_id)
    for part_id in parts.exclude(role=ReportPart.JOIN).order_by("index", "pk").values_list("pk", flat=True):
        report_part_render(part_id=part_id)
    for part_id in parts.filter(role=ReportPart.JOIN).values_list("pk", flat=True):
        report_part_render(part_id=part_id)
    return Report.objects.filter(pk=report_id, status=ReportStatus.DONE).exists()


def _still_ours(part: ReportPart, attempt: int):
    return ReportPart.objects.filter(pk=part.pk, attempts=attempt, status=ReportStatus.RUNNING)


def _ledger_piece(part: ReportPart, attempt: int) -> bool:
    import tempfile

    from django.core.files import File

    from .render import render_ledger_part

    report = part.report
    last = not ReportPart.objects.filter(report_id=report.pk, role=ReportPart.CHUNK, index__gt=part.index).exists()
    with translation.override(settings.LANGUAGE_CODE), tempfile.TemporaryFile() as out:
        data = report_input(report, issued_on=report.issued_on)
        pages, anchors = render_ledger_part(data, out, finding_ids=part.finding_ids, first_row=part.first_row,
                                            starts=part.starts, last=last)
        out.seek(0)
        name = part.file.field.generate_filename(part, f"ledger-{report.pk}-part{part.index}-{attempt}.pdf")
        name = part.file.storage.save(name, File(out, name="part.pdf"))
    if not _still_ours(part, attempt).update(status=ReportStatus.DONE, file=name, page_count=pages, anchors=anchors,
                                             finished_at=timezone.now()):
        part.file.storage.delete(name)
        return False
    _parts_progress(report.pk)
    if not _join_when_ready(report.pk):
        _stamps_ahead(part, pages)
    return True


def _stamps_ahead(part: ReportPart, pages: int) -> None:
    """While other pieces are still being made, lay out the page-number stamps the join will need
    (blocks ``index``, ``index + pieces`` … of the estimated page count), so that the join, which
    runs alone, does not: about 5 ms a page, paid in parallel and once (the blocks are kept)."""
    rows = len(part.finding_ids)
    pieces = ReportPart.objects.filter(report_id=part.report_id, role=ReportPart.CHUNK).count()
    total_rows = ReportPart.objects.filter(report_id=part.report_id, role=ReportPart.JOIN).values_list(
        "first_row", flat=True).first()
    if not rows or not total_rows or not pieces:
        return
    estimate = total_rows * pages // rows + 10
    for block in range(part.index, estimate // STAMP_PAGES + 1, pieces):
        ledger_stamp_block(block)


STAMP_PAGES = 150  # render.STAMP_PAGES (not imported here: the render module loads WeasyPrint)


def _stamp_name(block: int) -> str:
    from .render import ledger_stamps_version

    return f"reports/stamps/{ledger_stamps_version()}/ledger-pages-{block * STAMP_PAGES + 1:06d}.pdf"


def ledger_stamp_block(block: int) -> str:
    """The stored name of the stamps of pages ``block × STAMP_PAGES + 1`` …, laid out if missing. Two
    processes laying out the same block keep one file (storage refuses to overwrite; the second
    copy is deleted)."""
    import tempfile

    from django.core.files import File

    from .render import ledger_page_numbers

    storage = ReportPart._meta.get_field("file").storage
    name = _stamp_name(block)
    if storage.exists(name):
        return name
    with tempfile.TemporaryFile() as fh:
        ledger_page_numbers(block * STAMP_PAGES + 1, STAMP_PAGES, fh)
        fh.seek(0)
        saved = storage.save(name, File(fh, name="stamps.pdf"))
    if saved != name:
        storage.delete(saved)
    return name


def _ledger_xlsx(part: ReportPart, attempt: int) -> bool:
    """The ledger's xlsx, made beside the pieces: openpyxl's write-only workbook, rows streamed
    from the database into a temporary file, then stored."""
    import tempfile

    from django.core.files import File

    from .render import render_ledger_xlsx

    report = part.report
    with translation.override(settings.LANGUAGE_CODE), tempfile.TemporaryFile() as out:
        render_ledger_xlsx(report_input(report, issued_on=report.issued_on), out)
        out.seek(0)
        name = part.file.field.generate_filename(part, f"ledger-{report.pk}-part{part.index}-{attempt}.xlsx")
        name = part.file.storage.save(name, File(out, name="ledger.xlsx"))
    if not _still_ours(part, attempt).update(status=ReportStatus.DONE, file=name, finished_at=timezone.now()):
        part.file.storage.delete(name)
        return False
    _parts_progress(report.pk)
    _join_when_ready(report.pk)
    return True


def _ledger_join(join: ReportPart, attempt: int) -> bool:
    """The contents page, the pieces in order with their page numbers stamped, one PDF; the xlsx."""
    from .render import LedgerDepartment

    report = join.report
    pieces = list(ReportPart.objects.filter(report_id=report.pk, role=ReportPart.CHUNK).order_by("index")
                  .only("pk", "index", "file", "page_count", "anchors", "starts", "first_row"))
    sheet = ReportPart.objects.only("file").get(report_id=report.pk, role=ReportPart.XLSX)
    total = join.first_row - 1
    starts = [(name, row) for piece in pieces for name, row in piece.starts]
    departments = [LedgerDepartment(name=name, first_row=row, count=(starts[i + 1][1] if i + 1 < len(starts) else total + 1) - row)
                   for i, (name, row) in enumerate(starts)]
    saved: list[tuple[object, str]] = []
    try:
        pdf_name, xlsx_name, pages = _ledger_join_files(report, join, pieces, sheet, departments, total, saved)
    except BaseException:
        _delete(saved)
        raise
    with transaction.atomic():
        if not (_still_ours(join, attempt).update(status=ReportStatus.DONE, page_count=pages, finished_at=timezone.now())
                and _mark_done(report, report.attempts, pdf_name, xlsx_name, number="", serial=None,
                               issued_on=report.issued_on or timezone.localdate())):
            transaction.set_rollback(True)
            _delete(saved)
            return False
    # The pieces' files are not needed any more, nor those of a piece's run cut short after saving.
    _delete([(piece.file.storage, piece.file.name) for piece in [*pieces, sheet] if piece.file.name])
    _remove_piece_files(report)
    ReportPart.objects.filter(report_id=report.pk).update(file="")
    _remove_other_attempts(report, keep={pdf_name, xlsx_name})
    return True


def _ledger_join_files(report, join, pieces, sheet, departments, total, saved) -> tuple[str, str, int]:
    """The joined PDF and the xlsx, stored (their names appended to ``saved``); and the page count."""
    import contextlib
    import io
    import tempfile

    from django.core.files import File
    from pypdf import PdfReader

    from .render import ledger_join, ledger_page_numbers, render_ledger_contents

    with translation.override(settings.LANGUAGE_CODE), tempfile.TemporaryDirectory() as folder, \
            contextlib.ExitStack() as files:
        data = report_input(report, issued_on=report.issued_on)
        contents = render_ledger_contents(data, departments, total=total, part_pages=[p.page_count for p in pieces],
                                          part_anchors=[p.anchors for p in pieces],
                                          starts=[[name for name, _row in p.starts] for p in pieces])
        Report.objects.filter(pk=report.pk, progress__lt=93).update(progress=93)
        contents_pages = len(PdfReader(io.BytesIO(contents)).pages)
        pages = contents_pages + sum(p.page_count for p in pieces)
        stamps = []
        for block in range((pages - 1) // STAMP_PAGES + 1):
            stored = files.enter_context(sheet.file.storage.open(ledger_stamp_block(block), "rb"))
            try:
                complete = len(PdfReader(stored).pages) == STAMP_PAGES
            except Exception:  # being written by another report's piece right now: lay out our own
                complete = False
            if not complete:
                stored = files.enter_context(open(f"{folder}/stamps-{block}.pdf", "w+b"))
                ledger_page_numbers(block * STAMP_PAGES + 1, STAMP_PAGES, stored)
            stored.seek(0)
            stamps.append(stored)
        parts = [files.enter_context(piece.file.open("rb")) for piece in pieces]
        outline = [(d.name, d.page) for d in departments]
        pdf_path = f"{folder}/ledger.pdf"
        with open(pdf_path, "wb") as fh:
            ledger_join(io.BytesIO(contents), parts, stamps, fh, outline)
        Report.objects.filter(pk=report.pk, progress__lt=96).update(progress=96)
        sheet_file = files.enter_context(sheet.file.open("rb"))
        stamp = timezone.localtime().strftime("%Y%m%d")
        with open(pdf_path, "rb") as fh:
            pdf_name = report.pdf.storage.save(
                report.pdf.field.generate_filename(report, f"ledger-{stamp}-{report.pk}-{report.attempts}.pdf"), File(fh))
        saved.append((report.pdf.storage, pdf_name))
        xlsx_name = report.xlsx.storage.save(
            report.xlsx.field.generate_filename(report, f"ledger-{stamp}-{report.pk}-{report.attempts}.xlsx"), File(sheet_file))
        saved.append((report.xlsx.storage, xlsx_name))
    return pdf_name, xlsx_name, pages


def _remove_piece_files(report: Report) -> None:
    storage = ReportPart._meta.get_field("file").storage
    try:
        _dirs, files = storage.listdir("reports/parts")
    except (FileNotFoundError, NotImplementedError):
        return
    _delete([(storage, f"reports/parts/{name}") for name in files if name.startswith(f"ledger-{report.pk}-part")])

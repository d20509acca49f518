"""Findings: each problem a walkthrough found, tracked through rectification to a verified close."""
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import models as core_models
from core.categories import Category


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Found")
    RECTIFYING = "rectifying", _("Rectifying")
    SUBMITTED = "submitted", _("Submitted for verification")
    CLOSED = "closed", _("Closed")
    DISMISSED = "dismissed", _("Dismissed")
    # 申诉: the department disputes the finding; the office decides (复核). The deadline's clock stops.
    APPEALED = "appealed", _("Under appeal")


# The clock runs: not yet struck off, and not paused by an appeal. These can be overdue.
OPEN_STATUSES = (FindingStatus.OPEN, FindingStatus.RECTIFYING, FindingStatus.SUBMITTED)
# Not yet struck off: the open ones and those under appeal.
UNFINISHED_STATUSES = (*OPEN_STATUSES, FindingStatus.APPEALED)
FINAL_STATUSES = (FindingStatus.CLOSED, FindingStatus.DISMISSED)


class SeverityDeadline(models.Model):
    """Default rectification deadline per severity, in working days; the office changes them."""

    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, unique=True)
    working_days = models.PositiveSmallIntegerField(_("working days"), validators=[MinValueValidator(1), MaxValueValidator(365)])

    class Meta:
        ordering = ["severity"]
        verbose_name = _("default deadline")
        verbose_name_plural = _("default deadlines")

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.working_days}"


class Finding(models.Model):
    walkthrough = models.ForeignKey(
        "inspections.Walkthrough", verbose_name=_("walkthrough"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="findings",
    )
    checklist_question = models.CharField(_("checklist question"), max_length=32, blank=True)
    # The declared-vs-observed proposal this finding confirmed, so it is not proposed again.
    proposal_key = models.CharField(max_length=32, blank=True)
    service_item = models.ForeignKey(
        "services.ServiceItem", verbose_name=_("service item"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="findings",
    )
    department = models.ForeignKey(
        "services.Department", verbose_name=_("responsible department"), on_delete=models.PROTECT, related_name="findings"
    )
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.MINOR)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    version = models.PositiveIntegerField(_("version"), default=1)
    due_date = models.DateField(_("rectification deadline"), null=True, blank=True)
    measures = models.TextField(_("rectification measures"), max_length=4000, blank=True)
    # The simplification ledger: what the catalog gained when this finding was closed.
    materials_cut = models.PositiveSmallIntegerField(_("materials removed"), null=True, blank=True, validators=[MaxValueValidator(99)])
    days_cut = models.PositiveSmallIntegerField(_("time limit reduced (days)"), null=True, blank=True, validators=[MaxValueValidator(3650)])
    visits_cut = models.PositiveSmallIntegerField(_("visits reduced"), null=True, blank=True, validators=[MaxValueValidator(20)])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        indexes = [
            models.Index(fields=["updated_at", "id"], name="finding_sync"),
            # A department's own list and the API's department filter walk this (bench/api_list.py).
            models.Index(fields=["department", "updated_at", "id"], name="finding_dept_sync"),
            models.Index(fields=["department", "status"], name="finding_dept_status"),
            models.Index(fields=["status", "created_at"], name="finding_status_created"),
            models.Index(fields=["category"], name="finding_category"),
            # The dashboard counts the days at either end of a period from the findings themselves.
            models.Index(fields=["created_at", "id"], name="finding_created"),
            # Overdue = past the deadline and not struck off: a partial index keeps it cheap.
            models.Index(fields=["due_date"], name="finding_open_due", condition=Q(status__in=["open", "rectifying", "submitted"])),
            # The overdue list, newest first, walks only findings not struck off (bench/dashboard.py).
            models.Index(fields=["created_at", "id"], name="finding_open_created",
                         condition=Q(status__in=["open", "rectifying", "submitted"])),
        ]
        constraints = [
            # A walkthrough's proposal is filed once, ever, however often "confirm" is sent at once.
            models.UniqueConstraint(fields=["walkthrough", "proposal_key"], condition=~Q(proposal_key=""),
                                    name="finding_proposal_once"),
        ]

    def __str__(self) -> str:
        return self.title


class Tally(models.Model):
    """How many findings (or walkthroughs) a department filed (or scheduled) in a month, by one
    dimension's value.

    Written only by the database: triggers on the findings and walkthroughs tables (``tally.py``)
    add and subtract rows in the same statement as the change, whatever made it (a page, the API,
    the admin, a bulk load). The dashboard reads its counts here instead of counting a million
    findings. ``dimension`` is, for findings, ``status``, ``severity``, ``category``, ``closedays``
    (days from filing to closing, to the nearest day, for closed findings) or ``opendue`` (the
    deadline of findings not yet struck off: "overdue" is a sum over deadlines before today); for
    walkthroughs ``walk`` (``mode:status``). On ``status`` rows of closed findings ``on_time`` and the
    three simplification figures are summed too. Rows without a department count the whole city
    (``tally.CITY_DIMENSIONS`` only).
    """

    department = models.ForeignKey("services.Department", on_delete=models.CASCADE, related_name="+", null=True)
    month = models.DateField()  # the first day of the month (local time) the rows were filed or scheduled in
    dimension = models.CharField(max_length=10)
    value = models.CharField(max_length=32)
    n = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    materials_cut = models.IntegerField(default=0)
    days_cut = models.IntegerField(default=0)
    visits_cut = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # Dimension first: the dashboard reads one dimension at a time.
            models.UniqueConstraint(fields=["dimension", "department", "month", "value"], name="tally_key",
                                    condition=Q(department__isnull=False)),
            models.UniqueConstraint(fields=["dimension", "month", "value"], name="tally_city_key",
                                    condition=Q(department__isnull=True)),
        ]


class FindingTransition(models.Model):
    """One row per move: who, when, from, to, why. Written with the move, never edited."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("from"), max_length=12, choices=FindingStatus.choices)
    to_status = models.CharField(_("to"), max_length=12, choices=FindingStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("finding transition")
        verbose_name_plural = _("finding transitions")
        indexes = [
            # Appeals made and decided, counted per department for the dashboard and the bulletin:
            # a handful of rows among every move.
            models.Index(fields=["at"], name="transition_appeal",
                         condition=Q(to_status="appealed") | Q(from_status="appealed")),
        ]


class Comment(models.Model):
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"), max_length=4000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")


class FindingEvidence(core_models.Evidence):
    """Rectification evidence: what the department shows of the fix."""

    download_url_name = "finding-evidence-download"
    download_name = "finding-evidence"

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="evidence")

    class Meta(core_models.Evidence.Meta):
        verbose_name = _("rectification evidence")
        verbose_name_plural = _("rectification evidence")


class NotificationSent(models.Model):
    """Which reminder went out for which deadline: a reminder is sent once, however often beat runs."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    due_date = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["finding", "kind", "due_date"], name="notification_once")]


class ReportKind(models.TextChoices):
    WALKTHROUGH = "walkthrough", _("Walkthrough record")
    DEPARTMENT = "department", _("Rectification notice")
    BULLETIN = "bulletin", _("Campaign bulletin")
    LEDGER = "ledger", _("Rectification ledger")


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Being made")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class Report(models.Model):
    """A report asked for in a page or the API, made by the worker.

    ``scope`` is what the requester may see ("all", "dept:<id>" or "user:<id>"): the report shows
    exactly that, and two requests with the same kind, parameters and scope are the same report
    while it is pending, or done and nothing it shows has changed (``data_stamp``).
    """

    kind = models.CharField(_("kind"), max_length=16, choices=ReportKind.choices)
    walkthrough = models.ForeignKey("inspections.Walkthrough", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    department = models.ForeignKey("services.Department", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    scope = models.CharField(max_length=32)
    request_key = models.CharField(max_length=64, db_index=True)
    data_stamp = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.SET_NULL,
                                     null=True, related_name="+")
    status = models.CharField(_("status"), max_length=8, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    pdf = models.FileField(upload_to="reports/%Y/%m/", blank=True, max_length=200)
    xlsx = models.FileField(upload_to="reports/%Y/%m/", blank=True, max_length=200)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Given when the report is issued (the run that finishes it): the 发文字号 of a numbered kind
    # (empty for the walk record and the ledger, which are not 公文), its serial, issuer and date.
    issuer = models.CharField(_("issuer"), max_length=100, blank=True)
    number = models.CharField(_("document number"), max_length=64, blank=True)
    serial = models.PositiveIntegerField(null=True, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [models.Index(fields=["status", "created_at"], name="report_unfinished",
                                condition=Q(status__in=["pending", "running"]))]
        constraints = [
            # One report on its way per request: identical requests sent at once get the same row.
            models.UniqueConstraint(fields=["request_key"], condition=Q(status__in=["pending", "running"]),
                                    name="report_one_unfinished_per_request"),
            # A 发文字号 names one document of its issuer.
            models.UniqueConstraint(fields=["issuer", "number"], condition=~Q(number=""), name="report_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class ReportPart(models.Model):
    """One piece of a chunked report (the ledger): a run of rows rendered to its own PDF by a worker
    task; or the ledger's xlsx (``role`` "xlsx"), made beside them; or — ``role`` "join" — the last
    step, which joins the pieces into the report's one PDF.

    The pieces are made when the report's run starts (``findings.reports.actions.ledger_plan``);
    each has its own ``attempts`` (at most ``REPORT_MAX_ATTEMPTS``), so a piece that fails is
    rendered again alone. ``finding_ids`` are its rows in the ledger's order, fixed when planned;
    ``starts`` the departments whose first row is in this piece ([name, row number] each) and
    ``anchors`` the page (from 0, within the piece) where each of them starts.
    """

    CHUNK = "chunk"
    XLSX = "xlsx"
    JOIN = "join"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="parts")
    index = models.PositiveIntegerField()
    role = models.CharField(max_length=8, default=CHUNK)
    first_row = models.PositiveIntegerField(default=1)
    finding_ids = models.JSONField(default=list, blank=True)
    starts = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=8, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to="reports/parts/", blank=True, max_length=200)  # a piece's PDF, or the xlsx
    page_count = models.PositiveIntegerField(default=0)
    anchors = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["report", "index"]
        constraints = [models.UniqueConstraint(fields=["report", "index"], name="report_part_unique")]
        indexes = [models.Index(fields=["status", "started_at"], name="report_part_unfinished",
                                condition=Q(status__in=["pending", "running"]))]

    def __str__(self) -> str:
        return f"{self.report} part {self.index}"


class DocumentNumber(models.Model):
    """The counter of 发文字号 for one issuer, document kind and year: ``last`` is the serial of the
    last document issued. Taken by ``findings.reports.numbers.document_number_take`` inside the
    transaction that issues the document, so a render that fails gives its number back."""

    issuer = models.CharField(_("issuer"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=ReportKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number issued"), default=0)

    class Meta:
        verbose_name = _("document number counter")
        verbose_name_plural = _("document number counters")
        constraints = [models.UniqueConstraint(fields=["issuer", "kind", "year"], name="document_number_one_counter")]

    def __str__(self) -> str:
        return f"{self.issuer} {self.kind} {self.year}: {self.last}"


class NotificationEvent(models.TextChoices):
    """What happened to a finding: the events the e-mails carry (``notifications.SUBJECTS``)."""

    ASSIGNED = "assigned", _("Assigned for rectification")
    REJECTED = "rejected", _("Rectification sent back")
    SUBMITTED = "submitted", _("Submitted for verification")
    DUE_SOON = "due_soon", _("Deadline within three working days")
    OVERDUE = "overdue", _("Deadline passed")
    APPEALED = "appealed", _("Appeal filed")
    UPHELD = "upheld", _("Appeal turned down")
    ACCEPTED = "accepted", _("Appeal accepted")


class Notification(models.Model):
    """One person's copy of an e-mail about a finding, kept in the site: written where the e-mail is
    sent (``notifications.finding_notify``), to the same people, and counted in the header until read."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
                                  related_name="+")
    finding = models.ForeignKey(Finding, verbose_name=_("finding"), on_delete=models.CASCADE, related_name="+")
    event = models.CharField(_("event"), max_length=16, choices=NotificationEvent.choices)
    text = models.CharField(_("text"), max_length=300)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # a person's list, newest first
            models.Index(fields=["recipient", "created_at", "id"], name="notification_inbox"),
            # the header's count: only the unread rows
            models.Index(fields=["recipient"], name="notification_unread", condition=Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()}: {self.text}"


class MeasuresRevision(models.Model):
    """The rectification measures as one person recorded them: every change of the text is kept, so
    the finding's timeline shows who wrote what and when (the finding holds only the latest)."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="measures_revisions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    measures = models.TextField(_("rectification measures"), max_length=4000, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("measures revision")
        verbose_name_plural = _("measures revisions")

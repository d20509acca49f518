"""Walkthroughs: a head experiencing one service item on one day, logged as it happens."""
import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core import models as core_models
from core.categories import Category


class Mode(models.TextChoices):
    SIMULATE = "simulate", _("Simulated case (体验办)")
    ACCOMPANY = "accompany", _("Accompanying an applicant (全程办)")
    SIT_AT_WINDOW = "sit_at_window", _("At the window as staff (亲身办)")
    INSPECT = "inspect", _("Inspection by questioning (检验办)")


class Identity(models.TextChoices):
    APPLICANT = "applicant", _("As an applicant")
    STAFF = "staff", _("As window staff")
    INCOGNITO = "incognito", _("Incognito")


class Channel(models.TextChoices):
    WINDOW = "window", _("At the window")
    ONLINE = "online", _("Online")
    BOTH = "both", _("Window and online")


class Status(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class ChecklistTemplate(models.Model):
    """One version of a mode's checklist. Versions are never edited: a change in the admin makes the
    next version, so a walkthrough keeps the questions it was walked with (``Walkthrough.checklist``).
    The current version of a mode is its highest; version 1 is the founding notice's questions."""

    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices)
    version = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True, help_text=_("What changed and why."))

    class Meta:
        ordering = ["mode", "-version"]
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklist versions")
        constraints = [models.UniqueConstraint(fields=["mode", "version"], name="one_checklist_version_per_mode")]

    def __str__(self) -> str:
        return _("%(mode)s, version %(version)s") % {"mode": Mode(self.mode).label, "version": self.version}


def _in_language(zh: str, en: str) -> str:
    """The Chinese text, or the English one when the page is in English and it was given."""
    from django.utils.translation import get_language

    if en and (get_language() or "").startswith("en"):
        return en
    return zh or en


class ChecklistQuestion(models.Model):
    """One question of a checklist version. ``code`` is the question's lasting name: answers and findings
    store it, and the same question keeps its code from version to version."""

    template = models.ForeignKey(ChecklistTemplate, verbose_name=_("checklist version"), on_delete=models.CASCADE,
                                 related_name="questions")
    code = models.CharField(
        _("code"), max_length=32, blank=True,
        validators=[RegexValidator(r"^[a-z][a-z_]{0,31}$", _("Lowercase letters and underscores, starting with a letter."))],
        help_text=_("Lowercase letters and underscores. Keep it to keep the question; left empty, a new question gets one."),
    )
    section_zh = models.CharField(_("section (Chinese)"), max_length=100)
    section_en = models.CharField(_("section (English)"), max_length=100, blank=True)
    text_zh = models.CharField(_("question (Chinese)"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    category = models.CharField(_("finding category"), max_length=32, choices=Category.choices,
                                help_text=_("The category a finding filed from a “problem” answer gets."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    required = models.BooleanField(_("required"), default=False,
                                   help_text=_("The walkthrough cannot be completed before this question is answered."))

    class Meta:
        ordering = ["template", "order", "id"]
        verbose_name = _("checklist question")
        verbose_name_plural = _("checklist questions")
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="one_question_code_per_version")]

    def __str__(self) -> str:
        return f"{self.code} · {self.text}"

    @property
    def text(self) -> str:
        return _in_language(self.text_zh, self.text_en)

    @property
    def section(self) -> str:
        return _in_language(self.section_zh, self.section_en)


class Walkthrough(models.Model):
    service_item = models.ForeignKey(
        "services.ServiceItem", verbose_name=_("service item"), on_delete=models.PROTECT, related_name="walkthroughs"
    )
    # The item's department, kept on the row: the department wall filters on it.
    department = models.ForeignKey(
        "services.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="walkthroughs"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("leader"), on_delete=models.PROTECT, related_name="walkthroughs"
    )
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("planned by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices)
    # The checklist version walked: the mode's current one when planned, again on starting if nothing
    # was answered yet, then kept for good (inspections/checklists.py).
    checklist = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("checklist version"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="walkthroughs",
    )
    identity = models.CharField(_("identity"), max_length=16, choices=Identity.choices, default=Identity.APPLICANT)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.WINDOW)
    scheduled_for = models.DateField(_("scheduled for"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    version = models.PositiveIntegerField(_("version"), default=1)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # What the head actually met, beside what the catalog declares.
    observed_materials = models.PositiveSmallIntegerField(_("materials demanded"), null=True, blank=True, validators=[MaxValueValidator(999)])
    observed_visits = models.PositiveSmallIntegerField(_("visits needed"), null=True, blank=True, validators=[MaxValueValidator(99)])
    observed_steps = models.PositiveSmallIntegerField(_("steps passed"), null=True, blank=True, validators=[MaxValueValidator(99)])
    elapsed_minutes = models.PositiveIntegerField(_("elapsed minutes"), null=True, blank=True, validators=[MaxValueValidator(60 * 24 * 365)])
    elapsed_days = models.PositiveSmallIntegerField(_("elapsed working days"), null=True, blank=True, validators=[MaxValueValidator(3650)])
    queue_minutes = models.PositiveIntegerField(_("queue minutes"), null=True, blank=True, validators=[MaxValueValidator(60 * 24)])
    observed_online_depth = models.PositiveSmallIntegerField(
        _("online depth met"), null=True, blank=True, choices=[(1, "Ⅰ"), (2, "Ⅱ"), (3, "Ⅲ"), (4, "Ⅳ")]
    )
    # A walkthrough may cover a bundle (一件事) of items; service_item is the one it starts with.
    bundle = models.ForeignKey(
        "services.Bundle", verbose_name=_("bundle (一件事)"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="walkthroughs",
    )
    # A re-walk (回头看) checks whether a finding's rectification holds.
    rewalk_of = models.ForeignKey(
        "findings.Finding", verbose_name=_("re-walk of finding"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="rewalks",
    )
    # Declared-vs-observed proposals the head discarded (their keys), so they are not proposed again.
    discarded_proposals = models.JSONField(default=list, blank=True)
    summary = models.TextField(_("summary"), max_length=4000, blank=True)
    # The head's signature on completing, drawn on the screen (a PNG), and when it was made.
    signature = models.FileField(_("signature"), upload_to="signatures/%Y/%m/", max_length=200, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-scheduled_for", "-id"]
        verbose_name = _("walkthrough")
        verbose_name_plural = _("walkthroughs")
        indexes = [
            models.Index(fields=["department", "scheduled_for"]),
            models.Index(fields=["leader", "scheduled_for"]),
            models.Index(fields=["status", "scheduled_for"]),
        ]

    def __str__(self) -> str:
        return f"{self.service_item.name} · {self.scheduled_for:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.status in (Status.PLANNED, Status.IN_PROGRESS)


class WalkthroughTransition(models.Model):
    """One row per status change: who, when, from, to, why. Never edited."""

    walkthrough = models.ForeignKey(Walkthrough, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("from"), max_length=16, choices=Status.choices)
    to_status = models.CharField(_("to"), max_length=16, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("walkthrough transition")
        verbose_name_plural = _("walkthrough transitions")


class EventKind(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    FORM_FILLING = "form_filling", _("Form filling")
    QUEUEING = "queueing", _("Queueing")
    SUBMISSION = "submission", _("Submission")
    ACCEPTANCE = "acceptance", _("Acceptance")
    APPROVAL = "approval", _("Approval")
    COMPLETION = "completion", _("Completion")
    REGISTRATION = "registration", _("Registration")
    LOGIN = "login", _("Login")
    UPLOAD = "upload", _("Upload")
    NOTE = "note", _("Note")


WINDOW_EVENTS = ["consultation", "form_filling", "queueing", "submission", "acceptance", "approval", "completion"]
ONLINE_EVENTS = ["registration", "login", "form_filling", "upload", "submission"]


class TimelineEvent(models.Model):
    """One tap on the walk page. ``at`` is when it happened: the phone's time of the tap when the phone
    sent one (``device_at``, as sent), else the server's; ``received_at`` is when the server got it —
    later than the tap for what was logged offline. A correction changes ``at`` or ``note`` and keeps
    the old values in an ``EventCorrection``; a withdrawn event stays, marked."""

    walkthrough = models.ForeignKey(Walkthrough, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    at = models.DateTimeField(_("at"))
    note = models.CharField(_("note"), max_length=1000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    device_at = models.DateTimeField(_("tapped at (device)"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")

    @property
    def received_late(self) -> bool:
        """Logged without a connection: the server got it more than two minutes after the tap."""
        return bool(self.received_at and self.received_at - self.at > datetime.timedelta(minutes=2))


class EventCorrection(models.Model):
    """A change to a logged event before completion: the old and new time and note, or its withdrawal."""

    event = models.ForeignKey(TimelineEvent, on_delete=models.CASCADE, related_name="corrections")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(_("made at"), auto_now_add=True)
    old_at = models.DateTimeField(_("old time"))
    new_at = models.DateTimeField(_("new time"))
    old_note = models.CharField(_("old note"), max_length=1000, blank=True)
    new_note = models.CharField(_("new note"), max_length=1000, blank=True)
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["made_at", "id"]
        verbose_name = _("event correction")
        verbose_name_plural = _("event corrections")


class Evidence(core_models.Evidence):
    """A photo or PDF of a walkthrough, or of one moment of it (an event, a checklist answer)."""

    download_url_name = "evidence-download"

    walkthrough = models.ForeignKey(Walkthrough, on_delete=models.CASCADE, related_name="evidence")
    event = models.ForeignKey(TimelineEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="evidence")
    answer = models.ForeignKey("ChecklistAnswer", on_delete=models.SET_NULL, null=True, blank=True, related_name="evidence")

    class Meta(core_models.Evidence.Meta):
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")


class Answer(models.TextChoices):
    OK = "ok", _("OK")
    PROBLEM = "problem", _("Problem")
    NOT_APPLICABLE = "na", _("Not applicable")


class ChecklistAnswer(models.Model):
    walkthrough = models.ForeignKey(Walkthrough, on_delete=models.CASCADE, related_name="answers")
    question = models.CharField(_("question"), max_length=32)
    answer = models.CharField(_("answer"), max_length=8, choices=Answer.choices)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("answered at"), auto_now=True)
    device_at = models.DateTimeField(_("answered at (device)"), null=True, blank=True)

    class Meta:
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        constraints = [models.UniqueConstraint(fields=["walkthrough", "question"], name="one_answer_per_question")]

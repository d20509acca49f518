"""What every app's files have in common: one evidence model, made concrete where a file attaches."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Evidence(models.Model):
    """A photo or PDF: checked by its content (``core.uploads.evidence_store``), stored under a
    generated name, served only through a permission check (``core.views.evidence_download``).

    Each place a file attaches is a concrete subclass with a foreign key to its owner; the owner's
    app decides who may see it and names its download URL in ``download_url_name``.
    """

    download_url_name = ""  # the owner app's URL name of evidence_download
    download_name = "evidence"  # the file name served: "<download_name>-<pk>.<extension>"

    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/", max_length=200)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # When the photo was taken on the phone, as the phone says (kept beside the server's uploaded_at:
    # a photo taken offline arrives later).
    device_at = models.DateTimeField(_("taken at (device)"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    def get_absolute_url(self) -> str:
        return reverse(self.download_url_name, args=[self.pk])


class IdempotencyKey(models.Model):
    """A create sent with an ``Idempotency-Key`` (the API's header, the walk page's offline queue):
    the same key from the same person is done once, and a repeat answers the first result again.

    Written in the same transaction as what it guards, so two copies racing each other meet at the
    unique index: the second waits for the first and then finds its row (core/idempotency.py).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    # What the key was used for (method and path): the same key for another request is refused.
    request = models.CharField(max_length=300)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_idempotency_key_per_user")]
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")


class DayKind(models.TextChoices):
    WEEKDAY = "weekday", _("Weekday (working)")
    WEEKEND = "weekend", _("Weekend (rest)")
    HOLIDAY = "holiday", _("Public holiday (rest)")
    MAKEUP = "makeup", _("Make-up working day (调休上班)")


WORKING_KINDS = (DayKind.WEEKDAY, DayKind.MAKEUP)


class DaySource(models.TextChoices):
    PACKAGE = "package", _("State Council arrangement (package)")
    DEFAULT = "default", _("Monday to Friday (not yet arranged)")
    OFFICE = "office", _("Edited by the office")


class CalendarDay(models.Model):
    """One day of the working calendar as the State Council publishes it (core/workdays.py reads it).

    Every day of a filled year has a row, not only the exceptions: the tally's triggers count the
    working days between two dates with one indexed range scan. A date without a row (a year not
    filled) counts Monday to Friday, and the dashboard warns the office (core/workdays.py).
    """

    day = models.DateField(_("date"), primary_key=True)
    workday = models.BooleanField(_("working day"))
    kind = models.CharField(_("kind of day"), max_length=8, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=60, blank=True, help_text=_("e.g. 国庆节, 春节"))
    source = models.CharField(_("source"), max_length=8, choices=DaySource.choices, default=DaySource.OFFICE)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(workday=True, kind__in=[k.value for k in WORKING_KINDS])
                | models.Q(workday=False, kind__in=[DayKind.WEEKEND.value, DayKind.HOLIDAY.value]),
                name="calendar_day_workday_follows_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.get_kind_display()}{' ' + self.name if self.name else ''}"

    def save(self, *args, **kwargs):
        self.workday = self.kind in WORKING_KINDS
        super().save(*args, **kwargs)


class CalendarYear(models.Model):
    """A year whose every day is in ``CalendarDay``, and where its days came from."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    filled_from = models.CharField(_("filled from"), max_length=60)
    filled_at = models.DateTimeField(_("filled at"))

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return str(self.year)

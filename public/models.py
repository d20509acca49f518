from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PublicRequestKind(models.TextChoices):
    ACCOMPANY = "accompany", _("Ask a head to go with me (局长陪您办)")
    LEAD = "lead", _("Report a blockage (问题线索)")


class PublicRequestStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ARRANGED = "arranged", _("A head will go with you")
    FORWARDED = "forwarded", _("Passed on for rectification")
    CLOSED = "closed", _("Closed")


class PublicRequest(models.Model):
    """A request from the public page — the one page open without login.

    The requester gets ``code`` and can see this request's status with it, and nothing else.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=PublicRequestKind.choices)
    code = models.CharField(_("tracking code"), max_length=16, unique=True)
    service_item = models.ForeignKey("services.ServiceItem", verbose_name=_("service item"), on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    item_text = models.CharField(_("the matter, in your words"), max_length=200, blank=True)
    name = models.CharField(_("name or company"), max_length=100)
    phone = models.CharField(_("contact phone"), max_length=20)
    description = models.TextField(_("what you need, or what went wrong"), max_length=1000)
    preferred_date = models.DateField(_("preferred date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=PublicRequestStatus.choices, default=PublicRequestStatus.RECEIVED)
    reply = models.CharField(_("reply to the requester"), max_length=500, blank=True)
    walkthrough = models.ForeignKey("inspections.Walkthrough", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    finding = models.ForeignKey("findings.Finding", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("public request")
        verbose_name_plural = _("public requests")
        indexes = [models.Index(fields=["status", "created_at"], name="publicrequest_status")]

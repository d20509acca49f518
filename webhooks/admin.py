"""The office registers endpoints and reads the delivery log (with a resend action and button)."""
from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin import OfficeManaged
from accounts.queries import is_office

from . import delivery as sending
from .events import Event
from .models import Delivery, DeliveryStatus, Endpoint
from .targets import TargetRefused, Unresolved, resolve


class EndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(label=_("events"), choices=Event.choices, widget=forms.CheckboxSelectMultiple,
                                            required=True)

    class Meta:
        model = Endpoint
        fields = ("name", "url", "secret", "events", "departments", "active")
        widgets = {"secret": forms.TextInput(attrs={"size": 70, "autocomplete": "off"})}

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            resolve(url)  # the same check as at every delivery (WEBHOOK_ALLOW_PRIVATE_TARGETS)
        except (TargetRefused, Unresolved) as exc:
            raise ValidationError(str(exc), code="refused") from exc
        return url


@admin.register(Endpoint)
class EndpointAdmin(OfficeManaged, admin.ModelAdmin):
    form = EndpointForm
    list_display = ("name", "url", "event_list", "active", "created_by", "created_at")
    list_filter = ("active",)
    list_select_related = ("created_by",)
    search_fields = ("name", "url")
    filter_horizontal = ("departments",)
    readonly_fields = ("created_by", "created_at")
    fields = ("name", "url", "secret", "events", "departments", "active", "created_by", "created_at")

    @admin.display(description=_("events"))
    def event_list(self, obj):
        labels = dict(Event.choices)
        return "、".join(str(labels.get(e, e)) for e in obj.events)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Delivery)
class DeliveryAdmin(OfficeManaged, admin.ModelAdmin):
    """The delivery log: read only; resend starts a new cycle (attempts from zero)."""

    change_form_template = "admin/webhooks/delivery/change_form.html"
    list_display = ("event_type", "endpoint", "status", "attempts", "response_code", "next_attempt_at", "delivered_at",
                    "created_at")
    list_filter = ("status", "event__type", "endpoint")
    list_select_related = ("event", "endpoint")
    search_fields = ("event__id", "endpoint__name", "error")
    date_hierarchy = "created_at"
    actions = ["resend"]
    fields = ("event_type", "event_id", "endpoint", "status", "attempts", "response_code", "error", "next_attempt_at",
              "delivered_at", "created_at", "updated_at", "body")
    readonly_fields = fields

    @admin.display(description=_("event"), ordering="event__type")
    def event_type(self, obj):
        return obj.event.get_type_display()

    @admin.display(description=_("event id"))
    def event_id(self, obj):
        return str(obj.event.pk)

    @admin.display(description=_("body"))
    def body(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(json.loads(sending.body_of(obj.event)), ensure_ascii=False,
                                                         indent=2))

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_resend_permission(self, request):
        return is_office(request.user)

    @admin.action(description=_("Resend the selected deliveries"), permissions=["resend"])
    def resend(self, request, queryset):
        count = sending.resend(queryset)
        self.message_user(request, ngettext("%(count)d delivery will be sent again.",
                                            "%(count)d deliveries will be sent again.", count) % {"count": count},
                          messages.SUCCESS)

    def get_urls(self):
        return [path("<int:pk>/resend/", self.admin_site.admin_view(self.resend_view), name="webhooks_delivery_resend"),
                *super().get_urls()]

    def resend_view(self, request, pk):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_resend_permission(request):
            raise PermissionDenied
        delivery = get_object_or_404(Delivery, pk=pk)
        if sending.resend(Delivery.objects.filter(pk=delivery.pk)):
            self.message_user(request, _("The delivery will be sent again."), messages.SUCCESS)
        else:
            self.message_user(request, _("The delivery is being sent right now; try again in a moment."),
                              messages.WARNING)
        return HttpResponseRedirect(reverse("admin:webhooks_delivery_change", args=[delivery.pk]))

    def render_change_form(self, request, context, *args, **kwargs):
        context["may_resend"] = self.has_resend_permission(request)
        context["sending_status"] = DeliveryStatus.SENDING
        return super().render_change_form(request, context, *args, **kwargs)

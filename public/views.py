"""局长陪您办: the public page (no login) and the office's handling of what arrives through it.

The public side can do two things only: submit a request (rate-limited per address, validated,
CSRF-protected, with a honeypot field for robots) and look up one request's status by its code.
It reads nothing else and shows nothing of anyone else's requests.
"""
from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import office_page
from core import submissions
from core.categories import grouped_choices
from core.errors import ActionError
from inspections import queries as walkthrough_queries
from services.models import ServiceItem

from . import actions
from .models import PublicRequest, PublicRequestKind, PublicRequestStatus

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


class PublicRequestForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("I want to"), choices=PublicRequestKind.choices, widget=forms.RadioSelect,
                             initial=PublicRequestKind.ACCOMPANY)
    service_item = forms.ModelChoiceField(label=gettext_lazy("service item"), required=False,
                                          queryset=ServiceItem.objects.filter(is_active=True).select_related("department").order_by("department__code", "name"),
                                          empty_label=gettext_lazy("— choose, or describe it below —"))
    item_text = forms.CharField(label=gettext_lazy("the matter, in your words"), max_length=200, required=False)
    name = forms.CharField(label=gettext_lazy("name or company"), max_length=100)
    phone = forms.CharField(label=gettext_lazy("contact phone"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    description = forms.CharField(label=gettext_lazy("what you need, or what went wrong"), max_length=1000,
                                  widget=forms.Textarea(attrs={"rows": 4, "maxlength": 1000}))
    preferred_date = forms.DateField(label=gettext_lazy("preferred date"), required=False,
                                     widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    # A field people never see (hidden by CSS): robots fill it in.
    website = forms.CharField(required=False, max_length=200, label="website",
                              widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # 75+ items: grouped by department, with a search box (static/js/picker.js); validation still
        # goes through the field's queryset.
        field = self.fields["service_item"]
        groups: dict[str, list] = {}
        for item in field.queryset:
            groups.setdefault(item.department.name, []).append((item.pk, item.name))
        field.choices = [("", field.empty_label), *groups.items()]
        field.widget.attrs["data-searchable"] = _("Type part of the name, e.g. 营业执照")

    def clean_phone(self):
        phone = self.cleaned_data["phone"].replace(" ", "")
        if not PHONE.match(phone):
            raise ValidationError(_("Give a mobile number (11 digits) or a landline with area code, e.g. 0566-1234567."))
        return phone

    def clean_preferred_date(self):
        date = self.cleaned_data.get("preferred_date")
        if date and not (timezone.localdate() <= date <= timezone.localdate() + timezone.timedelta(days=180)):
            raise ValidationError(_("Choose a date within the next six months."))
        return date

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("service_item") and not (cleaned.get("item_text") or "").strip():
            self.add_error("item_text", _("Choose the service item, or describe the matter."))
        return cleaned


def _client_address(request) -> str:
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or "unknown"


def _over_limit(request, bucket: str) -> bool:
    """Count this request against the address's window; True once the limit is passed."""
    window = settings.PUBLIC_RATE_WINDOW
    key = f"public:{bucket}:{_client_address(request)}:{int(timezone.now().timestamp()) // window}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > settings.PUBLIC_RATE_LIMIT


def _limited(request):
    response = render(request, "public/limited.html", status=429)
    response["Retry-After"] = str(settings.PUBLIC_RATE_WINDOW)
    return response


@require_http_methods(["GET", "POST"])
def public_request(request):
    if request.method == "POST" and _over_limit(request, "submit"):
        return _limited(request)
    if request.method == "POST" and (repeat := submissions.claim(request)):
        return repeat
    form = PublicRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["website"]:
            # A robot: answer as if accepted, store nothing.
            return render(request, "public/thanks.html", {"code": actions.new_code()})
        item = actions.request_receive(
            kind=data["kind"], service_item=data["service_item"], item_text=data["item_text"], name=data["name"],
            phone=data["phone"], description=data["description"], preferred_date=data["preferred_date"],
        )
        thanks = f"{reverse('public-status')}?code={item.code}"
        submissions.record(request, thanks)
        return render(request, "public/thanks.html", {"code": item.code})
    submissions.release(request)
    return render(request, "public/request.html", {"form": form})


@require_GET
def public_status(request):
    code = request.GET.get("code", "").strip().upper()[:16]
    found = None
    if code:
        if _over_limit(request, "lookup"):
            return _limited(request)
        found = PublicRequest.objects.filter(code=code).only("kind", "status", "reply", "created_at", "updated_at").first()
    return render(request, "public/status.html", {"code": code, "found": found})


# --- the office ------------------------------------------------------------------------------------------

class ArrangeForm(forms.Form):
    leader = forms.ModelChoiceField(label=gettext_lazy("leader"), queryset=None)
    scheduled_for = forms.DateField(label=gettext_lazy("date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    reply = forms.CharField(label=gettext_lazy("reply to the requester"), max_length=500, required=False)

    def __init__(self, *args, leaders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leaders
        self.fields["leader"].label_from_instance = lambda u: f"{u}（{u.department.name if u.department else '—'}）"


class ForwardForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("category"), choices=[])
    title = forms.CharField(label=gettext_lazy("title"), max_length=200)
    reply = forms.CharField(label=gettext_lazy("reply to the requester"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = grouped_choices()


class CloseForm(forms.Form):
    reply = forms.CharField(label=gettext_lazy("reply to the requester"), max_length=500)


@require_GET
@office_page
def office_request_list(request):
    status = request.GET.get("status", "")
    rows = PublicRequest.objects.select_related("service_item__department").order_by("-created_at")
    if status in PublicRequestStatus.values:
        rows = rows.filter(status=status)
    return render(request, "public/office_list.html", {"rows": rows[:200], "status": status, "statuses": PublicRequestStatus.choices})


@require_GET
@office_page
def office_request_detail(request, pk):
    item = get_object_or_404(PublicRequest.objects.select_related("service_item__department", "walkthrough", "finding"), pk=pk)
    leaders = walkthrough_queries.leaders_plannable(request.user)
    if item.service_item:
        leaders = leaders.filter(department=item.service_item.department)
    return render(request, "public/office_detail.html", {
        "item": item,
        "arrange_form": ArrangeForm(leaders=leaders, initial={"scheduled_for": item.preferred_date}),
        "forward_form": ForwardForm(initial={"title": (item.item_text or (item.service_item.name if item.service_item else ""))[:100]}),
        "close_form": CloseForm(),
    })


@require_POST
@office_page
def office_request_act(request, pk, action):
    """The office's three answers (public/actions.py); the forms only parse what the page posts."""
    item = get_object_or_404(PublicRequest.objects.select_related("service_item__department"), pk=pk)
    if item.status == PublicRequestStatus.CLOSED:
        messages.error(request, _("This request is closed."))
        return redirect("public-request-detail", pk=pk)
    try:
        if action == "arrange":
            form = ArrangeForm(request.POST, leaders=walkthrough_queries.leaders_plannable(request.user))
            if not form.is_valid() or item.service_item is None:
                raise ActionError(_("Choose the service item's head and a date (the request must name a catalog item)."))
            item = actions.request_arrange(public_request=item, actor=request.user, **form.cleaned_data)
            done = _("Arranged: %(leader)s goes with %(name)s on %(date)s for “%(item)s” (walkthrough planned). Reply to the "
                     "requester: %(reply)s") % {"leader": form.cleaned_data["leader"], "name": item.name,
                                                "date": form.cleaned_data["scheduled_for"].strftime("%Y-%m-%d"),
                                                "item": item.service_item.name, "reply": item.reply}
        elif action == "forward":
            form = ForwardForm(request.POST)
            if not form.is_valid() or item.service_item is None:
                raise ActionError(_("Choose a category and a title (the request must name a catalog item)."))
            item = actions.request_forward(public_request=item, actor=request.user, **form.cleaned_data)
            done = _("Filed as the finding “%(title)s” against %(department)s. Reply to the requester: %(reply)s") % {
                "title": item.finding.title, "department": item.finding.department.name, "reply": item.reply}
        elif action == "close":
            form = CloseForm(request.POST)
            if not form.is_valid():
                raise ActionError(_("Write the reply to the requester."))
            item = actions.request_close(public_request=item, actor=request.user, reply=form.cleaned_data["reply"])
            done = _("Closed. Reply to the requester: %(reply)s") % {"reply": item.reply}
        else:
            raise ActionError(_("Unknown action."))
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("public-request-detail", pk=pk)
    messages.success(request, done)
    return redirect("public-request-detail", pk=pk)

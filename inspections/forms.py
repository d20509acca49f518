from django import forms
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.queries import is_office
from services.models import Bundle, Department, DepartmentLevel, Region, ServiceItem

from . import queries
from .models import Channel, Identity, Mode, Status, Walkthrough


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, item):
        tag = "★ " if item.high_frequency and item.enterprise_related else ""
        return f"{tag}{item.name}（{item.department.name}）"


class PlanForm(forms.Form):
    service_item = ItemChoiceField(label=_("service item"), queryset=ServiceItem.objects.none(),
                                   help_text=_("★ high-frequency enterprise items, proposed first for simulated cases."))
    bundle = forms.ModelChoiceField(label=_("bundle (一件事)"), queryset=Bundle.objects.filter(is_active=True), required=False,
                                    help_text=_("Optional: the walkthrough goes through the whole bundle, starting with the item above."))
    leader = forms.ModelChoiceField(label=_("leader"), queryset=None, required=False)
    mode = forms.ChoiceField(label=_("mode"), choices=Mode.choices, widget=forms.RadioSelect)
    identity = forms.ChoiceField(label=_("identity"), choices=Identity.choices, widget=forms.RadioSelect, initial=Identity.APPLICANT)
    channel = forms.ChoiceField(label=_("channel"), choices=Channel.choices, widget=forms.RadioSelect, initial=Channel.WINDOW)
    scheduled_for = forms.DateField(label=_("date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        items = ServiceItem.objects.filter(is_active=True).select_related("department")
        if not is_office(user):
            items = items.filter(department_id=user.department_id)
        # The department's high-frequency enterprise items first: what a simulated case is chosen from.
        self.fields["service_item"].queryset = items.annotate(
            hf=Case(When(high_frequency=True, enterprise_related=True, then=Value(0)), default=Value(1), output_field=IntegerField())
        ).order_by("hf", "department__code", "name")
        self.fields["service_item"].widget.attrs["data-searchable"] = _("Type part of the name, e.g. 营业执照")
        self.fields["leader"].queryset = queries.leaders_plannable(user)
        if is_office(user):
            self.fields["leader"].required = True
            self.fields["leader"].label_from_instance = lambda u: f"{u}（{u.department.name if u.department else '—'}）"
        else:
            del self.fields["leader"]

    def clean(self):
        cleaned = super().clean()
        bundle, item = cleaned.get("bundle"), cleaned.get("service_item")
        if bundle and item and not bundle.entries.filter(item=item).exists():
            self.add_error("bundle", _("The service item is not part of this bundle."))
        return cleaned

    def clean_scheduled_for(self):
        date = self.cleaned_data["scheduled_for"]
        today = timezone.localdate()
        if date < today.replace(year=today.year - 1) or date > today.replace(year=today.year + 1):
            raise forms.ValidationError(_("Choose a date within a year of today."))
        return date


class ObservedForm(forms.ModelForm):
    class Meta:
        model = Walkthrough
        fields = ["observed_materials", "observed_visits", "observed_steps", "elapsed_minutes", "elapsed_days", "queue_minutes",
                  "observed_online_depth", "summary"]
        widgets = {
            f: forms.NumberInput(attrs={"inputmode": "numeric", "min": 0})
            for f in ["observed_materials", "observed_visits", "observed_steps", "elapsed_minutes", "elapsed_days", "queue_minutes"]
        } | {"summary": forms.Textarea(attrs={"rows": 3, "maxlength": 4000})}


class EventForm(forms.Form):
    kind = forms.CharField(max_length=16)
    note = forms.CharField(max_length=1000, required=False)


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("photo or PDF"))
    event = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    question = forms.CharField(required=False, max_length=32)


class AnswerForm(forms.Form):
    answer = forms.CharField(max_length=8)
    note = forms.CharField(max_length=1000, required=False)


class EventCorrectionForm(forms.Form):
    """Correct a logged event (its time, its note) or withdraw it; the reason is kept with the old values."""

    at = forms.DateTimeField(label=_("time"), required=False, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                             widget=forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"}))
    note = forms.CharField(label=_("note"), max_length=1000, required=False)
    withdraw = forms.BooleanField(label=_("withdraw this event"), required=False)
    reason = forms.CharField(label=_("reason"), max_length=500, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("withdraw") and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Say why the event is withdrawn."))
        return cleaned


class WalkListFilterForm(forms.Form):
    """The walk list's filters: what a person picks, and what the dashboard carries (region, level,
    "planned" = all but cancelled). Values that make no sense are dropped, never an error page."""

    status = forms.ChoiceField(label=_("status"), choices=[("", _("All statuses"))] + Status.choices, required=False)
    mode = forms.ChoiceField(label=_("mode"), choices=[("", _("All modes"))] + Mode.choices, required=False)
    department = forms.ModelChoiceField(label=_("department"), queryset=Department.objects.only("id", "name").order_by("code"),
                                        required=False, empty_label=_("All departments"))
    region = forms.ModelChoiceField(label=_("region"), queryset=Region.objects.all(), required=False, empty_label=_("All regions"))
    level = forms.ChoiceField(label=_("level"), choices=[("", _("All levels"))] + DepartmentLevel.choices, required=False)
    since = forms.DateField(label=_("from"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    until = forms.DateField(label=_("until"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    mine = forms.BooleanField(label=_("Only mine"), required=False)
    active = forms.BooleanField(label=_("Not cancelled"), required=False)

    # Shown as controls; the others come from the dashboard and travel as hidden fields and chips.
    VISIBLE = ("status", "mode", "department", "since", "until", "mine")

    def __init__(self, *args, office: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not office:  # a department's people see their own department (and walks they lead elsewhere)
            del self.fields["department"], self.fields["region"], self.fields["level"]

    def apply(self, walkthroughs):
        self.is_valid()
        data = self.cleaned_data
        lookups = {"status": "status", "mode": "mode", "department": "department", "region": "department__region",
                   "level": "department__level", "since": "scheduled_for__gte", "until": "scheduled_for__lte"}
        for name, lookup in lookups.items():
            if data.get(name) not in (None, ""):
                walkthroughs = walkthroughs.filter(**{lookup: data[name]})
        if data.get("active"):  # what the dashboard counts as planned: all but the cancelled
            walkthroughs = walkthroughs.exclude(status=Status.CANCELLED)
        return walkthroughs

    def visible_fields_in_order(self):
        return [self[name] for name in self.VISIBLE if name in self.fields]

    def carried(self):
        """The filters not shown as controls, to carry on when the person filters further."""
        self.is_valid()
        return [(name, self.data.get(name)) for name in self.fields
                if name not in self.VISIBLE and self.cleaned_data.get(name) not in (None, "", False)]

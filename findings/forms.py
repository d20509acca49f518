from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from services.models import Department, DepartmentLevel, Region, ServiceItem

from core.categories import Category, CategoryGroup, grouped_choices
from .models import FindingStatus, Severity


class FileForm(forms.Form):
    category = forms.ChoiceField(label=_("category"), choices=[])
    severity = forms.ChoiceField(label=_("severity"), choices=Severity.choices, initial=Severity.MINOR, widget=forms.RadioSelect)
    title = forms.CharField(label=_("title"), max_length=200)
    description = forms.CharField(label=_("description"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    department = forms.ModelChoiceField(label=_("responsible department"), queryset=Department.objects.all(), required=False)
    service_item = forms.ModelChoiceField(label=_("service item"), queryset=ServiceItem.objects.select_related("department"), required=False)
    photo = forms.FileField(label=_("photo (optional)"), required=False, widget=forms.ClearableFileInput(
        attrs={"accept": "image/*,application/pdf", "capture": "environment"}))

    def __init__(self, *args, from_walkthrough: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = grouped_choices()
        if from_walkthrough:
            del self.fields["department"]
            del self.fields["service_item"]
        else:
            self.fields["department"].required = True


class MoveForm(forms.Form):
    to = forms.ChoiceField(choices=FindingStatus.choices)
    version = forms.IntegerField(min_value=1)
    note = forms.CharField(max_length=2000, required=False)
    due_date = forms.DateField(required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    materials_cut = forms.IntegerField(min_value=0, max_value=99, required=False)
    days_cut = forms.IntegerField(min_value=0, max_value=3650, required=False)
    visits_cut = forms.IntegerField(min_value=0, max_value=20, required=False)


class MeasuresForm(forms.Form):
    measures = forms.CharField(label=_("rectification measures"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    version = forms.IntegerField(min_value=1)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (Django's documented recipe): a list, each file checked as one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(one, initial) for one in files if one]


class AppealForm(forms.Form):
    """申诉: the department's reasons, required, and up to ``MAX_FILES`` photos or PDFs as evidence."""

    MAX_FILES = 5

    note = forms.CharField(label=_("Reasons for the appeal"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    version = forms.IntegerField(min_value=1)
    files = MultipleFileField(label=_("Evidence (photos or PDFs, optional)"), required=False, widget=MultipleFileInput(
        attrs={"accept": "image/*,application/pdf"}))

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > self.MAX_FILES:
            raise forms.ValidationError(_("Attach at most %(n)d files.") % {"n": self.MAX_FILES})
        return files


class CommentForm(forms.Form):
    body = forms.CharField(label=_("comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("photo or PDF"))


class RewalkForm(forms.Form):
    leader = forms.ModelChoiceField(label=_("leader"), queryset=None)
    scheduled_for = forms.DateField(label=_("date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))

    def __init__(self, *args, leaders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leaders
        self.fields["leader"].label_from_instance = lambda u: f"{u}（{u.department.name if u.department else '—'}）"

    def clean_scheduled_for(self):
        date = self.cleaned_data["scheduled_for"]
        if date < timezone.localdate():
            raise forms.ValidationError(_("The deadline cannot be in the past."))
        return date


class ListFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), choices=[("", _("All statuses"))] + FindingStatus.choices, required=False)
    category = forms.ChoiceField(label=_("category"), required=False)
    severity = forms.ChoiceField(label=_("severity"), choices=[("", _("All severities"))] + Severity.choices, required=False)
    department = forms.ModelChoiceField(label=_("department"), queryset=Department.objects.only("id", "name"), required=False,
                                        empty_label=_("All departments"))
    region = forms.ModelChoiceField(label=_("region"), queryset=Region.objects.all(), required=False, empty_label=_("All regions"))
    level = forms.ChoiceField(label=_("level"), choices=[("", _("All levels"))] + DepartmentLevel.choices, required=False)
    group = forms.ChoiceField(label=_("category group"), choices=[("", _("All groups"))] + CategoryGroup.choices, required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    open = forms.BooleanField(label=_("Not yet closed"), required=False)
    mine = forms.BooleanField(label=_("From my walkthroughs"), required=False)
    sent_back = forms.BooleanField(label=_("Sent back by the office"), required=False)
    since = forms.DateField(label=_("filed from"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    until = forms.DateField(label=_("filed until"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))

    def __init__(self, *args, office: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All categories"))] + grouped_choices()
        if not office:
            del self.fields["department"]
            del self.fields["region"]
            del self.fields["level"]

    def clean_category(self):
        value = self.cleaned_data.get("category")
        if value and value not in Category.values:
            raise forms.ValidationError(_("Unknown category."))
        return value

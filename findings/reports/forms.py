from django import forms
from django.utils.translation import gettext_lazy as _

from services.models import Department

from ..models import ReportKind


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("report"), choices=ReportKind.choices)
    walkthrough = forms.IntegerField(required=False, widget=forms.HiddenInput)
    department = forms.ModelChoiceField(label=_("department"), queryset=Department.objects.only("id", "name"), required=False)
    period_start = forms.DateField(label=_("period start"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    period_end = forms.DateField(label=_("period end"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))

"""Dates in forms: every date and time input gets a value its input type reads, in Chinese and in
English, and the form takes back what it rendered.

``<input type="date">`` reads ``YYYY-MM-DD`` only. Django's zh-hans formats put ``%Y/%m/%d`` first,
so a DateInput without an explicit format rendered ``2026/11/29``: the browser showed an empty field
and the plan form could not be sent without typing the date again.
"""
import datetime
import importlib
import re

import pytest
from django import forms
from django.utils import timezone, translation

from findings.dashboard_views import DashboardFilterForm
from findings.forms import ListFilterForm, RewalkForm
from findings.reports.forms import ReportRequestForm
from inspections.forms import PlanForm
from public.views import ArrangeForm, PublicRequestForm
from tests.conftest import make_item

LANGUAGES = ["zh-hans", "en"]
# The modules that define forms; a new one with date fields belongs here.
FORM_MODULES = ["inspections.forms", "findings.forms", "findings.reports.forms", "findings.dashboard_views", "public.views",
                "services.forms", "accounts.forms", "core.forms"]
ISO = {"date": re.compile(r"^\d{4}-\d{2}-\d{2}$"), "datetime-local": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")}


def rendered_value(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert tag, f"no input named {name} in {html[:300]}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    assert value, f"the input {name} has no value: {tag.group(0)}"
    return value.group(1)


def round_trip(make_form, field: str, value: datetime.date, language: str):
    """Render the form with ``value`` as the field's initial under ``language``, then send back what it
    rendered, as a browser would: the value must be ISO and read back as the same date."""
    with translation.override(language):
        html = str(make_form(initial={field: value})[field])
        shown = rendered_value(html, field)
        assert shown == value.isoformat(), f"{language}: {field} renders {shown!r}"
        form = make_form(data={field: shown})
        form.is_valid()
        assert field not in form.errors, f"{language}: {field} refuses its own value {shown!r}: {form.errors[field]}"
        assert form.cleaned_data[field] == value


@pytest.mark.parametrize("language", LANGUAGES)
def test_plan_form(language, department_a, leader_a, office):
    make_item(department_a, "D-1")
    today = timezone.localdate()
    round_trip(lambda **kw: PlanForm(user=leader_a, **kw), "scheduled_for", today, language)
    round_trip(lambda **kw: PlanForm(user=office, **kw), "scheduled_for", today + datetime.timedelta(days=30), language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_public_forms(language, leader_a):
    soon = timezone.localdate() + datetime.timedelta(days=10)
    round_trip(lambda **kw: PublicRequestForm(**kw), "preferred_date", soon, language)
    leaders = type(leader_a).objects.filter(pk=leader_a.pk)
    round_trip(lambda **kw: ArrangeForm(leaders=leaders, **kw), "scheduled_for", soon, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_findings_forms(language, leader_a):
    leaders = type(leader_a).objects.filter(pk=leader_a.pk)
    round_trip(lambda **kw: RewalkForm(leaders=leaders, **kw), "scheduled_for", timezone.localdate() + datetime.timedelta(days=3), language)
    for field in ("since", "until"):
        round_trip(lambda **kw: ListFilterForm(office=True, **kw), field, datetime.date(2026, 11, 29), language)
        round_trip(lambda **kw: DashboardFilterForm(**kw), field, datetime.date(2026, 1, 5), language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_report_form(language, db):
    for field in ("period_start", "period_end"):
        round_trip(lambda **kw: ReportRequestForm(**kw), field, datetime.date(2026, 11, 29), language)


def _form_classes():
    seen = set()
    for name in FORM_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm) and value.__module__ == module.__name__:
                seen.add(value)
    return sorted(seen, key=lambda c: f"{c.__module__}.{c.__name__}")


def _temporal_widgets(form_class):
    fields = dict(getattr(form_class, "base_fields", {}))
    for name, field in fields.items():
        widget = field.widget
        if isinstance(widget, (forms.DateInput, forms.DateTimeInput)):
            yield name, field, widget
        elif isinstance(field, (forms.DateField, forms.DateTimeField)):
            yield name, field, widget


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_date_input_in_the_project_renders_iso(language):
    """Any form in the project with a date or date-time field: an ``<input type=date|datetime-local>``
    whose rendered value is ISO, and reads back. A new form without ``format=`` fails here."""
    checked = []
    moment = timezone.make_aware(datetime.datetime(2026, 11, 29, 9, 5))
    with translation.override(language):
        for form_class in _form_classes():
            for name, field, widget in _temporal_widgets(form_class):
                where = f"{form_class.__module__}.{form_class.__name__}.{name}"
                kind = widget.attrs.get("type") or widget.input_type
                if isinstance(widget, forms.HiddenInput):
                    continue
                assert kind in ISO, f"{where}: a {type(field).__name__} shown as <input type={kind}>; use type=date or datetime-local"
                value = moment if kind == "datetime-local" else moment.date()
                shown = rendered_value(widget.render(name, value), name)
                assert ISO[kind].match(shown), f"{where} renders {shown!r} under {language}"
                assert field.clean(shown) == value, f"{where} does not read back {shown!r}"
                checked.append(where)
    assert len(checked) >= 10, checked  # the scan found the forms (plan, public, findings, reports, dashboard)


@pytest.mark.parametrize("language", LANGUAGES)
def test_plan_page_opens_with_todays_date(client, language, department_a, leader_a):
    make_item(department_a, "D-2")
    client.force_login(leader_a)
    client.cookies["django_language"] = language
    html = client.get("/walkthroughs/new/").content.decode()
    assert 'lang="%s"' % language in html
    assert rendered_value(html, "scheduled_for") == timezone.localdate().isoformat()

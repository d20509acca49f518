"""The filters in force on a list, shown as chips a person can remove one by one.

A figure on the dashboard links to the list behind it with its filters in the query string; the list
shows each as a chip (what it is, its value) with a link that drops it and keeps the rest, and its
form carries them on when the person filters further (``templates/core/_filter_chips.html``).
"""
from __future__ import annotations

from django import forms

DROPPED_WITH_ANY_FILTER = ("page", "cursor")


def _shown(field: forms.Field, value) -> str:
    if isinstance(field, forms.ModelChoiceField):
        return str(value)
    if isinstance(field, forms.ChoiceField):
        for key, label in field.choices:
            if isinstance(label, (list, tuple)):  # grouped choices
                for sub_key, sub_label in label:
                    if str(sub_key) == str(value):
                        return str(sub_label)
            elif str(key) == str(value):
                return str(label)
        return str(value)
    if isinstance(field, forms.BooleanField):
        return ""
    if isinstance(field, forms.DateField):
        return value.isoformat()
    return str(value)


def filter_chips(request, form: forms.Form) -> list[dict]:
    """Each valid filter of ``form`` (bound to request.GET) in force: label, value, URL without it."""
    if not form.is_bound:
        return []
    form.is_valid()
    chips = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "", False, []):
            continue
        query = request.GET.copy()
        for dropped in (name, *DROPPED_WITH_ANY_FILTER):
            query.pop(dropped, None)
        chips.append({"name": name, "label": field.label, "value": _shown(field, value),
                      "remove": f"{request.path}?{query.urlencode()}" if query else request.path})
    return chips

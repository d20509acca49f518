"""Template tags available in every template (registered as a builtin in settings)."""
from django import template
from django.utils.html import format_html

from . import submissions

register = template.Library()


@register.simple_tag
def submission_field():
    """The hidden one-time token that makes a form's repeat submission harmless."""
    return format_html('<input type="hidden" name="{}" value="{}">', submissions.FIELD, submissions.new_token())

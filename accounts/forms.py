from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .queries import may_use_pages


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The username or password is wrong. Both are case-sensitive."),
        "api_only": _("This account is for API access only."),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not may_use_pages(user):
            raise forms.ValidationError(self.error_messages["api_only"], code="api_only")

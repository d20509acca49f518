from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The shared kernel: what every app uses and nothing above it (docs/architecture.md)."""

    name = "core"
    verbose_name = _("Shared kernel")
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    """局长陪您办: the one page open without login, and the office's handling of what arrives."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "public"
    verbose_name = _("Public requests")

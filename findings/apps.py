from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FindingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "findings"
    verbose_name = _("Findings")

    def ready(self):
        from inspections import extensions

        from .queries import findings_visible

        # The walk page and the walkthrough API list the findings filed from a walkthrough with
        # this app's own rule of who may see them (inspections/extensions.py says why it is here).
        extensions.findings_visible_register(findings_visible)

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

        from django.db.models.signals import post_migrate

        post_migrate.connect(_tally_kept, sender=self, dispatch_uid="findings-tally-kept")


def _tally_kept(sender, using="default", plan=None, **kwargs):
    """After every migrate: the tally's triggers are there (findings/tally.py:ensure_installed)."""
    from django.db import connections

    from . import tally

    if plan is None or "findings_tally" not in connections[using].introspection.table_names():
        return
    tally.ensure_installed(using=using)

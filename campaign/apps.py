from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignConfig(AppConfig):
    """The loaders that fill every app at once: the demo campaign (``load_demo_data``) and a
    campaign-sized data set for the benches (``load_campaign``). They sit above everything they fill."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "campaign"
    verbose_name = _("Campaign data")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The citizens' portal: submit, track, browse public reports (no business logic here)."""

    name = "aduan.portal"
    verbose_name = _("Citizen portal")

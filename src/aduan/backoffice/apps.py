from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    """The staff back office: work queues and the complaint workspace (no business logic here)."""

    name = "aduan.backoffice"
    verbose_name = _("Back office")

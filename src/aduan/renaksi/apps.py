from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenaksiConfig(AppConfig):
    name = "aduan.renaksi"
    label = "renaksi"
    verbose_name = _("Action plan (Renaksi)")

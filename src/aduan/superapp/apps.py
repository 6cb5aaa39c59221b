from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuperAppConfig(AppConfig):
    """Sign-in with the provincial Super-App's OpenID Connect provider, and its deep links."""

    name = "aduan.superapp"
    label = "superapp"
    verbose_name = _("Super-App")

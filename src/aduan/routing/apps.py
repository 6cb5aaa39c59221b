from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "aduan.routing"
    label = "routing"
    verbose_name = _("Routing suggestions")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from aduan.complaints.models import Complaint
        from aduan.routing.signals import complaint_created

        post_save.connect(
            complaint_created, sender=Complaint, dispatch_uid="routing.complaint_created"
        )

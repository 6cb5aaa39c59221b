from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LaporConfig(AppConfig):
    name = "aduan.lapor"
    label = "lapor"
    verbose_name = _("National SP4N-LAPOR! connector")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from aduan.core.models import AuditEvent
        from aduan.lapor.outbox import audit_event_saved

        # The lifecycle services write an audit event in the transaction of every change; the
        # outbox rows follow from it in that same transaction (complaints/services.py untouched).
        post_save.connect(audit_event_saved, sender=AuditEvent, dispatch_uid="lapor.audit_event")

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def ensure_audit_chain_head(using: str = "default", **kwargs: Any) -> None:
    """The audit log needs its single head row. Migration core 0002 creates it; ``flush`` (and
    the flush that ends every transactional test) deletes it and then sends ``post_migrate``."""
    from aduan.core.audit import GENESIS_HASH
    from aduan.core.models import AuditChainHead, AuditEvent

    if AuditChainHead.objects.using(using).filter(pk=1).exists():
        return
    # A head at #0 above existing events would hide their loss; ``aduan audit verify`` reports
    # the missing head instead, and ``audit_log`` refuses to write.
    if not AuditEvent.objects.using(using).exists():
        AuditChainHead.objects.using(using).create(pk=1, seq=0, hash=GENESIS_HASH)


class CoreConfig(AppConfig):
    name = "aduan.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from aduan.core import signals  # noqa: F401

        post_migrate.connect(
            ensure_audit_chain_head, sender=self, dispatch_uid="aduan.core.chain_head"
        )

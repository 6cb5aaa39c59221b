"""Background jobs of the message channels (run by ``aduan worker``)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import Q
from django_tasks import task

from aduan.channels.conversation import conversations_expire
from aduan.channels.inbound import MAX_REPLY_ATTEMPTS, inbound_process, inbound_reply
from aduan.channels.models import InboundMessage
from aduan.core import clock

logger = logging.getLogger(__name__)


@task()
def process_inbound(inbound_id: int) -> bool:
    """Run the conversation for one received message and send the replies."""
    inbound = inbound_process(inbound_id)
    return inbound is not None and inbound.replied_at is not None


@task()
def reply_inbound(inbound_id: int) -> bool:
    """Send the replies of an already processed message (e-mail intake)."""
    inbound = InboundMessage.objects.filter(pk=inbound_id).first()
    return inbound is not None and inbound_reply(inbound)


@task()
def channels_retry() -> dict[str, int]:
    """Pick up messages a dead worker left unprocessed and replies that failed; drop idle
    conversations."""
    cutoff = clock.now() - timedelta(minutes=1)
    pending = InboundMessage.objects.filter(
        Q(processed_at__isnull=True) | Q(replied_at__isnull=True),
        received_at__lt=cutoff,
        reply_attempts__lt=MAX_REPLY_ATTEMPTS,
    ).order_by("received_at")[:200]
    done = failed = 0
    for inbound_id in pending.values_list("pk", flat=True):
        try:
            inbound = inbound_process(inbound_id)
        except Exception:
            logger.exception("inbound message %s failed again", inbound_id)
            failed += 1
            continue
        done += int(inbound is not None and inbound.replied_at is not None)
    return {"retried": done, "failed": failed, "expired_conversations": conversations_expire()}


@task()
def email_poll() -> dict[str, int]:
    """Take in unseen messages from the IMAP mailbox (registered when ADUAN_IMAP_HOST is set)."""
    from aduan.channels.mail import email_poll_run

    return email_poll_run()

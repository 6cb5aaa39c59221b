"""``aduan apikey create NAME`` prints a new key on its last line; ``revoke`` and ``list``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from aduan.api.keys import apikey_create, apikey_revoke
from aduan.api.models import ApiClient
from aduan.core.errors import DomainError


class Command(BaseCommand):
    help = "Create, revoke or list API client keys."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a client and print its key (once)")
        create.add_argument("name")
        revoke = sub.add_parser("revoke", help="revoke a client's key")
        revoke.add_argument("name")
        sub.add_parser("list", help="list clients")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "create":
                client, key = apikey_create(name=options["name"])
                self.stdout.write(
                    _("API client “%(name)s” created. Its key is shown only now:")
                    % {"name": client.name}
                )
                self.stdout.write(key)
            elif options["action"] == "revoke":
                client = apikey_revoke(name=options["name"])
                self.stdout.write(_("API client “%(name)s” revoked.") % {"name": client.name})
            else:
                for client in ApiClient.objects.all():
                    state = _("active") if client.is_active else _("revoked")
                    self.stdout.write(f"{client.name}\t{client.key_prefix}\t{state}")
        except DomainError as error:
            raise CommandError(str(error)) from error

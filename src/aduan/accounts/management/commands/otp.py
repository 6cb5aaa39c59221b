"""``aduan otp code USERNAME`` prints the current code of a user's authenticator (development
and demos only); ``aduan otp reset USERNAME`` removes their authenticators (a lost phone), so
they set up a new one at the next sign-in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from aduan.accounts import services
from aduan.accounts.models import User


def current_code(device: TOTPDevice) -> str:
    """The code ``device`` accepts now, zero-padded as the app shows it."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


class Command(BaseCommand):
    help = (
        "Staff two-factor sign-in: 'code USERNAME' prints the current code of the user's "
        "authenticator (refused in production); 'reset USERNAME' removes the user's "
        "authenticators so they set up a new one at the next sign-in."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["code", "reset"])
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(
                _("There is no user %(username)s.") % {"username": options["username"]}
            )
        if options["action"] == "code":
            self._code(user)
        else:
            self._reset(user)

    def _code(self, user: User) -> None:
        # Anyone who can run this could then sign in as any officer: never on a live instansi.
        if getattr(settings, "PRODUCTION", False):
            raise CommandError(
                _("Refusing to show sign-in codes in production (ADUAN_ENV=production).")
            )
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
        if device is None:
            raise CommandError(
                _("%(username)s has no authenticator yet; they set one up at the next sign-in.")
                % {"username": user.get_username()}
            )
        self.stdout.write(current_code(device))

    def _reset(self, user: User) -> None:
        removed = services.two_factor_reset(actor=None, user=user, actor_label="aduan otp reset")
        self.stdout.write(
            ngettext(
                "Removed %(count)d authenticator of %(username)s; they set up a new one at the "
                "next sign-in.",
                "Removed %(count)d authenticators of %(username)s; they set up a new one at the "
                "next sign-in.",
                removed,
            )
            % {"count": removed, "username": user.get_username()}
        )

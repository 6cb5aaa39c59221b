"""The session engine (``SESSION_ENGINE``): Django's database sessions, whose key change (at
sign-in and when the password changes, ``cycle_key``) carries the Super-App's record of the
session along, so that Back-Channel Logout still finds it."""

from __future__ import annotations

from django.contrib.sessions.backends import db

from aduan.superapp import services


class SessionStore(db.SessionStore):
    def cycle_key(self) -> None:
        old = self.session_key
        super().cycle_key()
        if old and self.session_key and old != self.session_key:
            services.superapp_session_rekey(old, self.session_key)

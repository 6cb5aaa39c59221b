"""Aduan settings: one module, driven by environment variables.

With ``ADUAN_ENV=production`` the settings fail closed: ``SECRET_KEY`` and ``ALLOWED_HOSTS``
must be given and ``DEBUG`` is off whatever ``DEBUG`` says.
"""

from __future__ import annotations

import importlib.util
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
WORK_DIR = Path(os.environ.get("ADUAN_WORK_DIR", Path.cwd()))

ENVIRONMENT = os.environ.get("ADUAN_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


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
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
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
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
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
AXES_FAILURE_LIMIT = int(os.environ.get("ADUAN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("ADUAN_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
# Username, e-mail and phone of one account count as one name (see backends.axes_username).
AXES_USERNAME_CALLABLE = "aduan.accounts.backends.axes_username"
# Renders accounts/locked_out.html with the time the person may try again.
AXES_LOCKOUT_CALLABLE = "aduan.accounts.views.locked_out"
# Staff sessions end after this many idle minutes; staff must sign in with a TOTP code.
ADUAN_STAFF_IDLE_MINUTES = int(os.environ.get("ADUAN_STAFF_IDLE_MINUTES", "30"))
ADUAN_STAFF_REQUIRE_2FA = os.environ.get("ADUAN_STAFF_REQUIRE_2FA", "1") == "1"
OTP_TOTP_ISSUER = os.environ.get("ADUAN_TOTP_ISSUER", "Aduan Sumbar")
# Citizens' sessions last two weeks; staff sessions are shortened by the idle timeout.
SESSION_COOKIE_AGE = 14 * 24 * 3600
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

# --- REST API (issue 4) ---------------------------------------------------------------------

# --- Open311 GeoReport v2 (issue 4) ---------------------------------------------------------

# --- Message channels: WhatsApp, SMS, e-mail (issue 4) ---------------------------------------

# --- Notifications delivery (issue 4) -------------------------------------------------------

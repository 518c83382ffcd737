"""Settings shared by every way of running the portal.

Everything that differs between installations is read from the environment (variables are
listed in the README). The defaults here are the embedded default's: SQLite, tasks run
eagerly, no services needed. ``production.py`` demands the secrets instead.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "insecure-embedded-default-key-change-me-0123456789abcdefghijkl"
)
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "csp",
    "simple_history",
    "django_celery_beat",
    "django_htmx",
    # Project apps, in dependency order: the demo generator builds them in this order too.
    "grid",
    "residents",
    "risks",
    "disputes",
    "risks.register",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must come last: it turns a lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "grid.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
# PostgreSQL's JIT can spend hundreds of milliseconds compiling a whole-table aggregate before
# running it (measured on the register and risk pages); the portal's queries are short, so JIT
# stays off unless DATABASE_JIT=true.
if DATABASES["default"]["ENGINE"].endswith("postgresql") and not env_bool("DATABASE_JIT", False):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "cpr"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Authentication and sessions ------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # Axes first, so a locked-out account is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Idle timeout: every request renews the 30-minute session, so it expires after 30 idle minutes.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Lockout: 5 failures within 15 minutes lock the account whatever IP they come from, and also
# lock an IP that tries many accounts. Each inner list is one independent lockout criterion.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_USE_ATTEMPT_EXPIRATION = True
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0)
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None  # no guardian anonymous user: the public never gets object grants

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = os.environ.get("DJANGO_LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files (front-end packages come from npm into node_modules) ----------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
    ("vendor/chart.js", NODE_MODULES / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))

# --- Content-Security-Policy: no inline scripts, no third-party hosts -----------------------
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")  # e.g. an internal tile server; empty: none
_tile_origin = env_list("MAP_TILE_ORIGINS", [])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *_tile_origin],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first, so an unauthenticated call gets 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.api.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "user": "600/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Community-policing risk management API",
    "DESCRIPTION": "Scoped API: every list and object is limited to the caller's tier and unit.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # residents: name the concern enums (other apps also have "category" and "status" fields).
    "ENUM_NAME_OVERRIDES": {
        "ConcernCategoryEnum": "residents.models.ConcernCategory",
        "ConcernStatusEnum": "residents.models.ConcernStatus",
        # register: one name for the four-colour level (level, best_level, worst_level, ...)
        # and for the risk categories, wherever they appear.
        "RiskLevelEnum": "risks.scoring.Level",
        "RiskCategoryEnum": "risks.models.RiskCategory",
        # disputes: the case's category, stage and party role (other apps use these names).
        "DisputeCategoryEnum": "disputes.models.DisputeCategory",
        "DisputeStageEnum": "disputes.models.Stage",
        "DisputePartyRoleEnum": "disputes.models.PartyRole",
    },
}

# --- Celery ---------------------------------------------------------------------------------
# Without REDIS_URL (the embedded default) tasks run eagerly in the web process.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task not acknowledged within this time is delivered again; longer than the longest task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# The beat schedule is data: cron strings from the environment, each with an expiry so a
# backlog after an outage does not fire a stale run. Apps add their entries in PERIODIC_TASKS.
PERIODIC_TASKS = {
    "portal-housekeeping": {
        "task": "grid.tasks.portal_housekeeping",
        "cron": os.environ.get("HOUSEKEEPING_CRON", "30 3 * * *"),
        "expires_seconds": 6 * 3600,
    },
}
# The nightly risk register's slot: 02:00 Asia/Shanghai. The risks app adds its entry to
# PERIODIC_TASKS with this cron when its task lands (a schedule entry for a task that does not
# exist yet would only fill the worker's log with "unregistered task" errors).
RISK_REGISTER_CRON = os.environ.get("RISK_REGISTER_CRON", "0 2 * * *")
# The nightly risk register (risks.register; docs/register.md): beat entry and tuning knobs.
PERIODIC_TASKS["risk-register-nightly"] = {
    "task": "risks.register.tasks.register_run_nightly",
    "cron": RISK_REGISTER_CRON,
    "expires_seconds": 6 * 3600,
}
RISK_REGISTER_STATIONS_PER_PART = env_int("RISK_REGISTER_STATIONS_PER_PART", 12)
RISK_REGISTER_RUN_LEASE_SECONDS = env_int("RISK_REGISTER_RUN_LEASE_SECONDS", 3600)
RISK_REGISTER_PART_PAUSE_SECONDS = env_int("RISK_REGISTER_PART_PAUSE_SECONDS", 0)
# Dotted paths to extra risks.register.factors.Factor objects (e.g. the disputes part's).
RISK_REGISTER_EXTRA_FACTORS: list[str] = [
    "disputes.register_factors.DISPUTES_AT_RISK",
    "disputes.register_factors.OVERDUE_DISPUTES",
    "disputes.register_factors.REPEATED_DISPUTES",
]

# Dispute cases (docs/disputes.md): the daily deadline check, and the days each stage may take
# (disputes.workflow.DEFAULT_STAGE_DAYS; override single stages, e.g. {"mediating": 20}).
PERIODIC_TASKS["dispute-deadlines"] = {
    "task": "disputes.tasks.overdue_cases_escalate_task",
    "cron": os.environ.get("DISPUTE_DEADLINES_CRON", "0 7 * * *"),
    "expires_seconds": 6 * 3600,
}
DISPUTE_STAGE_DAYS: dict[str, int] = {}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Demo data ------------------------------------------------------------------------------
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "Demo-Policing-2026")

from config.schedule import beat_schedule_from  # noqa: E402

CELERY_BEAT_SCHEDULE = beat_schedule_from(PERIODIC_TASKS)

# --- Risk points (risks app; documented in docs/risks.md) -------------------------------------
# The one place for the bands of the 5x5 likelihood x severity matrix: (lowest score, highest
# score, level). Products 17-19 cannot occur (no two factors 1-5 give them). Every possible
# product must fall in exactly one band; risks.scoring checks this when it is first used.
RISK_LEVEL_BANDS = [(1, 3, "blue"), (4, 9, "yellow"), (10, 16, "orange"), (20, 25, "red")]
# Review cadence by level (days between reviews) and the longest due date of a new measure.
RISK_REVIEW_CADENCE_DAYS = {"red": 7, "orange": 14, "yellow": 30, "blue": 90}
RISK_MEASURE_DUE_DAYS = {"red": 7, "orange": 15, "yellow": 30, "blue": 60}
# Data pre-identification: a dismissed proposal is not proposed again for this many days.
RISK_PROPOSAL_QUIET_DAYS = env_int("RISK_PROPOSAL_QUIET_DAYS", 30)

"""The one settings module. Every knob is an environment variable (see README).

Two modes fall out of the environment, nothing else:
- embedded (no ``REDIS_URL``): SQLite unless ``DATABASE_URL`` says otherwise, the in-process
  channel layer and Dramatiq's in-memory broker; web, worker and scheduler share one process.
- services (``REDIS_URL`` or ``REDIS_SENTINELS`` set): channels-redis, Dramatiq's Redis (or, with
  ``BROKER_URL``, RabbitMQ) broker, a Redis cache, and the processes may run apart
  (``manage.py web|worker|scheduler``); the event streams may live on a Redis Cluster.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import environ

from core.config import (
    ConfigurationError,
    app_settings,
    check_production,
    database_config,
    env,
    parse_nodes,
    redis_layer_config,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# A local .env is a convenience for development; the process environment always wins.
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

ENVIRONMENT = env.str("OQIM_ENV", default="development")
if ENVIRONMENT not in ("development", "production", "test"):
    raise ConfigurationError(f"OQIM_ENV must be development, production or test, not {ENVIRONMENT!r}")
IS_PRODUCTION = ENVIRONMENT == "production"
TESTING = ENVIRONMENT == "test" or "pytest" in sys.modules

DEBUG = env.bool("DEBUG", default=False)
_DEV_SECRET = "oqim-development-only-secret-key-never-use-in-production-0123456789"
SECRET_KEY = env.str("SECRET_KEY", default="" if IS_PRODUCTION else _DEV_SECRET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Redis: one server (REDIS_URL), or a master found through Sentinel (REDIS_SENTINELS, host:port
# list; REDIS_URL then only gives user, password and database). docs/scaling.md.
REDIS_SENTINELS = env.str("REDIS_SENTINELS", default="")
REDIS_SENTINEL_MASTER = env.str("REDIS_SENTINEL_MASTER", default="oqim")
REDIS_SENTINEL_PASSWORD = env.str("REDIS_SENTINEL_PASSWORD", default="")
REDIS_URL = env.str("REDIS_URL", default="redis:///0" if REDIS_SENTINELS else "")
# The live event streams on a Redis Cluster of their own (seed nodes, host:port list), and the
# number of shards their firehose is split into (an organization's keys share its shard's slot).
REALTIME_REDIS_CLUSTER = env.str("REALTIME_REDIS_CLUSTER", default="")
REALTIME_SHARDS = env.int("REALTIME_SHARDS", default=16 if REALTIME_REDIS_CLUSTER else 1)
# Replicas that must hold an event before its outbox row counts as published (Redis WAIT): a
# failover then cannot lose an event the relay believes delivered (fewer while fewer are connected).
# Default: 1 with Sentinel or Cluster.
REALTIME_PUBLISH_REPLICAS = env.int(
    "REALTIME_PUBLISH_REPLICAS", default=1 if (REDIS_SENTINELS or REALTIME_REDIS_CLUSTER) else 0
)
REALTIME_PUBLISH_WAIT_MS = env.int("REALTIME_PUBLISH_WAIT_MS", default=500)
# The job broker: empty for Redis (REDIS_URL), or amqp://... for RabbitMQ.
BROKER_URL = env.str("BROKER_URL", default="")
for _name, _nodes in (("REDIS_SENTINELS", REDIS_SENTINELS), ("REALTIME_REDIS_CLUSTER", REALTIME_REDIS_CLUSTER)):
    try:
        parse_nodes(_nodes)
    except ValueError as exc:
        raise ConfigurationError(f"{_name} must be a comma-separated host:port list: {exc}") from None
if BROKER_URL and not BROKER_URL.startswith(("amqp://", "amqps://")):
    raise ConfigurationError("BROKER_URL must be an amqp:// or amqps:// URL (RabbitMQ)")
if (BROKER_URL or REALTIME_REDIS_CLUSTER) and not REDIS_URL:
    raise ConfigurationError(
        "BROKER_URL and REALTIME_REDIS_CLUSTER need REDIS_URL or REDIS_SENTINELS too: the cache and locks live there"
    )
# Fernet keys sealing PINs and provider credentials at rest; the first seals (core.secrets).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
EMBEDDED = not REDIS_URL
DATA_DIR = Path(env.str("OQIM_DATA_DIR", default=str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "core",
    "core.console",
    "realtime",
    "workers",
    "domains.members",
    # Before the domains whose demo rows emit events: the demo's rules then catch them.
    "domains.notifications",
    "domains.stock",
    "domains.kitchen",
    "domains.alarms",
    # Before the domains whose demo rows emit events: the demo's endpoint then receives them.
    "domains.webhooks",
    "domains.orders",
    "domains.shops",
    "domains.clients",
    # Before tracking: the demo's route is then judged against the demo's fences.
    "domains.geofencing",
    "domains.tracking",
    "domains.trips",
    "domains.visits",
    "domains.catalog",
    "domains.onec",
]

MIDDLEWARE = [
    "core.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Sync-only and innermost on purpose: Django then runs the whole chain in one worker thread.
    # Async-capable MiddlewareMixin classes each hop threads twice per request under ASGI
    # (measured: 3.5 ms -> see docs/benchmarks.md).
    "core.middleware.BodySizeLimitMiddleware",
]

ROOT_URLCONF = "core.urls"
ASGI_APPLICATION = "realtime.server.asgi.application"
AUTH_USER_MODEL = "core.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": database_config(env, DATA_DIR)}

if REDIS_URL:
    _cache, _layer = redis_layer_config(REDIS_URL, REDIS_SENTINELS, REDIS_SENTINEL_MASTER)
    CACHES = {"default": _cache}
    CHANNEL_LAYERS = {"default": _layer}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Hashing dominates test time; the algorithm is not what the suite checks.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en"
# The console's languages, chosen from the browser's Accept-Language and switchable; API
# messages follow them too (codes never change).
LANGUAGES = [("uz", "Oʻzbekcha"), ("ru", "Русский"), ("en", "English")]  # noqa: RUF001 (Uzbek spelling)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Outside production, serve straight from the apps so `make run` needs no collectstatic.
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
if not IS_PRODUCTION:
    STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise expects it even when serving from finders
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"

# Bodies: JSON writes are small; uploads get their own ceiling (checked in BodySizeLimitMiddleware).
MAX_JSON_BODY_BYTES = env.int("MAX_JSON_BODY_BYTES", default=1024 * 1024)
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
# The most any request may carry: the server stops reading past it (realtime.server.http).
MAX_BODY_BYTES = max(MAX_JSON_BODY_BYTES, MAX_UPLOAD_BYTES)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_JSON_BODY_BYTES

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["core.auth.TenantJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["core.permissions.HasCapability"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "core.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "login": env.str("LOGIN_THROTTLE_RATE", default="10/min"),
        "login_address": env.str("LOGIN_ADDRESS_THROTTLE_RATE", default="60/min"),
    },
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "UNAUTHENTICATED_USER": None,
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=env.int("JWT_ACCESS_TTL_SECONDS", default=300)),
    "REFRESH_TOKEN_LIFETIME": timedelta(seconds=env.int("JWT_REFRESH_TTL_SECONDS", default=7 * 24 * 3600)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
    "ALGORITHM": "HS256",
    "AUTH_HEADER_TYPES": ("Bearer",),
}
# How long a caller's membership is remembered between requests (core.membership_cache); every
# ORM change of a membership, user or organization drops it at once. 0: read it every request.
MEMBERSHIP_CACHE_SECONDS = env.int("MEMBERSHIP_CACHE_SECONDS", default=60)

SPECTACULAR_SETTINGS = {
    "TITLE": "Oqim API",
    "DESCRIPTION": (
        "Real-time operations backend. Every error answers "
        '`{"error": {"code", "message", "fields"}}`; see docs/errors.md.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.schema.error_responses"],
    # Each app adds its own enums' names in its ``conf`` (core.config.app_settings).
    "ENUM_NAME_OVERRIDES": {"RoleEnum": "core.roles.Role"},
}

# HTTP requests a web process handles at once, each in its own thread (realtime.server.http). SQLite takes
# one writer at a time, so more threads there only queue on its lock.
WEB_THREADS = env.int("WEB_THREADS", default=8)

# Dramatiq: the worker's graceful shutdown; compose's stop_grace_period must exceed it.
WORKER_SHUTDOWN_TIMEOUT_MS = env.int("WORKER_SHUTDOWN_TIMEOUT_MS", default=20_000)
WORKER_THREADS = env.int("WORKER_THREADS", default=4)
# An idle queue is polled this often (Dramatiq's default is 1 s, which a delayed job waits up to
# three times: delay queue, hand-over, its queue).
WORKER_IDLE_POLL_MS = env.int("WORKER_IDLE_POLL_MS", default=100)
SCHEDULER_LOCK_TTL_SECONDS = env.int("SCHEDULER_LOCK_TTL_SECONDS", default=30)

# Realtime (docs/realtime.md): event retention, and the limits each WebSocket lives within.
REALTIME_RETENTION_SECONDS = env.int("REALTIME_RETENTION_SECONDS", default=24 * 3600)
REALTIME_STREAM_MAXLEN = env.int("REALTIME_STREAM_MAXLEN", default=100_000)
REALTIME_FIREHOSE_MAXLEN = env.int("REALTIME_FIREHOSE_MAXLEN", default=100_000)
# An event id is remembered this long so the relay and the after-commit publisher never both
# append it; clients dedupe by event id past that (docs/realtime.md).
REALTIME_DEDUPE_SECONDS = env.int("REALTIME_DEDUPE_SECONDS", default=3600)
REALTIME_RELAY_AFTER_SECONDS = env.float("REALTIME_RELAY_AFTER_SECONDS", default=3.0)
# Events some app follows are handed to it by a thread of the process that committed them, at
# once; off, by a worker (kicked through the broker). The periodic job covers both.
REALTIME_FANOUT_IN_PROCESS = env.bool("REALTIME_FANOUT_IN_PROCESS", default=True)
# Outbound HTTP (core.egress: 1C, order providers, webhooks, SMS gateways, Telegram). Private,
# loopback and link-local addresses are refused unless their network is listed (CIDRs); outside
# production loopback is allowed for trials. WEBHOOKS_ALLOWED_NETWORKS is its former name.
OUTBOUND_ALLOWED_NETWORKS = env.list(
    "OUTBOUND_ALLOWED_NETWORKS",
    default=env.list("WEBHOOKS_ALLOWED_NETWORKS", default=[] if IS_PRODUCTION else ["127.0.0.0/8", "::1/128"]),
)
# An answer longer than this is not read (the call fails): the largest 1C messages fit.
OUTBOUND_MAX_RESPONSE_BYTES = env.int("OUTBOUND_MAX_RESPONSE_BYTES", default=64 * 1024 * 1024)
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=10.0)
WEBHOOKS_CONNECT_TIMEOUT_SECONDS = env.float("WEBHOOKS_CONNECT_TIMEOUT_SECONDS", default=5.0)
# E-mail (notifications, docs/notifications.md) goes through SMTP when EMAIL_HOST is set; outside
# production without it, to the console (the web process's output).
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = 15
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Oqim <notifications@localhost>")
EMAIL_MESSAGE_DOMAIN = DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].rstrip(">") or "localhost"
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
# Jobs asked for by a committed transaction and still unsent after this are sent by the relay.
JOB_RELAY_AFTER_SECONDS = env.float("JOB_RELAY_AFTER_SECONDS", default=3.0)
# A worker silent this long is dead: the messages it had fetched go back to their queue.
WORKER_HEARTBEAT_TIMEOUT_MS = env.int("WORKER_HEARTBEAT_TIMEOUT_MS", default=8_000)
REALTIME_SEND_QUEUE = env.int("REALTIME_SEND_QUEUE", default=1000)
REALTIME_MAX_FRAME_BYTES = env.int("REALTIME_MAX_FRAME_BYTES", default=16 * 1024)
REALTIME_INBOUND_RATE = env.float("REALTIME_INBOUND_RATE", default=20.0)
REALTIME_INBOUND_BURST = env.int("REALTIME_INBOUND_BURST", default=60)
REALTIME_HEARTBEAT_SECONDS = env.float("REALTIME_HEARTBEAT_SECONDS", default=25.0)
REALTIME_IDLE_TIMEOUT_SECONDS = env.float("REALTIME_IDLE_TIMEOUT_SECONDS", default=60.0)
REALTIME_AUTH_TIMEOUT_SECONDS = env.float("REALTIME_AUTH_TIMEOUT_SECONDS", default=10.0)
REALTIME_RECHECK_SECONDS = env.float("REALTIME_RECHECK_SECONDS", default=15.0)
REALTIME_TICKET_TTL_SECONDS = env.int("REALTIME_TICKET_TTL_SECONDS", default=30)
REALTIME_MAX_SUBSCRIPTIONS = env.int("REALTIME_MAX_SUBSCRIPTIONS", default=32)
REALTIME_ALLOWED_ORIGINS = env.list("REALTIME_ALLOWED_ORIGINS", default=[])
# The largest photo any domain takes (core.photos): a client's, a product's, one taken on the road.
PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=8 * 1024 * 1024)
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if IS_PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "core.logging.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "core.logging.JsonFormatter"},
        "text": {"()": "core.logging.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
        "dramatiq": {"level": "WARNING" if TESTING else "INFO"},
        "apscheduler": {"level": "WARNING"},
        # pika logs six INFO lines for every connection it opens (one per worker thread).
        "pika": {"level": "WARNING"},
        # At DEBUG they would log URLs (a Telegram bot's token is in its path) and SOAP bodies.
        "urllib3": {"level": "WARNING"},
        "zeep": {"level": "WARNING"},
    },
}

SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default=ENVIRONMENT)
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)

# Production hardening; `manage.py check --deploy` must be clean with these.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=IS_PRODUCTION)
# Platform health checks probe over plain HTTP; a redirect would fail them (seed 000).
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^ready/$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if IS_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = IS_PRODUCTION
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=IS_PRODUCTION)
SESSION_COOKIE_SECURE = IS_PRODUCTION
CSRF_COOKIE_SECURE = IS_PRODUCTION
# The console (docs/console.md): its session cookie, and the map's tiles ("" for none).
CONSOLE_COOKIE_SECURE = env.bool("CONSOLE_COOKIE_SECURE", default=IS_PRODUCTION)
CONSOLE_TILE_URL = env.str("CONSOLE_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = CONSOLE_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

# Each app's own knobs, from its ``<app>/conf.py`` (a domain's settings live in its folder).
_apps = app_settings(INSTALLED_APPS, BASE_DIR)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(_apps.pop("ENUM_NAME_OVERRIDES"))  # type: ignore[attr-defined]
globals().update(_apps)

if IS_PRODUCTION:
    check_production(
        secret_key=SECRET_KEY, debug=DEBUG, allowed_hosts=ALLOWED_HOSTS, encryption_keys=FIELD_ENCRYPTION_KEYS
    )

if SENTRY_DSN:
    from core.observability import init_sentry

    init_sentry(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT, traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE)

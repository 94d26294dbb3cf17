"""Switchboard settings. Every value comes from the environment, with a default that works locally.

With no DATABASE_URL / REDIS_URL the hub runs embedded: SQLite in WAL mode and a Celery broker
on the filesystem. With them set it runs on PostgreSQL and Redis. The README's configuration
table lists every variable read here.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import env, fernet_keys, required_in_production, seconds_list
from config.logging import build_logging

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = required_in_production(
    "SECRET_KEY", debug=DEBUG, dev_default="dev-only-insecure-switchboard-secret-key"
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")

FIELD_ENCRYPTION_KEYS = fernet_keys("FIELD_ENCRYPTION_KEYS", debug=DEBUG, secret_key=SECRET_KEY)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_prometheus",
    "core",
    "tenants",
    "connectors",
    "webhooks",
    "crm_sync",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.RefuseNulInUrlMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.RequestContextMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'switchboard.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web, worker and beat processes read while one writes; IMMEDIATE takes the
    # write lock at BEGIN so concurrent writers wait (busy timeout) instead of failing mid-way.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        "transaction_mode": "IMMEDIATE",
        "timeout": env.int("SQLITE_BUSY_TIMEOUT_SECONDS", default=20),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int(
        "DB_CONNECT_TIMEOUT_SECONDS", default=5
    )
    # Django turns psycopg's prepared statements off unless asked. Its own cursors bind
    # client-side and never prepare; the receive path's insert binds server-side and does.
    # Off for a transaction-mode pooler that can't keep them (PgBouncer before 1.21).
    if env.bool("DB_PREPARED_STATEMENTS", default=True):
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, Celery ---------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
    | {"KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="switchboard")}
}

BROKER_DIR = DATA_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://localhost//")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(BROKER_DIR / "messages"),
        "data_folder_out": str(BROKER_DIR / "messages"),
        "control_folder": str(BROKER_DIR / "control"),
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {
        "socket_connect_timeout": 5,
        "socket_timeout": 10,
        # A broker that vanished without closing its sockets (a killed host, a dropped
        # route) is noticed by keepalives and a ping before reuse, not after minutes.
        "socket_keepalive": True,
        "health_check_interval": 10,
        "retry_on_timeout": True,
    }
)
if CELERY_BROKER_URL.startswith("filesystem"):
    for folder in ("messages", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker keeps reconnecting however long the broker is away (Celery gives up after 100
# attempts by default, about 50 minutes) and waits at most this long between attempts.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CONSUMER = "core.worker:Consumer"
BROKER_RECONNECT_MAX_INTERVAL_SECONDS = env.float(
    "BROKER_RECONNECT_MAX_INTERVAL_SECONDS", default=2.0
)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Keep worker DB connections across tasks; config/celery.py closes stale ones per task.
CELERY_DB_REUSE_MAX = 1000

# --- Auth, i18n, static -----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(DATA_DIR / "static")))
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG and SECURE_PROXY_SSL_HEADER is not None

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["tenants.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["tenants.permissions.HasTenantApiKey"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.StorableJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.CursorPagination",
    "PAGE_SIZE": env.int("API_PAGE_SIZE", default=50),
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Switchboard API",
    "DESCRIPTION": (
        "Integrations hub: inbound webhooks, CRM sync, connector calls, outbound webhooks."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status"; name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "ClientSyncStatusEnum": "crm_sync.models.SyncStatus",
        "SyncRunStatusEnum": "crm_sync.models.RunStatus",
        "ConflictStatusEnum": "crm_sync.models.ConflictStatus",
        "DeliveryStatusEnum": "webhooks.outbound.models.DeliveryStatus",
        "ActiveStatusEnum": "connectors.models.ConnectionStatus",
        "JobStatusEnum": "core.jobs.models.JobStatus",
    },
}

# --- Logging -----------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
if LOG_FORMAT not in {"json", "console"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'json' or 'console'.")
LOGGING = build_logging(json_logs=LOG_FORMAT == "json", level=LOG_LEVEL)

# --- Operations ---------------------------------------------------------------------------------
HEALTH_CHECK_TIMEOUT_SECONDS = env.float("HEALTH_CHECK_TIMEOUT_SECONDS", default=3.0)
# Workers refresh a heartbeat this often while consuming; /health calls them dead when the
# freshest is older than the maximum age.
WORKER_HEARTBEAT_INTERVAL_SECONDS = env.float("WORKER_HEARTBEAT_INTERVAL_SECONDS", default=5.0)
WORKER_HEARTBEAT_MAX_AGE_SECONDS = env.float("WORKER_HEARTBEAT_MAX_AGE_SECONDS", default=30.0)

# --- Background jobs ----------------------------------------------------------------------------
# A running job renews its lease with every chunk; one silent this long is resumed elsewhere.
JOB_LEASE_SECONDS = env.int("JOB_LEASE_SECONDS", default=60)
JOB_CHUNK_SIZE = env.int("JOB_CHUNK_SIZE", default=500)
JOB_SWEEP_INTERVAL_SECONDS = env.int("JOB_SWEEP_INTERVAL_SECONDS", default=15)

# --- Outbound webhooks ------------------------------------------------------------------------
# Seconds between attempts (with full jitter): ~1 day in all, like Svix. Attempts = len + 1.
OUTBOUND_RETRY_SCHEDULE = seconds_list(
    "OUTBOUND_RETRY_SCHEDULE", default="5,300,1800,7200,18000,36000,36000"
)
OUTBOUND_ALLOW_PRIVATE_TARGETS = env.bool("OUTBOUND_ALLOW_PRIVATE_TARGETS", default=DEBUG)
OUTBOUND_TIMEOUT_SECONDS = env.float("OUTBOUND_TIMEOUT_SECONDS", default=10.0)
OUTBOUND_RETRY_AFTER_MAX_SECONDS = env.int("OUTBOUND_RETRY_AFTER_MAX_SECONDS", default=6 * 3600)
OUTBOUND_SECRET_GRACE_SECONDS = env.int("OUTBOUND_SECRET_GRACE_SECONDS", default=24 * 3600)
OUTBOUND_DISABLE_AFTER_SECONDS = env.int("OUTBOUND_DISABLE_AFTER_SECONDS", default=5 * 86400)
OUTBOUND_CIRCUIT_FAILURE_THRESHOLD = env.int("OUTBOUND_CIRCUIT_FAILURE_THRESHOLD", default=5)
OUTBOUND_CIRCUIT_COOLDOWN_SECONDS = env.int("OUTBOUND_CIRCUIT_COOLDOWN_SECONDS", default=60)
OUTBOUND_LEASE_SECONDS = env.int("OUTBOUND_LEASE_SECONDS", default=90)
OUTBOUND_REENQUEUE_AFTER_SECONDS = env.int("OUTBOUND_REENQUEUE_AFTER_SECONDS", default=60)
OUTBOUND_SWEEP_INTERVAL_SECONDS = env.int("OUTBOUND_SWEEP_INTERVAL_SECONDS", default=5)
OUTBOUND_MAX_PAYLOAD_BYTES = env.int("OUTBOUND_MAX_PAYLOAD_BYTES", default=256 * 1024)
OUTBOUND_RESPONSE_BODY_LIMIT = env.int("OUTBOUND_RESPONSE_BODY_LIMIT", default=4096)

# --- Connector calls ----------------------------------------------------------------------------
# Where `make run` serves the sandbox providers, and where the demo tenant's connections point.
SANDBOX_URL = env.str("SANDBOX_URL", default="http://127.0.0.1:8900")
CONNECTOR_CALL_MAX_ATTEMPTS = env.int("CONNECTOR_CALL_MAX_ATTEMPTS", default=5)
CONNECTOR_CALL_BACKOFF_BASE_MS = env.int("CONNECTOR_CALL_BACKOFF_BASE_MS", default=250)
CONNECTOR_CALL_TIMEOUT_SECONDS = env.float("CONNECTOR_CALL_TIMEOUT_SECONDS", default=10.0)
CONNECTOR_CALL_RETRY_AFTER_MAX_SECONDS = env.int(
    "CONNECTOR_CALL_RETRY_AFTER_MAX_SECONDS", default=300
)
CONNECTOR_CALL_LEASE_SECONDS = env.int("CONNECTOR_CALL_LEASE_SECONDS", default=60)
CONNECTOR_BREAKER_WINDOW_SECONDS = env.int("CONNECTOR_BREAKER_WINDOW_SECONDS", default=60)
CONNECTOR_BREAKER_MIN_CALLS = env.int("CONNECTOR_BREAKER_MIN_CALLS", default=10)
CONNECTOR_BREAKER_FAILURE_RATE = env.float("CONNECTOR_BREAKER_FAILURE_RATE", default=0.5)
CONNECTOR_BREAKER_COOLDOWN_SECONDS = env.int("CONNECTOR_BREAKER_COOLDOWN_SECONDS", default=30)
CONNECTOR_BREAKER_HALF_OPEN_PROBES = env.int("CONNECTOR_BREAKER_HALF_OPEN_PROBES", default=2)

# --- Inbound webhooks --------------------------------------------------------------------------
WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS = env.int("WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS", default=300)
INBOUND_MAX_BODY_BYTES = env.int("INBOUND_MAX_BODY_BYTES", default=1024 * 1024)
# Bodies one client address may be sending a web process at once (0: no cap; behind a proxy
# that buffers request bodies every request comes from its address: set 0 and cap there).
INBOUND_MAX_BODY_READS_PER_CLIENT = env.int("INBOUND_MAX_BODY_READS_PER_CLIENT", default=2)
INBOUND_RATE_LIMIT_PER_SECOND = env.int("INBOUND_RATE_LIMIT_PER_SECOND", default=500)
INBOUND_REGISTRATION_CACHE_SECONDS = env.int("INBOUND_REGISTRATION_CACHE_SECONDS", default=30)
# After an inbound secret changes, how long the old one keeps verifying (0: not at all).
INBOUND_SECRET_GRACE_SECONDS = env.int("INBOUND_SECRET_GRACE_SECONDS", default=24 * 3600)
INBOUND_MAX_ATTEMPTS = env.int("INBOUND_MAX_ATTEMPTS", default=3)
# Concurrent receives of one process share an INSERT and its commit (webhooks/inbound/storing.py).
INBOUND_GROUP_COMMIT = env.bool("INBOUND_GROUP_COMMIT", default=True)
# Google's keys for Pub/Sub push tokens, a JWKS (v3) or PEM certificates by key id (v1); a
# setting so tests can serve their own.
GOOGLE_PUBSUB_CERTS_URL = env.str(
    "GOOGLE_PUBSUB_CERTS_URL", default="https://www.googleapis.com/oauth2/v3/certs"
)
# Seed 000's provider endpoint: its events' tenant (a slug), and a development-only bypass.
CONNECTOR_WEBHOOK_TENANT = env.str("CONNECTOR_WEBHOOK_TENANT", default="")
CONNECTOR_SIGNATURE_BYPASS = env.bool("CONNECTOR_SIGNATURE_BYPASS", default=False)

# --- CRM sync ----------------------------------------------------------------------------------
CRM_SYNC_SWEEP_INTERVAL_SECONDS = env.int("CRM_SYNC_SWEEP_INTERVAL_SECONDS", default=30)
CRM_SYNC_PUSH_SWEEP_AFTER_SECONDS = env.int("CRM_SYNC_PUSH_SWEEP_AFTER_SECONDS", default=60)
CRM_SYNC_RUN_LEASE_SECONDS = env.int("CRM_SYNC_RUN_LEASE_SECONDS", default=300)

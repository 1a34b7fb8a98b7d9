"""One settings module for every environment, switched by environment variables.

DATABASE_URL   default: a SQLite file under var/ (zero set-up demo)
REDIS_URL      Celery broker, result backend and cache; unset = tasks run in-process
DJANGO_SECRET_KEY, DJANGO_DEBUG, DJANGO_ALLOWED_HOSTS
TRUSTED_PROXIES  addresses/networks of our TLS proxy; unset = forwarded headers are ignored
SHOUCHUANG_PDF_FONT  the CJK TrueType font PDFs embed (default: Debian's fonts-wqy-microhei)
"""

import importlib.util
import ipaddress
import logging
import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SHOUCHUANG_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

log = logging.getLogger("shouchuang.settings")


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY",
    # Only ever used with DEBUG on: production refuses to start without a real key.
    "django-insecure-shouchuang-dev-only-key-do-not-use-in-production",
)
if not DEBUG and SECRET_KEY.startswith("django-insecure"):
    raise RuntimeError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
# The reverse proxies (the TLS terminator) whose X-Forwarded-For / X-Forwarded-Proto are
# believed, comma-separated addresses or networks (10.0.0.2, 172.18.0.0/16). Empty: nobody's;
# the TCP peer is the client and those headers are dropped (core.proxies).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy)  # strict, as gunicorn's --forwarded-allow-ips
    except ValueError:
        raise RuntimeError(f"TRUSTED_PROXIES: {_proxy!r} is not an address or network") from None
# Public base URL printed into QR labels and statement links.
SITE_URL = os.environ.get("SHOUCHUANG_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "core",
    "accounts",
    "jobs",
    "integrations",
    "workshops",
    "orders",
    "quality",
    "allocation",
    "payouts",
    "trainees",
    "stories",
    "sms",
    "django_ratelimit",
    "pages",
    "config.apps.ProjectConfig",
]

MIDDLEWARE = [
    # First: X-Forwarded-* from anyone but TRUSTED_PROXIES is dropped before anything reads it.
    "core.proxies.ForwardedHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files with hashed names and far-future cache headers (no CDN, no nginx needed).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and JSON compressed for slow links (Django ≥ 4.2 pads gzip against BREACH).
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Pages speak Chinese unless the person chose another language (the API follows
    # Accept-Language).
    "core.middleware.ChineseFirstPagesMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Inside LocaleMiddleware, so that their messages are in the request's language.
    "core.middleware.ApiErrorBodyMiddleware",
    "core.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The signed-in person's time zone (theirs, else their workshop's) for the pages' times.
    "workshops.middleware.LocalTimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lock-out into a response.
    "axes.middleware.AxesMiddleware",
]

# N+1 detector (django-zeal, dev extra): on in the test run, so that a page or API call that
# reads a relation per row fails its test. Each allowlisted entry says why it is not an N+1.
SHOUCHUANG_ZEAL = env_bool("SHOUCHUANG_ZEAL", "pytest" in sys.modules) and bool(
    importlib.util.find_spec("zeal")
)
if SHOUCHUANG_ZEAL:
    INSTALLED_APPS.append("zeal")
    # Outermost after the session and user are known: the whole request is one context.
    after_auth = MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
    MIDDLEWARE.insert(after_auth, "zeal.middleware.zeal_middleware")
    ZEAL_RAISE = True
    ZEAL_ALLOWLIST: list[dict[str, str]] = [
        {
            "model": "sessions.Session",
            "field": "get()",
            "why": "a request reads its own session once; a request that ends or cycles the "
            "session (sign-out everywhere, a new password, sign-in) reads the new one too. "
            "Not a read per row of a page.",
        },
        {
            "model": "orders.Batch",
            "field": "get()",
            "why": "orders.services.batch_transition reads back the one batch its guarded "
            "UPDATE moved (for the event row and the caller). Cancelling an order's or a "
            "merchant's chosen open batches loops over transitions on purpose: each batch wins "
            "or loses its own guarded UPDATE against a racing claim. Three queries a batch "
            "(UPDATE, read-back, event); a set-based cancel is the move if orders of "
            "thousands of batches are cancelled often (docs/scaling.md).",
        },
        {
            "model": "payouts.PayoutPeriod",
            "field": "get()",
            "why": "the admin's compute and approve actions run the period's service once "
            "for each selected period (payouts/admin.py _run_on_each): each is its own "
            "guarded transition and background job, read back by _transition. An operator "
            "selects a few periods; this is a loop of writes, not a read per row of a page.",
        },
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
                "pages.inbox.unread_count",
                "pages.i18n.language_review",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'shouchuang.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# Behind PgBouncer in transaction mode (docker-compose, and one CI pass) a connection is only
# ours for one transaction: no server-side cursors (they live across transactions). psycopg's
# client-side binding (Django's default) prepares nothing, so no prepared statements either.
DATABASE_POOLER = os.environ.get("DATABASE_POOLER", "")
if DATABASE_POOLER == "pgbouncer":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite: wait for a writer instead of failing at once ("database is locked").
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses locked-out credentials before they are checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not a rule: a new password, however it is set, revokes the user's bearer tokens at once.
    {"NAME": "accounts.auth.RevokeTokensOnPasswordChange"},
]
LOGIN_URL = "pages:login"
LOGIN_REDIRECT_URL = "pages:home"

# Login rate limiting (django-axes): per username and address, five failures lock for 15 min.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client's address, from X-Forwarded-For only behind a trusted proxy: otherwise every
# client behind the proxy would share one address and anyone could lock anyone out.
AXES_CLIENT_IP_CALLABLE = "core.proxies.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The pages' wrapper renders a locked-out page and defers to accounts.auth for the API.
AXES_LOCKOUT_CALLABLE = "pages.views.lockout_response"

# The household passbook (/p/<card>/, pages/passbook.py): wrong second factors before a card's
# passbook locks, for how long, and how many a client address may get wrong across cards.
PASSBOOK_MAX_FAILS = int(os.environ.get("PASSBOOK_MAX_FAILS", "5"))
PASSBOOK_LOCK_MINUTES = int(os.environ.get("PASSBOOK_LOCK_MINUTES", "30"))
PASSBOOK_ADDRESS_MAX_FAILS = int(os.environ.get("PASSBOOK_ADDRESS_MAX_FAILS", "20"))
PASSBOOK_SESSION_MINUTES = int(os.environ.get("PASSBOOK_SESSION_MINUTES", "15"))
# Payments no household confirmed this many days after they were paid go before the operator.
PAYMENT_CONFIRM_DAYS = int(os.environ.get("PAYMENT_CONFIRM_DAYS", "14"))
# A roster import's preview (workshops/services/imports.py) not confirmed this long expires: its
# rows (names, phones, accounts) are dropped and it must be uploaded again.
ROSTER_PREVIEW_TTL_HOURS = int(os.environ.get("ROSTER_PREVIEW_TTL_HOURS", "72"))

# Bearer tokens for phone clients.
# A one-time set-password link (an operator's new user, or a reset) works this long, once.
SET_PASSWORD_LINK_TTL = timedelta(hours=int(os.environ.get("SET_PASSWORD_LINK_TTL_HOURS", "72")))
PASSWORD_RESET_TIMEOUT = int(SET_PASSWORD_LINK_TTL.total_seconds())
API_TOKEN_TTL = timedelta(days=int(os.environ.get("API_TOKEN_TTL_DAYS", "30")))
API_TOKEN_PURGE_GRACE = timedelta(days=1)

LANGUAGE_CODE = "zh-hans"
# Each language is named in itself (the switch shows the name a reader of it recognises).
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English"), ("fr", "Français")]
# Catalogues made by machine and not yet read by a speaker of the language: every page in one of
# these shows a notice saying so (pages.i18n), and its .po carries "X-Review-Status: unreviewed".
# A reviewer removes the language here once the catalogue is reviewed (docs/i18n.md).
UNREVIEWED_LANGUAGES = ["fr"]
# Where readers report a wrong translation (the notice's mailto link).
TRANSLATION_FEEDBACK_EMAIL = os.environ.get("TRANSLATION_FEEDBACK_EMAIL", "i18n@shouchuang.org")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing root
STATICFILES_DIRS = [BASE_DIR / "static"]
# Hashed, compressed static files (collectstatic) when not in DEBUG; plain files in DEBUG and
# in tests, so that nothing needs collecting first. SHOUCHUANG_STATIC_MANIFEST=1 forces hashing.
STATIC_MANIFEST = env_bool("SHOUCHUANG_STATIC_MANIFEST", not DEBUG)
# Uploads: on disk (MEDIA_ROOT) by default; SHOUCHUANG_MEDIA_STORAGE=s3 keeps them in a private
# S3-compatible bucket (MinIO in docker-compose; django-storages, the `s3` extra), shared by
# every web replica and worker. Nobody is given bucket URLs: pages.media checks who may see each
# file and streams it.
MEDIA_STORAGE = os.environ.get("SHOUCHUANG_MEDIA_STORAGE", "filesystem")
if MEDIA_STORAGE == "s3":
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("SHOUCHUANG_S3_BUCKET", "shouchuang-media"),
            "endpoint_url": os.environ.get("SHOUCHUANG_S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("SHOUCHUANG_S3_ACCESS_KEY", ""),
            "secret_key": os.environ.get("SHOUCHUANG_S3_SECRET_KEY", ""),
            "region_name": os.environ.get("SHOUCHUANG_S3_REGION", "us-east-1"),
            "addressing_style": "path",
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# The CJK font embedded (as a subset) in every PDF: statements, label sheets (core.pdf_fonts).
# Debian's fonts-wqy-microhei by default (the Dockerfile, .ci/run and scripts/demo install it).
PDF_CJK_FONT = os.environ.get(
    "SHOUCHUANG_PDF_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
)
PDF_CJK_FONT_INDEX = int(os.environ.get("SHOUCHUANG_PDF_FONT_INDEX", "0"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("SHOUCHUANG_MEDIA_ROOT", VAR_DIR / "media"))
# Uploads are answered by pages.media after their app's check. Set to the path of an nginx
# `internal` location over MEDIA_ROOT (e.g. /protected-media/) to let the web server send them.
MEDIA_ACCEL_REDIRECT_PREFIX = os.environ.get("SHOUCHUANG_MEDIA_ACCEL_REDIRECT_PREFIX", "")

# --- Redis: Celery and the cache -------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")

# The longest task (a 10,000-label PDF, a 5-million-piece payout period) runs for minutes;
# the hard limit stops a stuck one, and Redis's visibility timeout stays above it so an
# unacknowledged task is not handed to a second worker while the first still runs it.
CELERY_TASK_SOFT_TIME_LIMIT = 15 * 60
CELERY_TASK_TIME_LIMIT = 20 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = timedelta(days=2)
CELERY_TASK_TRACK_STARTED = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "purge-expired-api-tokens": {
        "task": "accounts.tasks.api_token_purge_expired_task",
        "schedule": timedelta(hours=6),
    },
    # Claimed batches whose materials never arrived go back to open (orders).
    "release-expired-batch-claims": {
        "task": "orders.tasks.batch_claims_expire_task",
        "schedule": timedelta(minutes=30),
    },
    # Sample photos kept for an order form that was never sent again (orders).
    "purge-pending-order-photos": {
        "task": "orders.tasks.pending_photos_purge_task",
        "schedule": timedelta(hours=1),
    },
    # Webhook deliveries due (a retry whose countdown was lost, a killed attempt) (integrations).
    "send-due-webhook-deliveries": {
        "task": "integrations.tasks.webhook_deliveries_sweep_task",
        "schedule": timedelta(minutes=1),
    },
    # Roster previews never confirmed lose their rows (people's personal values) (workshops).
    "expire-roster-previews": {
        "task": "workshops.tasks.roster_previews_expire_task",
        "schedule": timedelta(hours=1),
    },
    # Running jobs whose worker died (OOM, a lost node) are sent again or given up (jobs).
    "reap-stalled-jobs": {
        "task": "jobs.tasks.jobs_reap_stalled_task",
        "schedule": timedelta(minutes=1),
    },
    # The scan events' monthly partitions, made months ahead (quality/partitions.py).
    "make-scan-partitions": {
        "task": "quality.tasks.scan_partitions_ensure_task",
        "schedule": timedelta(days=1),
    },
}

# --- Webhooks (integrations/) ----------------------------------------------------------------
# Attempts per delivery; the wait after the n-th failure is BACKOFF × 2^(n−1) seconds (capped at
# 6 hours); an endpoint is switched off after this many failed attempts in a row.
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "8"))
WEBHOOK_BACKOFF_SECONDS = int(os.environ.get("WEBHOOK_BACKOFF_SECONDS", "30"))
WEBHOOK_DISABLE_AFTER_FAILURES = int(os.environ.get("WEBHOOK_DISABLE_AFTER_FAILURES", "10"))
WEBHOOK_TIMEOUT_SECONDS = int(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))
# Only for tests (a receiver on the loopback; a test's Celery worker gets it by the environment):
# never call a private address otherwise (SSRF). Refused outside DEBUG.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = os.environ.get("SHOUCHUANG_TEST_PRIVATE_WEBHOOKS") == "1"
if WEBHOOK_ALLOW_PRIVATE_ADDRESSES and not DEBUG:
    raise RuntimeError("SHOUCHUANG_TEST_PRIVATE_WEBHOOKS is for tests only (DJANGO_DEBUG=1)")

# --- Background jobs (jobs/) -----------------------------------------------------------------
# A running job whose heartbeat (every progress step, seconds apart) is older than this lost
# its worker: the reaper sends its task again, up to JOB_MAX_ATTEMPTS runs, then gives it up.
JOB_STALLED_AFTER = timedelta(seconds=int(os.environ.get("JOB_STALLED_AFTER_SECONDS", "180")))
JOB_MAX_ATTEMPTS = int(os.environ.get("JOB_MAX_ATTEMPTS", "3"))
# Fault tests only: seconds each progress step sleeps, so that a worker can be killed mid-way.
JOB_STEP_DELAY = float(os.environ.get("SHOUCHUANG_JOB_STEP_DELAY", "0"))
# Payouts: workshops per compute transaction, households per approval transaction.
PAYOUT_COMPUTE_CHUNK_WORKSHOPS = int(os.environ.get("PAYOUT_COMPUTE_CHUNK_WORKSHOPS", "100"))
PAYOUT_APPROVE_CHUNK_HOUSEHOLDS = int(os.environ.get("PAYOUT_APPROVE_CHUNK_HOUSEHOLDS", "5000"))

# --- Orders: claims, photos, notifications -----------------------------------------------
# A claimed batch whose materials are not received within this many hours reopens.
BATCH_CLAIM_TTL_HOURS = int(os.environ.get("BATCH_CLAIM_TTL_HOURS", "72"))
# The lead is warned once when this many hours of the claim are left.
BATCH_CLAIM_WARN_HOURS = int(os.environ.get("BATCH_CLAIM_WARN_HOURS", "24"))
ORDER_PHOTO_MAX_BYTES = int(os.environ.get("ORDER_PHOTO_MAX_BYTES", str(8 * 1024 * 1024)))
# A photo chosen on the order form is kept this long for the form's next post (fair-pay step).
PENDING_PHOTO_TTL_HOURS = int(os.environ.get("PENDING_PHOTO_TTL_HOURS", "24"))
# Notices to people (accounts.notifications): log by default, or an HTTP SMS gateway.
NOTIFIER_BACKEND = os.environ.get("NOTIFIER_BACKEND", "accounts.notifications.LogBackend")
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")
SMS_GATEWAY_SIGN = os.environ.get("SMS_GATEWAY_SIGN", "手创")
SMS_GATEWAY_TIMEOUT = float(os.environ.get("SMS_GATEWAY_TIMEOUT", "5"))
# Texts in (sms app): the gateway signs each post with this shared secret (HMAC-SHA256 over
# timestamp and body). Unset with DJANGO_DEBUG=0: every inbound post is refused.
SMS_INBOUND_SECRET = os.environ.get("SMS_INBOUND_SECRET", "dev-only-sms-secret" if DEBUG else "")
# A signed post older or newer than this is refused (its message id is remembered for good).
SMS_INBOUND_MAX_SKEW_SECONDS = int(os.environ.get("SMS_INBOUND_MAX_SKEW_SECONDS", "300"))
# Texts one number may send (django-ratelimit's count/period, e.g. "10/10m").
SMS_INBOUND_RATE = os.environ.get("SMS_INBOUND_RATE", "10/10m")

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "shouchuang",
        }
    }
    # django-ratelimit (the SMS per-number limit) lists django-redis, not Django's own Redis
    # cache, as supported; Django's RedisCache does what it needs (add, then an atomic INCRBY).
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
    # Page sessions read from the shared cache, written through to the database: a page saves
    # its session query (one of the four every signed-in page pays). Ending sessions stays the
    # auth hash's job (sign-out everywhere raises the epoch), so a cached session ends as well.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    # Zero set-up: no broker, so background tasks run in-process when they are sent.
    CELERY_BROKER_URL = "memory://localhost/"  # with a host: kombu warns of none otherwise
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # django-ratelimit (the SMS per-number limit) refuses a per-process cache as not shared
    # between processes: true, and without Redis there is one process (runserver, the tests).
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001", "django_ratelimit.E003"]

# --- Production hardening (DJANGO_DEBUG=0) ---------------------------------------------
if not DEBUG:
    # Believed only from TRUSTED_PROXIES: core.proxies drops the header from anyone else.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container health check speaks plain HTTP
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REFERRER_POLICY = "same-origin"
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # runserver prints its own "Watching for file changes" line already.
        "django.utils.autoreload": {"level": "WARNING"},
    },
}

"""Settings shared by every mode, read from the environment.

With nothing set this is the *embedded default*: SQLite in ``var/`` and a Celery
broker on the local filesystem, so a fresh machine runs web and worker with no
services. ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis.
"""
import datetime
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
# Development-only key; production.py refuses to start without SECRET_KEY.
SECRET_KEY = env.str("SECRET_KEY", default="insecure-dev-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_celery_beat",
    "core",
    "accounts",
    "webhooks",
    "services",
    "inspections",
    "findings",
    "public",
    "campaign",
]

MIDDLEWARE = [
    # First, so that it sees every answer: errors under /api/ are JSON even with DEBUG on.
    "chizhou_walkthrough.middleware.ApiJsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # The input boundary: NUL, lone surrogates, out-of-range dates in a query or a form → 400
    # (after LocaleMiddleware, so the answer is in the person's language).
    "chizhou_walkthrough.middleware.InputBoundaryMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "chizhou_walkthrough.urls"
WSGI_APPLICATION = "chizhou_walkthrough.wsgi.application"

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
                "chizhou_walkthrough.navigation.navigation",
            ],
            "builtins": ["core.template_tags"],
        },
    },
]

# --- Database ---------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web and worker are two processes on one file: wait for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_db.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # After a PostgreSQL restart the first request reconnects instead of failing.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out username/address pairs
    "django.contrib.auth.backends.ModelBackend",
]
# Lock a username from one address after repeated failures. Locking a username alone would let
# anyone lock a head out; locking an address alone would lock a whole bureau behind one NAT.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# And an address alone, across usernames, after many more failures (one address trying name after
# name); a bureau's NAT makes fewer than that in half an hour (accounts/lockout.py).
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=50)
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failure kept as a row, with time and address
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind N reverse proxies set PROXY_COUNT=N so the address comes from X-Forwarded-For (the N-th
# from the right, the one the nearest proxy saw); with 0 it is never read, since anyone can send it.
# One rule for the login lockout and the API throttles (REST_FRAMEWORK["NUM_PROXIES"]).
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Reports: the issuing body on the masthead and the document-number prefix (another city sets its own).
REPORT_ISSUER = env.str("REPORT_ISSUER", default="池州市创建一流营商环境工作领导小组办公室")
REPORT_NUMBER_PREFIX = env.str("REPORT_NUMBER_PREFIX", default="池营商办")
# 发文字号 per kind of report, numbered consecutively per issuer, kind and year (docs/reports.md):
# {prefix} is REPORT_NUMBER_PREFIX, {year} the year of issue, {number} the serial. The 整改通知书 is a
# 通知 and the 督查通报 a 通报, each with its own 代字 so that no two documents share a number; a kind
# left out (the walk record and the ledger, which are records, not 公文) is printed without one.
REPORT_NUMBER_FORMATS = {
    "department": env.str("REPORT_NUMBER_FORMAT_DEPARTMENT", default="{prefix}〔{year}〕{number}号"),
    "bulletin": env.str("REPORT_NUMBER_FORMAT_BULLETIN", default="{prefix}通〔{year}〕{number}号"),
}
# 主送 and 抄送 of the numbered reports, and the 印发机关 of the 版记 (default: the issuer).
REPORT_BULLETIN_RECIPIENTS = env.str("REPORT_BULLETIN_RECIPIENTS", default="各县（区）人民政府，市直各有关单位")
REPORT_COPY_TO = env.str("REPORT_COPY_TO", default="市委办公室，市人大常委会办公室，市政府办公室，市政协办公室")
REPORT_PRINTER = env.str("REPORT_PRINTER", default="")
# Runs of one report (killed, timed out, or failed) before it is marked failed with the reason.
REPORT_MAX_ATTEMPTS = env.int("REPORT_MAX_ATTEMPTS", default=3)
# The ledger (整改台账) is rendered in pieces of at most this many rows, each a worker task of its own
# (run in parallel by as many workers as there are), then joined into one PDF (docs/reports.md).
REPORT_LEDGER_CHUNK_ROWS = env.int("REPORT_LEDGER_CHUNK_ROWS", default=500)
# Appeals (申诉): a department may dispute a finding within this many working days of its assignment.
APPEAL_WORKING_DAYS = env.int("APPEAL_WORKING_DAYS", default=5)
# Webhooks: seconds between a failed delivery and its next attempt (then it is failed: about a day),
# the timeout of one attempt, and whether loopback, private and link-local targets may be used.
WEBHOOK_RETRY_DELAYS = env.list("WEBHOOK_RETRY_DELAYS", cast=int, default=[60, 300, 1800, 3600, 7200, 14400, 21600, 43200])
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)

# The public page (局长陪您办): submissions and status lookups per address per window.
PUBLIC_RATE_LIMIT = env.int("PUBLIC_RATE_LIMIT", default=30)
PUBLIC_RATE_WINDOW = env.int("PUBLIC_RATE_WINDOW", default=3600)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)  # one working day, then log in again

# --- Language and time ----------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files -----------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing folder
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Uploads are never served from MEDIA_URL directly: downloads go through views that check permission.
MEDIA_URL = "/media-not-served/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads stream to a temporary file
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
# A photo's pixels, checked before it is decoded: a 17 KB PNG can hold 144 million (430 MB decoded).
EVIDENCE_MAX_PIXELS = env.int("EVIDENCE_MAX_PIXELS", default=50_000_000)
# First, the size limit: a request declaring more than it may carry is refused before its file is read.
FILE_UPLOAD_HANDLERS = [
    "core.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
CATALOG_IMPORT_MAX_BYTES = env.int("CATALOG_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Content-hashed names (css/site.3f2a….css) compressed ahead (gzip + brotli), from `collectstatic`:
    # whitenoise serves a hashed name with "Cache-Control: max-age=315360000, public, immutable",
    # so a phone keeps it for good and never revalidates it. With DEBUG on, names stay plain and
    # files come from the source folders (no collectstatic needed to develop). STATICFILES_BACKEND
    # switches it off (bench/walk_page.py measures the plain storage as "before" this way).
    "staticfiles": {"BACKEND": env.str("STATICFILES_BACKEND", default="whitenoise.storage.CompressedManifestStaticFilesStorage")},
}
# The fonts of static/fonts are read by WeasyPrint from the source folder, never by a browser: not
# compressed (brotli on their 27 MB took most of `collectstatic`'s two minutes).
from whitenoise.compress import Compressor as _Compressor  # noqa: E402

WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*_Compressor.SKIP_COMPRESS_EXTENSIONS, "otf", "ttf")
if env.str("S3_BUCKET", default=""):
    # S3-compatible storage for uploads and reports, shared by every machine (needs django-storages).
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": env.str("S3_BUCKET"), "endpoint_url": env.str("S3_ENDPOINT_URL", default=None)},
    }

# --- E-mail -----------------------------------------------------------------------------------
# EMAIL_URL like smtp+tls://user:password@smtp.example.org:587; by default mail goes to the log.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="局长走流程 <noreply@chizhou.gov.cn>")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Cache ------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # The cache gets its own Redis database (the broker's + 1), so that clearing it never
    # drops queued tasks. CACHE_URL overrides.
    from urllib.parse import urlsplit, urlunsplit

    _parts = urlsplit(REDIS_URL)
    _broker_db = int((_parts.path or "/0").strip("/") or 0)
    CACHE_URL = env.str("CACHE_URL", default=urlunsplit(_parts._replace(path=f"/{_broker_db + 1}")))
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ---------------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # An unacknowledged task (its worker died) goes back to the queue after this long; it must be
    # longer than the longest task. Reports are also rescued sooner by their sweep.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    # kombu's filesystem transport: a real broker that needs no server (one machine only).
    _broker_dir = Path(env.str("CELERY_FILESYSTEM_BROKER_DIR", default=str(VAR_DIR / "broker")))
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # otherwise it lands in the working directory
        "store_processed": False,
    }
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="chizhou")
CELERY_TASK_IGNORE_RESULT = True  # task outcomes live in our own tables
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 10 * 60
CELERY_TASK_TIME_LIMIT = 11 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that queues a task must not hang on a dead broker: try briefly, then give up —
# what must not be lost (reports, imports) is already a row that the sweeps queue again.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes "no credentials" a 401, as docs/api.md says.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.permissions.ApiRoleReadOnly",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.AnonymousRateThrottle",
        "core.api.TokenRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="1200/minute"),
        "auth": env.str("API_THROTTLE_AUTH", default="20/minute"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # The throttles' address: X-Forwarded-For only behind PROXY_COUNT proxies (None would trust it always).
    "NUM_PROXIES": PROXY_COUNT,
    # JSON with a size and depth limit, no NUL or lone surrogate (core/api.py).
    "DEFAULT_PARSER_CLASSES": [
        "core.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DATETIME_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "局长走流程 API",
    "DESCRIPTION": "Chizhou walkthrough campaign: catalog, walkthroughs, findings and reports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status" or "kind": name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "WalkthroughStatusEnum": "inspections.models.Status",
        "EventKindEnum": "inspections.models.EventKind",
        "FindingStatusEnum": "findings.models.FindingStatus",
        "DepartmentLevelEnum": "services.models.DepartmentLevel",
        "ReportKindEnum": "findings.models.ReportKind",
        "ReportStatusEnum": "findings.models.ReportStatus",
        "PublicRequestKindEnum": "public.models.PublicRequestKind",
        "PublicRequestStatusEnum": "public.models.PublicRequestStatus",
        "NotificationEventEnum": "findings.models.NotificationEvent",
        "TimelineKindEnum": "findings.timeline.KIND_CHOICES",
        "CertificateProblemKindEnum": "findings.certificate_api.KINDS",
    },
    # Swagger UI served from our own static files (drf-spectacular-sidecar): no CDN, CSP-clean.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.idempotency_key_in_schema",
    ],
}

# --- Security headers (all modes) ---------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): our own scripts and styles only, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "chizhou.auth": {"level": "INFO"},
        # WeasyPrint's layout steps and fontTools' subsetting say a line per step of every PDF.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
if CELERY_BROKER_URL == "filesystem://":
    # The embedded broker has no host, and kombu warns "No hostname was supplied" on every connection.
    LOGGING["loggers"]["kombu.connection"] = {"level": "ERROR"}
# A worker started with WORKER_LOG_FILE set logs there instead of to stderr: appended, rotated by size
# (chizhou_walkthrough/celery.py). For one worker process (bin/run's --pool=solo); compose logs to stdout.
WORKER_LOG_FILE = env.str("WORKER_LOG_FILE", default="")
WORKER_LOG_MAX_BYTES = env.int("WORKER_LOG_MAX_BYTES", default=10 * 1024 * 1024)
WORKER_LOG_BACKUP_COUNT = env.int("WORKER_LOG_BACKUP_COUNT", default=5)

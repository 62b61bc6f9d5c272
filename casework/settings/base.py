"""Settings shared by every environment.

Everything that differs between machines comes from the environment (django-environ), with
defaults that let a fresh checkout run: an embedded PostgreSQL under ``.data/`` (see
``scripts/devstack.py``) and kombu's ``filesystem://`` broker under ``.data/broker/``.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

from casework.secret_key import DEVELOPMENT_SECRET_KEY

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = BASE_DIR / ".data"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# "development", "test" or "production"; commands that must never touch real data
# (load_demo) check it.
ENVIRONMENT = "development"


def local_secret_key() -> str | None:
    """The random key ``scripts/devstack.py`` wrote for this checkout (make run, make db, make bench)."""
    key_file = DATA_DIR / "secret_key"
    return (key_file.read_text().strip() or None) if key_file.exists() else None


# Production sets SECRET_KEY. Without it: this checkout's key, else the public development key, with
# which the WSGI/ASGI entry points and Celery refuse to start unless DEBUG is on (casework/secret_key.py).
SECRET_KEY = env("SECRET_KEY", default="") or local_secret_key() or DEVELOPMENT_SECRET_KEY
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])


def embedded_database_url() -> str | None:
    """The URL the embedded server wrote when it started (``scripts/devstack.py db-start``)."""
    url_file = DATA_DIR / "database_url"
    return url_file.read_text().strip() if url_file.exists() else None


# No database configured: commands that need none (check, makemigrations --check, help) still run;
# the first connection fails naming the fix, and the system check core.W001 says it up front.
NO_DATABASE_HOST = "no-database-set-database-url-or-run-make-db.invalid"
DATABASE_URL = env("DATABASE_URL", default=None) or embedded_database_url()
DATABASES = {"default": env.db_url_config(DATABASE_URL or f"postgresql://casework@{NO_DATABASE_HOST}/casework")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("TEST", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "simple_history",
    "axes",
    "django_celery_results",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from our own static files (no CDN)
    "oauth2_provider",  # the API's system clients: OAuth2 client credentials (api/oauth.py)
    # Our apps, lowest layer first (dependencies point up this list only).
    "core",
    "geography",
    "accounts",
    "privacy",
    "households",
    "beneficiaries",
    "povertyreview",
    "disbursements",
    "support",
    "notifications",
    # The top floor: may import every app above, and nothing imports them (reports reads, demo writes
    # the demo data and the synthetic households).
    "reports",
    # The API for other systems: reads through the apps' selectors and access doors, writes through
    # their services; nothing imports it but the demo.
    "api",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
    # A NUL character in a query value is a 400 before any view reads it (PostgreSQL cannot hold one).
    "core.middleware.NulCharacterMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must be last: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "casework.urls"
WSGI_APPLICATION = "casework.wsgi.application"

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
                "core.context_processors.navigation",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions end after a working day of inactivity, and when the browser closes
# (shared office computers are common).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Login throttling (accounts/lockout.py): a username is locked after AXES_FAILURE_LIMIT failed logins
# from any addresses, and a client address after LOGIN_ADDRESS_FAILURE_LIMIT failed logins on any
# usernames (password spraying), each for AXES_COOLOFF_HOURS after the last failure.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_VERBOSE = False
# The client address (core/client_ip.py): X-Forwarded-For is believed only from these reverse proxies
# (addresses or networks, comma-separated); from anyone else the connection's own address counts.
# Empty in development (no proxy); production defaults to the local proxy (127.0.0.1, ::1).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"

# Content-Security-Policy (django-csp): scripts, styles, images, fonts and requests from this site only.
# No inline script and no inline style anywhere: templates use classes (static/css/casework.css) and
# static/js/casework.js; htmx is told not to inject its indicator style nor to eval (base.html).
# Images also from data: URIs, which Bootstrap's CSS uses for its form icons; the SVG charts are inline
# markup and need nothing more. Pages cannot be framed, nor forms posted elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Browser features no page uses (core/middleware.py sends it); Referrer-Policy (same-origin),
# X-Content-Type-Options and X-Frame-Options (DENY) are Django's defaults, kept.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=()"
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "vi"
# Our additions to Django's locale formats (Vietnamese groups thousands: 1.234.567).
FORMAT_MODULE_PATH = ["casework.formats"]
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(DATA_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(DATA_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Issue 16: as in production, `make run` (DEBUG off) serves static files under hashed names,
    # compressed (gzip and Brotli) and cached for a year by WhiteNoise; collectstatic must have run,
    # as `make run` does. With DJANGO_DEBUG=1 they are served as they are, from static/.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- The API (issue 18, api/) ------------------------------------------------------------
# JSON only (the browsable API's pages would need inline scripts the CSP refuses). The actor of a call
# is a system client's service account (an OAuth2 bearer token, client-credentials grant: api/oauth.py),
# else the signed-in user (session, CSRF on unsafe methods). The token comes first, so a call with
# neither is a 401 whose challenge says Bearer.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.OAuth2Authentication",
        "api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.IsActor"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # drf-spectacular's, adding what every write shares (the Idempotency-Key header, its 409 and 422).
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.problem_details_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "casework API",
    "DESCRIPTION": "Households, persons and admin units of the user's communes, scoped and masked as the pages.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.empty_query_values"],
    # The token endpoint of the system clients (the scopes come from api.permissions.SCOPES through
    # the scopes backend, api/oauth.py).
    "OAUTH2_FLOWS": ["clientCredentials"],
    "OAUTH2_TOKEN_URL": "/api/v1/oauth/token/",
    # Several choice sets share a field name ("status", "method"): each gets its own component name. A
    # member's relationship read (any) and written (not the head: "change head" does that), a
    # disability level read (maybe masked) and written.
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "beneficiaries.models.Case.Status",
        "PaymentMethodEnum": "beneficiaries.models.PaymentMethod",
        "SupportRecordStatusEnum": "support.models.Record.Status",
        "ListedStatusEnum": ["poor", "near_poor"],
        "RunStatusEnum": "disbursements.models.Run.Status",
        "RunLineStatusEnum": "disbursements.models.RunLine.Status",
        "ReportedStatusEnum": "api.serializers.runs.REPORTED_STATUSES",
        "SpdciRequestStatusEnum": "api.serializers.spdci.REQUEST_STATUSES",
        "SpdciSexEnum": "api.serializers.spdci.SPDCI_SEX",
        "RelationshipEnum": "households.models.Relationship",
        "SexEnum": "households.models.Sex",
        "NonHeadRelationshipEnum": "api.serializers.registry_writes.NON_HEAD_RELATIONSHIPS",
        "DisabilityLevelEnum": "households.models.DisabilityLevel",
        "DisabilityLevelShownEnum": "api.serializers.common.DISABILITY_LEVELS_SHOWN",
    },
}
# The API keeps the answer to a write sent with an Idempotency-Key this many hours (api.idempotency):
# a retry within them is answered, not done again; beat deletes older ones daily at 03:45.
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=24)
# The OAuth2 server of the system clients (django-oauth-toolkit): client credentials only, each client
# an ApiClient (api/models.py) whose token carries no scope it was not granted and acts as its service
# account. Secrets are stored hashed (shown once); tokens expire after ACCESS_TOKEN_EXPIRE_SECONDS.
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("API_ACCESS_TOKEN_EXPIRE_SECONDS", default=3600),
    "OAUTH2_VALIDATOR_CLASS": "api.oauth.ClientValidator",
    "SCOPES_BACKEND_CLASS": "api.oauth.ClientScopes",
    "PKCE_REQUIRED": True,
    # oauthlib's server of the client-credentials grant alone (with revocation): no password grant, so
    # the token endpoint can never be used to try staff passwords.
    "OAUTH2_SERVER_CLASS": "oauthlib.oauth2.BackendApplicationServer",
    # RFC 9700 (the OAuth 2.0 security BCP), every gate the toolkit has: no implicit or password grant,
    # no PKCE "plain", no token in a URL, the `iss` parameter, tokens kept as checksums only (a database
    # dump holds no usable token), refresh-token replay detection, https redirect URIs only.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
# The toolkit's application model, named for the migrations of the model that points at it (api.ApiClient).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"

# --- Celery -------------------------------------------------------------------------------
# Redis (or any kombu URL) when CELERY_BROKER_URL is set; otherwise kombu's filesystem
# transport under .data/broker/, so a real worker process runs even on a bare laptop.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
BROKER_DATA_DIR = Path(env("CELERY_BROKER_DIR", default=str(DATA_DIR / "broker")))
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DATA_DIR / "queue"),
        "data_folder_out": str(BROKER_DATA_DIR / "queue"),
        "processed_folder": str(BROKER_DATA_DIR / "processed"),
        "control_folder": str(BROKER_DATA_DIR / "control"),
        "store_processed": False,
    }
    # The filesystem transport has no fan-out exchange: no remote control, mingle or gossip.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
    for _folder in ("queue", "processed", "control"):
        (BROKER_DATA_DIR / _folder).mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE = {
    "core.worker_heartbeat": {"task": "core.worker_heartbeat", "schedule": 60.0},
    # Hourly: on DISBURSEMENT_PREPARE_DAY, prepare next month's run of every commune with cases
    # (idempotent: a run that exists is left alone); resume runs left half prepared; remind chairs.
    "disbursements.schedule": {"task": "disbursements.schedule", "schedule": 3600.0},
    # Every minute: send messages that fell due (after quiet hours, retries), re-send lost tasks.
    "notifications.dispatch_due": {"task": "notifications.dispatch_due", "schedule": 60.0},
    # The province dashboards' figures, kept warm in the shared cache (reports/snapshots.py).
    "reports.refresh_province_dashboards": {
        "task": "reports.refresh_province_dashboards",
        "schedule": float(env.int("REPORTS_DASHBOARD_REFRESH_SECONDS", default=240)),
    },
    # Daily at 00:30: the health-insurance coverage of the month that has just closed, stored once per
    # commune (reports/closed_months.py); the dashboards then count only the month that runs.
    "reports.close_coverage_months": {"task": "reports.close_coverage_months", "schedule": crontab(hour=0, minute=30)},
    # Daily at 03:00: finished export jobs older than REPORTS_EXPORT_KEEP_DAYS go, with their files.
    "reports.purge_export_jobs": {"task": "reports.purge_export_jobs", "schedule": crontab(hour=3, minute=0)},
    # Daily at 03:30: personal-data access records older than PERSONAL_DATA_ACCESS_RETENTION_DAYS go.
    "privacy.purge_access_records": {"task": "privacy.purge_access_records", "schedule": crontab(hour=3, minute=30)},
    # Daily at 03:45: the API's kept answers to keyed writes older than IDEMPOTENCY_KEY_HOURS go.
    "api.purge_idempotent_requests": {"task": "api.purge_idempotent_requests", "schedule": crontab(hour=3, minute=45)},
    "api.clear_expired_tokens": {"task": "api.clear_expired_tokens", "schedule": crontab(hour=3, minute=50)},
    # Daily at 08:00 local time: health-insurance renewal reminders (a second run sends nothing).
    "notifications.send_health_insurance_reminders": {
        "task": "notifications.send_health_insurance_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs every page it lays out at INFO.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}

# A worker that has not reported for this many seconds makes /healthz answer 503.
WORKER_HEARTBEAT_MAX_AGE = env.int("WORKER_HEARTBEAT_MAX_AGE", default=0)

# Poverty review: days a complaint's answer is due after receipt. The legal deadline for answering
# complaints about the posted list was not confirmed (legal-reference.md §3.2): set it here.
POVERTY_REVIEW_COMPLAINT_DAYS = env.int("POVERTY_REVIEW_COMPLAINT_DAYS", default=10)

# Payment runs: the day of the month next month's runs are prepared by beat (funds must reach the
# payer before the 25th: NĐ 20 Art. 34), and how many cases one Celery batch computes and writes.
# 20,000: most communes are one batch (the engine's reads and the commit are paid once per batch;
# bench/README.md); a batch holds its run FOR SHARE while it works, so a cancel waits for it.
DISBURSEMENT_PREPARE_DAY = env.int("DISBURSEMENT_PREPARE_DAY", default=15)
DISBURSEMENT_BATCH_SIZE = env.int("DISBURSEMENT_BATCH_SIZE", default=20000)
# Arrears of more than this many months are flagged to the chair who confirms an imported list or
# approves a run (a case owed years back is worth a second look before the money goes).
ALLOWANCE_ARREARS_WARN_MONTHS = env.int("ALLOWANCE_ARREARS_WARN_MONTHS", default=3)

# --- Notifications (issue 9) --------------------------------------------------------------
# A backend per channel, like EMAIL_BACKEND: a dotted path, or {"BACKEND": path, "OPTIONS": {...}}.
# Development and tests print to the console (or write JSON lines with the file backend); see
# notifications/backends/http_sms.py and zalo.py for the gateways' OPTIONS.
NOTIFICATION_BACKENDS = {
    "sms": {
        "BACKEND": env("NOTIFICATION_SMS_BACKEND", default="notifications.backends.console.ConsoleBackend"),
        "OPTIONS": env.json("NOTIFICATION_SMS_OPTIONS", default={}),
    },
    "zalo": {
        "BACKEND": env("NOTIFICATION_ZALO_BACKEND", default="notifications.backends.console.ConsoleBackend"),
        "OPTIONS": env.json("NOTIFICATION_ZALO_OPTIONS", default={}),
    },
    "email": {
        "BACKEND": env("NOTIFICATION_EMAIL_BACKEND", default="notifications.backends.console.ConsoleBackend"),
        "OPTIONS": env.json("NOTIFICATION_EMAIL_OPTIONS", default={}),
    },
}
NOTIFICATION_FILE_DIR = Path(env("NOTIFICATION_FILE_DIR", default=str(DATA_DIR / "messages")))
# The shared secret a gateway's delivery reports carry, in the X-Webhook-Secret header only (a secret
# in the URL would be written to access logs);
# empty: every report is refused. A backend's OPTIONS["webhook_secret"] overrides it.
NOTIFICATION_WEBHOOK_SECRET = env("NOTIFICATION_WEBHOOK_SECRET", default="")
# No SMS or Zalo message between these local times (Asia/Ho_Chi_Minh); they wait for the morning.
NOTIFICATION_QUIET_START = env("NOTIFICATION_QUIET_START", default="21:00")
NOTIFICATION_QUIET_END = env("NOTIFICATION_QUIET_END", default="07:00")
NOTIFICATION_QUIET_CHANNELS = env.list("NOTIFICATION_QUIET_CHANNELS", default=["sms", "zalo"])
# Messages per second per gateway (also the burst), shared by every worker; 0 = no limit.
NOTIFICATION_RATE_LIMITS = {
    "sms": env.float("NOTIFICATION_SMS_RATE", default=10.0),
    "zalo": env.float("NOTIFICATION_ZALO_RATE", default=10.0),
    "email": env.float("NOTIFICATION_EMAIL_RATE", default=5.0),
}
# A worker waits up to this many seconds for a token before it reschedules the message.
NOTIFICATION_RATE_WAIT = env.float("NOTIFICATION_RATE_WAIT", default=2.0)
# Temporary failures (5xx, timeouts) are retried after 60 s, 120 s, 240 s … (at most an hour)
# until this many attempts; then the message fails with the last reason.
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
NOTIFICATION_RETRY_BACKOFF = env.int("NOTIFICATION_RETRY_BACKOFF", default=60)
NOTIFICATION_RETRY_BACKOFF_MAX = env.int("NOTIFICATION_RETRY_BACKOFF_MAX", default=3600)
# A send task is put on the broker only for messages due within this many seconds; later ones wait
# in the database for the sweeper (notifications.dispatch_due, every minute), which also re-sends
# a task overdue by NOTIFICATION_REDISPATCH_AFTER seconds (lost) and fails a message left "sending"
# for NOTIFICATION_SENDING_TIMEOUT seconds (a worker killed during the call; never sent twice).
NOTIFICATION_ENQUEUE_HORIZON = env.int("NOTIFICATION_ENQUEUE_HORIZON", default=300)
NOTIFICATION_REDISPATCH_AFTER = env.int("NOTIFICATION_REDISPATCH_AFTER", default=600)
NOTIFICATION_SENDING_TIMEOUT = env.int("NOTIFICATION_SENDING_TIMEOUT", default=900)
# Price of one part in đồng per channel, for the cost column when the gateway does not say it.
NOTIFICATION_PART_PRICES_VND = env.json("NOTIFICATION_PART_PRICES_VND", default={})
# Zalo ZNS template ids by message template code, when not set on the template in /admin/.
NOTIFICATION_ZNS_TEMPLATES = env.json("NOTIFICATION_ZNS_TEMPLATES", default={})
# The address of the site in links sent to staff (notices to the chair and the committee).
NOTIFICATION_SITE_URL = env("NOTIFICATION_SITE_URL", default="http://127.0.0.1:8000")
# Health-insurance renewal reminders (notifications/reminders.py): an SMS when a card ends within this
# many days; beat runs the job daily at 08:00 local time (running it again sends nothing twice).
NOTIFICATION_REMINDER_DAYS = env.int("NOTIFICATION_REMINDER_DAYS", default=30)
# A workflow event older than this tells nobody (notifications/notices.py): a fresh installation, the
# demo or an import that writes past events sends no notice about them.
NOTIFICATION_EVENT_MAX_AGE_HOURS = env.int("NOTIFICATION_EVENT_MAX_AGE_HOURS", default=24)
# The notices' outbox reads event rows after a watermark; a gap in their ids followed by events
# younger than this may be a transaction not yet committed, so the watermark waits before it (the
# rows after it are read again; their dedup keys stop repeats). An older gap is a rollback.
NOTIFICATION_OUTBOX_GAP_SECONDS = env.int("NOTIFICATION_OUTBOX_GAP_SECONDS", default=600)
# Outbound events for integrators (notifications/webhooks.py): a delivery answered by anything but a
# 2xx (or no answer within WEBHOOK_TIMEOUT seconds) is tried again after NOTIFICATION_RETRY_BACKOFF,
# doubling, until WEBHOOK_MAX_ATTEMPTS attempts; then it is failed.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)

# --- Reports (issue 8) --------------------------------------------------------------------
# The province dashboard's figures live this long in the cache; beat refreshes them every
# REPORTS_DASHBOARD_REFRESH_SECONDS (above). 0 computes them on every request.
REPORTS_DASHBOARD_CACHE_SECONDS = env.int("REPORTS_DASHBOARD_CACHE_SECONDS", default=600)
# Finished export jobs (and their files) are kept this many days, then deleted by beat.
REPORTS_EXPORT_KEEP_DAYS = env.int("REPORTS_EXPORT_KEEP_DAYS", default=30)
# One cache shared by every web process and worker: Redis (CACHE_URL, or the broker when it is
# Redis), else files under .data/cache for the embedded development set-up.
CACHE_URL = env("CACHE_URL", default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(DATA_DIR / "cache")}
    )
}

# --- Personal data: identifier searches (issue 15 §3, households/searching.py) -------------------
# Searches by a whole national ID or phone by the roles that see identifiers masked, per user:
# (count, seconds) windows counted in the cache above, every one of which must hold. Part of a
# number is never searched for those roles. Staff who see identifiers in full are not limited.
IDENTIFIER_SEARCH_LIMITS = env.json("IDENTIFIER_SEARCH_LIMITS", default=[[30, 10 * 60], [100, 24 * 60 * 60]])

# --- Personal data encrypted at rest (issue 15, privacy.encryption) ---
# Base64url 32-byte keys, newest first: values are encrypted with the first, read with any
# (rotation: README "Personal data"). The hash key makes the keyed hashes accounts are found by.
# The defaults are public development keys: production.py refuses to start with them.
DEVELOPMENT_PERSONAL_DATA_KEY = "ZGV2ZWxvcG1lbnQtb25seS1wZXJzb25hbC1kYXRhLWs"
DEVELOPMENT_PERSONAL_DATA_HASH_KEY = "ZGV2LW9ubHktcGVyc29uYWwtZGF0YS1oYXNoLWtleSE"
PERSONAL_DATA_KEYS = env.list("PERSONAL_DATA_KEYS", default=[DEVELOPMENT_PERSONAL_DATA_KEY])
PERSONAL_DATA_HASH_KEY = env("PERSONAL_DATA_HASH_KEY", default=DEVELOPMENT_PERSONAL_DATA_HASH_KEY)

# --- Uploads and files (issue 15, safe files) ----------------------------------------------
# Imports on the pages (CSV or XLSX): a larger file, an XLSX whose parts unpack to more, or more
# lines than IMPORT_MAX_ROWS after the header, is refused with the limit named and nothing saved
# (split the file, e.g. one per village). 50,000 lines hold the persons of a large commune's
# household file (10,000 households of about 3.5 members); the manage.py commands have no limit.
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=100 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=50_000)
# Documents, minutes and evidence: at most this size, and of these types only (checked by the
# file's name and by its first bytes): PDF, JPEG and PNG.
DOCUMENT_MAX_UPLOAD_BYTES = env.int("DOCUMENT_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
# A request's fields other than files (Django refuses more with a 400); an uploaded file larger
# than FILE_UPLOAD_MAX_MEMORY_SIZE is written to a temporary file instead of held in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
DATA_UPLOAD_MAX_NUMBER_FILES = 10
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Personal data: the access log (issue 15) ---------------------------------------------
# Days a record of who saw a person's data is kept; beat deletes older ones daily at 03:30.
# Decided 2026-12-07 (issue 15): two years (730 days). Neither Law 91/2025/QH15 nor Decree 13/2023
# fixes how long a record of processing is kept; two years covers a full annual poverty review and
# allowance cycle plus the complaints about it, and is above the 12 months of system logs Decree
# 53/2022 Art. 27 asks for (to be confirmed by the province's legal officer). The log is itself
# personal data, so it is not kept longer than that.
# Set it from the province's own decision when there is one.
PERSONAL_DATA_ACCESS_RETENTION_DAYS = env.int("PERSONAL_DATA_ACCESS_RETENTION_DAYS", default=730)

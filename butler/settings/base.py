"""Settings for Butler, read from the environment in this one place.

Every value has a local default that runs the whole product on one machine with no server:
an SQLite file in ``var/`` and a Celery broker kept on the file system. Production sets
``DATABASE_URL`` (PostgreSQL), ``REDIS_URL``, ``SECRET_KEY``, ``ALLOWED_HOSTS`` and the
e-mail settings. A ``.env`` file beside ``manage.py`` is read when present.
"""

import re
from datetime import date, time, timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-local-development-key-only-used-with-debug-on"  # noqa: S105 - DEBUG on only

# With DEBUG on (local use only) any host may reach the server, e.g. a phone on the LAN scanning a card.
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"] if DEBUG else [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the host(s) the site is served on when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "django_filters",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "reminders",
    "companies",
    "butler",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # request.htmx: whether htmx sent the request, for the views and the session limits further down.
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # A view failing because the database is out of reach answers 503 with its own page
    # (butler/health/outage.py).
    "butler.health.outage.DatabaseOutageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in person's pages in the language they chose (butler/security/language.py).
    "butler.security.language.PersonLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "butler.urls"
WSGI_APPLICATION = "butler.wsgi.application"

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
                "butler.context_processors.roles",
                "butler.context_processors.window",
                "butler.context_processors.notices",
            ],
        },
    },
]

# Database: an SQLite file by default; PostgreSQL through DATABASE_URL in production and CI.
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'butler.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue for the lock instead of failing, and every transaction takes it up front,
    # so the web server, the worker and beat can share the one file.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Short statements on every page: PostgreSQL's JIT compiles the dashboard's aggregates for longer
        # than they take to run (measured: 0.5–1 s of a 1 s page at city scale), so it is off.
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis is optional: with REDIS_URL it is the cache and the Celery broker.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "companies.backends.ContactMobileBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Django's rule, with its message in the product's catalogue (Django 5.2's Chinese one lacks it).
    {"NAME": "butler.security.passwords.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Language and time: Simplified Chinese by default, English complete; Beijing time.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: the console locally; SMTP when EMAIL_HOST is set.
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="北仑交通窗口 <window@localhost>")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL are mutually exclusive.")

# Celery: Redis when REDIS_URL is set, otherwise a broker on the file system that needs no server.
CELERY_BROKER_DIR = env.path("CELERY_BROKER_DIR", default=str(VAR_DIR / "celery-broker"))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
else:
    CELERY_BROKER_URL = "filesystem://"
    Path(CELERY_BROKER_DIR, "processed").mkdir(parents=True, exist_ok=True)
    Path(CELERY_BROKER_DIR, "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "processed_folder": str(Path(CELERY_BROKER_DIR, "processed")),
        "control_folder": str(Path(CELERY_BROKER_DIR, "control")),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A delivery cancelled halfway when the broker connection drops could send an e-mail twice: let it finish
# (the default until Celery 6, pinned here).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "complete-service-periods": {
        "task": "butler.tasks.complete_due_service_periods",
        "schedule": 60 * 60,
    },
    "refresh-licence-statuses": {
        "task": "companies.tasks.refresh_licence_statuses",
        "schedule": 60 * 60,
    },
    "reconcile-reminders": {
        "task": "butler.tasks.reconcile_reminders",
        "schedule": 60 * 60,
    },
    "refresh-dashboard-days": {
        "task": "butler.tasks.refresh_dashboard_days",
        "schedule": 60 * 60,
    },
    "sweep-reminders": {
        "task": "reminders.tasks.sweep_reminders",
        "schedule": 60,
    },
    "push-ratings-to-centre": {
        "task": "butler.feedback.tasks.push_ratings_to_centre",
        "schedule": 60,
    },
}
# Health (/healthz): every minute a worker records that it completed a task; the check fails when the last
# completion is older than BUTLER_HEALTH_TASK_MINUTES. A heartbeat still queued after that long is dropped
# unrun: workers that were stuck for hours do not come back to a pile of stale heartbeats.
BUTLER_HEALTH_TASK_MINUTES = env.int("BUTLER_HEALTH_TASK_MINUTES", default=10)
if BUTLER_HEALTH_TASK_MINUTES < 2:
    raise ImproperlyConfigured("BUTLER_HEALTH_TASK_MINUTES is at least 2 (the heartbeat runs every minute).")
CELERY_BEAT_SCHEDULE["record-heartbeat"] = {
    "task": "butler.tasks.record_heartbeat",
    "schedule": 60,
    "options": {"expires": BUTLER_HEALTH_TASK_MINUTES * 60},
}
BUTLER_SMS_BACKEND = env.str("BUTLER_SMS_BACKEND", default="log")
BUTLER_SMS_URL = env.str("BUTLER_SMS_URL", default="")
BUTLER_SMS_KEY = env.str("BUTLER_SMS_KEY", default="")
BUTLER_SMS_TIMEOUT = env.int("BUTLER_SMS_TIMEOUT", default=10)
# At most this many messages a second to the gateway, across all workers (counted in the cache).
BUTLER_SMS_RATE = env.int("BUTLER_SMS_RATE", default=20)
# The sender's signature the operators registered (printed 【first】), and the id of the approved template of
# each kind of message, as JSON: {"licence.renew_by": "SMS_123", "digest": "SMS_456", ...}.
BUTLER_SMS_SIGNATURE = env.str("BUTLER_SMS_SIGNATURE", default="北仑区交通运输局")
BUTLER_SMS_TEMPLATES = env.json("BUTLER_SMS_TEMPLATES", default={})


# SMS only between these hours, Beijing time; outside them they are held to the next morning.
def _hours(text: str) -> tuple[time, time]:
    try:
        start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError as error:
        raise ImproperlyConfigured("BUTLER_SMS_HOURS is a range such as 08:00-20:00.") from error
    if not start < end:
        raise ImproperlyConfigured("BUTLER_SMS_HOURS must start before it ends.")
    return start, end


BUTLER_SMS_HOURS = _hours(env.str("BUTLER_SMS_HOURS", default="08:00-20:00"))
# The staff's work chat (浙政钉 / 企业微信): reminders to butlers and managers through the window's group
# robot, mentioning each by their mobile; within BUTLER_SMS_HOURS like texts. The robot's webhook (its access
# token included) and its signing secret (钉钉's "加签"; empty for a robot secured by keyword or address).
BUTLER_CHAT_BACKEND = env.str("BUTLER_CHAT_BACKEND", default="log")
BUTLER_CHAT_WEBHOOK_URL = env.str("BUTLER_CHAT_WEBHOOK_URL", default="")
BUTLER_CHAT_SECRET = env.str("BUTLER_CHAT_SECRET", default="")
BUTLER_CHAT_TIMEOUT = env.int("BUTLER_CHAT_TIMEOUT", default=10)
# A claimed reminder not delivered within this many minutes is claimed again (its worker died).
BUTLER_REMINDER_LEASE_MINUTES = env.int("BUTLER_REMINDER_LEASE_MINUTES", default=10)
if BUTLER_REMINDER_LEASE_MINUTES < 1:
    raise ImproperlyConfigured("BUTLER_REMINDER_LEASE_MINUTES must be at least 1.")
if BUTLER_SMS_BACKEND not in ("log", "http") or (BUTLER_SMS_BACKEND == "http" and not BUTLER_SMS_URL):
    raise ImproperlyConfigured("BUTLER_SMS_BACKEND is log or http; http needs BUTLER_SMS_URL.")
if BUTLER_CHAT_BACKEND not in ("log", "http") or (
    BUTLER_CHAT_BACKEND == "http" and not BUTLER_CHAT_WEBHOOK_URL.startswith(("http://", "https://"))
):
    raise ImproperlyConfigured("BUTLER_CHAT_BACKEND is log or http; http needs BUTLER_CHAT_WEBHOOK_URL.")
if BUTLER_CHAT_TIMEOUT < 1:
    raise ImproperlyConfigured("BUTLER_CHAT_TIMEOUT is at least 1 second.")
# The provincial rating centre (好差评系统): every rating is pushed there as JSON, with a Bearer key. An empty
# URL turns the push off (nothing is kept to send later).
BUTLER_RATING_CENTRE_URL = env.str("BUTLER_RATING_CENTRE_URL", default="")
BUTLER_RATING_CENTRE_KEY = env.str("BUTLER_RATING_CENTRE_KEY", default="")
BUTLER_RATING_CENTRE_TIMEOUT = env.int("BUTLER_RATING_CENTRE_TIMEOUT", default=10)
if BUTLER_RATING_CENTRE_URL and not BUTLER_RATING_CENTRE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("BUTLER_RATING_CENTRE_URL is empty (off) or an http(s):// address.")
if BUTLER_RATING_CENTRE_URL and not BUTLER_RATING_CENTRE_KEY:
    raise ImproperlyConfigured("BUTLER_RATING_CENTRE_URL needs BUTLER_RATING_CENTRE_KEY.")
if not 1 <= BUTLER_RATING_CENTRE_TIMEOUT <= 120:
    raise ImproperlyConfigured("BUTLER_RATING_CENTRE_TIMEOUT is from 1 to 120 seconds.")

# The butler service.
BUTLER_SERVICE_DAYS = env.int("BUTLER_SERVICE_DAYS", default=180)
BUTLER_CARD_PREFIX = env.str("BUTLER_CARD_PREFIX", default="BL")
BUTLER_INVITATION_DAYS = env.int("BUTLER_INVITATION_DAYS", default=30)
# A held licence is "renewal due" this many days before its last day to apply for renewal.
BUTLER_RENEWAL_NOTICE_DAYS = env.int("BUTLER_RENEWAL_NOTICE_DAYS", default=30)
# Materials handed in incomplete get one complete notice within this many working days (行政许可法 art. 32).
BUTLER_NOTICE_WORKING_DAYS = env.int("BUTLER_NOTICE_WORKING_DAYS", default=5)
# A lapsed licence is cancelled (注销) this many days after the authority's public notice (公告) — the
# period is the authority's and is not confirmed in the rules read: a setting, not a constant.
BUTLER_CANCEL_NOTICE_DAYS = env.int("BUTLER_CANCEL_NOTICE_DAYS", default=30)
# A company's name, address or legal representative changed: its licences' change (变更) is to be applied for
# within this many days. The rules read ask for the change, not by when: a setting, not a constant.
BUTLER_CHANGE_FILE_DAYS = env.int("BUTLER_CHANGE_FILE_DAYS", default=30)
# Message attachments: kept here, outside every public path, and served only after an access check.
BUTLER_PRIVATE_FILES = env.path("BUTLER_PRIVATE_FILES", default=str(VAR_DIR / "private"))
BUTLER_ATTACHMENT_MAX_BYTES = env.int("BUTLER_ATTACHMENT_MAX_BYTES", default=5 * 1024 * 1024)
BUTLER_WINDOW_NAME = env.str("BUTLER_WINDOW_NAME", default="")
BUTLER_SERVICE_HOURS = env.str("BUTLER_SERVICE_HOURS", default="")
# The product's public address: the link in e-mails and text messages, the card's QR code (the request's own
# host when empty, but then e-mails and texts carry no link: the deploy check says so).
BUTLER_PUBLIC_URL = env.str("BUTLER_PUBLIC_URL", default="").rstrip("/")
# Feedback: a bad rating is rectified within this many working days of the rating; a matter or a period
# that ended can be rated (and is invited to be) for this many days.
BUTLER_AUDIT_RECTIFY_DAYS = env.int("BUTLER_AUDIT_RECTIFY_DAYS", default=15)
BUTLER_RATING_WINDOW_DAYS = env.int("BUTLER_RATING_WINDOW_DAYS", default=30)
# The rater may re-rate once (追评) for this many days after the report back (or after the rating, when
# no case was opened); a disputed rating is decided by the reviewer within this many working days. Neither
# period is set by the rules read: settings, not constants.
BUTLER_FOLLOW_UP_DAYS = env.int("BUTLER_FOLLOW_UP_DAYS", default=15)
BUTLER_DISPUTE_REVIEW_DAYS = env.int("BUTLER_DISPUTE_REVIEW_DAYS", default=10)
# A visit to the window is rated on the spot (a QR code at the counter) within this many hours of the code.
BUTLER_ON_SITE_RATING_HOURS = env.int("BUTLER_ON_SITE_RATING_HOURS", default=12)
# The reform's figures: the district whose newly registered transport companies the window should reach
# (its administrative region code), and the day the catalogue's materials are counted from (the catalogue as
# it stood that day is the "before").
BUTLER_DISTRICT = env.str("BUTLER_DISTRICT", default="330206")
try:
    BUTLER_REFORM_BASELINE = date.fromisoformat(env.str("BUTLER_REFORM_BASELINE", default="2017-01-01"))
except ValueError as error:
    raise ImproperlyConfigured("BUTLER_REFORM_BASELINE is a date such as 2017-01-01.") from error
# A 12345 hotline work order is answered within this many working days when its sheet gives no deadline.
BUTLER_HOTLINE_REPLY_DAYS = env.int("BUTLER_HOTLINE_REPLY_DAYS", default=5)
if not 1 <= BUTLER_AUDIT_RECTIFY_DAYS <= 60 or BUTLER_RATING_WINDOW_DAYS < 1:
    raise ImproperlyConfigured(
        "BUTLER_AUDIT_RECTIFY_DAYS is 1 to 60 working days; BUTLER_RATING_WINDOW_DAYS is positive."
    )
if BUTLER_SERVICE_DAYS < 1 or BUTLER_INVITATION_DAYS < 1:
    raise ImproperlyConfigured("BUTLER_SERVICE_DAYS and BUTLER_INVITATION_DAYS must be positive.")

WINDOW_DEFAULT_NAME = _("Beilun District Transport Service Window")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", False) else None
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)

# --- Content Security Policy (django-csp) ---------------------------------------------------------------
# Only the site's own scripts, styles and fonts; images also as data: URIs; no inline script or style, no
# eval, never inside a frame. CSP_REPORT_ONLY=1 sends the same policy as Content-Security-Policy-Report-Only
# (the browser reports, blocks nothing) for an administrator trying a change; CSP_REPORT_URI receives reports.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware"
)
_SELF, _NONE = "'self'", "'none'"
_CSP_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF],
        "img-src": [_SELF, "data:"],
        "font-src": [_SELF],
        "connect-src": [_SELF],
        "frame-ancestors": [_NONE],
        "form-action": [_SELF],
        "base-uri": [_SELF],
        "object-src": [_NONE],
        "report-uri": env.list("CSP_REPORT_URI", default=[]) or None,
    }
}
if env.bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_REPORT_ONLY = None, _CSP_POLICY
else:
    CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP_POLICY, None

# --- The API (/api/v1/, butler/api/) ---------------------------------------------------------------------
# Integrations call it with their own key (made in the admin); each key has a rate, BUTLER_API_RATE unless
# the token sets its own ("count/period": s, m, h or d), counted in the cache (Redis in production).
BUTLER_API_RATE = env.str("BUTLER_API_RATE", default="600/min").strip()
if not re.fullmatch(r"[1-9]\d*/[smhd]\w*", BUTLER_API_RATE):
    raise ImproperlyConfigured("BUTLER_API_RATE is a count and a period such as 600/min (s, m, h or d).")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["butler.api.access.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "butler.api.access.HasScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["butler.api.access.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Butler API",
    "DESCRIPTION": "The enterprise butler service's data for the systems around the window.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "butler.api.schema.common_answers",
    ],
}

# --- Abuse limits (butler/security/limits.py, django-ratelimit) -------------------------------------------
# "count/period" (s, m, h, d; e.g. 20/h), per person and per client address, counted in the cache (Redis in
# production, so shared by every web process). The client address is read like django-axes reads it.
_LIMIT_DEFAULTS = {
    ("message", "user"): ("BUTLER_LIMIT_MESSAGES_PER_USER", "20/h"),
    ("message", "address"): ("BUTLER_LIMIT_MESSAGES_PER_ADDRESS", "60/h"),
    ("invitation", "user"): ("BUTLER_LIMIT_INVITATIONS_PER_USER", "20/h"),
    ("invitation", "address"): ("BUTLER_LIMIT_INVITATIONS_PER_ADDRESS", "100/h"),
    ("activation", "invitation"): ("BUTLER_LIMIT_ACTIVATIONS_PER_INVITATION", "10/h"),
    ("activation", "address"): ("BUTLER_LIMIT_ACTIVATIONS_PER_ADDRESS", "30/h"),
    ("password_reset", "email"): ("BUTLER_LIMIT_PASSWORD_RESETS_PER_EMAIL", "5/h"),
    ("password_reset", "address"): ("BUTLER_LIMIT_PASSWORD_RESETS_PER_ADDRESS", "20/h"),
}
BUTLER_LIMITS: dict[str, dict[str, str]] = {}
for (_action, _per), (_variable, _default) in _LIMIT_DEFAULTS.items():
    _rate = env.str(_variable, default=_default).strip()
    if not re.fullmatch(r"[1-9]\d*/\d*[smhd]", _rate):
        raise ImproperlyConfigured(f"{_variable} is a count and a period such as 20/h (s, m, h or d).")
    BUTLER_LIMITS.setdefault(_action, {})[_per] = _rate

# --- Deploy security, sign-in lockout, sessions, request ids and logs (butler/security/) -----------------
# `manage.py check --deploy --fail-level WARNING` passes in production (`make deploy-check`). Behind the TLS
# proxy (BEHIND_TLS_PROXY=1) Django trusts its X-Forwarded-Proto; every plain-HTTP request is redirected to
# HTTPS unless SECURE_SSL_REDIRECT=0 says the proxy does it (then the check's reminder is silenced). /healthz
# answers over plain HTTP too, for a monitor probing the web process directly.
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Preloading commits the whole domain to HTTPS in every browser for years: an administrator's deliberate step.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: htmx sends the token from the page (hx-headers in templates/base.html).
CSRF_COOKIE_HTTPONLY = True
SILENCED_SYSTEM_CHECKS = []
if not SECURE_SSL_REDIRECT and not DEBUG:
    SILENCED_SYSTEM_CHECKS.append("security.W008")  # the proxy redirects plain HTTP itself
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")  # preload is opt-in, see above

# Sessions that know their user (deactivation ends them at once), and how long they last: staff idle 30
# minutes and at most 12 hours; company contacts on their phones idle 7 days and at most 30 days.
SESSION_ENGINE = "butler.security.session_store"
BUTLER_STAFF_SESSION_IDLE_MINUTES = env.int("BUTLER_STAFF_SESSION_IDLE_MINUTES", default=30)
BUTLER_STAFF_SESSION_MAX_HOURS = env.int("BUTLER_STAFF_SESSION_MAX_HOURS", default=12)
BUTLER_PORTAL_SESSION_IDLE_DAYS = env.int("BUTLER_PORTAL_SESSION_IDLE_DAYS", default=7)
BUTLER_PORTAL_SESSION_MAX_DAYS = env.int("BUTLER_PORTAL_SESSION_MAX_DAYS", default=30)
if (
    min(BUTLER_STAFF_SESSION_IDLE_MINUTES, BUTLER_PORTAL_SESSION_IDLE_DAYS) < 1
    or BUTLER_STAFF_SESSION_IDLE_MINUTES > BUTLER_STAFF_SESSION_MAX_HOURS * 60
    or BUTLER_PORTAL_SESSION_IDLE_DAYS > BUTLER_PORTAL_SESSION_MAX_DAYS
):
    raise ImproperlyConfigured("Session limits are positive, and the idle limit is within the absolute one.")

# Sign-in lockout (django-axes, database handler): BUTLER_SIGNIN_FAILURE_LIMIT wrong passwords for one
# username (or mobile) from one address lock that pair out for BUTLER_SIGNIN_COOLOFF_MINUTES. Behind the
# proxy the client's address is read from X-Forwarded-For: AXES_IPWARE_PROXY_COUNT is the number of proxies
# in front of the one that talks to Django (0: nginx alone; its right-most entry is the client).
INSTALLED_APPS.append("axes")
AUTHENTICATION_BACKENDS.insert(0, "butler.security.signin.LockoutBackend")
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("BUTLER_SIGNIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("BUTLER_SIGNIN_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "butler.security.signin.attempted_username"
AXES_LOCKOUT_CALLABLE = "butler.security.signin.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # the butler.security log says what happened
# Trying again while locked out does not move the time the page gave.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_IPWARE_META_PRECEDENCE_ORDER = env.list(
    "AXES_IPWARE_META_PRECEDENCE_ORDER",
    default=["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if BEHIND_TLS_PROXY else ["REMOTE_ADDR"],
)
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=0) if BEHIND_TLS_PROXY else None
# Count from the right of X-Forwarded-For (what our proxies appended), whatever a client put on its left.
IPWARE_STRICT = False
if AXES_FAILURE_LIMIT < 1 or timedelta(minutes=1) > AXES_COOLOFF_TIME:
    raise ImproperlyConfigured("BUTLER_SIGNIN_FAILURE_LIMIT and BUTLER_SIGNIN_COOLOFF_MINUTES are positive.")

# The request id first (every response carries it), the session limits once the user and messages are
# known, the access log of refusals, and axes last (it turns a lockout into its page).
MIDDLEWARE.insert(0, "butler.security.request_context.RequestIdMiddleware")
MIDDLEWARE += [
    "butler.security.sessions.SessionTimeoutMiddleware",
    "butler.security.audit.RefusedAccessLogMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Logs: JSON lines (LOG_FORMAT=json, the default with DEBUG off) with timestamp, level, logger, message,
# request_id, user and the extras of each event; plain text (LOG_FORMAT=text) with DEBUG on. Access events
# go to the logger butler.security.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
# Celery workers keep this configuration (their lines carry the task's id as request_id); LOG_LEVEL applies.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("LOG_FORMAT is json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "butler.security.request_context.RequestContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "{levelname}{name}{message}{request_id}{user}",
            "style": "{",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": True,
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(user)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

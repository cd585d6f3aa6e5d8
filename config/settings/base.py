"""Settings for every environment, read from environment variables.

Defaults fail closed: DEBUG is off, and every secret must come from the
environment. Only with DEBUG on do the published demo keys fill in for
missing secrets, so a developer can start the project without set-up.
"""

from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.embedded_postgres import embedded_database_settings
from config.secret_files import secret_file_env
from config.tls import database_tls_options, redis_tls_options
from vault import demo_keys

BASE_DIR = Path(__file__).resolve().parents[2]

# Every variable NAME can also come from the file named by NAME_FILE, which
# is how Docker and Kubernetes hand secrets to a container.
env = secret_file_env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

# The deployment environment: development, test, staging or production.
# Staging and production are "deployed": they refuse DEBUG and the embedded
# database before anything else runs, and the hardening block at the end of
# this file switches on HTTPS, HSTS, secure cookies and database TLS.
DEPLOYMENT_ENVIRONMENTS = ("development", "test", "staging", "production")
DEPLOYMENT_ENVIRONMENT = env.str("DJANGO_ENVIRONMENT", default="development")
if DEPLOYMENT_ENVIRONMENT not in DEPLOYMENT_ENVIRONMENTS:
    msg = "DJANGO_ENVIRONMENT must be one of: " + ", ".join(DEPLOYMENT_ENVIRONMENTS)
    raise ImproperlyConfigured(msg)
DEPLOYED = DEPLOYMENT_ENVIRONMENT in {"staging", "production"}
if DEPLOYED and DEBUG:
    msg = (
        "DJANGO_DEBUG cannot be on when DJANGO_ENVIRONMENT is "
        f"{DEPLOYMENT_ENVIRONMENT}: debug pages show settings and request data, "
        "and DEBUG lets the published demo keys in. Unset DJANGO_DEBUG."
    )
    raise ImproperlyConfigured(msg)
if DEPLOYED and "DATABASE_URL" not in env:
    msg = (
        "DATABASE_URL is missing, and the embedded database is for development "
        f"only. Set DATABASE_URL when DJANGO_ENVIRONMENT is {DEPLOYMENT_ENVIRONMENT}."
    )
    raise ImproperlyConfigured(msg)


def _secret(name: str, demo_value: str) -> str:
    """Return the secret in environment variable ``name``.

    With DEBUG on, a missing secret falls back to its published demo value.
    """
    if name in env:
        return env.str(name)
    if DEBUG:
        return demo_value
    msg = (
        f"The environment variable {name} is missing. Set it to a new random "
        "value (see docs/configuration.md for how to generate each key)."
    )
    raise ImproperlyConfigured(msg)


SECRET_KEY = _secret("DJANGO_SECRET_KEY", demo_keys.DEMO_SECRET_KEY)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Absolute URL of the site, used for links in e-mails. Links are never built
# from the request's Host header, which a client controls.
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")
if DEPLOYED and not SITE_URL.startswith("https://"):
    msg = "SITE_URL must start with https:// in staging and production."
    raise ImproperlyConfigured(msg)

# The vault's keys. The first encryption key encrypts and every key in the
# list decrypts, so a new key is put first and old ones stay until rotated.
if "VAULT_ENCRYPTION_KEYS" in env:
    VAULT_ENCRYPTION_KEYS = env.list("VAULT_ENCRYPTION_KEYS")
else:
    VAULT_ENCRYPTION_KEYS = [
        _secret("VAULT_ENCRYPTION_KEYS", demo_keys.DEMO_ENCRYPTION_KEY)
    ]
VAULT_BLIND_INDEX_KEY = _secret("VAULT_BLIND_INDEX_KEY", demo_keys.DEMO_BLIND_INDEX_KEY)
# Earlier blind-index keys, kept only while rotate_encryption_keys
# --blind-indexes rewrites the indexes they made; lookups try them too.
VAULT_BLIND_INDEX_PREVIOUS_KEYS = env.list(
    "VAULT_BLIND_INDEX_PREVIOUS_KEYS", default=[]
)
VAULT_TOKEN_KEY = _secret("VAULT_TOKEN_KEY", demo_keys.DEMO_TOKEN_KEY)
# django-encrypted-model-fields reads this name once, when it is imported.
FIELD_ENCRYPTION_KEY = VAULT_ENCRYPTION_KEYS

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "formtools",
    "csp",
    "vault",
    "audit",
    "onboarding",
    "detection",
    "integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

if "DATABASE_URL" in env:
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    DATABASES = {"default": embedded_database_settings(BASE_DIR / "var" / "pgdata")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    msg = "DATABASE_URL must point to PostgreSQL; other engines are not supported."
    raise ImproperlyConfigured(msg)
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "onboarding.User"
AUTHENTICATION_BACKENDS = ["onboarding.backends.EmailBlindIndexBackend"]
# auth.W004 warns that User.email is not unique. The encrypted email column
# cannot carry a constraint because its ciphertext is randomized; the unique
# constraint sits on User.email_index, the blind index of the same address.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]

LOGIN_URL = "onboarding:sign-in"
LOGIN_REDIRECT_URL = "onboarding:wizard"
LOGOUT_REDIRECT_URL = "onboarding:home"

_VALIDATORS_MODULE = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS_MODULE}.UserAttributeSimilarityValidator"},
    {
        "NAME": f"{_VALIDATORS_MODULE}.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": f"{_VALIDATORS_MODULE}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATORS_MODULE}.NumericPasswordValidator"},
]

# Sessions live in PostgreSQL and hold only Django's authentication keys:
# wizard drafts are stored encrypted in their own table.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# No inline script or style anywhere, so the policy needs no nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
    },
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# The staff portal lives under a configurable path, so that a deployment can
# move it away from the well-known /admin/.
STAFF_PORTAL_PATH = env.str("STAFF_PORTAL_PATH", default="staff/").strip("/") + "/"
# A reveal needs a second factor confirmed within this many seconds.
STAFF_STEP_UP_SECONDS = env.int("STAFF_STEP_UP_SECONDS", default=300)
# Reveals one staff member may make in any rolling hour.
STAFF_REVEALS_PER_HOUR = env.int("STAFF_REVEALS_PER_HOUR", default=20)
# Seconds a second officer has to approve a four-eyes reveal request, and
# the requester then has to use the approval.
STAFF_REVEAL_APPROVAL_TTL = env.int("STAFF_REVEAL_APPROVAL_TTL", default=1800)

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = env.str("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT", default=1025)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="onboarding@example.com")

# Onboarding rules.
ONBOARDING_MINIMUM_AGE = env.int("ONBOARDING_MINIMUM_AGE", default=18)
ONBOARDING_VERIFICATION_LINK_TTL = env.int(
    "ONBOARDING_VERIFICATION_LINK_TTL", default=60 * 60 * 24
)

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# The console's format: json, one object per line for a log collector, or
# plain text lines, easier to read in a terminal.
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
if LOG_FORMAT not in {"json", "plain"}:
    msg = "LOG_FORMAT must be json or plain."
    raise ImproperlyConfigured(msg)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "audit.logs.JsonFormatter"},
    },
    # Every handler runs the redaction filter, and runs it after the token
    # filter, whose placeholder the redaction leaves alone.
    "filters": {
        "verification_tokens": {"()": "onboarding.log_filters.VerificationTokenFilter"},
        "redaction": {"()": "vault.redaction.RedactionFilter"},
        "request_id": {"()": "audit.logs.RequestIdFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["verification_tokens", "redaction", "request_id"],
        },
        # Django's error e-mails to ADMINS, built by
        # vault.error_reports.RedactingExceptionReporter.
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "include_html": True,
            "filters": [
                "require_debug_false",
                "verification_tokens",
                "redaction",
                "request_id",
            ],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Replaces Django's default handlers for this logger, which have no
        # redaction filter. Records still reach the console through root.
        "django": {"handlers": ["mail_admins"], "level": "INFO", "propagate": True},
        # SQL text carries bound parameter values, so it is never logged,
        # not even with DEBUG on, when Django would log every query.
        "django.db.backends": {"level": "WARNING", "propagate": True},
        # redis-py gives this logger a stderr handler of its own, without
        # the redaction filter, unless the logger exists already. Its lines
        # repeat pub/sub messages, so only warnings pass.
        "push_response": {"level": "WARNING", "propagate": True},
        # runserver logs each request line on its own handler; it goes
        # through the console handler instead, so the token filter applies.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Staff sign-in hardening: two-factor authentication (django-otp), an idle
# timeout for staff sessions and login lockout (django-axes). The flow and
# every setting below are described in docs/staff-access.md.
INSTALLED_APPS += [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
]
# OTPMiddleware reads the verified device from the session, so it follows
# AuthenticationMiddleware. The idle timeout leaves a message, so it follows
# MessageMiddleware. django-axes requires its middleware last, where it can
# replace any response with the lockout page.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "onboarding.staff.middleware.StaffIdleTimeoutMiddleware",
)
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
# The django-axes backend only rejects locked-out attempts; ours then checks
# the password. The standalone variant adds no second permission check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    *AUTHENTICATION_BACKENDS,
]

# Seconds without a request after which a staff session is signed out.
STAFF_IDLE_TIMEOUT = env.int("STAFF_IDLE_TIMEOUT", default=900)
# The issuer name that authenticator apps show beside the staff account.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Secure onboarding")

# django-axes counts failures in Redis, never in its database tables, which
# would store the typed username and the client's IP address in plaintext.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.str("CACHE_URL", default="redis://127.0.0.1:6379/1"),
    },
}
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_ENABLE_ADMIN = False
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
# django-axes reads a float as hours.
AXES_COOLOFF_TIME = env.int("AXES_COOLOFF_MINUTES", default=15) / 60
# An account and a client address are locked separately: guessing many
# passwords for one account from many addresses locks the account, and
# guessing from one address across many accounts locks the address.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A success does not clear the counters, or an attacker could reset their
# address's counter by signing in to an account of their own.
AXES_RESET_ON_SUCCESS = False
# Attempts during a lockout do not restart it, so nobody can keep another
# person's account locked for ever by trying every few minutes.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Both sign-in forms post the address as "username". django-axes keys its
# counters by the address's blind index, so not even a cache key or a log
# line is derived from the address itself.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "onboarding.staff.lockout.username_blind_index"
AXES_CLIENT_IP_CALLABLE = "onboarding.staff.lockout.client_ip_index"
AXES_LOCKOUT_CALLABLE = "onboarding.staff.lockout.lockout_response"
# Values that django-axes replaces with asterisks in its log lines.
AXES_SENSITIVE_PARAMETERS = ["username", "email", "password", "otp_token", "ip_address"]
# X-Forwarded-For counts only behind this many reverse proxies (0: never),
# and, when TRUSTED_PROXY_IPS lists addresses or networks, only on requests
# that arrive from one of them.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
TRUSTED_PROXY_IPS = env.list("TRUSTED_PROXY_IPS", default=[])

# The audit trail: the access log, the change history recorded by
# django-auditlog, their hash chains and the append-only triggers of
# django-pgtrigger. docs/audit.md describes each setting below.
INSTALLED_APPS += ["auditlog", "pgtrigger"]
# First, so that every response, even one that a later middleware returns
# early, carries the request's correlation id.
MIDDLEWARE.insert(0, "audit.middleware.RequestIdMiddleware")
# The key of the chains' HMAC-SHA256 links. Earlier keys stay listed as long
# as entries linked under them are kept, so those entries still verify.
AUDIT_CHAIN_KEY = _secret("AUDIT_CHAIN_KEY", demo_keys.DEMO_AUDIT_CHAIN_KEY)
AUDIT_CHAIN_PREVIOUS_KEYS = env.list("AUDIT_CHAIN_PREVIOUS_KEYS", default=[])
# purge_audit_trail refuses to delete entries younger than this many days.
AUDIT_MINIMUM_RETENTION_DAYS = env.int("AUDIT_MINIMUM_RETENTION_DAYS", default=365)
# The attribute of each model that contains its public reference, which
# names the object in a change entry. A model not listed is named by its
# label and primary key, never by str(), which may show a personal value.
AUDIT_OBJECT_REFERENCES = {
    "onboarding.User": "pk",
    "onboarding.Applicant": "reference",
    "onboarding.WizardDraft": "applicant_id",
    "onboarding.RevealRequest": "applicant_id",
}
# Change entries live in the audit app's own table, chained and append-only.
AUDITLOG_LOGENTRY_MODEL = "audit.ChangeEntry"
# The audit app records the client's truncated network itself. django-auditlog
# would store the full address, taken from an X-Forwarded-For header that
# any client can set.
AUDITLOG_DISABLE_REMOTE_ADDR = True
# django-auditlog's own migrations would create its default log table even
# though the audit app replaces it, leaving an unused table behind.
MIGRATION_MODULES = {"auditlog": None}
# Every night, walk both chains and record a security event if one is broken.
CELERY_BEAT_SCHEDULE = {
    "verify-audit-trail": {
        "task": "audit.tasks.audit_trail_verify",
        "schedule": crontab(hour=3, minute=17),
    },
}

# Retention: how long each kind of record is kept, in days, and when Celery
# beat runs the rules. docs/retention.md describes each rule and setting.


def _retention_days(name: str, default: int) -> int:
    days = env.int(name, default=default)
    if days < 1:
        msg = f"{name} must be a whole number of days, 1 or more."
        raise ImproperlyConfigured(msg)
    return days


RETENTION_DRAFT_DAYS = _retention_days("RETENTION_DRAFT_DAYS", 30)
RETENTION_UNVERIFIED_DAYS = _retention_days("RETENTION_UNVERIFIED_DAYS", 7)
RETENTION_MINIMIZE_DAYS = _retention_days("RETENTION_MINIMIZE_DAYS", 30)
RETENTION_CLOSED_DAYS = _retention_days("RETENTION_CLOSED_DAYS", 90)
# Rows changed per transaction, and seconds to sleep between transactions
# to leave the database room for other work during a long purge.
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=2000)
RETENTION_BATCH_PAUSE_SECONDS = env.float("RETENTION_BATCH_PAUSE_SECONDS", default=0.0)
# Each rule runs hourly, at its own minute, so a record outlives its limit
# by at most an hour plus the run's duration.
RETENTION_RULE_MINUTES = {
    "expired_sessions": 5,
    "abandoned_drafts": 15,
    "unverified_sign_ups": 25,
    "verified_minimization": 35,
    "closed_applications": 45,
}
CELERY_BEAT_SCHEDULE.update(
    {
        f"retention-{rule}": {
            "task": "onboarding.tasks.retention_run",
            "schedule": crontab(minute=minute),
            "args": (rule,),
        }
        for rule, minute in RETENTION_RULE_MINUTES.items()
    }
)
# Publishing a task whose arguments look like personal data raises, so the
# message never reaches the broker (vault.celery_guard). Fail closed: only
# an explicit false downgrades it to a logged warning.
CELERY_REJECT_PII_ARGUMENTS = env.bool("CELERY_REJECT_PII_ARGUMENTS", default=True)
# With acks late, a task whose worker dies is delivered again; every task
# here is idempotent, so running it twice is safe.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# No result backend is configured, so no task stores a result.
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Deployment hardening. The response headers apply in every environment.
# HTTPS, HSTS, secure cookies and database TLS apply when DEPLOYED (staging
# and production), where `manage.py check --deploy` then reports no warning.
# docs/deploy.md describes each setting.
#
# The health check responds before host validation and the HTTPS redirect,
# so it goes first. Permissions-Policy is added to every response that the
# security middleware lets through.
MIDDLEWARE.insert(0, "config.middleware.HealthCheckMiddleware")
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "config.middleware.PermissionsPolicyMiddleware",
)
# Browser features that no page here uses, denied to every origin, so that
# an injected script or a framed page cannot request them either.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "screen-wake-lock",
        "usb",
        "xr-spatial-tracking",
    )
}
# A TLS-terminating proxy or load balancer in front of the application sets
# X-Forwarded-Proto to the scheme that the client used. Turn this on only
# when that proxy replaces any X-Forwarded-Proto header sent by the client;
# otherwise a client could claim HTTPS over plain HTTP.
if env.bool("DJANGO_TRUST_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

if DEPLOYED:
    SECURE_SSL_REDIRECT = True
    # One year, the minimum that the HSTS preload list accepts.
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Over HTTPS only. DJANGO_SECURE_COOKIES is ignored here, because a
    # session cookie sent over plain HTTP can be read on the network.
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Browsers accept a __Host- cookie only when it is Secure, has Path=/
    # and no Domain, so no subdomain can set or overwrite these cookies.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    DATABASES["default"]["OPTIONS"] = database_tls_options(
        DATABASES["default"].get("OPTIONS", {})
    )

# The SMTP relay's credentials and transport. Deployed environments use
# STARTTLS by default, because e-mails carry one-time confirmation links.
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=DEPLOYED)

# Redis over TLS, used when CACHE_URL or CELERY_BROKER_URL starts with
# rediss://. The server certificate is always verified, against the CA
# bundle in REDIS_TLS_CA_FILE when it is set, otherwise against the system's
# certificate authorities.
# TODO: a plain redis:// URL to a remote host is accepted in production, so
# task messages and lockout counters may cross a network unencrypted.
REDIS_TLS_CA_FILE = env.str("REDIS_TLS_CA_FILE", default="")
if CACHES["default"]["LOCATION"].startswith("rediss://"):
    CACHES["default"]["OPTIONS"] = redis_tls_options(REDIS_TLS_CA_FILE)
if CELERY_BROKER_URL.startswith("rediss://"):
    CELERY_BROKER_USE_SSL = redis_tls_options(REDIS_TLS_CA_FILE)

# Detection: anomaly rules, security events and alerts. docs/detection.md
# describes each rule and each setting below. A rule fires when its count
# reaches its threshold within its window.
DETECTION_ENUMERATION_EMAILS = env.int("DETECTION_ENUMERATION_EMAILS", default=10)
DETECTION_ENUMERATION_WINDOW_SECONDS = env.int(
    "DETECTION_ENUMERATION_WINDOW_SECONDS", default=15 * 60
)
DETECTION_VALIDATION_FAILURES = env.int("DETECTION_VALIDATION_FAILURES", default=10)
DETECTION_VALIDATION_WINDOW_SECONDS = env.int(
    "DETECTION_VALIDATION_WINDOW_SECONDS", default=60 * 60
)
# Views and reveals of applicant records by one staff member in one hour.
DETECTION_STAFF_ACCESSES_PER_HOUR = env.int(
    "DETECTION_STAFF_ACCESSES_PER_HOUR", default=60
)
# ...or, when it is higher, this many times the staff member's usual hourly
# volume over this many days (detection/rules/staff_volume.py).
DETECTION_STAFF_VOLUME_FACTOR = env.float("DETECTION_STAFF_VOLUME_FACTOR", default=3.0)
DETECTION_STAFF_VOLUME_HISTORY_DAYS = env.int(
    "DETECTION_STAFF_VOLUME_HISTORY_DAYS", default=28
)
# A reveal this many seconds after a sign-in from a new address raises an
# event.
DETECTION_NEW_ADDRESS_REVEAL_SECONDS = env.int(
    "DETECTION_NEW_ADDRESS_REVEAL_SECONDS", default=60 * 60
)
# Alerts: events of this severity or worse are sent to every channel that
# is configured. Without addresses or a URL, the log line is the only one.
SECURITY_ALERT_MINIMUM_SEVERITY = env.str(
    "SECURITY_ALERT_MINIMUM_SEVERITY", default="high"
)
SECURITY_ALERT_EMAILS = env.list("SECURITY_ALERT_EMAILS", default=[])
SECURITY_ALERT_WEBHOOK_URL = env.str("SECURITY_ALERT_WEBHOOK_URL", default="")
# The HMAC-SHA256 key of the X-Signature header. detection.E001 requires it
# whenever SECURITY_ALERT_WEBHOOK_URL is set.
SECURITY_ALERT_WEBHOOK_SECRET = env.str("SECURITY_ALERT_WEBHOOK_SECRET", default="")
SECURITY_ALERT_WEBHOOK_TIMEOUT_SECONDS = env.float(
    "SECURITY_ALERT_WEBHOOK_TIMEOUT_SECONDS", default=5.0
)
# Events with the same dedupe key send one alert per this many seconds.
SECURITY_ALERT_DEDUPE_SECONDS = env.int("SECURITY_ALERT_DEDUPE_SECONDS", default=3600)
# Alerts sent per clock hour at most; later ones are only logged and shown
# on the dashboard.
SECURITY_ALERTS_PER_HOUR = env.int("SECURITY_ALERTS_PER_HOUR", default=30)
# Retries of a failed delivery, the first after this many seconds and each
# later one after twice the previous wait.
SECURITY_ALERT_MAX_RETRIES = env.int("SECURITY_ALERT_MAX_RETRIES", default=5)
SECURITY_ALERT_RETRY_SECONDS = env.int("SECURITY_ALERT_RETRY_SECONDS", default=30)

# Identity verification and the outbound gate: the provider client in
# integrations/ and its data contract, described in docs/integrations.md.
# Without a URL no check is requested and staff decide every application.
# The URL is the provider's verification endpoint, such as
# https://provider.example/v1/verifications.
IDENTITY_VERIFICATION_URL = env.str("IDENTITY_VERIFICATION_URL", default="")
# Signs each request (HMAC-SHA256), shared with the provider.
IDENTITY_VERIFICATION_API_KEY = env.str("IDENTITY_VERIFICATION_API_KEY", default="")
# Makes the tokens that stand for the national ID and the date of birth,
# shared with the provider so it can match them against its registry.
IDENTITY_VERIFICATION_TOKEN_KEY = env.str("IDENTITY_VERIFICATION_TOKEN_KEY", default="")
# Seconds to wait for the provider to connect and, separately, to answer.
IDENTITY_VERIFICATION_TIMEOUT = env.float("IDENTITY_VERIFICATION_TIMEOUT", default=10.0)
# E-mail links are built from SITE_URL alone, so it must be an absolute URL.
if not SITE_URL.startswith(("https://", "http://")):
    msg = "SITE_URL must be an absolute URL starting with https:// or http://."
    raise ImproperlyConfigured(msg)

# Strict input and rate limits on the onboarding and sign-in endpoints
# (detection.middleware). docs/detection.md describes each rule and limit.
# The middleware's process_view must run before CsrfViewMiddleware's, which
# reads the request body, so it goes right before it.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.csrf.CsrfViewMiddleware"),
    "detection.middleware.EndpointGuardMiddleware",
)
# The largest request body, in bytes, that a guarded endpoint accepts. Its
# forms send well under 2 KiB.
DETECTION_MAX_BODY_BYTES = env.int("DETECTION_MAX_BODY_BYTES", default=16384)
# POST requests allowed per URL name, as [requests, seconds] per client IP
# address ("ip") and per e-mail address ("email"). Sign-up and sign-in count
# the posted address, the other endpoints the signed-in account's. Set the
# environment variable to a JSON object of the same shape to replace all
# of them.
DETECTION_RATE_LIMITS = env.json(
    "DETECTION_RATE_LIMITS",
    default={
        "onboarding:sign-up": {"ip": [20, 3600], "email": [5, 3600]},
        "onboarding:verify-email": {"ip": [20, 3600]},
        "onboarding:sign-in": {"ip": [30, 900], "email": [10, 900]},
        "onboarding:wizard": {"ip": [120, 600], "email": [60, 600]},
        "staff:login": {"ip": [20, 900], "email": [10, 900]},
        "staff:two_factor": {"ip": [20, 900], "email": [10, 900]},
        "staff:two_factor_enrol": {"ip": [20, 900], "email": [10, 900]},
        "staff:step_up": {"ip": [20, 900], "email": [10, 900]},
    },
)

# Logs, error reports and Sentry without personal data: the redaction of log
# records, error pages and e-mails, and the optional Sentry reporting.
# docs/logging-and-errors.md describes each setting below.
# Right after the correlation id, so that log lines of every later
# middleware are redacted with the request's own values.
MIDDLEWARE.insert(
    MIDDLEWARE.index("audit.middleware.RequestIdMiddleware") + 1,
    "vault.middleware.RequestValuesMiddleware",
)
DEFAULT_EXCEPTION_REPORTER_FILTER = (
    "vault.error_reports.RedactingExceptionReporterFilter"
)
DEFAULT_EXCEPTION_REPORTER = "vault.error_reports.RedactingExceptionReporter"
CSRF_FAILURE_VIEW = "onboarding.error_pages.csrf_failure"
# Sentry is off unless a DSN is set (vault.sentry).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="production")
# The share of requests and tasks traced, from 0.0 to 1.0.
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)

# Anonymized staging copies (docs/anonymization.md). On staging, every
# request gets 503 until anonymize_database has marked the database, so a
# restored production dump is never served. It follows the correlation id,
# so the refusal still carries one; the health check before it still
# answers, because the process itself is healthy.
MIDDLEWARE.insert(
    MIDDLEWARE.index("audit.middleware.RequestIdMiddleware") + 1,
    "onboarding.staging.StagingCopyGuardMiddleware",
)

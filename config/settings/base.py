"""Settings for every environment, read from environment variables.

Defaults fail closed: DEBUG is off, and every secret must come from the
environment. Only with DEBUG on do the published demo keys fill in for
missing secrets, so a developer can start the project without set-up.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.embedded_postgres import embedded_database_settings
from vault import demo_keys

BASE_DIR = Path(__file__).resolve().parents[2]

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)


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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {
        "verification_tokens": {"()": "onboarding.log_filters.VerificationTokenFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["verification_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # SQL text carries bound parameter values, so it is never logged.
        "django.db.backends": {"level": "WARNING", "propagate": True},
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
AXES_CLIENT_IP_CALLABLE = "onboarding.staff.lockout.client_ip_address"
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
# Publishing a task whose arguments look like personal data raises instead
# of logging a warning (vault.celery_guard). DEBUG on has the same effect.
CELERY_REJECT_PII_ARGUMENTS = env.bool("CELERY_REJECT_PII_ARGUMENTS", default=False)
# With acks late, a task whose worker dies is delivered again; every task
# here is idempotent, so running it twice is safe.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# No result backend is configured, so no task stores a result.
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

"""Settings for the test suite: visibly fake keys, fast hashing, local mail.

Environment variables still win, so CI can point DATABASE_URL at its own
PostgreSQL server.
"""

import os

# Each key spells TEST-ONLY once decoded or read, so a leaked test key is
# recognisable. They differ from the demo keys, which DEBUG-off refuses.
os.environ.setdefault("DJANGO_SECRET_KEY", "TEST-ONLY-django-secret-key")
os.environ.setdefault(
    "VAULT_ENCRYPTION_KEYS", "VEVTVC1PTkxZLWZpZWxkLWVuY3J5cHRpb24ta2V5LTE="
)
os.environ.setdefault("VAULT_BLIND_INDEX_KEY", "TEST-ONLY-blind-index-key")
os.environ.setdefault("VAULT_TOKEN_KEY", "TEST-ONLY-token-key")
os.environ.setdefault("AUDIT_CHAIN_KEY", "TEST-ONLY-audit-chain-key")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
os.environ.setdefault("DJANGO_ENVIRONMENT", "test")
# Playwright's sync API runs an event loop in the test thread, and the
# browser tests read the database from that same thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from config.settings.base import *  # noqa: E402, F403

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the app folders without collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# Staff sign-in: each run gets its own cache key prefix, so runs that share
# the Redis database never see each other's lockout counters. The prefix is
# stored in the environment, so a server that a test starts counts rate
# limits under it too, and the tests' cache cleanup removes those keys.
CACHES["default"]["KEY_PREFIX"] = os.environ.setdefault(  # noqa: F405
    "TEST_CACHE_KEY_PREFIX", f"test-{os.urandom(8).hex()}"
)

# Retention and Celery: publishing a task with personal data in its
# arguments raises. Test workers use Redis database 13 and a queue of this
# run's own, so runs that share the Redis server never take each other's
# tasks. The queue name is stored in the environment, where worker
# processes started by a test inherit it.
CELERY_REJECT_PII_ARGUMENTS = True
if "CELERY_BROKER_URL" not in os.environ:
    CELERY_BROKER_URL = "redis://127.0.0.1:6379/13"
CELERY_TASK_DEFAULT_QUEUE = os.environ.setdefault(
    "TEST_CELERY_QUEUE", f"test-{os.urandom(6).hex()}"
)
# The worker that tests start in a thread must leave pytest's log capture
# in place.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

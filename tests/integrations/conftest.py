from tests.integrations.standin import identity_standin  # noqa: F401
from tests.retention.conftest import broker_keys_removed, celery_worker  # noqa: F401

# Image for the web, worker, beat and migrate services of docker-compose.yml
# and docker-compose.prod.yml.
# It contains no secret: every key comes from the environment, or from a
# secret file that the environment names, at run time.

# Build stage: install the dependencies that pyproject.toml declares into a
# virtual environment. Only that environment is copied to the runtime stage,
# so nothing else from this stage ships.
FROM python:3.11-slim AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# Only pyproject.toml is copied, so this layer is rebuilt when the
# dependencies change and not on every code change. Without the source
# folders, `pip install .` installs the dependencies and an empty
# secure-onboarding distribution, which is removed again: the code runs from
# /app in the runtime stage.
WORKDIR /build
COPY pyproject.toml ./
RUN pip install . \
    && pip uninstall --yes secure-onboarding


FROM python:3.11-slim AS runtime

# PYTHONPATH puts the source tree first for every entry point (manage.py,
# gunicorn and celery), because settings look for templates/ and static/
# next to config/, and those folders are not part of an installed package.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# A fixed numeric id lets an orchestrator verify that the container does not
# run as root. /var/lib/onboarding, for the Celery beat schedule, is the only
# folder that the image makes writable for that user.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin app \
    && install --directory --owner=app --group=app /var/lib/onboarding

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
COPY manage.py ./
COPY config ./config
COPY onboarding ./onboarding
COPY vault ./vault
COPY audit ./audit
COPY detection ./detection
COPY integrations ./integrations
COPY templates ./templates
COPY static ./static
COPY docker ./docker

# Settings refuse to load without keys and a database URL, so collectstatic
# gets values that are visibly fake and exist only for this one command (the
# Fernet key is the base64 of BUILD-ONLY-not-a-real-key-000000).
# They are not ENV lines, so they are not stored in the image configuration.
# Nothing connects to the database URL, and DEBUG stays off, so the vault
# validates these keys the way it validates production keys.
RUN DJANGO_SECRET_KEY=BUILD-ONLY-django-secret-key \
    VAULT_ENCRYPTION_KEYS=QlVJTEQtT05MWS1ub3QtYS1yZWFsLWtleS0wMDAwMDA= \
    VAULT_BLIND_INDEX_KEY=BUILD-ONLY-blind-index-key \
    VAULT_TOKEN_KEY=BUILD-ONLY-token-key \
    AUDIT_CHAIN_KEY=BUILD-ONLY-audit-chain-key \
    DATABASE_URL=postgres://build-only@build-only.invalid/build-only \
    python manage.py collectstatic --noinput

USER 10001:10001

EXPOSE 8000

# gunicorn writes no access log by default, which is kept on purpose: request
# paths carry one-time tokens such as the e-mail verification link.
# The worker heartbeat files go to /dev/shm because gunicorn's documentation
# (setting worker_tmp_dir, gunicorn 23) warns that a heartbeat on a
# disk-backed /tmp can block a worker.
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm"]

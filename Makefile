# Developer tasks. The two a newcomer needs are `make run` and `make test`.
# Without DATABASE_URL both use an embedded PostgreSQL server (the pgserver
# package) in var/pgdata, which the settings start on first use and which
# keeps running until `make stop-db`.

VENV := .venv
PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PGDATA := var/pgdata

.DEFAULT_GOAL := help
.PHONY: help install run test lint format stop-db clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install: $(INSTALLED) ## Create .venv and install the project with its dev tools

# The stamp file makes install a no-op until pyproject.toml changes.
$(INSTALLED): pyproject.toml
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install -e ".[dev]"
	touch $@

# DEBUG on lets the settings fall back to the published demo keys. The console
# backend prints sign-up e-mails, with their links, in this terminal; set
# EMAIL_BACKEND and EMAIL_HOST to use a mail catcher instead.
run: export DJANGO_DEBUG := true
run: export DJANGO_SETTINGS_MODULE := config.settings.base
run: export EMAIL_BACKEND ?= django.core.mail.backends.console.EmailBackend
run: install ## Migrate, add demo data and serve on http://127.0.0.1:8000
	$(PYTHON) manage.py migrate --noinput
	$(PYTHON) manage.py seed_demo
	$(PYTHON) manage.py runserver 127.0.0.1:8000

test: install ## Run the whole test suite; pass pytest options in ARGS="..."
	$(VENV)/bin/pytest $(ARGS)

# mypy's Django plugin imports the settings, which would start the embedded
# server; a placeholder DATABASE_URL stops that, and mypy never connects.
lint: install ## Check formatting, lint rules and types
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	DATABASE_URL="$${DATABASE_URL:-postgres://mypy@127.0.0.1:1/unused}" $(VENV)/bin/mypy .

format: install ## Reformat the code and apply ruff's safe fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# PostgreSQL refuses to run as root, so under root pgserver runs the server
# as its own system user "pgserver", and pg_ctl must run as that user too.
stop-db: ## Stop the embedded PostgreSQL server
	@if [ -f $(PGDATA)/postmaster.pid ]; then \
		$(PYTHON) -W "ignore:XDG_RUNTIME_DIR is not set" -c 'import os, pgserver._commands as pg; pg.pg_ctl(["-m", "fast", "-w", "stop"], pgdata="$(PGDATA)", user="pgserver" if os.geteuid() == 0 else None)' \
		&& echo "Stopped the embedded PostgreSQL server."; \
	else \
		echo "The embedded PostgreSQL server is not running."; \
	fi

clean: stop-db ## Delete the embedded database, collected static files and caches
	rm -rf var staticfiles test-results .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +

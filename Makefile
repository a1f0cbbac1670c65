# Butler — the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install lint messages system-deps clean bench deploy-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Local settings for the embedded defaults: the product as it runs in production (DEBUG off: its own error
# pages, static files through WhiteNoise), served over plain HTTP on this machine, with a random secret.
.env:
	@printf 'DEBUG=0\nSECRET_KEY=%s\nALLOWED_HOSTS=*\nSECURE_SSL_REDIRECT=0\nSECURE_HSTS_SECONDS=0\nSESSION_COOKIE_SECURE=0\nCSRF_COOKIE_SECURE=0\nLOG_FORMAT=text\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env
	@echo "Wrote .env (local settings: DEBUG off, plain HTTP on this machine)."

messages: install
	$(BIN)/python manage.py compile_translations --settings=butler.settings.test

# E-mails and texts link to the demo on this machine, unless a public address is given.
run: export BUTLER_PUBLIC_URL ?= http://127.0.0.1:$(PORT)
run: install .env messages
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@$(BIN)/python manage.py demo_logins --port $(PORT)
	exec $(BIN)/honcho start -f Procfile.dev -p $(PORT)

# What the test suite needs from the system: GNU gettext (string extraction check), Debian's
# Chromium (browser tests), and redis-server and PostgreSQL's programs (the failure drills start and stop
# servers of their own). Installed with apt-get when missing and we may; otherwise we say what to do.
system-deps:
	@missing=""; fonts=""; \
	command -v xgettext >/dev/null 2>&1 || missing="$$missing gettext"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	[ -n "$$(fc-list :lang=zh 2>/dev/null)" ] || fonts="fonts-noto-cjk"; \
	if [ -n "$$missing$$fonts" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing $$fonts; \
	elif [ -n "$$missing" ]; then \
	  echo "Please install:$$missing (e.g. sudo apt-get install$$missing fonts-noto-cjk)"; exit 1; \
	fi

# The tools the browser tests run in the page (axe-core, for the accessibility walk), from package-lock.json.
node_modules/.package-lock.json: package.json package-lock.json | system-deps
	npm ci --no-audit --no-fund --loglevel=error

# The production settings pass Django's deploy checks: a throw-away production environment (random secret,
# DEBUG off, behind the TLS proxy) on the base settings; no database or Redis is reached.
deploy-check: install
	@env -u DATABASE_URL -u REDIS_URL DJANGO_SETTINGS_MODULE=butler.settings.base DEBUG=0 \
		ALLOWED_HOSTS=butler.example BUTLER_PUBLIC_URL=https://butler.example BEHIND_TLS_PROXY=1 \
		SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# The suite runs on PYTEST_WORKERS processes, each test file whole on one of them (--dist loadfile), so that a
# world a module builds once (the access matrix, the bad-input sweep, the demo) is built once in all.
# BUTLER_TEST_NOW=2027-10-01T21:30 runs it at another moment (tests/clock.py).
test: install messages system-deps node_modules/.package-lock.json deploy-check
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=butler.settings.test
	$(BIN)/pytest -n $${PYTEST_WORKERS:-2} --dist loadfile $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Audit (CI runs it after `make test`): known vulnerabilities in the installed dependencies (pip-audit asks
# PyPI; the project itself, installed editable, is skipped), then ruff's security rules (bandit's S rules,
# also part of `make lint`) on their own. A dependency pip-audit cannot look up (no route to PyPI's JSON API)
# is reported as unchecked, loudly, rather than passed silently, then every security rule switched off in the code with its reason —
# a `# noqa: S…` without one fails. A vulnerable version: raise its lower bound in pyproject.toml. No fix
# released yet: add `--ignore-vuln <ID>` to AUDIT_IGNORE below, with the reason in a comment above it.
AUDIT_IGNORE :=
NOQA_S := \#\s*noqa:\s*(?:[A-Z]+[0-9]+\s*,\s*)*S[0-9]+
.PHONY: audit
audit: install
	@echo "== Dependencies with known vulnerabilities (pip-audit)"
	@set -o pipefail; $(BIN)/pip-audit --skip-editable --progress-spinner off $(AUDIT_IGNORE) 2>&1 \
	  | tee var/pip-audit.txt
	@unchecked=$$(grep -c "could not be audited" var/pip-audit.txt || true); \
	if [ "$$unchecked" -gt 0 ]; then \
	  echo "WARNING: $$unchecked dependencies were NOT checked: PyPI's vulnerability data could not be read from"; \
	  echo "this machine (\"could not be audited\" above). Run 'make audit' where PyPI's JSON API is reachable."; \
	fi
	@echo "== Security rules (ruff --select S; asserts and non-security random as in pyproject.toml)"
	$(BIN)/ruff check --select S --ignore S101,S311 .
	@echo "== Security rules switched off in the code, each with its reason"
	@grep -rnP --include='*.py' --exclude-dir=.venv --exclude-dir=var '$(NOQA_S)' . || true
	@if grep -rnP --include='*.py' --exclude-dir=.venv --exclude-dir=var \
	    '$(NOQA_S)(?:\s*,\s*[A-Z]+[0-9]+)*\s*$$' . ; then \
	  echo "These switch a security rule off without a reason: add one after the code (# noqa: S608 - why)."; \
	  exit 1; \
	fi

# The reminder sweep measured on this machine's PostgreSQL and Redis, in databases of its own (dropped
# afterwards): writes docs/benchmarks.md and docs/benchmarks.json. BENCH_SCALES (licences; 200k,3m: a city's
# and a province's) and BENCH_RUNS (7) choose; about fifteen minutes with both scales on two cores.
# Then the pages (server time and queries, the 20,000-company list side by side with a peer CRM) and a
# load run against gunicorn, on a database filled by `manage.py seed_volume`: BENCH_PAGE_SCALES (city;
# city,province for both), BENCH_PAGE_RUNS (20) and BENCH_LOAD_SECONDS (60; 0 for none) choose.
# Last, end-to-end delivery to loopback SMTP and SMS sinks through real workers: BENCH_DELIVERY_MESSAGES
# (5000) and BENCH_DELIVERY_RUNS (3).
bench: install
	$(BIN)/python -m bench check
	$(BIN)/python -m bench reminders --scales $${BENCH_SCALES:-200k,3m} --runs $${BENCH_RUNS:-7}
	$(BIN)/python -m bench pages --scales $${BENCH_PAGE_SCALES:-city} --runs $${BENCH_PAGE_RUNS:-20} \
		--load-seconds $${BENCH_LOAD_SECONDS:-60}
	$(BIN)/python -m bench delivery --messages $${BENCH_DELIVERY_MESSAGES:-5000} --runs $${BENCH_DELIVERY_RUNS:-3}

# Soak: the page mix against gunicorn for SOAK_SECONDS (600) with reminders flowing through a real Celery
# worker to loopback sinks, and the memory of every gunicorn and Celery process sampled every 10 s, on a
# database filled by `seed_volume --scale` SOAK_SCALE (city); writes its section of docs/benchmarks.*.
.PHONY: soak
soak: install
	$(BIN)/python -m bench check
	$(BIN)/python -m bench soak --scale $${SOAK_SCALE:-city} --seconds $${SOAK_SECONDS:-600}

clean:
	rm -rf $(VENV) var .pytest_cache

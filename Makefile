# Two commands: `make run` and `make test`. Everything else is a step they call.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000
DEMO_CUSTOMERS ?= 2000

.PHONY: run test install lock assets db seed lint format bench clean

# Exactly the tree in requirements.lock, every file checked against its hash; then the portal
# itself, whose dependencies that tree already holds.
$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

# After changing a pin in pyproject.toml: resolve the whole tree again, for every platform.
lock: install
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes --quiet --custom-compile-command 'make lock' -o requirements.lock

static/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
	cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/chart.umd.min.js
	touch $@

assets: static/vendor/.installed

# A per-machine secret for the embedded default, kept outside git in instance/.
instance/secret_key:
	mkdir -p instance
	$(PYTHON) -c 'import secrets; print(secrets.token_hex(32))' > $@
	chmod 600 $@

db: install instance/secret_key
	SECRET_KEY=$$(cat instance/secret_key) $(FLASK) db upgrade

seed: db
	SECRET_KEY=$$(cat instance/secret_key) $(FLASK) seed-demo --customers $(DEMO_CUSTOMERS) --if-empty

run: install assets seed
	@echo "Serving the portal at http://$(HOST):$(PORT)"
	SECRET_KEY=$$(cat instance/secret_key) BIND=$(HOST):$(PORT) \
		$(VENV)/bin/gunicorn -c gunicorn.conf.py 'wsgi:app'

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# One pytest worker per core, each on a database of its own; TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto

test: install assets lint
	$(VENV)/bin/pytest -n $(TEST_WORKERS)

bench: install
	SECRET_KEY=$${SECRET_KEY:-bench} $(PY) -m bench

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache .ruff_cache

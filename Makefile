# transversal: `make demo` runs the main job, `make test` runs every check.
# Both set everything up first on a fresh machine that has only Python 3.11 and make.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= out
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

# Debian packages the project needs at run time (WeasyPrint's Pango) and in its checks (pdftoppm,
# the Chromium the browser tests drive through Playwright: Playwright never downloads one; and R
# with the packages the statistics are compared with, tests/analysis/test_r_oracle.py).
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils \
                chromium r-base-core r-cran-psych r-cran-multilevel r-cran-lavaan r-cran-gparotation

.PHONY: demo test lint typecheck contracts pytest system-deps postgres redis clean lock

demo: $(STAMP)
	$(BIN)/transversal demo --out $(OUT)

test: $(STAMP) postgres redis lint typecheck contracts pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP)
	TEST_POSTGRES_URL=$${TEST_POSTGRES_URL:-$(PG_URL)} $(BIN)/pytest -q -n auto --dist loadfile

$(STAMP): requirements.lock pyproject.toml | system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# Installs the Debian packages that are missing, when we are root on a Debian-like machine;
# elsewhere it says what to install and carries on.
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  elif command -v dpkg-query >/dev/null 2>&1; then \
	    echo "warning: please install these system packages:$$missing" >&2; \
	  fi; \
	fi

# Starts the local PostgreSQL cluster when it is installed and stopped; the PostgreSQL tests
# need it (CI requires them, see tests/conftest.py).
postgres:
	@if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then \
	  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then \
	    pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -n1) main start || true; \
	  fi; \
	fi

# Starts a local Redis when it is installed and not answering; the test of the Redis job queue
# needs it (without a server it is skipped).
redis:
	@if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 \
	  && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then \
	  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes >/dev/null || true; \
	fi

# Regenerates the lock file after a change of pyproject.toml (needs network access to PyPI).
lock:
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) $(OUT) .mypy_cache .ruff_cache .pytest_cache

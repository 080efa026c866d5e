# CountyInno — `make run` serves the demo platform, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export SECRET_KEY_FILE ?= $(CURDIR)/var/secret_key

.PHONY: run test setup install system-deps browser-deps test-postgres serve demo worker bench clean screenshots

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { echo "installing python3-venv"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null && \
	  $(PYTHON) -m venv $(VENV); }
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c requirements.lock -e ".[test]"
	@touch $(STAMP)

install: $(STAMP)

var/secret_key:
	@mkdir -p var
	@$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(64))" > $@
	@chmod 600 $@

setup: $(STAMP) var/secret_key
	$(BIN)/countyinno compile_translations -v0
	$(BIN)/countyinno migrate --noinput -v0
	$(BIN)/countyinno createcachetable
	$(BIN)/countyinno collectstatic --noinput -v0

# Pango (WeasyPrint's PDF reports) and CJK fonts, from Debian, when missing.
system-deps:
	@if ! ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  echo "installing libpango and fonts-noto-cjk for PDF reports"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 \
	    fonts-noto-cjk >/dev/null; \
	fi

demo: setup system-deps
	$(BIN)/countyinno demo

run: demo
	@echo ""
	@echo "CountyInno 县域创新平台  →  http://$(HOST):$(PORT)/"
	@echo "演示账号 demo log-ins (password 密码: CountyInno@2026):"
	@echo "  province-37        省级管理员 province admin (also the admin site)"
	@echo "  city-370100        济南市 city admin          (city-<city code>)"
	@echo "  county-370102      历下区 county admin        (county-<county code>, all 136)"
	@echo "  enterprise-370102  企业用户 enterprise member (enterprise-<county code>)"
	@echo "  university-370102  山东大学 member            (university-/institute-/agency-/park-<code>)"
	@echo "  talent-370100      科技特派员 talent          (talent-<city code>)"
	@echo ""
	$(BIN)/gunicorn countyinno.wsgi:application --bind $(HOST):$(PORT) --workers 2 --threads 4 \
	  --worker-class gthread --timeout 120 --access-logfile -

# Debian's Chromium and CJK fonts for the browser tests; Playwright drives /usr/bin/chromium.
browser-deps: system-deps
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  echo "installing chromium and fonts-noto-cjk"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

test: setup browser-deps
	$(BIN)/pytest

# The same suite on PostgreSQL (CI runs it when the server on 127.0.0.1:5432 answers).
test-postgres: setup browser-deps
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/countyinno} $(BIN)/pytest

worker: setup
	JOB_BACKEND=celery $(BIN)/celery -A countyinno.celery_app worker --loglevel=INFO

# Screenshots of each role's home page, the ranking page in English and the PDF report → var/screenshots/
screenshots: setup browser-deps
	@command -v pdftoppm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; }
	$(BIN)/python scripts/screenshots.py

bench: setup
	$(BIN)/python -m pytest benchmarks --benchmark-enable -p no:randomly

clean:
	rm -rf $(VENV) var

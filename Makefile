# The two set-up commands are `make run` and `make test`; everything else is optional.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app contest
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint lock serve bench-ranking bench-stats bench-load bench-save-cost bench-login \
	bench-bank-import \
	bench-lighthouse clean

# Every install comes from the lock files in requirements/ (exact versions and hashes);
# `make lock` writes them from pyproject.toml (README: "Updating dependencies").
UV_VERSION := 0.13.9
LOCK_FLAGS := --universal --python-version 3.11 --generate-hashes --quiet
# Install the locked set, then the app itself (its own code only: every dependency is locked).
define install_locked
	$(BIN)/python requirements/check.py
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/$(1).txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
endef

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-app: requirements/app.txt pyproject.toml | $(BIN)/python
	$(call install_locked,app)
	touch $@

$(VENV)/.installed-test: requirements/test.txt pyproject.toml | $(BIN)/python
	$(call install_locked,test)
	touch $@ $(VENV)/.installed-app

## make lock: write requirements/{app,test,bench}.txt from pyproject.toml (run it after every
## change to the dependencies there). Versions already locked are kept when they still fit;
## UPGRADE=1 takes the newest of everything, UPGRADE_PACKAGE=name only that one.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv pip compile pyproject.toml $(LOCK_FLAGS) $(if $(UPGRADE),--upgrade) \
		$(if $(UPGRADE_PACKAGE),--upgrade-package $(UPGRADE_PACKAGE)) -o requirements/app.txt
	$(BIN)/uv pip compile pyproject.toml --extra test -c requirements/app.txt $(LOCK_FLAGS) \
		$(if $(UPGRADE),--upgrade) -o requirements/test.txt
	$(BIN)/uv pip compile pyproject.toml --extra bench -c requirements/app.txt $(LOCK_FLAGS) \
		$(if $(UPGRADE),--upgrade) -o requirements/bench.txt
	$(BIN)/python requirements/check.py

## make run: install, migrate, load the starter bank and a demo contest, serve on :5000
# The printed resident link and the QR codes follow HOST and PORT unless the address is
# set (CONTEST_PUBLIC_BASE_URL); a server listening on every interface is shown as localhost.
run: export CONTEST_PUBLIC_BASE_URL ?= http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
run: $(VENV)/.installed-app
	$(FLASK) db upgrade
	$(FLASK) seed
	$(FLASK) bank import questions/
	if [ -d questions/practice ]; then $(FLASK) bank import questions/practice --practice; fi
	$(FLASK) demo
	$(FLASK) users ensure-admin
	@echo ""
	@echo "Trang quản trị (Ban tổ chức): http://$(HOST):$(PORT)/admin"
	@echo "Đường dẫn dự thi cho người dân: xem dòng 'Đường dẫn dự thi' ở trên."
	@echo "Dừng máy chủ: Ctrl+C"
	$(FLASK) run --host $(HOST) --port $(PORT)

## make test: ruff, bandit, then pytest (SQLite always; PostgreSQL when TEST_DATABASE_URL is set)
test: $(VENV)/.installed-test lint
	$(BIN)/pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/bandit -q -r contest -lll

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

## make serve: production server: migrate, then gunicorn with gunicorn.conf.py
## (uses DATABASE_URL and CONTEST_REDIS_URL when set; see docs/deploy.md)
serve: $(VENV)/.installed-app
	$(FLASK) db upgrade
	$(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

$(VENV)/.installed-bench: requirements/bench.txt pyproject.toml | $(BIN)/python
	$(call install_locked,bench)
	touch $@ $(VENV)/.installed-app

## make bench-bank-import: 5,000 questions through `flask bank import` from .xlsx and .docx, and hostile files
bench-bank-import: $(VENV)/.installed-app
	$(BIN)/python bench/bench_bank_import.py

## make bench-load: RESIDENTS (default 1000) residents against gunicorn + PostgreSQL
bench-load: $(VENV)/.installed-bench
	$(BIN)/python bench/bench_load.py

## make bench-save-cost: CPU per request of a one-line app, the app's stack, and a real save
bench-save-cost: $(VENV)/.installed-bench
	$(BIN)/python bench/bench_save_cost.py

## make bench-ranking: rank a round of 100,000 participants / 300,000 attempts on SQLite and
## PostgreSQL; sizes via BENCH_PARTICIPANTS / BENCH_ATTEMPTS (see bench/bench_ranking.py)
bench-ranking: $(VENV)/.installed-app
	$(BIN)/python bench/bench_ranking.py

## make bench-stats: dashboard and full export at 100k participants / 300k attempts / 6M items
## (BENCH_PARTICIPANTS, BENCH_ATTEMPTS, BENCH_ITEMS, BENCH_PG_URL, BENCH_SKIP_PG; see the script)
bench-stats: $(VENV)/.installed-test
	$(BIN)/python bench/bench_stats.py

## make bench-login: median time of a wrong sign-in for a known and an unknown username
bench-login: $(VENV)/.installed-app
	$(BIN)/python bench/bench_login_timing.py

## make bench-lighthouse: Lighthouse (npm, installed under bench/lighthouse/) with Debian's
## Chromium on the contest, registration, question and result pages; four scores per page
bench-lighthouse: $(VENV)/.installed-app
	$(BIN)/python bench/bench_lighthouse.py

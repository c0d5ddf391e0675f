# Every target creates the virtual environment first; only Python 3.11+ and make are needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test crawl bench lint clean

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "newswatch needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/newswatch demo

# A missing Chromium or redis-server stops `make test` under CI; elsewhere their tests skip.
test: $(STAMP)
	sh scripts/ensure-chromium.sh || test -z "$$CI"
	sh scripts/ensure-redis.sh || test -z "$$CI"
	$(BIN)/python -m pytest -q

crawl: $(STAMP)
	$(BIN)/newswatch crawl --db data/articles.db

bench: $(STAMP)
	$(BIN)/python -m benchmarks.extraction
	$(BIN)/python -m benchmarks.matching
	$(BIN)/python -m benchmarks.archive
	$(BIN)/python -m benchmarks.discovery
	bash scripts/ensure-nginx.sh
	$(BIN)/python -m benchmarks.crawl --pages 3000
	$(BIN)/python -m benchmarks.realpages --pages 1000,3000
	$(BIN)/python -m benchmarks.queries --articles 200000
	sh scripts/ensure-redis.sh || true
	$(BIN)/python -m benchmarks.distributed --pages 1500

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) data/demo.db reports/demo .pytest_cache bench-results

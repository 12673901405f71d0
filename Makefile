# Quipu: `make run` serves the archive on http://127.0.0.1:8000, `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

# The development set of real Cablegate pages with their ground truth, when it lies beside
# the checkout; the fidelity report is skipped without it.
DEV_SET ?= ../shared/corpus/wikileaks-dev

.PHONY: run test setup data lint pytest fidelity clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the pinned requirements change.
$(VENV)/.installed: $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

# Migrate, import the seeds and build the search index. Safe to run again:
# unchanged files are skipped and the index is rebuilt from the database.
data: setup
	$(MANAGE) migrate --noinput
	$(MANAGE) import_documents seeds
	$(MANAGE) rebuild_index --noinput
	ARCHIVE_HASHED_STATIC=1 $(MANAGE) collectstatic --noinput --verbosity 0

# gunicorn in the foreground; beside it, process_index_queue --follow applies the index updates
# a request leaves queued (a request applies only its share), and is stopped when gunicorn stops.
run: data
	@$(MANAGE) process_index_queue --follow & follower=$$!; \
	trap 'kill -TERM $$follower 2>/dev/null; wait $$follower' EXIT; \
	trap 'exit 130' INT; trap 'exit 143' TERM; \
	$(BIN)/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) archive.wsgi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run

pytest: setup
	@if command -v npm >/dev/null 2>&1 && [ -f tests/browser/package-lock.json ]; then \
		npm ci --silent --no-audit --no-fund --prefix tests/browser; fi
	$(BIN)/pytest

# A report, not a gate: how faithfully the importer reads the development set.
fidelity: setup
	@if [ -f $(DEV_SET)/manifest.jsonl ]; then \
		$(MANAGE) fidelity_report $(DEV_SET)/manifest.jsonl $(DEV_SET); \
	else echo "fidelity report skipped: no development set at $(DEV_SET)"; fi

test: data lint pytest fidelity

clean:
	rm -rf $(VENV) var test-output

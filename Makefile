# Everyday commands. `make` alone lists them. Each one sets up .venv first when needed.
# Without make, see "Without make" in README.md for the same steps as plain commands.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help demo workspace check test lint bench screenshots docs cog history lock clean

help: ## list the commands
	@echo "Usage: make <command>"
	@awk -F ':.*## ' '/^[a-z]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

demo: $(INSTALLED) ## run the fake Authy and the app (final, STAGE=04, or your code: DIR=workspace; APP_PORT=5050 FAKE_PORT=5002 move them); Ctrl-C stops both
	$(PY) -m tools.demo $(if $(STAGE),--stage $(STAGE)) $(if $(DIR),--dir $(DIR)) $(if $(APP_PORT),--app-port $(APP_PORT)) $(if $(FAKE_PORT),--phone-port $(FAKE_PORT))

workspace: $(INSTALLED) ## copy a stage into workspace/ to write the next chapter's code yourself (STAGE=04; FORCE=1 replaces your changes)
	$(PY) -m tools.workspace $(STAGE) $(if $(DIR),--dir $(DIR)) $(if $(filter-out 0,$(FORCE)),--force)

check: $(INSTALLED) ## check the code you wrote in workspace/ with a stage's tests and browser scenarios (STAGE=05 or verify-push, DIR=workspace)
	$(PY) -m tools.check $(STAGE) $(if $(DIR),--dir $(DIR))

test: $(INSTALLED) ## run every test: tests/, each stage, final, e2e/ (ARGS="e2e -- -k login")
	$(PY) -m tools.browser
	$(PY) -m tools.run_tests $(ARGS)

lint: $(INSTALLED) ## check the code with ruff (make test does too); ruff check --fix fixes most findings
	$(VENV)/bin/ruff check .

bench: $(INSTALLED) ## time Approve to signed in (N=20 TARGETS=05,06,final), then 200 logins at once with Locust (MATRIX=1: every configuration; RAMP=50,100,200,400: the knee; LOAD_ARGS="-u 100 --markdown": any option of python -m tools.load --help); WHAT=latency or WHAT=load: one of them
	@case "$(or $(WHAT),all)" in all|latency|load) ;; *) echo "WHAT=$(WHAT): choose latency, load or nothing (both)" >&2; exit 2;; esac
ifneq ($(WHAT),load)
	$(PY) -m tools.browser
	$(PY) -m tools.bench $(if $(N),-n $(N)) $(if $(TARGETS),--targets $(TARGETS)) $(ARGS)
endif
ifneq ($(WHAT),latency)
	$(PY) -m tools.load $(if $(filter-out 0,$(MATRIX)),--matrix) $(if $(RAMP),--ramp $(RAMP)) $(LOAD_ARGS)
endif

screenshots: $(INSTALLED) ## each chapter's pictures from its own stage (chapter 13's from verify-push), and the README's animation (final), into docs/images/ (STAGE=04 or STAGE=verify-push: one)
	$(PY) -m tools.browser
	$(PY) -m tools.screenshots $(if $(STAGE),--stage $(STAGE))

docs: $(INSTALLED) ## serve the chapters as a website on http://127.0.0.1:8000 (MkDocs)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs serve --no-strict

cog: $(INSTALLED) ## regenerate the code embedded in docs/ from the stage files
	$(VENV)/bin/cog -r -I . docs/*.md

history: $(INSTALLED) ## build history/, a git repository with one tagged commit per stage
	$(PY) -m tools.history

lock: $(INSTALLED) ## move every pin in requirements.txt to its newest release (from requirements.in)
	$(VENV)/bin/uv pip compile requirements.in -o requirements.txt --python-version 3.11 --upgrade \
		--custom-compile-command "make lock" --quiet
	@echo "requirements.txt is up to date; git diff requirements.txt shows the moved pins, make test tries them"

clean: ## remove test output, caches, history/ and the stages' databases and fake Authy states (keeps .venv and your code in workspace/)
	rm -rf test-results history .pytest_cache e2e/.pytest_cache tests/.pytest_cache
	rm -rf stages/*/instance final/instance instance stages/*/.pytest_cache final/.pytest_cache fake_authy.db
	rm -rf workspace/instance workspace/.pytest_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed (this is %s): make PYTHON=python3.12 ..." % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); echo "Could not create $(VENV). On Debian or Ubuntu: sudo apt-get install python3-venv" >&2; exit 1; }

# Installs again only when requirements.txt or pyproject.toml changed since the last time.
$(INSTALLED): requirements.txt pyproject.toml | $(PY)
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "$(VENV) has Python %s; 3.11 or newer is needed: rm -rf $(VENV), then make PYTHON=python3.12 ..." % sys.version.split()[0])'
	@echo "Installing the requirements into $(VENV) (the first time takes a minute or two)"
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

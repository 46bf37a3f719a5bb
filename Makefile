# ML in a Box: developer entry points. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
COLLECTION_LINK := .collections/ansible_collections/mlinabox/stack
export PATH := $(CURDIR)/$(BIN):$(PATH)


.PHONY: help setup box box-destroy bench reliability test test-heavy lint sanity unit bad-input molecule images fixture-repos build docs clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

setup: $(VENV)/.installed $(COLLECTION_LINK) ## Create .venv from requirements-dev.txt and make the checkout importable as mlinabox.stack

$(VENV)/.installed: requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --disable-pip-version-check -r requirements-dev.txt
	@touch $@

$(COLLECTION_LINK):
	@mkdir -p $(dir $@)
	@ln -sfn ../../.. $@

box: setup ## A local ML box in a container: site.yml (cpu profile), then verify.yml
	@bash tests/harness/box.sh

box-destroy: ## Remove the local box
	@bash tests/harness/box.sh destroy

test: setup ## Everything CI runs: lint, sanity, unit, bad input, collection build, every Molecule scenario
	@bash tests/harness/run-tests.sh

test-heavy: setup ## As `test`, plus the heavy scenarios (real CUDA toolkit, full frameworks)
	@MLBOX_HEAVY=1 bash tests/harness/run-tests.sh

lint: setup ## yamllint, ansible-lint (production profile), ruff
	yamllint --strict .
	ansible-lint --profile production
	ruff check .

sanity: setup ## ansible-test sanity on a staged copy of the collection
	bash tests/harness/sanity.sh

unit: setup ## pytest unit tests of the plugins
	pytest -q tests/unit

bad-input: setup images ## Table-driven bad-input suite against a test container
	pytest -q tests/integration

reliability: setup images fixture-repos ## Bad input, faults, check mode, security (~30 min); writes docs/reliability.md
	@bash tests/reliability/run.sh

images: ## Build the Debian 12/13 systemd test images (only when their recipe changed)
	bash tests/harness/build-images.sh

fixture-repos: setup ## Build and serve the fixture vendor apt repositories on 127.0.0.1
	bash tests/harness/fixture-repos.sh
	$(BIN)/python tests/harness/fixture_repos/serve.py start

molecule: setup images fixture-repos ## One Molecule scenario: make molecule S=preflight
	cd $(CURDIR) && molecule test -s $(S)

bench: setup images ## Benchmark, not a test (~20 min): converges, per-role times, uv vs pip, 3 hosts vs 1, downloads; writes docs/performance.md
	bash tests/bench/bench.sh

build: setup ## Build the collection tarball
	ansible-galaxy collection build --force

docs: setup ## Build the collection's documentation site (antsibull-docs) into build/docs-site
	@bash tests/harness/collection-docs.sh

clean: ## Remove build outputs (not .venv or the test images)
	rm -rf build artifacts mlinabox-stack-*.tar.gz

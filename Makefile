# Two commands set everything up on a machine with only Python >= 3.11 and make:
#   make run   - create .venv, install envspec, compile specs/ into build/ and show the result
#   make test  - create .venv with the test tools, run the whole suite (starts what it needs itself)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PYTEST_WORKERS ?= 2
# make test (and so CI) runs the property tests with thousands of examples; test-fast with a few dozen
HYPOTHESIS_PROFILE ?= ci
export HYPOTHESIS_PROFILE
# The real hashicorp/aws provider for tests/realtf comes from a filesystem mirror (the folder above
# registry.terraform.io/): set ENVSPEC_TF_PROVIDER_MIRROR yourself, or `make test` looks for it once.
# The search skips tests/tfcheck's stand-in provider (a script under any checkout's .cache/tfcheck/plugins).
FIND_TF_MIRROR = find / -xdev -path '*/tfcheck/plugins' -prune -o -path '*/registry.terraform.io/hashicorp/aws/*' -name 'terraform-provider-aws_v*' -print 2>/dev/null | head -n 1 | sed 's|/registry.terraform.io/.*||'

.PHONY: run test test-tools test-fast bench schema golden clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/envspec validate specs/
	$(BIN)/envspec compile specs/ --out build
	@echo
	@echo "Compiled into build/:"
	@find build -maxdepth 3 -type d | sort | sed 's/^/  /'

test: $(VENV)/.installed-test test-tools
	ENVSPEC_TF_PROVIDER_MIRROR="$${ENVSPEC_TF_PROVIDER_MIRROR:-$$($(FIND_TF_MIRROR))}" \
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -p no:cacheprovider --durations=25

# Tools of the slow tests beside Python: Graphviz renders `envspec graph --format dot` to PNG (installed
# from Debian's packages when missing and allowed), Node.js with npm runs Mermaid's own parser (its npm
# packages go to .cache/mermaid, installed by the test).
test-tools:
	@command -v dot >/dev/null 2>&1 || { \
	  echo "make test: Graphviz (dot) is missing; installing Debian's graphviz"; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO="sudo -n"; \
	  { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q graphviz; } >/dev/null \
	  || { echo "make test: could not install Graphviz: install it (apt-get install graphviz, brew install graphviz)"; exit 1; }; }
	@command -v npm >/dev/null 2>&1 || { echo "make test: Node.js with npm is missing (apt-get install nodejs npm): the Mermaid check needs it"; exit 1; }

test-fast: $(VENV)/.installed-test
	HYPOTHESIS_PROFILE=dev $(BIN)/python -m pytest -m "not slow" -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist worksteal

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/run.py

schema: $(VENV)/.installed
	$(BIN)/envspec schema --out schemas/envspec.schema.json

golden: $(VENV)/.installed-test
	$(BIN)/python -m pytest tests -k golden --update-golden -q -p no:cacheprovider

clean:
	rm -rf $(VENV) build .cache

# make demo / make test work on a fresh machine: they create .venv and install what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell $(PYTHON) -c "import hashlib,sys;print(hashlib.sha256(open('pyproject.toml','rb').read()).hexdigest()[:12])")

.PHONY: demo test bench install clean browser policy-pack

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	# the full development environment: the check path (base), the Pulumi program (deploy) and the tests
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,deploy]'
	# The real OPA engine in-process (the reference engine): it declares Requires-Python >= 3.14 but runs on 3.11.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --ignore-requires-python opa-golib-python-bindings==0.4.4
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

# The examples, then what a new user gets: `init` writes a repository (a temporary one, removed after) that passes `check`.
demo: $(STAMP)
	$(BIN)/llmops-iac check examples/
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && set -e && \
	  echo "\$$ llmops-iac init $$tmp/my-assistant" && $(BIN)/llmops-iac init "$$tmp/my-assistant" && \
	  echo "\$$ llmops-iac check $$tmp/my-assistant" && $(BIN)/llmops-iac check "$$tmp/my-assistant"

# The policy pack's own virtualenv (PulumiPolicy.yaml: virtualenv: venv), made here to use this checkout's .venv,
# so `pulumi preview --policy-pack llmops_iac/deploy/policypack` runs the code of the working tree. A published
# pack gets its venv from requirements.txt instead.
PACK ?= llmops_iac/deploy/policypack
policy-pack: $(STAMP)
	@test -x $(PACK)/venv/bin/python || $(BIN)/python -m venv --without-pip $(PACK)/venv
	@echo "import site; site.addsitedir('$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')')" \
	  > "$$($(PACK)/venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/llmops-iac-checkout.pth"
	@$(PACK)/venv/bin/python -c "import llmops_iac.deploy.policy_pack, pulumi_policy" && echo "$(PACK)/venv uses $(VENV)"

# Headless Chromium (Debian's package) for the maturity HTML report test; installed when missing and we can.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) ; } || \
	  echo "chromium not installed: the HTML rendering test will be skipped (set LLMOPS_REQUIRE_CHROMIUM=1 to fail instead)"

test: $(STAMP) browser
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .hypothesis test-artifacts

# ClipTools: convert CLIP checkpoints for TorchSharp and verify ports layer by layer.
# `make demo` and `make test` work on a fresh Debian 12 with the .NET SDK: `deps` installs the rest.

CONFIG ?= Release
PYTHON ?= /usr/bin/python3
DOTNET ?= dotnet
# Debian packages: PyTorch for the reference side, g++ and patchelf for TorchSharp's loader shim (native/),
# OpenBLAS so Debian's PyTorch does not fall back to the reference BLAS.
APT_PACKAGES := python3-torch python3-numpy patchelf g++ libopenblas0-pthread
VERIFY := $(DOTNET) verifier/bin/$(CONFIG)/net10.0/clip-verify.dll

.PHONY: all deps build test demo fixtures fixtures-check format clean

all: build

deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "missing Debian packages: $$missing (run: sudo apt-get install $$missing)"; exit 1; fi; \
	  echo "installing: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	$(DOTNET) build ClipTools.sln -c $(CONFIG) -nologo -v q

test: build fixtures-check
	$(DOTNET) format ClipTools.sln --verify-no-changes --no-restore
	$(DOTNET) test ClipTools.sln -c $(CONFIG) --no-build -nologo

demo: build
	@echo "Seed check (image of all 0.5, text of all ones): TorchSharp now, PyTorch as recorded in the fixtures"
	@$(VERIFY) seed fixtures/tiny/tiny_rn.dat fixtures/tiny/tiny_rn.fixture.safetensors \
	                fixtures/tiny/tiny_vit.dat fixtures/tiny/tiny_vit.fixture.safetensors

# Regenerates every committed fixture with real PyTorch (bit-identical to what is committed).
fixtures: deps
	$(PYTHON) fixtures/make_fixtures.py
	$(PYTHON) fixtures/formats/make_format_fixtures.py

# Fails when regenerating would change a committed fixture.
fixtures-check: deps
	$(PYTHON) fixtures/make_fixtures.py --check
	@tmp=$$(mktemp -d) && cp fixtures/formats/make_format_fixtures.py $$tmp/ && \
	$(PYTHON) $$tmp/make_format_fixtures.py >/dev/null && rm $$tmp/make_format_fixtures.py && \
	status=0; for f in $$tmp/*; do cmp -s $$f fixtures/formats/$$(basename $$f) || { echo "DIFFERS: fixtures/formats/$$(basename $$f)"; status=1; }; done; \
	rm -rf $$tmp; [ $$status = 0 ] && echo "OK: fixtures/formats regenerate bit-identically"; exit $$status

format:
	$(DOTNET) format ClipTools.sln

clean:
	$(DOTNET) clean ClipTools.sln -c $(CONFIG) -nologo -v q

# ClipTools: convert CLIP checkpoints for TorchSharp and verify ports layer by layer.
# `make demo` and `make test` work on a fresh Debian 12 with the .NET SDK: `deps` installs the rest.

SHELL := /bin/bash
CONFIG ?= Release
PYTHON ?= /usr/bin/python3
DOTNET ?= dotnet
# Debian packages: PyTorch for the reference side, g++ and patchelf for TorchSharp's loader shim (native/),
# OpenBLAS so Debian's PyTorch does not fall back to the reference BLAS, clang to link the NativeAOT clip-convert
# (make install, and make test's check of it; .NET 10's NativeAOT brings its own zlib, so no zlib1g-dev).
APT_PACKAGES := python3-torch python3-numpy patchelf g++ libopenblas0-pthread python3-regex python3-pil python3-torchvision clang
VERIFY := $(DOTNET) verifier/bin/$(CONFIG)/net10.0/clip-verify.dll
# libtorch warns on every convolution of a CPU that NNPACK does not support; harmless, and noise in the demo.
NO_NNPACK_NOISE := 2> >(grep -v 'Could not initialize NNPACK' >&2)
CONVERT := $(DOTNET) converter/bin/$(CONFIG)/net10.0/clip-convert.dll
CLIPRUN := $(DOTNET) cliprun/bin/$(CONFIG)/net10.0/clip-run.dll
# `make install`: clip-convert, clip-verify and clip-dump in $(PREFIX)/bin (packaging/install.sh)
PREFIX ?= $(HOME)/.local
# `make pack`: NuGet packages in out/packages; the repository URL from the origin remote unless given
REPOSITORY_URL ?= $(shell git remote get-url origin 2>/dev/null)
PACK_PROJECTS := checkpoints/Checkpoints.csproj clipmodel/ClipModel.csproj converter/Converter.csproj verifier/Verifier.csproj

.PHONY: fuzz fuzz-afl all deps build test demo fixtures fixtures-check format clean install uninstall pack pack-check input-bench bench judge-bench

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
	$(DOTNET) fuzz/bin/$(CONFIG)/net10.0/clip-fuzz.dll $(FUZZ_SMOKE_SECONDS) 1
	sh packaging/check_packages.sh "$(DOTNET)" "$(PYTHON)"
	sh packaging/check_aot.sh "$(DOTNET)" "$(CONFIG)"

demo: build
	@mkdir -p out/demo
	@echo "== clip-convert: the bundled released-style archives to TorchSharp weights"
	$(CONVERT) fixtures/tiny/tiny_rn.pt out/demo/tiny_rn.dat
	@$(CONVERT) fixtures/tiny/tiny_vit.pt out/demo/tiny_vit.dat >/dev/null
	@echo "== clip-verify: every tap of the TorchSharp model against PyTorch, chained and isolated"
	$(VERIFY) out/demo/tiny_rn.dat fixtures/tiny/tiny_rn.fixture.safetensors --report out/demo/report $(NO_NNPACK_NOISE)
	@echo "== seed check (image of all 0.5, text of all ones): TorchSharp now, PyTorch as recorded in the fixtures"
	@$(VERIFY) seed out/demo/tiny_rn.dat fixtures/tiny/tiny_rn.fixture.safetensors \
	                out/demo/tiny_vit.dat fixtures/tiny/tiny_vit.fixture.safetensors $(NO_NNPACK_NOISE)
	@echo "== clip-verify on a fixture with raw inputs (two captions, a JPEG and a PNG): clip-verify tokenizes and"
	@echo "   preprocesses them itself, judges input.tokens (exactly) and input.pixels (within 1/255), runs the model on them"
	$(VERIFY) fixtures/tiny/tiny_text.pt fixtures/tiny/tiny_text.fixture.safetensors --report out/demo/text-report $(NO_NNPACK_NOISE)
	@echo "== clip-run: the CLIP tokenizer, then zero-shot classify on tiny_text (CLIP's full vocabulary, random"
	@echo "   weights: the table shows the mechanics, the numbers mean nothing)"
	$(CLIPRUN) tokenize "a photo of a dog." "a photo of a cat."
	$(CLIPRUN) classify fixtures/tiny/tiny_text.pt --image fixtures/preprocessing/images/rgb_gradient_640x480.jpg \
	                --labels dog cat "red car" $(NO_NNPACK_NOISE)

# Regenerates every committed fixture with real PyTorch (bit-identical to what is committed).
fixtures: deps
	$(PYTHON) fixtures/make_fixtures.py
	$(PYTHON) fixtures/compact/make_compact_fixtures.py
	$(PYTHON) fixtures/formats/make_format_fixtures.py
	$(PYTHON) fixtures/layouts/make_layout_fixtures.py
	$(PYTHON) fixtures/verifier/make_metric_fixtures.py
	$(PYTHON) fixtures/verifier/make_dump_fixtures.py
	$(PYTHON) fixtures/verifier/faults/make_fault_fixtures.py
	$(PYTHON) fixtures/tutorial/make_tutorial_fixtures.py
	$(PYTHON) fixtures/activation/make_activation_fixtures.py
	$(PYTHON) fixtures/huggingface/make_hf_fixtures.py
	$(PYTHON) fixtures/tokenizer/make_unicode_tables.py
	$(PYTHON) fixtures/tokenizer/make_tokenizer_fixtures.py
	$(PYTHON) fixtures/preprocessing/make_preprocessing_fixtures.py
	$(PYTHON) fixtures/hostile/make_hostile.py

# Fails when regenerating would change a committed fixture: checkpoints, inputs and manifests bit for bit, computed
# activations and metrics within the cross-CPU tolerances of fixtures/regeneration_check.py (which the self-test
# shows do fail on a changed weight, input or activation).
fixtures-check: deps
	$(PYTHON) fixtures/make_fixtures.py --check
	sh fixtures/check_regeneration.sh $(PYTHON) fixtures/compact/make_compact_fixtures.py
	sh fixtures/check_regeneration.sh $(PYTHON) fixtures/formats/make_format_fixtures.py
	sh fixtures/check_regeneration.sh $(PYTHON) fixtures/layouts/make_layout_fixtures.py
	sh fixtures/check_regeneration.sh $(PYTHON) fixtures/hostile/make_hostile.py
	sh fixtures/check_regeneration.sh $(PYTHON) fixtures/verifier/make_metric_fixtures.py fixtures/verifier/make_dump_fixtures.py
	sh fixtures/check_regeneration.sh $(PYTHON) fixtures/verifier/faults/make_fault_fixtures.py
	sh fixtures/check_regeneration.sh $(PYTHON) fixtures/tutorial/make_tutorial_fixtures.py
	$(PYTHON) fixtures/activation/make_activation_fixtures.py --check
	$(PYTHON) fixtures/huggingface/make_hf_fixtures.py --check
	$(PYTHON) fixtures/tokenizer/make_unicode_tables.py --check
	$(PYTHON) fixtures/tokenizer/make_tokenizer_fixtures.py --check
	$(PYTHON) fixtures/preprocessing/make_preprocessing_fixtures.py --check
	$(PYTHON) -m unittest discover -s fixtures/tests

install: deps
	sh packaging/install.sh "$(PREFIX)" "$(DOTNET)" "$(PYTHON)" "$(CONFIG)"

uninstall:
	sh packaging/uninstall.sh "$(PREFIX)"

# The libraries (with XML docs; ClipTools.Model carries the GLIBCXX fix as buildTransitive targets) and the two
# tools as .NET tool packages (dotnet tool install --tool-path T --add-source out/packages clip-convert).
pack: deps
	rm -rf out/packages
	for p in $(PACK_PROJECTS); do \
	  $(DOTNET) pack $$p -c $(CONFIG) -nologo -v q -o out/packages $(if $(REPOSITORY_URL),-p:RepositoryUrl=$(REPOSITORY_URL)) || exit 1; \
	done
	@ls -l out/packages

# What a user outside the repository meets: the tool installed from the package, a console app on the library package.
pack-check: deps
	sh packaging/check_packages.sh "$(DOTNET)" "$(PYTHON)"

# Mutation fuzzer over every reader and the conversion pipeline, seeded from the committed fixtures (docs/security.md).
# `make test` runs a smoke of FUZZ_SMOKE_SECONDS with a fixed seed; `make fuzz SECONDS=600 [SEED=n]` a campaign.
SECONDS ?= 60
SEED ?=
FUZZ_SMOKE_SECONDS ?= 45
fuzz:
	$(DOTNET) build fuzz/Fuzz.csproj -c $(CONFIG) -nologo -v q
	$(DOTNET) fuzz/bin/$(CONFIG)/net10.0/clip-fuzz.dll $(SECONDS) $(SEED)

# Coverage-guided: AFL++ (Debian) drives the reader assembly instrumented by SharpFuzz (NuGet tool), for SECONDS.
fuzz-afl:
	@dpkg -s afl++ >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq afl++ >/dev/null; } || { echo "fuzz-afl needs afl++ (apt-get install afl++)"; exit 1; }
	[ -x out/fuzz-tools/sharpfuzz ] || $(DOTNET) tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path out/fuzz-tools
	rm -f fuzz/Afl/bin/$(CONFIG)/net10.0/ClipTools.Checkpoints.dll
	$(DOTNET) build fuzz/Afl/Afl.csproj -c $(CONFIG) -nologo -v q
	out/fuzz-tools/sharpfuzz fuzz/Afl/bin/$(CONFIG)/net10.0/ClipTools.Checkpoints.dll
	sh fuzz/Afl/run_afl.sh $(SECONDS) $(CONFIG)

format:
	$(DOTNET) format ClipTools.sln

clean:
	$(DOTNET) clean ClipTools.sln -c $(CONFIG) -nologo -v q

# Tokenizer throughput on one core; writes its section of docs/benchmarks.md.
input-bench: deps
	$(DOTNET) build bench/InputBench/InputBench.csproj -c $(CONFIG) -nologo -v q
	taskset -c 0 $(DOTNET) bench/InputBench/bin/$(CONFIG)/net10.0/input-bench.dll docs/benchmarks.md

# Not part of CI: full-size random-weight checkpoints (generated once into ~/.cache/cliptools-bench), the tools as
# make install builds them (installed into ~/.cache/cliptools-bench/install), clip-convert against the PyTorch way,
# PyBridge and the copy floor, the seed table, then every bench/sections/*.py; writes
# docs/benchmarks.md. See bench/run_bench.py. BENCH_ARGS=--quick: RN50 only, one rep, report in the cache folder.
bench: deps
	$(DOTNET) build converter/Converter.csproj -c Release -nologo -v q
	$(DOTNET) build verifier/Verifier.csproj -c Release -nologo -v q
	$(DOTNET) build bench/PyBridgeBench/PyBridgeBench.csproj -c Release -nologo -v q
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PYTHON) bench/run_bench.py $(BENCH_ARGS)

# Not part of CI: does the judgement hold on unseen models? Random tiny CLIPs from the PyTorch reference, dumped,
# converted and verified (false FAILs must be 0), and every fault of fixtures/reference/faults.py judged by
# clip-verify compare; writes the judge-bench section of docs/judgement.md. See bench/judge/judge_bench.py.
judge-bench: deps
	$(DOTNET) build converter/Converter.csproj -c Release -nologo -v q
	$(DOTNET) build verifier/Verifier.csproj -c Release -nologo -v q
	$(PYTHON) bench/judge/judge_bench.py $(JUDGE_BENCH_ARGS)

#!/bin/sh
# Usage: packaging/check_published.sh REFERENCE CANDIDATE [DOTNET]
# Runs two builds of clip-convert side by side on the committed fixtures and fails on any difference. Each of
# REFERENCE and CANDIDATE is a clip-convert.dll (run with DOTNET) or an executable (the NativeAOT binary).
# `make test` runs it with the build output (bin/) as REFERENCE and the NativeAOT binary install.sh would install as
# CANDIDATE (packaging/check_aot.sh), so trimming or AOT compilation cannot change what a user gets:
#   - inspect --json of every input fixture: same stdout, stderr and exit code;
#   - conversions of every input format (released TorchScript .pt, torch.save state dicts, legacy .pt, .pdparams,
#     safetensors with official and Hugging Face names, Hugging Face folder with config.json, the tutorial family
#     with its sidecar, .dat) to .dat, and a set of them to .safetensors and .pdparams, and one batch with --json:
#     the same output files byte for byte (sidecars too), stdout, stderr and exit code;
#   - every file in fixtures/hostile: the same one-line refusal, and the CANDIDATE exits 2, prints exactly one line
#     and leaves nothing behind.
set -eu
absolute() { case $1 in /*) echo "$1" ;; *) echo "$(pwd)/$1" ;; esac; }
reference=$(absolute "$1")
candidate=$(absolute "$2")
dotnet=${3:-dotnet}
root=$(cd "$(dirname "$0")/.." && pwd)
f=$root/fixtures
work=$(mktemp -d /tmp/cliptools-published-XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' HUP INT TERM  # sh runs the EXIT trap on exit, not on a signal
started=$(date +%s)

tool() {  # TOOL ARGS...: a .dll through dotnet, anything else as an executable
  t=$1
  shift
  case $t in
    *.dll) "$dotnet" "$t" "$@" ;;
    *) "$t" "$@" ;;
  esac
}

run_case() {  # NAME ARGS...: clip-convert ARGS run by both, in an empty folder each (outputs are relative names)
  name=$1
  shift
  for side in ref new; do
    [ $side = ref ] && t=$reference || t=$candidate
    mkdir -p "$work/$side/$name"
    rc=0
    (cd "$work/$side/$name" && tool "$t" "$@" >"$work/$side/$name.stdout" 2>"$work/$side/$name.stderr") || rc=$?
    echo "$rc" >"$work/$side/$name.exit"
    # absolute output paths differ only in the side's folder
    sed -i "s|$work/$side|WORK|g" "$work/$side/$name.stdout" "$work/$side/$name.stderr"
  done
}

# Two cases at a time: each is one process at a time, mostly the reference's start-up, and CI has two cores.
cases=0
check() {
  run_case "$@" &
  cases=$((cases + 1))
  [ $((cases % 2)) != 0 ] || wait
}

for input in "$f"/tiny/*.pt "$f"/tiny/*.dat "$f"/formats/*.pt "$f"/formats/*.pdparams "$f"/formats/*.safetensors \
    "$f"/formats/*.npz "$f"/layouts/*.pt "$f"/layouts/*.pdparams "$f"/layouts/*.safetensors "$f"/tutorial/*.pt \
    "$f"/huggingface/tiny_hf/model.safetensors; do
  check "inspect-$(basename "$(dirname "$input")")-$(basename "$input")" inspect "$input" --json
done

# Every input format to .dat. The layout fixtures without an activation in them take --act, as a user would give it.
for input in tiny/tiny_rn.pt tiny/tiny_vit.pt tiny/tiny_text.pt tiny/tiny_rn.dat layouts/rn_paddle_p2.pdparams \
    layouts/rn_paddle_p4.pdparams layouts/vit_paddle_p4.pdparams tutorial/tiny_tutorial.pt \
    huggingface/tiny_hf/model.safetensors; do
  check "dat-$(echo "$input" | tr / -)" "$f/$input" out.dat --json
done
for input in layouts/rn_legacy.pt layouts/rn_state_dict.pt layouts/rn_wrapped.pt layouts/rn_official.safetensors \
    layouts/vit_hf.safetensors; do
  check "dat-$(echo "$input" | tr / -)" "$f/$input" out.dat --act quick_gelu --json
done
# The other output formats, from each kind of input.
for input in tiny/tiny_rn.pt tiny/tiny_vit.pt layouts/rn_paddle_p4.pdparams huggingface/tiny_hf/model.safetensors; do
  for ext in safetensors pdparams; do
    check "$ext-$(echo "$input" | tr / -)" "$f/$input" "out.$ext" --json
  done
done
for ext in safetensors pdparams; do
  check "$ext-layouts-rn_state_dict.pt" "$f/layouts/rn_state_dict.pt" "out.$ext" --act quick_gelu --json
done
check "safetensors-tutorial" "$f/tutorial/tiny_tutorial.pt" out.safetensors --json
# A batch, one input of which is not CLIP: the JSON document lists both kinds.
check batch "$f/tiny/tiny_rn.pt" "$f/tiny/tiny_vit.pt" "$f/formats/legacy.pt" -o . --to safetensors --json

for input in "$f"/hostile/*; do
  case $input in *.py) continue ;; esac
  check "hostile-$(basename "$input")" "$input" out.dat
done
wait

hostile=0
for input in "$f"/hostile/*; do
  case $input in *.py) continue ;; esac
  name=hostile-$(basename "$input")
  [ "$(cat "$work/new/$name.exit")" = 2 ] \
    || { echo "FAIL: $candidate exits $(cat "$work/new/$name.exit") on $input, not 2"; exit 1; }
  [ "$(wc -l <"$work/new/$name.stderr")" = 1 ] && [ ! -s "$work/new/$name.stdout" ] \
    || { echo "FAIL: $candidate on $input does not print exactly one line:"; cat "$work/new/$name.stderr"; exit 1; }
  [ -z "$(ls -A "$work/new/$name")" ] \
    || { echo "FAIL: $candidate left files behind on $input: $(ls -A "$work/new/$name")"; exit 1; }
  hostile=$((hostile + 1))
done

if ! diff -r "$work/ref" "$work/new" >"$work/diff" 2>&1; then
  head -40 "$work/diff"
  echo "FAIL: $candidate differs from $reference (above: ref < > candidate)"
  exit 1
fi
echo "OK: $candidate = $reference on $cases runs (outputs, stdout, stderr, exit codes), $hostile hostile files refused with exit 2, one line, nothing left ($(($(date +%s) - started)) s)"

#!/bin/sh
# Usage: run_afl.sh SECONDS CONFIG. Runs AFL++ on the SharpFuzz-instrumented target for SECONDS, seeded with the
# committed fixtures under 64 kB (AFL works best on small inputs), then copies every crash and hang into
# fixtures/fuzz-findings/ as a regression file and prints AFL's figures.
set -eu
seconds=$1
config=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
work="$root/out/afl"
rm -rf "$work"
mkdir -p "$work/seeds"
for f in "$root"/fixtures/formats/* "$root"/fixtures/layouts/* "$root"/fixtures/hostile/* "$root"/fixtures/fuzz-findings/*; do
  [ -f "$f" ] || continue
  case "$f" in *.py|*.md|*.json) continue ;; esac
  [ "$(stat -c %s "$f")" -lt 65536 ] && cp "$f" "$work/seeds/"
done
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_SKIP_BIN_CHECK=1
timeout -s INT "$seconds" afl-fuzz -i "$work/seeds" -o "$work/out" -t 5000 -m none \
  -- dotnet "$root/fuzz/Afl/bin/$config/net10.0/clip-fuzz-afl.dll" > "$work/afl.log" 2>&1 || true
stats="$work/out/default/fuzzer_stats"
[ -f "$stats" ] || { tail -20 "$work/afl.log"; echo "afl-fuzz did not start"; exit 1; }
found=0
for f in "$work"/out/default/crashes/id* "$work"/out/default/hangs/id*; do
  [ -f "$f" ] || continue
  mkdir -p "$root/fixtures/fuzz-findings"
  name="finding-$(sha256sum "$f" | cut -c1-12).bin"
  cp "$f" "$root/fixtures/fuzz-findings/$name"
  echo "FINDING $name ($(basename "$(dirname "$f")"))"
  found=$((found + 1))
done
grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|bitmap_cvg|saved_crashes|saved_hangs) ' "$stats"
echo "afl: $found findings"
[ "$found" -eq 0 ]

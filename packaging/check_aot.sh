#!/bin/sh
# Usage: packaging/check_aot.sh [DOTNET] [CONFIG]     (part of `make test`, after the build)
# Publishes clip-convert as `make install` does (packaging/publish_aot.sh: NativeAOT, trimmed) and checks that the
# executable behaves exactly like the build output converter/bin/CONFIG/net10.0/clip-convert.dll on every fixture
# (packaging/check_published.sh): whatever the trimmer drops that reflection needs, or the AOT compiler does
# differently, shows up here as a different output, message or exit code.
set -eu
dotnet=${1:-dotnet}
config=${2:-Release}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/cliptools-aot-check-XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' HUP INT TERM  # sh runs the EXIT trap on exit, not on a signal
started=$(date +%s)
sh "$root/packaging/publish_aot.sh" "$work" "$dotnet" "$config" \
  || { echo "FAIL: could not publish clip-convert as NativeAOT (make deps installs clang)"; exit 1; }
echo "published in $(($(date +%s) - started)) s"
sh "$root/packaging/check_published.sh" "$root/converter/bin/$config/net10.0/clip-convert.dll" "$work/clip-convert" "$dotnet"

#!/bin/sh
# Usage: packaging/publish_aot.sh OUT [DOTNET] [CONFIG]
# Publishes clip-convert as a NativeAOT executable for this machine (packaging/host_rid.sh) and leaves only it in
# OUT/clip-convert: what `make install` installs and what `make test` checks against the build output
# (packaging/check_aot.sh). NativeAOT links with a C toolchain: clang, what the .NET SDK expects (make deps installs
# it), else gcc. Exits 1 with the reason when there is none or the build fails.
set -eu
out=$1
dotnet=${2:-dotnet}
config=${3:-Release}
root=$(cd "$(dirname "$0")/.." && pwd)
rid=$(sh "$root/packaging/host_rid.sh")
if command -v clang >/dev/null 2>&1; then
  compiler=clang
elif command -v gcc >/dev/null 2>&1; then
  compiler=gcc
else
  echo "no C toolchain (clang or gcc) to link a NativeAOT build" >&2
  exit 1
fi
work=$(mktemp -d /tmp/cliptools-aot-XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' HUP INT TERM  # sh runs the EXIT trap on exit, not on a signal
"$dotnet" publish "$root/converter/Converter.csproj" -c "$config" -r "$rid" -p:PublishAot=true \
  -p:CppCompilerAndLinker=$compiler -o "$work/publish" --nologo -v q >"$work/log" 2>&1 \
  || { tail -n 20 "$work/log" >&2; echo "the NativeAOT build of clip-convert for $rid with $compiler failed (above)" >&2; exit 1; }
mkdir -p "$out"
# only the executable: its symbols (.dbg) and the library's docs and pdb are for developers
cp "$work/publish/clip-convert" "$out/clip-convert"
echo "clip-convert: NativeAOT, $rid, linked with $compiler"

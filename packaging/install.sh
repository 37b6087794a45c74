#!/bin/sh
# Usage: packaging/install.sh PREFIX [DOTNET] [PYTHON] [CONFIG]     (what `make install` runs)
# Publishes the tools for this machine's runtime (linux-x64, linux-arm64, ...) into PREFIX/lib/cliptools and puts
# three commands in PREFIX/bin:
#   clip-convert   a NativeAOT executable (PREFIX/lib/cliptools/aot/clip-convert): no runtime to start and nothing to
#                  JIT, which were about a third of a conversion's CPU. Building it needs a C toolchain (clang, else
#                  gcc); without one, or if the native build fails, clip-convert is published like clip-verify and
#                  this script says so.
#   clip-verify    framework-dependent and ReadyToRun (precompiled for this runtime; TorchSharp cannot be compiled
#                  ahead of time), without tiered compilation, run with the dotnet found now (absolute path, so a
#                  later PATH without dotnet, or with another one first, does not matter). Plain framework-dependent if
#                  ReadyToRun cannot be built.
#   clip-dump      fixtures/dump_reference.py (copied with its reference/ package) run by PYTHON
#                  (/usr/bin/python3: Debian's PyTorch), whatever python3 comes first on PATH
# The .NET tools share one folder: they were built together against the same packages. The new tools are put
# together in a folder beside the old one and swapped in at the end, so a failed install leaves the old one working.
set -eu
prefix=$1
dotnet=${2:-dotnet}
python=${3:-/usr/bin/python3}
config=${4:-Release}
root=$(cd "$(dirname "$0")/.." && pwd)

dotnet_path=$(command -v "$dotnet") || { echo "install: $dotnet not found" >&2; exit 1; }
dotnet_path=$(readlink -f "$dotnet_path")
[ -x "$python" ] || { echo "install: $python not found (the PyTorch reference needs Debian's python3-torch)" >&2; exit 1; }

rid=$(sh "$root/packaging/host_rid.sh")

lib=$prefix/lib/cliptools
bin=$prefix/bin
mkdir -p "$prefix/lib" "$bin"
new=$lib.new-$$
log=$lib.log-$$
trap 'rm -rf "$new" "$log"' EXIT
trap 'exit 130' HUP INT TERM  # sh runs the EXIT trap on exit, not on a signal
rm -rf "$new"
mkdir -p "$new"

publish_framework_dependent() {  # PROJECT NAME ARGS...: ReadyToRun for this runtime, else plain IL
  project=$1
  name=$2
  shift 2
  "$dotnet_path" publish "$root/$project" -c "$config" -r "$rid" --self-contained false -p:PublishReadyToRun=true \
    -o "$new" --nologo -v q "$@" >"$log" 2>&1 && return 0
  tail -n 20 "$log" >&2
  echo "install: $name: the ReadyToRun publish for $rid failed (above); publishing it without precompilation" >&2
  "$dotnet_path" publish "$root/$project" -c "$config" -o "$new" --nologo -v q "$@"
}

# ReadyToRun code is final without tiered compilation, and what it lacks is compiled once, optimised: recompiling the
# hot methods (~700 on an RN50 verification) cost ~0.3 s of CPU beside the judging, more than it gained in a run of
# seconds (docs/benchmarks.md).
publish_framework_dependent verifier/Verifier.csproj clip-verify -p:TieredCompilation=false
convert_mode=native
if ! sh "$root/packaging/publish_aot.sh" "$new/aot" "$dotnet_path" "$config"; then
  echo "install: clip-convert is installed framework-dependent instead: the same conversions, started by dotnet" >&2
  echo "         (precompiled ReadyToRun, JIT where it must: about 0.1-0.2 s more per run)." >&2
  echo "         For the native build: apt-get install clang, then install again." >&2
  # Tiered compilation would recompile the hot loops twice: once at full optimisation is cheaper for a conversion.
  # After clip-verify: its copy of clip-convert (a project reference) is replaced by this one.
  publish_framework_dependent converter/Converter.csproj clip-convert -p:TieredCompilation=false
  convert_mode=dotnet
fi

mkdir -p "$new/clip-dump/reference"
cp "$root/fixtures/dump_reference.py" "$new/clip-dump/"
cp "$root"/fixtures/reference/*.py "$new/clip-dump/reference/"

# Swap the new tools in, then write the commands that point at them.
rm -rf "$lib.old-$$"
[ ! -e "$lib" ] || mv "$lib" "$lib.old-$$"
mv "$new" "$lib"
rm -rf "$lib.old-$$"

wrapper() {  # NAME COMMAND...: an sh script that execs COMMAND with the caller's arguments
  name=$1
  shift
  {
    echo "#!/bin/sh"
    echo "# Installed by ClipTools' make install; remove with make uninstall."
    printf 'exec'
    for word in "$@"; do printf " '%s'" "$(printf '%s' "$word" | sed "s/'/'\\\\''/g")"; done
    echo ' "$@"'
  } > "$bin/$name.tmp"
  chmod 755 "$bin/$name.tmp"
  mv "$bin/$name.tmp" "$bin/$name"
}
if [ "$convert_mode" = native ]; then
  wrapper clip-convert "$lib/aot/clip-convert"
else
  wrapper clip-convert "$dotnet_path" "$lib/clip-convert.dll"
fi
wrapper clip-verify "$dotnet_path" "$lib/clip-verify.dll"
wrapper clip-dump "$python" "$lib/clip-dump/dump_reference.py"

echo "installed clip-convert ($([ "$convert_mode" = native ] && echo "NativeAOT, $rid" || echo "framework-dependent")), clip-verify (framework-dependent, $rid) and clip-dump in $bin (tools in $lib)"
case ":$PATH:" in
  *":$bin:"*) ;;
  *) echo "note: $bin is not on PATH; add it, e.g. export PATH=\"$bin:\$PATH\"" ;;
esac

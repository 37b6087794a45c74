#!/bin/sh
# Usage: packaging/install.sh PREFIX [DOTNET] [PYTHON] [CONFIG]     (what `make install` runs)
# Publishes clip-convert and clip-verify into PREFIX/lib/cliptools and puts three commands in PREFIX/bin:
#   clip-convert, clip-verify   run the published tools with the dotnet found now (absolute path, so a later PATH
#                               without dotnet, or with another one first, does not matter)
#   clip-dump                   fixtures/dump_reference.py (copied with its reference/ package) run by PYTHON
#                               (/usr/bin/python3: Debian's PyTorch), whatever python3 comes first on PATH
# The two tools share one folder: they were built together against the same packages.
set -eu
prefix=$1
dotnet=${2:-dotnet}
python=${3:-/usr/bin/python3}
config=${4:-Release}
root=$(cd "$(dirname "$0")/.." && pwd)

dotnet_path=$(command -v "$dotnet") || { echo "install: $dotnet not found" >&2; exit 1; }
dotnet_path=$(readlink -f "$dotnet_path")
[ -x "$python" ] || { echo "install: $python not found (the PyTorch reference needs Debian's python3-torch)" >&2; exit 1; }

lib=$prefix/lib/cliptools
bin=$prefix/bin
mkdir -p "$lib" "$bin"
for project in converter/Converter.csproj verifier/Verifier.csproj; do
  "$dotnet_path" publish "$root/$project" -c "$config" -o "$lib" --nologo -v q
done

rm -rf "$lib/clip-dump"
mkdir -p "$lib/clip-dump/reference"
cp "$root/fixtures/dump_reference.py" "$lib/clip-dump/"
cp "$root"/fixtures/reference/*.py "$lib/clip-dump/reference/"

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
wrapper clip-convert "$dotnet_path" "$lib/clip-convert.dll"
wrapper clip-verify "$dotnet_path" "$lib/clip-verify.dll"
wrapper clip-dump "$python" "$lib/clip-dump/dump_reference.py"

echo "installed clip-convert, clip-verify and clip-dump in $bin (tools in $lib)"
case ":$PATH:" in
  *":$bin:"*) ;;
  *) echo "note: $bin is not on PATH; add it, e.g. export PATH=\"$bin:\$PATH\"" ;;
esac

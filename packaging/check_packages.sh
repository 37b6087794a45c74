#!/bin/sh
# Usage: packaging/check_packages.sh [DOTNET] [PYTHON]     (what `make pack-check` runs)
# Packs clip-convert and the two libraries as `make pack` does (into a temporary folder; the clip-verify tool package,
# which bundles libtorch, is left to `make pack`), then checks them as a user would meet them, outside the repository:
#   1. the clip-convert tool package is under 20 MB, installs with `dotnet tool install --tool-path T --add-source`,
#      shows its help and converts fixtures/tiny/tiny_vit.pt;
#   2. a console app in a temporary folder references the ClipTools.Model library package (which brings the
#      GLIBCXX fix as buildTransitive targets), loads fixtures/tiny/tiny_rn.pt in process (ClipModel.Load) and
#      prints the seed logit, which must match the PyTorch value recorded in the fixture.
set -eu
dotnet=${1:-dotnet}
python=${2:-/usr/bin/python3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/cliptools-packages-XXXXXX)
trap 'rm -rf "$work"' EXIT
packages=$work/packages
for project in checkpoints/Checkpoints.csproj clipmodel/ClipModel.csproj converter/Converter.csproj; do
  "$dotnet" pack "$root/$project" -c Release -nologo -v q -o "$packages" >/dev/null
done

tool=$(ls "$packages"/clip-convert.*.nupkg)
version=$(basename "$tool" .nupkg | sed 's/^clip-convert\.//')
size=$(stat -c %s "$tool")
echo "clip-convert package: $(basename "$tool"), $size bytes"
[ "$size" -lt $((20 * 1024 * 1024)) ] || { echo "FAIL: clip-convert package is over 20 MB"; exit 1; }

# NuGet caches a package by id and version: drop earlier copies of these, so what is checked is what was just packed.
cache=$("$dotnet" nuget locals global-packages --list | sed 's/^[^:]*: *//')
rm -rf "$cache/clip-convert/$version" "$cache/cliptools.model/$version" "$cache/cliptools.checkpoints/$version"

"$dotnet" tool install clip-convert --version "$version" --tool-path "$work/tools" --add-source "$packages" >/dev/null
"$work/tools/clip-convert" --help | grep -q "clip-convert IN OUT" || { echo "FAIL: clip-convert --help"; exit 1; }
"$work/tools/clip-convert" "$root/fixtures/tiny/tiny_vit.pt" "$work/tiny_vit.dat" -q
[ -s "$work/tiny_vit.dat" ] || { echo "FAIL: the installed clip-convert wrote nothing"; exit 1; }
echo "OK: dotnet tool install clip-convert: --help and a conversion work"

mkdir -p "$work/consumer"
sed "s/@VERSION@/$version/" "$root/packaging/consumer/Consumer.csproj.in" > "$work/consumer/Consumer.csproj"
cp "$root/packaging/consumer/Program.cs" "$work/consumer/"
cat > "$work/consumer/nuget.config" <<CONFIG
<configuration>
  <packageSources>
    <add key="cliptools-local" value="$packages" />
  </packageSources>
</configuration>
CONFIG
(cd "$work/consumer" && "$dotnet" build -c Release -nologo -v q -o "$work/consumer/bin" >"$work/build.log" 2>&1) \
  || { cat "$work/build.log"; echo "FAIL: the consumer app does not build against the packages"; exit 1; }
logit=$(cd "$work" && "$dotnet" "$work/consumer/bin/Consumer.dll" "$root/fixtures/tiny/tiny_rn.pt" 2>"$work/run.log") \
  || { grep -v NNPACK "$work/run.log"; echo "FAIL: the consumer app did not run"; exit 1; }
echo "consumer app outside the repository: seed logit of tiny_rn.pt = $logit"
"$python" - "$root/fixtures/tiny/tiny_rn.fixture.safetensors" "$logit" <<'PY'
import sys
sys.path.insert(0, sys.argv[1].rsplit("/fixtures/", 1)[0] + "/fixtures/reference")
from safetensors_file import read_safetensors
tensors, _ = read_safetensors(sys.argv[1])
expected = float(tensors["output.seed_logit"].ravel()[0])
got = float(sys.argv[2])
# float32 TorchSharp against PyTorch's float64: a few float32 ulps of a logit of order 1
if abs(got - expected) > 1e-4 * max(1.0, abs(expected)):
    sys.exit(f"FAIL: seed logit {got} but PyTorch float64 gives {expected}")
print(f"OK: matches PyTorch's {expected:.6f}")
PY

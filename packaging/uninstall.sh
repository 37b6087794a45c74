#!/bin/sh
# Usage: packaging/uninstall.sh PREFIX   (what `make uninstall` runs): removes what install.sh put there.
set -eu
prefix=$1
for name in clip-convert clip-verify clip-dump; do
  # only our own wrappers, never a same-named command installed by something else
  if [ -f "$prefix/bin/$name" ] && grep -q "Installed by ClipTools" "$prefix/bin/$name"; then rm -f "$prefix/bin/$name"; fi
done
rm -rf "$prefix/lib/cliptools"
# what an interrupted install.sh left beside it (its new folder, log, or the old folder being swapped out)
rm -rf "$prefix"/lib/cliptools.new-* "$prefix"/lib/cliptools.old-* "$prefix"/lib/cliptools.log-*
echo "removed ClipTools from $prefix"

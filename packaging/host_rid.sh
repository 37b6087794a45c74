#!/bin/sh
# Usage: packaging/host_rid.sh     prints this machine's .NET runtime identifier as the runtime packs name it
# (linux-x64, linux-arm64, linux-musl-x64, ...): what install.sh publishes the tools for.
set -eu
case $(uname -m) in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) arch=$(uname -m) ;;
esac
if ldd --version 2>&1 | grep -qi musl; then echo "linux-musl-$arch"; else echo "linux-$arch"; fi

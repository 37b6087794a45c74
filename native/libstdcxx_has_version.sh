#!/bin/sh
# Prints "present" if the libstdc++.so.6 that the system loader resolves (first
# x86-64 entry of the ld.so cache) defines the symbol version given as $1,
# "missing" if it does not, "unknown" if no libstdc++.so.6 is found.
# libstdc++ stores the names of the versions it defines as plain strings, so a
# GCC 12 library simply does not contain "GLIBCXX_3.4.32".
version=${1:?usage: $0 VERSION}
ldconfig=/sbin/ldconfig
[ -x "$ldconfig" ] || ldconfig=ldconfig
lib=$("$ldconfig" -p | sed -n 's/^[[:space:]]*libstdc++\.so\.6 (libc6,x86-64[^)]*) => //p' | head -n 1)
if [ -z "$lib" ] || [ ! -r "$lib" ]; then
    echo unknown
elif grep -qF "$version" "$lib"; then
    echo present
else
    echo missing
fi

#!/usr/bin/env bash
# Builds a program the way lvsctl ships to a director: release, and one statically linked
# executable (Swift runtime, Foundation, libnl, libyaml and glibc inside), so the director
# needs nothing installed and every run starts without the dynamic loader.
#
#   scripts/build-release.sh [PRODUCT]     PRODUCT: lvsctl (default) or lvsctl-bench
#
# Prints the path of the program. The scratch directory is $LVSCTL_SCRATCH, else .build.
#
# Why static: loading and relocating libstdc++, libnl and libyaml took a tenth of a second of
# every run in the emulated VM, a tenth of a no-op plan of 16,000 services. The program is not
# position-independent: a static-pie build (with lld; gold cannot link one) crashed at start.
#
# The linker warns that getpwuid_r, getgrgid_r, getaddrinfo and the like need glibc's shared
# libraries at run time in a static program. Foundation and libnl bring those functions along;
# lvsctl calls none of them (it looks up no user, group, host or protocol name).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
product=${1:-lvsctl}
scratch=${LVSCTL_SCRATCH:-$repo/.build}

(cd "$repo" && swift build -c release -Xswiftc -static-executable --scratch-path "$scratch" --product "$product" >&2)
echo "$scratch/release/$product"

#!/usr/bin/env bash
# Planner benchmark, no kernel: `lvsctl plan --live` on a table of 16,000 services x 4 servers,
# for three cases — an empty live table (everything created), an identical one (no-op), and one
# with 1% of the servers' weights changed. Prints each phase's median time (--timings) and the
# peak memory of the whole process.
#
#   scripts/bench-plan.sh [RUNS]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-5}
services=16000
servers_per_service=4

command -v /usr/bin/time > /dev/null || { sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo; $sudo apt-get install -y -qq time > /dev/null; }
lvsctl=$("$repo/scripts/build-release.sh")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$repo/scripts/make-table.sh" "$services" "$servers_per_service" > "$work/same.ipvsadm"
"$lvsctl" import "$work/same.ipvsadm" > "$work/table.yaml"
echo "-C" > "$work/empty.ipvsadm"
awk 'NR % 500 == 2 { sub(/-w [0-9]+/, "-w 9") } { print }' "$work/same.ipvsadm" > "$work/changed.ipvsadm"

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for case in empty same changed; do
  : > "$work/timings"
  for ((run = 1; run <= runs; run++)); do
    /usr/bin/time -f "maxrss_kib %M" "$lvsctl" plan -f "$work/table.yaml" --live "$work/$case.ipvsadm" --timings \
      > /dev/null 2>> "$work/timings" || true
  done
  printf '%-8s' "$case:"
  for phase in "load config" "read snapshot" "plan" "render"; do
    printf ' %s %.3f s |' "$phase" "$(grep "timing: $phase:" "$work/timings" | sed 's/.*: \([0-9.]*\) s/\1/' | median)"
  done
  printf ' peak memory %s MiB\n' "$(( $(grep maxrss_kib "$work/timings" | awk '{ print $2 }' | median) / 1024 ))"
done

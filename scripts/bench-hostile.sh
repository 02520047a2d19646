#!/usr/bin/env bash
# Hostile and oversized configs against `lvsctl validate` (and import for a large table): each
# must be accepted or refused, with its place, in well under 2 s and 500 MB. Prints per file its
# size, the wall time, the peak memory of the whole process, the exit code and the first line
# lvsctl printed.
#
#   scripts/bench-hostile.sh
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

command -v /usr/bin/time > /dev/null || { sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo; $sudo apt-get install -y -qq time > /dev/null; }
lvsctl=$("$repo/scripts/build-release.sh")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work" <<'PY'
import sys
work = sys.argv[1]
def write(name, text):
    open(f"{work}/{name}", "w").write(text)
big = "[" + ",".join(["x"] * 2000) + "]"
# Anchors that each hold the one before: every anchor keeps its subtree again.
write("nested-anchors.yaml", "version: 1\nservices: []\nx-a0: &a0 " + big + "\n"
      + "".join(f"x-a{i}: &a{i} [*a{i-1}, {big if i % 100 == 0 else 'y'}]\n" for i in range(1, 3000)))
# Merges that each bring in the one before: quadratic in the number of keys.
write("nested-merges.yaml", "version: 1\nservices: []\nx-m0: &m0 {k0: 1}\n"
      + "".join(f"x-m{i}: &m{i} {{<<: *m{i-1}, k{i}: 1}}\n" for i in range(1, 6000)))
# The billion laughs.
write("billion-laughs.yaml", "version: 1\nservices: []\nx-l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
      + "".join(f"x-l{i}: &l{i} [" + ", ".join([f"*l{i-1}"] * 10) + "]\n" for i in range(1, 10)))
# Nesting: a megabyte of '[' and a block mapping 1,500 levels deep.
write("deep-flow.yaml", "version: 1\nservices: []\nx-deep: " + "[" * 1_000_000 + "\n")
write("deep-block.yaml", "version: 1\nservices: []\nx-deep:\n" + "".join(" " * i + "k:\n" for i in range(1, 1500)))
# Five megabytes of long scalars and unknown keys.
write("wide.yaml", "version: 1\nservices: []\n" + "".join(f"x-k{i}: {'v' * 5000}\n" for i in range(1000)))
# 16,000 services whose names are 255 bytes, 4 servers each.
write("long-names.yaml", "version: 1\nservices:\n" + "".join(
    f"  - name: {str(i).rjust(255, 'n')}\n    vip: 198.51.100.{i % 250 + 1}\n    port: {1000 + i // 250}\n    servers:\n"
    + "".join(f"      - {{ address: 203.0.113.{s}, port: 8080, forward: nat }}\n" for s in range(1, 5))
    for i in range(16000)))
PY
"$repo/scripts/make-table.sh" 50000 4 > "$work/table-50000x4.ipvsadm"

measure() {
  local label=$1; shift
  local out="$work/out" status=0
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$out" 2>&1 || status=$?
  read -r seconds kib < <(tail -n 1 "$work/time")
  printf '%-28s %6.2f s %6d MiB  exit %d  %s\n' "$label" "$seconds" $((kib / 1024)) "$status" "$(head -c 150 "$out" | head -n 1)"
}

printf '%-28s %8s %10s  %s\n' "file (size)" "time" "memory" "result"
for file in nested-anchors nested-merges billion-laughs deep-flow deep-block wide long-names; do
  measure "$file ($(( $(stat -c %s "$work/$file.yaml") / 1024 )) KiB)" "$lvsctl" validate -f "$work/$file.yaml"
done
measure "import 50,000 x 4" sh -c '"$1" import "$2" > "$3"' sh "$lvsctl" "$work/table-50000x4.ipvsadm" "$work/table-50000x4.yaml"
measure "validate 50,000 x 4 ($(( $(stat -c %s "$work/table-50000x4.yaml") / 1048576 )) MiB)" "$lvsctl" validate -f "$work/table-50000x4.yaml"
echo "-C" > "$work/empty.ipvsadm"
measure "plan JSON, long names (bytes)" sh -c '"$1" plan -f "$2" --live "$3" --output json 2>/dev/null | wc -c' sh "$lvsctl" "$work/long-names.yaml" "$work/empty.ipvsadm"

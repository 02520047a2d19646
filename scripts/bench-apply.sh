#!/usr/bin/env bash
# Write benchmark, in the VM, on a table of 16,000 services x 4 servers:
#   - `lvsctl apply` from an empty table vs `ipvsadm -R` of the same table,
#   - a no-op `lvsctl plan` vs `ipvsadm -Sn`,
#   - the number of kernel writes a one-server change costs (must be 1).
#
#   scripts/bench-apply.sh [RUNS]       on the host: builds lvsctl as for a director
#                                       (scripts/build-release.sh), boots the VM
#   scripts/bench-apply.sh --inside N LVSCTL   (what runs in the VM)
#
# Every time is the wall time of the whole command, process start included; runs alternate.
# lvsctl also prints its phases (--timings) to standard error.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
services=16000
servers_per_service=4

if [[ ${1:-} != --inside ]]; then
  runs=${1:-3}
  lvsctl=$("$repo/scripts/build-release.sh")
  exec "$repo/scripts/vm-run.sh" --memory 2G -- "$repo/scripts/bench-apply.sh" --inside "$runs" "$lvsctl"
fi
runs=$2
work=$(mktemp -d)
# Both programs run from the VM's memory, as from a director's disk, not over the 9p share
# that holds this checkout (which reads a program's pages again at every start).
cp "$3" "$(command -v ipvsadm)" "$work/"
lvsctl=$work/lvsctl
ipvsadm=$work/ipvsadm
export HOME=$work
modprobe ip_vs

"$repo/scripts/make-table.sh" "$services" "$servers_per_service" > "$work/table.ipvsadm"
"$lvsctl" import "$work/table.ipvsadm" > "$work/table.yaml"
# One server's weight changes: the first '-a' line's server, weight 1 -> 7.
sed '0,/weight: 1 }/s//weight: 7 }/' "$work/table.yaml" > "$work/changed.yaml"
echo "table: $services services x $servers_per_service servers ($(wc -l < "$work/table.yaml") lines of YAML)"

# Every write runs in a network namespace of its own, so that it starts from an empty table
# *and* an empty dest trash: the kernel keeps deleted servers for one to two minutes and
# scans that list on every server add, which after a flush of this table made either tool
# several times slower depending on which ran first. A namespace's table is flushed, untimed,
# once its measurements are done: the kernel keeps the services of every namespace in one
# hash table of 256 buckets, so tables left behind lengthened every later look-up (both tools
# ran slower run after run), where a director holds one table.
wall() { local start; start=$(date +%s.%N); "$@" > /dev/null; echo "$(date +%s.%N) - $start" | bc; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
restore() { in_ns "$1" "$ipvsadm" -R < "$work/table.ipvsadm"; }
apply() { in_ns "$1" "$lvsctl" apply -f "$work/table.yaml" --yes --allow-mass-delete --timings; }
plan() { in_ns "$1" "$lvsctl" plan -f "$work/table.yaml" --detailed-exitcode --timings; }

declare -a t_restore t_apply t_plan t_save
for ((run = 1; run <= runs; run++)); do
  for ns in "bench-restore-$run" "bench-apply-$run"; do
    ip netns add "$ns"
    # Up, lo gives the namespace its local routing table, without which the kernel refuses
    # every server (EINVAL: it cannot tell the address type).
    ip -n "$ns" link set lo up
  done
  t_restore+=("$(wall restore "bench-restore-$run")")
  in_ns "bench-restore-$run" "$ipvsadm" -C
  t_apply+=("$(wall apply "bench-apply-$run")")
  t_plan+=("$(wall plan "bench-apply-$run")")
  t_save+=("$(wall in_ns "bench-apply-$run" "$ipvsadm" -Sn)")
  ((run == runs)) || in_ns "bench-apply-$run" "$ipvsadm" -C
  echo "run $run: ipvsadm -R ${t_restore[-1]} s | lvsctl apply ${t_apply[-1]} s | lvsctl plan (no-op) ${t_plan[-1]} s | ipvsadm -Sn ${t_save[-1]} s"
done

last=bench-apply-$runs
writes=$(in_ns "$last" "$lvsctl" plan -f "$work/changed.yaml" --output ipvsadm | grep -c '^ipvsadm ' || true)
in_ns "$last" "$lvsctl" apply -f "$work/changed.yaml" --yes > "$work/apply-one.txt"

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
m_restore=$(median "${t_restore[@]}"); m_apply=$(median "${t_apply[@]}")
m_plan=$(median "${t_plan[@]}"); m_save=$(median "${t_save[@]}")
echo
echo "median ipvsadm -R          : $m_restore s"
echo "median lvsctl apply (empty): $m_apply s"
echo "apply / ipvsadm -R         : $(echo "scale=3; $m_apply / $m_restore" | bc)  (goal <= 0.2)"
echo "median ipvsadm -Sn         : $m_save s"
echo "median lvsctl plan (no-op) : $m_plan s"
echo "plan / ipvsadm -Sn         : $(echo "scale=3; $m_plan / $m_save" | bc)  (goal <= 0.2)"
echo "kernel writes for a one-server change: $writes ($(tail -n 1 "$work/apply-one.txt"))"
